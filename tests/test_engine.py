"""The engine: verdicts from run facts, hidden data never held, adversarial programs."""

import itertools
import json
import time
from pathlib import Path

import pytest

from graders.course.validate import check_reference, check_starter
from graders.engine import grade_program, judge
from graders.results import LabResult
from graders.sandbox import RunResult
from graders.spec import Course, LabSpec, Limits
from graders.spec import TestSet as Case
from graders.verdict import PRECEDENCE, Verdict

PUBLIC = Case(name="one", stdin="1\n", expected="2\n", points=10)
HIDDEN = Case(name="secret", stdin="41\n", expected="42\n", points=30, hidden=True)


def make_lab(*tests: Case, fork: bool = True) -> LabSpec:
    return LabSpec(
        id="demo",
        title={"zh": "演示", "en": "Demo"},
        entry="main.py",
        tests=tests,
        limits=Limits(wall_seconds=5, cpu_seconds=5, memory_mb=512, output_kb=16),
        fork_at_input=fork,
        seed_variable=None,
        spec_path=Path("demo.toml"),
        course_root=Path("."),
    )


def ran(stdout=b"2\n", **overrides) -> RunResult:
    facts = dict(
        stdout=stdout,
        stderr=b"",
        exit_code=0,
        signal=None,
        wall_seconds=0.1,
        cpu_seconds=0.1,
        peak_memory_kb=2048,
    )
    facts.update(overrides)
    return RunResult(**facts)


LIMITS = make_lab(PUBLIC).limits


@pytest.mark.parametrize(
    ("run", "verdict"),
    [
        (ran(), Verdict.ACCEPTED),
        (ran(b"2   \n\n"), Verdict.ACCEPTED),
        (ran(b" 2"), Verdict.PRESENTATION_ERROR),
        (ran(b"3\n"), Verdict.WRONG_ANSWER),
        (ran(exit_code=1), Verdict.RUNTIME_ERROR),
        (ran(exit_code=None, signal=11), Verdict.RUNTIME_ERROR),
        (ran(exit_code=1, memory_exceeded=True), Verdict.MEMORY_LIMIT),
        (ran(exit_code=None, signal=9, timed_out=True), Verdict.TIME_LIMIT),
        (ran(timed_out=True, output_exceeded=True), Verdict.OUTPUT_LIMIT),
        (ran(reported=False, exit_code=None, signal=9), Verdict.RUNTIME_ERROR),
    ],
)
def test_verdicts_follow_the_run_facts_by_precedence(run, verdict):
    result = judge(PUBLIC, run, LIMITS)
    assert result.verdict is verdict
    assert result.score == (10 if verdict.passed else 0)


# What a run can show that is wrong with the run itself, and the verdict each alone earns.
PROBLEMS = {
    "output": ({"output_exceeded": True}, Verdict.OUTPUT_LIMIT),
    "time": ({"timed_out": True}, Verdict.TIME_LIMIT),
    "memory": ({"memory_exceeded": True}, Verdict.MEMORY_LIMIT),
    "crash": ({"exit_code": None, "signal": 9}, Verdict.RUNTIME_ERROR),
}
SEVERAL = [
    names
    for size in range(2, len(PROBLEMS) + 1)
    for names in itertools.combinations(PROBLEMS, size)
]


@pytest.mark.parametrize("names", SEVERAL, ids="+".join)
def test_a_run_with_several_problems_reports_the_one_precedence_puts_first(names):
    facts = {key: value for name in names for key, value in PROBLEMS[name][0].items()}
    first = min((PROBLEMS[name][1] for name in names), key=PRECEDENCE.index)
    assert judge(PUBLIC, ran(b"3\n", **facts), LIMITS).verdict is first


def test_the_order_between_problems_is_precedence_itself(monkeypatch):
    # The engine reads the order from PRECEDENCE, restating it nowhere: reordered, it follows.
    run = ran(b"", timed_out=True, exit_code=None, signal=9)
    assert judge(PUBLIC, run, LIMITS).verdict is Verdict.TIME_LIMIT
    monkeypatch.setattr("graders.engine.PRECEDENCE", PRECEDENCE[::-1])
    result = judge(PUBLIC, run, LIMITS)
    assert (result.verdict, result.detail_key) == (Verdict.RUNTIME_ERROR, "detail.signal")


def test_right_output_with_a_failing_exit_is_still_a_runtime_error():
    # What the program prints is data: a correct answer followed by a crash does not pass.
    assert judge(PUBLIC, ran(b"2\n", exit_code=1), LIMITS).verdict is Verdict.RUNTIME_ERROR


def test_hidden_results_hold_no_input_expected_actual_or_stderr():
    result = judge(HIDDEN, ran(b"leak 41 42\n", stderr=b"Traceback ... 41"), LIMITS)
    assert result.input is result.expected is result.actual is result.stderr is None
    serialised = json.dumps(result.to_json("en")) + json.dumps(result.to_json("zh"))
    assert "41" not in serialised and "42" not in serialised


def test_traceback_lines_are_mapped_to_the_students_file():
    line_map = [None, 1, 2, None, 7]
    lab = make_lab(PUBLIC)

    def runner(program, filename, stdins, limits, fork_at_input):
        return [
            ran(
                b"",
                exit_code=1,
                stderr=b'  File "main.py", line 4, in f\n  File "main.py", line 3\n',
            )
        ]

    result = grade_program(
        lab, "x", file="/home/me/work.py", include_hidden=False, line_map=line_map, runner=runner
    )
    stderr = result.tests[0].stderr
    assert 'File "work.py", line 7, in f' in stderr
    assert 'File "main.py", line 3' in stderr  # a template-only line stays as it was


