"""The physical floor of each lab, and seqlab's time beside it (issue 17 item 7).

For a lab, over the sets its reference runs (code-rule sets run nothing):
- bare: the reference run directly, `python REFERENCE < set`, one process per set, no
  sandbox; the sum over the sets (what a student's own terminal takes);
- compute: the sets' time once Python and the imports are loaded: each set's run of the
  reference timed inside a child forked from the warm parent below, one child at a time
  (fork and exit excluded), summed;
- warm fork (THE floor): a parent Python that has imported the modules one run of the
  reference loads (graders/service/preload.py `learned_modules`, learned in a separate,
  sandboxed process: the reference never runs in the parent) forks one child per set, all at
  once as seqlab's fork mode runs them; each child runs the reference on its set's stdin.
  Wall time from the first fork to the last child reaped: one submission's floor. Every
  child runs the whole program (a lab that trains trains in each), where seqlab's fork at
  the first read of stdin trains once: for such a lab seqlab can beat this floor;
- seqlab check: `seqlab check REFERENCE` as a whole process (public sets), against bare on
  the public sets (goal: within 1.15x);
- seqlab grade: `seqlab grade` of N copies of the reference into a fresh gradebook, 1 and 2
  workers, per submission (wall / N, the pool's start included), against the warm fork, with
  the CPU time each used (batch_run.py). The batch goals (engine overhead at most 30 ms, 2
  workers at least 1.8x one) are judged by batch_bench.py, on one more submission's cost.

The check's goal is printed under its lab's line with the figure, the floor, the ratio and
whether it is met.

Every time is the median of --repeat runs. Processes are started without
PYTHONDONTWRITEBYTECODE, as an installed seqlab runs (cached bytecode).
The load average is printed at start and end: on a busy machine read the ratios, not the
times. batch_bench.py and web_bench.py import `measure` and `load_line` from here.

    .venv/bin/python bench/floor.py [--labs rnn-numpy gru-step] [--repeat 5] [--copies 20]
        [--skip-seqlab]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import options
from batch_run import run_batch

ROOT = Path(__file__).resolve().parent.parent
SMALL_LABS = ("rnn-numpy", "scaled-dot-product", "gru-step")

# Run by a fresh `python -c` (only the standard library and the learned modules in it): the
# warm parent. Its argument is a JSON document: modules, reference path, stdins, repeat.
# It prints one JSON line: per repeat, the wall seconds of the submission (children side by
# side) and the `index seconds` lines of children run one at a time (parse_child_report);
# and the outputs of the last repeat, to check.
WARM_PARENT = r"""
import importlib, json, os, runpy, sys, time
job = json.loads(sys.argv[1])
for name in job["modules"]:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # a module the reference loads only under conditions: the floor is lower bound

