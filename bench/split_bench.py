"""What running hidden sets apart from public ones costs: a lab's reference graded on all of
its sets (`seqlab grade`), median wall seconds over repeats, measured two ways on this machine:

- one run: every set (public and hidden) forked from one process, as before the split — the
  runner called once with all the stdins;
- split: the engine as it is (`grade_program`): the public sets in one run, the hidden sets in
  another, so a process that can see a hidden input has no channel the student sees. A lab
  that trains (seq2seq) trains twice.

Each way cold (a fresh sandbox per run: `seqlab grade FILE`) and warm (a pool of one and of two
warm workers that have imported the template's modules: batch grading and the web). The split's
two runs go side by side, so where there are two cores or two workers they overlap. Prints the
medians and the ratio.

    .venv/bin/python bench/split_bench.py [--lab seq2seq] [--repeat 3]
"""

from __future__ import annotations

import statistics
import time

import options

from graders.engine import grade_program
from graders.markers import splice
from graders.sandbox import run_sets
from graders.sandbox.warm import WarmPool
from graders.spec import Course, LabSpec
from graders.submission import read_text


def reference_program(lab: LabSpec) -> str:
    template = read_text(lab.starter_path)
    solution = read_text(lab.solution_path)
    return splice(template, solution, template_path="t", path="s", lab=lab.id).program


def one_run(lab: LabSpec, program: str, runner) -> float:
    started = time.monotonic()
    runs = runner(
        program,
        lab.entry,
        [test.stdin for test in lab.tests],
        lab.limits,
        fork_at_input=lab.fork_at_input,
    )
    elapsed = time.monotonic() - started
    assert all(run.exit_code == 0 for run in runs), [run.stderr[-300:] for run in runs]
    return elapsed


def split(lab: LabSpec, program: str, runner) -> float:
    started = time.monotonic()
    result = grade_program(lab, program, file=lab.entry, include_hidden=True, runner=runner)
    elapsed = time.monotonic() - started
    assert result.full_marks, [t.verdict for t in result.tests]
    return elapsed


def main() -> None:
    parser = options.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", type=options.lab, default="seq2seq")
    parser.add_argument("--repeat", type=options.integer(1, 100), default=3)
    args = parser.parse_args()
    lab = Course.locate().lab(args.lab)
    program = reference_program(lab)
    hidden = sum(test.hidden for test in lab.tests)
    print(f"{lab.id}: {len(lab.tests) - hidden} public and {hidden} hidden sets")
    compare(lab, program, "cold", run_sets, args.repeat)
    for workers in (1, 2):
        with WarmPool(read_text(lab.starter_path), lab.limits, workers=workers) as pool:
            compare(lab, program, f"warm ×{workers}", pool.run_sets, args.repeat)


def compare(lab: LabSpec, program: str, mode: str, runner, repeat: int) -> None:
    medians = {}
    for way, measure in (("one run", one_run), ("split", split)):
        times = [measure(lab, program, runner) for _ in range(repeat)]
        medians[way] = statistics.median(times)
        print(f"  {mode:7} {way:8} median {medians[way]:6.2f} s  ({len(times)} runs)")
    print(f"  {mode:7} split / one run = {medians['split'] / medians['one run']:.2f}×")


if __name__ == "__main__":
    main()
