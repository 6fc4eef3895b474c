"""Output limit: the result says which stream flooded, and the student is told "printed" for
standard output and "wrote to standard error" for standard error (real sandboxed runs)."""

import textwrap
from pathlib import Path

import pytest

from graders.engine import grade_program
from graders.sandbox import Stream, run_sets
from graders.spec import LabSpec, Limits
from graders.spec import TestSet as Case
from graders.verdict import Verdict

LIMITS = Limits(wall_seconds=5, cpu_seconds=3, memory_mb=512, output_kb=16)
MODES = pytest.mark.parametrize("fork", [False, True], ids=["fresh", "fork"])

FLOOD = {
    Stream.STDOUT: "while True:\n    print('x' * 1000)\n",
    Stream.STDERR: "while True:\n    print('x' * 1000, file=sys.stderr)\n",
}


def program(stream: Stream) -> str:
    return "import sys\nline = sys.stdin.readline()\n" + FLOOD[stream]


@MODES
@pytest.mark.parametrize("stream", [Stream.STDOUT, Stream.STDERR])
def test_the_run_names_the_stream_that_flooded(fork, stream):
    results = run_sets(program(stream), "main.py", ["a\n", "b\n"], LIMITS, fork_at_input=fork)
    for result in results:
        assert result.output_exceeded and result.overflowed is stream
        assert len(result.stdout) <= LIMITS.output_kb * 1024
        assert len(result.stderr) <= LIMITS.output_kb * 1024


def test_a_quiet_run_names_no_stream():
    (result,) = run_sets("print('hi')\n", "main.py", [""], LIMITS, fork_at_input=False)
    assert not result.output_exceeded and result.overflowed is None


def lab(fork: bool) -> LabSpec:
    return LabSpec(
        id="demo",
        title={"zh": "演示", "en": "Demo"},
        entry="main.py",
        tests=(Case(name="one", stdin="1\n", expected="2\n", points=10),),
        limits=LIMITS,
        fork_at_input=fork,
        seed_variable=None,
        spec_path=Path("demo.toml"),
        course_root=Path("."),
    )


@MODES
@pytest.mark.parametrize(
    ("stream", "zh", "en"),
    [
        (Stream.STDOUT, "程序输出超过 16 KB", "printed more than 16 KB"),
        (Stream.STDERR, "标准错误输出的内容超过 16 KB", "more than 16 KB to standard error"),
    ],
)
def test_the_student_is_told_which_stream_was_too_long_in_both_languages(fork, stream, zh, en):
    result = grade_program(lab(fork), program(stream), file="main.py", include_hidden=False)
    (test,) = result.tests
    assert test.verdict is Verdict.OUTPUT_LIMIT
    assert zh in test.detail_text("zh") and en in test.detail_text("en")
    other = "standard error" if stream is Stream.STDOUT else "printed"
    assert other not in test.detail_text("en")


def test_a_flood_on_both_streams_is_said_as_printed():
    both = textwrap.dedent(
        """
        import sys
        while True:
            print('x' * 1000)
            print('x' * 1000, file=sys.stderr)
        """
    )
    result = grade_program(lab(False), both, file="main.py", include_hidden=False)
    assert "printed more than" in result.tests[0].detail_text("en")
