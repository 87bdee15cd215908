#!/usr/bin/env python3
"""Finds include cycles among the files of src/.

A component is a header and its source (foo.h with foo.cc): the unit that is compiled, tested
and understood together. Component A uses B when a file of A includes B's header. Two
components that use each other, directly or through others, cannot be built, tested or read
apart, so this check fails on every such cycle that has a member under one of the folders
given (all of src/ when none is given), unless every member is under a skipped folder.

    include_cycles.py SRC_DIR [FOLDER ...] [--skip FOLDER ...]
"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
SUFFIXES = (".h", ".hpp", ".cc", ".cpp")


def components(src: Path) -> dict[str, set[str]]:
    """Component name (path under src without suffix) -> the components it uses."""
    files = [p for p in src.rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    known = {p.relative_to(src).with_suffix("").as_posix() for p in files}
    uses: dict[str, set[str]] = {name: set() for name in known}
    for path in files:
        name = path.relative_to(src).with_suffix("").as_posix()
        for included in INCLUDE.findall(path.read_text(errors="replace")):
            target = Path(included).with_suffix("").as_posix()
            if target in known and target != name:
                uses[name].add(target)
    return uses


def strongly_connected(uses: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of components that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(uses):
        if root in index:
            continue
        work = [(root, iter(sorted(uses[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(uses[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def cycle_path(group: list[str], uses: dict[str, set[str]]) -> list[str]:
    """One cycle through the group's first member, for the message (breadth-first)."""
    members = set(group)
    start = group[0]
    previous = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(uses[node] & members):
            if child == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return list(reversed(path)) + [start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return group


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(sys.argv[1])
    args = sys.argv[2:]
    skip_at = args.index("--skip") if "--skip" in args else len(args)
    folders = tuple(f.strip("/") + "/" for f in args[:skip_at])
    skipped = tuple(f.strip("/") + "/" for f in args[skip_at + 1 :])
    uses = components(src)
    failed = 0
    for group in strongly_connected(uses):
        if folders and not any(m.startswith(folders) for m in group):
            continue
        if skipped and all(m.startswith(skipped) for m in group):
            print("skipped include cycle: " + " -> ".join(cycle_path(group, uses)))
            continue
        failed += 1
        print("include cycle: " + " -> ".join(cycle_path(group, uses)))
    if failed:
        print(f"{failed} include cycle(s) under {', '.join(folders) or 'src/'}")
        return 1
    print(f"no include cycles under {', '.join(folders) or 'src/'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
