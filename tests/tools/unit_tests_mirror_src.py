#!/usr/bin/env python3
"""Checks that tests/unit/ mirrors src/: every folder under tests/unit/ that holds files is a
folder of src/ (the tests of src/engine/decode/ are in tests/unit/engine/decode/), so that a
part's tests are found where its sources are, and a moved or renamed part takes its tests along.

    unit_tests_mirror_src.py SRC_DIR UNIT_DIR
"""
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(sys.argv[1])
    unit = Path(sys.argv[2])
    strays = []
    for folder in sorted(p for p in unit.rglob("*") if p.is_dir()):
        if not any(f.is_file() for f in folder.iterdir()):
            continue
        rel = folder.relative_to(unit)
        if not (src / rel).is_dir():
            strays.append(rel.as_posix())
    loose = sorted(f.name for f in unit.iterdir() if f.is_file())
    for name in strays:
        print(f"tests/unit/{name}/ has no src/{name}/: move its tests to their sources' folder")
    for name in loose:
        print(f"tests/unit/{name} is outside any part's folder")
    if strays or loose:
        return 1
    print(f"tests/unit/ mirrors {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
