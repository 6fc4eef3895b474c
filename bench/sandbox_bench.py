"""What each isolation level costs over a bare run: median wall seconds of whole runs.

For a trivial program and for the seq2seq reference (2 public sets), each measured as
- bare: `python -I program.py < input` in a subprocess, no sandbox at all;
- weak / medium / strong: `run_sets` with the stronger layers switched off as in
  `seqlab --without ...`, so every level is measured on this one machine;
- strong, warm worker: the same program through a warm worker (sandbox/warm.py) that has
  already imported the template's modules — what batch grading pays per submission.
Prints the medians and the overhead per level (strong must stay ≤ 50 ms per submission).

    .venv/bin/python bench/sandbox_bench.py [--repeat 5]
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import options

from graders.sandbox import run_sets
from graders.sandbox.probe import DISABLE_VARIABLE, detect
from graders.sandbox.warm import WarmPool
from graders.spec import Course, Limits

LEVELS = {"weak": "bwrap,landlock,seccomp,cgroup", "medium": "bwrap", "strong": ""}
TRIVIAL = "import sys\nprint(sys.stdin.readline().strip()[::-1])\n"


def bare(program: str, stdin: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "main.py"
        path.write_text(program, encoding="utf-8")
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-I", str(path)],
            input=stdin.encode(),
            check=True,
            capture_output=True,
            cwd=folder,
        )
        return time.monotonic() - started


def sandboxed(program: str, stdins: list[str], limits: Limits, level: str) -> float:
    os.environ[DISABLE_VARIABLE] = LEVELS[level]
    started = time.monotonic()
    results = run_sets(program, "main.py", stdins, limits, fork_at_input=True)
    elapsed = time.monotonic() - started
    assert all(r.exit_code == 0 for r in results), [r.stderr[-300:] for r in results]
    return elapsed


def warm_run(pool: WarmPool, program: str, stdins: list[str], limits: Limits) -> float:
    started = time.monotonic()
    results = pool.run_sets(program, "main.py", stdins, limits, fork_at_input=True)
    elapsed = time.monotonic() - started
    assert all(r.exit_code == 0 for r in results), [r.stderr[-300:] for r in results]
    return elapsed


def row(label: str, value: float, base: float) -> None:
    print(f"{label:<28} {value:8.3f} s   {1000 * (value - base):+8.0f} ms vs bare")


def median_of(repeat: int, measure) -> float:
    measure()  # warm-up: caches, the probe
    return statistics.median(measure() for _ in range(repeat))


def main() -> None:
    parser = options.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=options.integer(1, 100), default=5)
    args = parser.parse_args()
    for level, off in LEVELS.items():
        reached = detect(frozenset(filter(None, off.split(",")))).level
        print(f"level {level}: reached {reached} on this machine")
    lab = Course.locate().lab("seq2seq")
    workloads = [
        ("trivial program, 1 set", TRIVIAL, ["hello\n"], Limits(wall_seconds=10, set_seconds=5)),
        (
            "seq2seq reference, 2 public sets",
            lab.solution_path.read_text(encoding="utf-8"),
            [t.stdin for t in lab.tests if not t.hidden],
            lab.limits,
        ),
    ]
    for title, program, stdins, limits in workloads:
        print(f"\n== {title} (median of {args.repeat} whole runs, wall seconds)")
        base = median_of(args.repeat, functools.partial(bare, program, stdins[0]))
        print(f"{'bare python -I, 1 set':<28} {base:8.3f} s")
        for level in LEVELS:
            measure = functools.partial(sandboxed, program, stdins, limits, level)
            value = median_of(args.repeat, measure)
            row(level, value, base)
        os.environ[DISABLE_VARIABLE] = ""
        with WarmPool(program, limits, workers=1) as pool:
            measure = functools.partial(warm_run, pool, program, stdins, limits)
            value = median_of(args.repeat, measure)
        print(
            f"{'strong, warm worker':<28} {value:8.3f} s   {1000 * (value - base):+8.0f} ms vs bare"
        )


if __name__ == "__main__":
    main()
