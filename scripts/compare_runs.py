"""Fail unless the PostGIS run ran as many tests as the SQLite run and neither skipped any."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def totals(path: str) -> dict[str, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    keys = ("tests", "failures", "errors", "skipped")
    return {k: sum(int(s.get(k, 0)) for s in suites) for k in keys}


def main(sqlite_xml: str, postgis_xml: str) -> int:
    a, b = totals(sqlite_xml), totals(postgis_xml)
    print(f"SQLite:  {a}\nPostGIS: {b}")
    problems = []
    if b["tests"] < a["tests"]:
        problems.append(f"the PostGIS run collected {b['tests']} tests, SQLite {a['tests']}")
    for name, t in (("SQLite", a), ("PostGIS", b)):
        if t["skipped"]:
            problems.append(f"the {name} run skipped {t['skipped']} tests")
        if t["failures"] or t["errors"]:
            problems.append(f"the {name} run had failures or errors")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    passed = (
        a["tests"]
        + b["tests"]
        - sum(t[k] for t in (a, b) for k in ("failures", "errors", "skipped"))
    )
    failed = sum(t[k] for t in (a, b) for k in ("failures", "errors"))
    print(f"{passed} passed, {failed} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