def test_check_runs_only_public_sets_and_grade_runs_hidden_sets_apart():
    lab = make_lab(PUBLIC, HIDDEN)
    seen, events = [], []

    def runner(program, filename, stdins, limits, fork_at_input, after=None):
        seen.append(stdins)
        if after is not None:  # the hidden run: held at its gate until the public run is over
            assert after.wait(5)
            events.append("hidden run's input")
            time.sleep(0.5)  # a hidden run taking its time: it must not show anywhere
        else:
            time.sleep(0.2)
            events.append("public run over")
        return [ran() for _ in stdins]

    grade_program(lab, "x", file="f.py", include_hidden=False, runner=runner)
    events.clear()
    result = grade_program(lab, "x", file="f.py", include_hidden=True, runner=runner)
    # No process that sees a hidden input shares a run with the public sets, nor lives
    # beside it: the hidden run gets its input only once the public run is over.
    assert seen[0] == ["1\n"]
    assert sorted(seen[1:]) == [["1\n"], ["41\n"]]
    assert events == ["public run over", "hidden run's input"]
    # A hidden set shows no figure its program could steer, nor does the whole result.
    secret = next(t for t in result.tests if t.hidden)
    assert secret.wall_seconds is None and secret.peak_memory_mb is None
    assert 0.2 <= result.execution_time < 0.45


def test_the_courses_own_code_runs_every_set_in_one_run():
    """`trusted` (validate, sweep, the plugin: the reference, the starter, the corpus, whose
    author sees every output): one run, no gate, so a lab that trains trains once; the result
    is the same as a student's, a hidden set still without figures."""
    lab = make_lab(PUBLIC, HIDDEN)
    seen = []

    def runner(program, filename, stdins, limits, fork_at_input, after=None):
        seen.append((stdins, after))
        return [ran() for _ in stdins]

    trusted = grade_program(lab, "x", file="f.py", include_hidden=True, runner=runner, trusted=True)
    assert seen == [(["1\n", "41\n"], None)]
    apart = grade_program(lab, "x", file="f.py", include_hidden=True, runner=runner)
    assert len(seen) == 3  # a student's: two runs
    assert [t.verdict for t in trusted.tests] == [t.verdict for t in apart.tests]
    assert trusted.score == apart.score
    secret = next(t for t in trusted.tests if t.hidden)
    assert secret.wall_seconds is None and secret.peak_memory_mb is None
    assert secret.input is secret.expected is secret.actual is None
    # `seqlab validate`'s checks grade the course's own code so: one run of every set.
    seen.clear()
    course_lab = Course.locate(Path(__file__).resolve().parents[1]).lab("seq2seq")
    check_reference(course_lab, runner)
    check_starter(course_lab, runner)
    run_sets = [t for t in course_lab.tests if not t.rules]  # a code-rules set is not run
    assert [len(stdins) for stdins, _ in seen] == [len(run_sets)] * 2


# --- adversarial programs through the real runner -----------------------------------------------

ADDER = Case(name="add", stdin="1 2\n", expected="3\n", points=1)
ADDER_HIDDEN = Case(name="add-hidden", stdin="9000 731\n", expected="9731\n", points=1, hidden=True)


def grade(program: str, fork: bool = True) -> LabResult:
    lab = make_lab(ADDER, ADDER_HIDDEN, fork=fork)
    return grade_program(lab, program, file="main.py", include_hidden=True)


@pytest.mark.parametrize("fork", [False, True], ids=["fresh", "fork"])
def test_a_correct_program_passes(fork):
    assert grade("print(sum(map(int, input().split())))\n", fork).full_marks


@pytest.mark.parametrize(
    "program",
    [
        # Prints a fake verdict and leaves before anything can check it.
        "import os\nprint('PASS'); print('{\"score\": 100}', flush=True)\nos._exit(0)\n",
        # Objects that claim to equal anything only fool comparisons made in their process.
        "class Any(str):\n    def __eq__(self, other): return True\nprint(Any('x'))\n",
        # Monkeypatching builtins only changes the program's own process.
        "import builtins\nbuiltins.compare = lambda *a: True\nprint('nope')\n",
        # Hunting for the expected output in the grader's memory or files finds nothing.
        "import gc, os\n"
        "found = [o for o in gc.get_objects() if isinstance(o, str) and o == '9731\\n']\n"
        "print(len(found), sorted(os.listdir('.')))\n",
    ],
    ids=["fake-pass-and-exit", "always-equal", "patched-builtins", "peek-for-expected"],
)
def test_cheating_programs_do_not_pass(program):
    result = grade(program)
    assert result.score == 0
    assert all(t.verdict is Verdict.WRONG_ANSWER for t in result.tests)


def test_expected_outputs_are_nowhere_in_the_programs_reach():
    program = (
        "import os, sys\n"
        "seen = open('/proc/self/cmdline','rb').read() + repr(dict(os.environ)).encode()\n"
        "seen += repr(sys.argv).encode() + repr(os.listdir('.')).encode()\n"
        "print('FOUND' if b'9731' in seen else 'clean')\n"
    )
    result = grade(program)
    assert all(t.actual is None or t.actual == "clean\n" for t in result.tests)
    assert result.tests[0].actual == "clean\n"
