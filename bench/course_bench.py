"""Per lab: test sets and points, the reference's grading time against a bare run of the same
program, and optionally the mutation score and a seed sweep — the table of issue 7.

- check: `seqlab check <reference>` (public sets, whole command, median of --repeat runs);
- bare: `python -I <spliced program> < <first public stdin>` (median of --repeat runs);
- mutants: `seqlab mutate LAB --json --max N` (with --mutants N);
- sweep: `seqlab sweep LAB --seeds N` (with --seeds N).

    .venv/bin/python bench/course_bench.py [--repeat 3] [--mutants 40] [--seeds 20] [--labs ...]
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import options

from graders.spec import Course

SEQLAB = [sys.executable, "-m", "graders.cli", "--lang", "en"]


def timed(command: list[str], stdin: bytes = b"") -> float:
    started = time.monotonic()
    subprocess.run(command, input=stdin, capture_output=True, check=False)
    return time.monotonic() - started


def median_time(repeat: int, command: list[str], stdin: bytes = b"") -> float:
    timed(command, stdin)  # warm-up: page cache, bytecode
    return statistics.median(timed(command, stdin) for _ in range(repeat))


def mutation(lab_id: str, limit: int) -> str:
    done = subprocess.run(
        [*SEQLAB, "mutate", lab_id, "--json", "--max", str(limit)], capture_output=True, check=False
    )
    data = json.loads(done.stdout)
    share = 100 * data["killed"] / max(data["graded"], 1)
    return f"{share:.0f}% ({data['killed']}/{data['graded']} of {data['mutants']})"


def sweep(lab_id: str, seeds: int) -> str:
    done = subprocess.run(
        [*SEQLAB, "sweep", lab_id, "--seeds", str(seeds)], capture_output=True, check=False
    )
    found = re.search(r"(\d+)/(\d+) seeds", done.stdout.decode())
    return f"{found[1]}/{found[2]}" if found else "?"


def main() -> None:
    parser = options.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=options.integer(1, 100), default=3)
    parser.add_argument(
        "--mutants", type=options.integer(0, 10000), default=0, help="mutation score on N mutants"
    )
    parser.add_argument(
        "--seeds", type=options.integer(0, 1000), default=0, help="seed sweep over N seeds"
    )
    parser.add_argument("--labs", nargs="*", type=options.lab)
    args = parser.parse_args()
    course = Course.locate()
    labs = [course.lab(i) for i in args.labs] if args.labs else course.labs()
    print("| lab | sets (public/hidden) | points | check | bare | ratio | mutants | sweep |")
    print("|---|---|---|---|---|---|---|---|")
    for lab in labs:
        public = [t for t in lab.tests if not t.hidden]
        check = median_time(args.repeat, [*SEQLAB, "check", str(lab.solution_path)])
        with tempfile.TemporaryDirectory() as folder:
            program = Path(folder) / lab.entry
            program.write_text(lab.solution_path.read_text(encoding="utf-8"), encoding="utf-8")
            bare = median_time(
                args.repeat, [sys.executable, "-I", str(program)], public[0].stdin.encode()
            )
        mutants = mutation(lab.id, args.mutants) if args.mutants else "–"
        seeds = sweep(lab.id, args.seeds) if args.seeds else "–"
        sets = f"{len(public)}/{len(lab.tests) - len(public)}"
        points = sum(t.points for t in lab.tests)
        print(
            f"| {lab.id} | {sets} | {points} | {check:.2f} s | {bare:.2f} s | "
            f"{check / bare:.2f} | {mutants} | {seeds} |"
        )
    print(f"\n(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
