#!/usr/bin/env python3
"""Checks that a file is Prometheus text exposition format 0.0.4, as a scraper would read it.

Parses with prometheus_client's own parser (text_string_to_metric_families), then adds the
checks that parser leaves to the server: only the escapes Prometheus accepts, every family has exactly one HELP and one TYPE line,
no family or sample appears twice, the text ends with a newline, and every histogram has
cumulative buckets ending in le="+Inf" whose count equals _count. Prints one line per family
(name, type, number of samples); exits 1 with a message naming the problem otherwise.

  .venv/bin/python tests/tools/check_prometheus.py FILE
"""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


class Invalid(Exception):
    pass


def check_comments(text):
    """HELP and TYPE once per family, and a TYPE for each HELP (the parser tolerates both)."""
    seen = {"HELP": set(), "TYPE": set()}
    for number, line in enumerate(text.split("\n"), 1):
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[0] == "#" and parts[1] in seen:
            kind, name = parts[1], parts[2]
            if name in seen[kind]:
                raise Invalid(f"line {number}: second {kind} line for {name}")
            seen[kind].add(name)
    if seen["HELP"] != seen["TYPE"]:
        odd = sorted(seen["HELP"] ^ seen["TYPE"])
        raise Invalid(f"families without both HELP and TYPE: {', '.join(odd)}")


def check_escapes(text):
    """Only the escapes Prometheus' own (Go) parser accepts, which Python's lets through:
    \\, \" and \n inside label values; \\ and \n in HELP text."""
    for number, line in enumerate(text.split("\n"), 1):
        help_line = line.startswith("# HELP ")
        if line.startswith("#") and not help_line:
            continue
        allowed = "\\n" if help_line else '\\"n'
        in_text = help_line  # a HELP line is text throughout; a sample only inside quotes
        i = 0
        while i < len(line):
            if line[i] == '"' and not help_line:
                in_text = not in_text
            elif line[i] == "\\" and in_text:
                if i + 1 >= len(line) or line[i + 1] not in allowed:
                    raise Invalid(f"line {number}: invalid escape sequence at column {i + 1}")
                i += 1
            i += 1


def check_histogram(family):
    series = {}
    for s in family.samples:
        labels = {k: v for k, v in s.labels.items() if k != "le"}
        key = tuple(sorted(labels.items()))
        entry = series.setdefault(key, {"buckets": [], "count": None, "sum": None})
        if s.name.endswith("_bucket"):
            if "le" not in s.labels:
                raise Invalid(f"{s.name}{labels}: bucket without le")
            entry["buckets"].append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_count"):
            entry["count"] = s.value
        elif s.name.endswith("_sum"):
            entry["sum"] = s.value
    for key, entry in series.items():
        where = f"{family.name}{dict(key)}"
        buckets = entry["buckets"]
        if not buckets or buckets[-1][0] != math.inf:
            raise Invalid(f"{where}: no le=\"+Inf\" bucket last")
        bounds = [b for b, _ in buckets]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise Invalid(f"{where}: bucket bounds not strictly increasing: {bounds}")
        counts = [c for _, c in buckets]
        if counts != sorted(counts):
            raise Invalid(f"{where}: bucket counts not cumulative: {counts}")
        if entry["count"] is None or entry["sum"] is None:
            raise Invalid(f"{where}: _count or _sum missing")
        if entry["count"] != counts[-1]:
            raise Invalid(f"{where}: _count {entry['count']} != +Inf bucket {counts[-1]}")


def check(text):
    if text and not text.endswith("\n"):
        raise Invalid("the text does not end with a newline")
    check_comments(text)
    check_escapes(text)
    families = []
    names = set()
    samples = set()
    for family in text_string_to_metric_families(text):
        if family.name in names:
            raise Invalid(f"family {family.name} appears twice")
        names.add(family.name)
        if family.type == "unknown":
            raise Invalid(f"family {family.name} has no TYPE")
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in samples:
                raise Invalid(f"sample {s.name}{s.labels} appears twice")
            samples.add(key)
        if family.type == "histogram":
            check_histogram(family)
        families.append(family)
    return families


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} FILE", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            text = f.read()  # Prometheus requires UTF-8: a bad byte is a ValueError here
        families = check(text)
    except (Invalid, ValueError, KeyError, IndexError, TypeError) as e:
        # The parser reports bad lines as ValueError and, for some malformed labels, others.
        print(f"{sys.argv[1]}: not valid Prometheus text format: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 1
    for family in families:
        print(f"{family.name} {family.type} {len(family.samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
