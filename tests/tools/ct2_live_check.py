#!/usr/bin/env python3
"""nmtd against the pinned ctranslate2 wheel, live, on random models that are stored nowhere.

Each run generates models of shapes and seeds outside tests/data (uneven depths, other widths,
head counts and vocabulary sizes), asks CTranslate2 for reference outputs exactly as
make_reference_cases.py does (same fragility filters), and checks that `nmtd translate --jsonl`
returns the same tokens and text, with scores within 1e-4 x max(1, |score|). Run by ctest
(test `ct2_live`) through the tooling venv; exits non-zero on any mismatch.

  .venv/bin/python tests/tools/ct2_live_check.py --nmtd build/nmtd [--seed N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference_cases as ref  # noqa: E402


def live_sets(seed):
    # Shapes derived from the seed, so another seed checks other models.
    widths = [(40, 5), (56, 7), (72, 4), (24, 3)]
    d, heads = widths[seed % len(widths)]
    return [{"name": f"live-{seed}", "seed": seed, "enc": 1 + seed % 3, "dec": 1 + (seed // 3) % 3,
             "d": d, "heads": heads, "ffn": 2 * d + 8, "vocab": 2204 + (seed % 5) * 17,
             "variants": ["float32", "int8"]}]


def check(nmtd, set_dir, data):
    failures = 0
    by_model = {}
    for c in data["cases"]:
        by_model.setdefault(c["model"], []).append(c)
    for model, cases in by_model.items():
        lines = []
        for i, c in enumerate(cases):
            request = dict(c["options"], target=c["target"])
            if i % 2:
                request.update(text=c["text"], source=c["source"])
            else:
                request["tokens"] = c["source_tokens"]
            lines.append(json.dumps(request))
        out = subprocess.run([nmtd, "translate", "--model", os.path.join(set_dir, model),
                              "--compute-type", "float32", "--jsonl"],
                             input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
        for c, line in zip(cases, out.stdout.splitlines()):
            got = json.loads(line)
            want = c["expected"]["hypotheses"]
            ok = "hypotheses" in got and len(got["hypotheses"]) == len(want)
            for g, w in zip(got.get("hypotheses", []), want):
                ok = ok and g["tokens"] == w["tokens"] and g["text"] == w["text"]
                ok = ok and abs(g["score"] - w["score"]) <= 1e-4 * max(1.0, abs(w["score"]))
            if not ok:
                failures += 1
                print(f"MISMATCH {c['id']}: got {line[:300]}\n  want {json.dumps(want)[:300]}")
    return failures, len(data["cases"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nmtd", required=True)
    ap.add_argument("--seed", type=int, default=101)
    args = ap.parse_args()
    total_failures = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for s in live_sets(args.seed):
            set_dir = os.path.join(tmp, s["name"])
            ref.make_set(args.nmtd, s, set_dir)
            data = json.load(open(os.path.join(set_dir, "cases.json")))
            failures, n = check(args.nmtd, set_dir, data)
            print(f"{s['name']} ({s['enc']}+{s['dec']} layers, d {s['d']}, {s['heads']} heads, "
                  f"vocab {s['vocab']}): {n - failures}/{n} cases match CTranslate2 "
                  f"{data['ctranslate2_version']} ({data['dropped_fragile']} fragile dropped)")
            total_failures += failures
            total += n
    if total == 0:
        print("no case survived the filters")
        return 1
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
