"""The tables of docs/testing.md's "How long it takes", from what pytest's --durations=0 printed.

    .venv/bin/python -m pytest -n auto --durations=0 > durations.txt
    .venv/bin/python tests/durations.py durations.txt

prints the time by test file and the 30 slowest tests (setup, call and teardown added up), in
Markdown. Under -n the times are each test's own, so the files' sum to more than the wall time.
"""

import argparse
import re
from collections import Counter

DURATION = re.compile(r"(?P<seconds>\d+\.\d+)s (?:setup|call|teardown) +"
                      r"(?P<file>tests/[^:]+\.py)::(?P<test>.+?)\s*$")


def durations(lines):
    """Seconds by test file and by test, from --durations lines."""
    by_file, by_test = Counter(), Counter()
    for line in lines:
        match = DURATION.match(line)
        if match:
            seconds = float(match["seconds"])
            by_file[match["file"]] += seconds
            by_test[f"{match['file'].removeprefix('tests/')}::{match['test']}"] += seconds
    return by_file, by_test


def tables(by_file, by_test, slowest=30):
    lines = ["| seconds | file |", "|---:|---|"]
    lines += [f"| {seconds:.1f} | `{name}` |" for name, seconds in by_file.most_common()]
    lines += ["", f"| seconds | the {slowest} slowest tests |", "|---:|---|"]
    lines += [f"| {seconds:.1f} | `{name}` |" for name, seconds in by_test.most_common(slowest)]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="durations.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=argparse.FileType("r", encoding="utf-8"),
                        help="what pytest --durations=0 printed")
    by_file, by_test = durations(parser.parse_args(argv).output)
    if not by_file:
        parser.error("no --durations lines in it (was pytest run with --durations=0?)")
    print(tables(by_file, by_test))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