def child(index, stdin_fd, out_fd, report_fd):
    os.dup2(stdin_fd, 0)
    os.dup2(out_fd, 1)
    code = 0
    started = time.perf_counter()
    try:
        runpy.run_path(job["reference"], run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    os.write(report_fd, f"{index} {time.perf_counter() - started:.9f}\n".encode())
    os._exit(code)

def submission(side_by_side):
    # One submission: a child per set, all at once (the floor's wall time) or one after
    # another (each child's own time is then its compute, not a wait for a core).
    report_r, report_w = os.pipe()
    inputs = []
    for stdin in job["stdins"]:
        r, w = os.pipe()
        os.write(w, stdin.encode())  # a set's stdin is far below a pipe's buffer
        os.close(w)
        inputs.append(r)
    files = [open(f"{job['scratch']}/{k}.out", "w+b") for k in range(len(inputs))]
    started = time.perf_counter()
    pids, codes = [], []
    for k, (r, f) in enumerate(zip(inputs, files)):
        pid = os.fork()
        if pid == 0:
            child(k, r, f.fileno(), report_w)
        pids.append(pid)
        if not side_by_side:
            codes.append(os.waitpid(pid, 0)[1])
    if side_by_side:
        codes = [os.waitpid(pid, 0)[1] for pid in pids]
    wall = time.perf_counter() - started
    os.close(report_w)
    with os.fdopen(report_r) as report:
        report_text = report.read()
    outputs = []
    for r, f, status in zip(inputs, files, codes):
        os.close(r)
        f.seek(0)
        outputs.append([os.waitstatus_to_exitcode(status), f.read().decode("utf-8", "replace")])
        f.close()
    return wall, report_text, outputs

walls, reports = [], []
for repeat in range(job["repeat"]):
    wall, _, outputs = submission(True)
    walls.append(wall)
    reports.append(submission(False)[1])
print(json.dumps({"walls": walls, "reports": reports, "outputs": outputs}))
"""


@dataclass(frozen=True)
class Floor:
    """One lab's floor, seconds per submission (medians)."""

    lab: str
    sets: int
    public: int
    bare: float  # every set, python REFERENCE < set, one after another
    bare_public: float  # the public sets only: what `seqlab check` is held to
    compute: float  # the sets' own compute in warm children, summed
    warm_fork: float  # one submission forked from a warm parent: the floor
    checked: str  # "" when every child's output passed its comparator, else what failed


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def clean_env() -> dict[str, str]:
    """The environment of a timed process: bytecode cached as in an installed seqlab, the
    worktree first on the path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_sets(lab):
    """The sets the reference runs, public first (code-rule sets run nothing)."""
    runs = [test for test in lab.tests if not test.rules]
    return [t for t in runs if not t.hidden] + [t for t in runs if t.hidden]


def parse_child_report(text: str, sets: int) -> list[float]:
    """`index seconds` lines (one per child, any order) → seconds per set; nan for a child
    that did not report (it crashed before it could)."""
    seconds = {}
    for line in text.splitlines():
        index, _, value = line.partition(" ")
        if index.isdigit() and int(index) < sets:
            seconds[int(index)] = float(value)
    return [seconds.get(k, float("nan")) for k in range(sets)]


def ratio(value: float, floor: float) -> str:
    """`value` as a multiple of `floor`, as printed beside every figure."""
    if not floor or floor != floor or value != value:
        return "  n/a"
    return f"{value / floor:5.2f}x"


def bare_seconds(reference: Path, stdins: list[str], repeat: int) -> float:
    """Median over `repeat` of the sum over sets of one `python REFERENCE < set` each."""
    totals = []
    for _ in range(repeat):
        total = 0.0
        for stdin in stdins:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(reference)],
                input=stdin.encode(),
                capture_output=True,
                env=clean_env(),
                check=False,
            )
            total += time.perf_counter() - started
        totals.append(total)
    return statistics.median(totals)


def warm_fork(lab, tests, modules: list[str], repeat: int) -> tuple[float, float, str]:
    """(median wall of one forked submission, median summed compute, what failed)."""
    from graders.comparators import Outcome, compare

    with tempfile.TemporaryDirectory(prefix="seqlab-floor-") as scratch:
        job = {
            "modules": modules,
            "reference": str(lab.solution_path),
            "stdins": [test.stdin for test in tests],
            "repeat": repeat + 1,  # the first is a warm-up (page cache, lazy kernel state)
            "scratch": scratch,
        }
        done = subprocess.run(
            [sys.executable, "-c", WARM_PARENT, json.dumps(job)],
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd=scratch,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"warm parent failed for {lab.id}:\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout.splitlines()[-1])
    failed = []
    for test, (code, output) in zip(tests, found["outputs"], strict=True):
        verdict = compare(test.comparator, expected=test.expected, actual=output, **test.options)
        if code != 0 or verdict.outcome is not Outcome.MATCH:
            failed.append(f"{test.name}: exit {code}, {verdict.outcome.name}")
    walls = found["walls"][1:]
    computes = [sum(parse_child_report(r, len(tests))) for r in found["reports"][1:]]
    return statistics.median(walls), statistics.median(computes), "; ".join(failed)


def measure(lab_id: str, repeat: int = 5) -> Floor:
    """The floor of one lab (the learned modules come from one sandboxed run)."""
    from graders.service.preload import learned_modules
    from graders.spec import Course

    lab = Course.locate(ROOT).lab(lab_id)
    tests = run_sets(lab)
    public = [test for test in tests if not test.hidden]
    modules = learned_modules(lab)
    wall, compute, failed = warm_fork(lab, tests, modules, repeat)
    return Floor(
        lab=lab_id,
        sets=len(tests),
        public=len(public),
        bare=bare_seconds(lab.solution_path, [t.stdin for t in tests], repeat),
        bare_public=bare_seconds(lab.solution_path, [t.stdin for t in public], repeat),
        compute=compute,
        warm_fork=wall,
        checked=failed,
    )


# --- seqlab's own times ------------------------------------------------------------------


def seqlab(*arguments: str, cwd: Path = ROOT) -> float:
    """Wall seconds of one whole `seqlab …` process (exit 0 or 1: graded)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "graders.cli", "--lang", "en", *arguments],
        capture_output=True,
        env=clean_env(),
        cwd=cwd,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"seqlab {' '.join(arguments)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def check_seconds(lab, repeat: int) -> float:
    return statistics.median(seqlab("check", str(lab.solution_path)) for _ in range(repeat))


