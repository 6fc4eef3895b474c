"""Figures for the seq2seq lab: seed sweep, training time, and what grading costs.

    .venv/bin/python bench/seq2seq_bench.py [--seeds 20] [--repeat 3]

1. Seed sweep: the reference graded on every set (hidden included) under N seeds.
2. Training time on one thread: the training blank alone, timed inside a fresh process.
3. Grading cost: one bare `python seq2seq.py < input` run, against grading all public sets
   (`seqlab check`), all sets (`seqlab grade`), and all sets with one fresh process per set
   (what per-set retraining would cost). Medians of --repeat runs; ratios against the bare run.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import options

from graders.course.sweep import sweep
from graders.engine import grade_submission
from graders.markers import parse
from graders.spec import Course
from graders.submission import read_submission

TRAINING_BLANK = 3  # the blank of seq2seq.py that holds the training loop


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed_training_program(reference: str) -> str:
    """The reference with a stopwatch around the training blank (printed to stderr)."""
    layout = parse(reference, "reference")
    blank = layout.blanks[TRAINING_BLANK - 1]
    lines = reference.splitlines(keepends=True)
    start = "import time as _bench_time; _bench_started = _bench_time.perf_counter()\n"
    stop = (
        "import sys as _bench_sys\n"
        "_bench_elapsed = _bench_time.perf_counter() - _bench_started\n"
        "print(f'TRAINING {_bench_elapsed:.4f}', file=_bench_sys.stderr)\n"
    )
    lines.insert(blank.end_line, stop)
    lines.insert(blank.begin_line - 1, start)
    return "".join(lines)


def bare_run(program: Path, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(program)],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=options.integer(1, 1000), default=20)
    parser.add_argument("--repeat", type=options.integer(1, 100), default=3)
    args = parser.parse_args()
    lab = Course.locate().lab("seq2seq")
    reference = lab.solution_path.read_text(encoding="utf-8")
    public_input = lab.tests[0].stdin

    print(f"== 1. seed sweep: reference, all {len(lab.tests)} sets, seeds 0..{args.seeds - 1}")
    outcomes = sweep(lab, reference, range(args.seeds))
    passed = [o.seed for o in outcomes if o.result.full_marks]
    failed = [o.seed for o in outcomes if not o.result.full_marks]
    print(
        f"full marks: {len(passed)}/{args.seeds} seeds" + (f"; failed: {failed}" if failed else "")
    )

    with tempfile.TemporaryDirectory() as folder:
        timed = Path(folder) / "timed.py"
        timed.write_text(timed_training_program(reference), encoding="utf-8")
        trainings = []
        for _ in range(max(args.repeat, 5)):
            stderr = bare_run(timed, public_input).stderr
            trainings.append(float(stderr.split("TRAINING ")[1].split()[0]))
        print(f"\n== 2. training ({lab.id}, 1 thread, {len(trainings)} fresh processes)")
        print(
            f"training median {statistics.median(trainings):.2f} s "
            f"(min {min(trainings):.2f}, max {max(trainings):.2f}); limit 3 s"
        )

        program = Path(folder) / lab.entry
        program.write_text(reference, encoding="utf-8")
        submission = read_submission(lab.solution_path)
        fresh_lab = dataclasses.replace(lab, fork_at_input=False)
        rows = [
            ("bare python run, 1 set", lambda: bare_run(program, public_input)),
            (
                f"check: {len(lab.selected_tests(False))} public sets, forked",
                lambda: grade_submission(lab, submission, include_hidden=False),
            ),
            (
                f"grade: all {len(lab.tests)} sets, forked",
                lambda: grade_submission(lab, submission, include_hidden=True),
            ),
            (
                f"grade: all {len(lab.tests)} sets, fresh process per set",
                lambda: grade_submission(fresh_lab, submission, include_hidden=True),
            ),
        ]
        print(f"\n== 3. grading cost (median of {args.repeat} runs, wall seconds)")
        baseline = None
        for label, action in rows:
            seconds = median_seconds(action, args.repeat)
            baseline = baseline or seconds
            print(f"{label:<42} {seconds:7.2f} s   {seconds / baseline:5.2f} × bare")


if __name__ == "__main__":
    main()