def grade_seconds(lab, copies: int, workers: int) -> tuple[float, float]:
    """Per submission: `seqlab grade` of `copies` copies of the reference, wall / copies, and
    the CPU seconds the command and its sandboxes used in all."""
    reference = lab.solution_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="seqlab-floor-") as scratch:
        folder = Path(scratch) / "subs"
        folder.mkdir()
        for k in range(copies):
            (folder / f"s{k:03d}.py").write_text(reference, encoding="utf-8")
        wall, document, _ = run_batch(lab.id, folder, ["--workers", str(workers)], clean_env())
    return wall / copies, document["_cpu"]


def goals(
    floor: Floor, check: float, one: tuple[float, float], two: tuple[float, float]
) -> list[str]:
    """Issue 17's goal for `seqlab check` (figure, floor, ratio, met or not), and the whole
    `seqlab grade` process beside the floor. The batch goals (engine overhead, 2 workers vs
    1) are judged by batch_bench.py on the cost of one more submission: here a few copies
    share a pool's start, which would decide them."""
    (wall_one, cpu_one), (wall_two, cpu_two) = one, two
    check_goal = options.at_most(check / floor.bare_public, 1.15, "1.15x")
    return [
        f"  seqlab check {check * 1e3:.0f} ms, bare public sets {floor.bare_public * 1e3:.0f}"
        f" ms: {ratio(check, floor.bare_public).strip()} {check_goal}",
        f"  seqlab grade, whole process (pool start shared by the copies): 1 worker"
        f" {wall_one * 1e3:.1f} ms, 2 workers {wall_two * 1e3:.1f} ms a submission,"
        f" {ratio(wall_one, floor.warm_fork).strip()} the floor; CPU 2w / 1w"
        f" {ratio(cpu_two, cpu_one).strip()} (the batch goals: bench/batch_bench.py)",
    ]


def main() -> None:
    parser = options.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="+", type=options.lab, default=list(SMALL_LABS))
    parser.add_argument("--repeat", type=options.integer(1, 100), default=5)
    parser.add_argument(
        "--copies", type=options.integer(1, 1000), default=20, help="submissions per seqlab grade"
    )
    parser.add_argument("--skip-seqlab", action="store_true", help="the floor only")
    args = parser.parse_args()
    from graders.spec import Course

    course = Course.locate(ROOT)
    print(f"start: {load_line()}", flush=True)
    head = (
        f"{'lab':<20} {'sets':>5} {'bare':>8} {'compute':>8} {'floor':>8} {'bare/fl':>7}"
        f" | {'check':>7} {'x bare':>6} | {'grade 1w':>8} {'x floor':>7}"
        f" {'grade 2w':>8} {'x floor':>7} {'1w/2w':>6}"
    )
    print("milliseconds per submission; floor = warm fork; check against bare public sets")
    print(head)
    for lab_id in args.labs:
        lab = course.lab(lab_id)
        floor = measure(lab_id, args.repeat)
        line = (
            f"{lab_id:<20} {floor.public:>2}/{floor.sets:<2} {floor.bare * 1e3:8.1f}"
            f" {floor.compute * 1e3:8.1f} {floor.warm_fork * 1e3:8.1f}"
            f" {ratio(floor.bare, floor.warm_fork):>7}"
        )
        said = []
        if not args.skip_seqlab:
            check = check_seconds(lab, args.repeat)
            one = grade_seconds(lab, args.copies, 1)
            two = grade_seconds(lab, args.copies, 2)
            line += (
                f" | {check * 1e3:7.0f} {ratio(check, floor.bare_public):>6}"
                f" | {one[0] * 1e3:8.1f} {ratio(one[0], floor.warm_fork):>7}"
                f" {two[0] * 1e3:8.1f} {ratio(two[0], floor.warm_fork):>7}"
                f" {ratio(one[0], two[0]):>6}"
            )
            said = goals(floor, check, one, two)
        print(line, flush=True)
        for goal in said:
            print(goal)
        if floor.checked:
            print(f"  ! the floor's own outputs did not pass: {floor.checked}")
    print(f"end: {load_line()}")


if __name__ == "__main__":
    main()
