"""The benches refuse a bad option before measuring anything: one paragraph on stderr naming
the option and the value, exit code 2, no traceback (bench/options.py). Each bench runs as a
real subprocess, as a developer starts it; a refusal takes well under a second of measuring,
so a bench that measured first would blow the timeout."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFUSED = [
    ("floor.py", ["--labs", "nosuch", "--skip-seqlab"], "--labs", "nosuch"),
    ("floor.py", ["--labs", "rnn-numpy", "--repeat", "0", "--skip-seqlab"], "--repeat", "0"),
    ("floor.py", ["--labs", "rnn-numpy", "--copies", "0"], "--copies", "0"),
    ("floor.py", ["--repeat", "lots"], "--repeat", "lots"),
    ("batch_bench.py", ["--labs", "nosuch"], "--labs", "nosuch"),
    ("batch_bench.py", ["--count", "5"], "--count", "5"),
    ("batch_bench.py", ["--nbgrader-sample", "0"], "--nbgrader-sample", "0"),
    ("batch_bench.py", ["--count", "30", "--nbgrader-sample", "40"], "--nbgrader-sample", "40"),
    ("report_bench.py", ["--lab", "nosuch"], "--lab", "nosuch"),
    ("report_bench.py", ["--lab", "rnn-numpy", "--students", "1"], "--students", "1"),
    (
        "web_bench.py",
        ["--setups", "bogus", "--students", "2", "--per-student", "1"],
        "--setups",
        "bogus",
    ),
    ("web_bench.py", ["--rate", "0"], "--rate", "0"),
    ("web_bench.py", ["--per-student", "6"], "--per-student", "6"),
    ("web_bench.py", ["--lone", "9", "--rate", "8", "--per-student", "1"], "--lone", "9"),
    ("web_bench.py", ["--students", "-1"], "--students", "-1"),
    # The other benches, through the same options.py.
    ("split_bench.py", ["--lab", "nosuch"], "--lab", "nosuch"),
    ("split_bench.py", ["--repeat", "0"], "--repeat", "0"),
    ("preload_bench.py", ["nosuch"], "labs", "nosuch"),
    ("preload_bench.py", ["--repeat", "0"], "--repeat", "0"),
    ("sandbox_bench.py", ["--repeat", "0"], "--repeat", "0"),
    ("seq2seq_bench.py", ["--seeds", "0"], "--seeds", "0"),
    ("blank_bench.py", ["--labs", "nosuch"], "--labs", "nosuch"),
    ("course_bench.py", ["--repeat", "0"], "--repeat", "0"),
    ("course_bench.py", ["--labs", "nosuch"], "--labs", "nosuch"),
    ("mistakes_bench.py", ["--labs", "nosuch"], "--labs", "nosuch"),
]


@pytest.mark.parametrize(("script", "arguments", "option", "value"), REFUSED)
def test_a_bad_bench_option_is_one_paragraph_and_exit_2(script, arguments, option, value):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert option in done.stderr and value in done.stderr
    assert done.stderr.strip().count("\n") == 0  # one paragraph
    assert "start:" not in done.stdout  # refused before measuring (every bench says its load)


def test_a_refusal_says_what_is_allowed():
    """The labs the course has, the range a number must be in, the limit a count is within."""

    def refused(script: str, *arguments: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *arguments],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        return done.stderr

    assert "rnn-numpy" in refused("floor.py", "--labs", "nosuch") and "seq2seq" in refused(
        "report_bench.py", "--lab", "nosuch"
    )
    assert "from 1 to 100" in refused("floor.py", "--repeat", "0")
    assert "from 20 to" in refused("batch_bench.py", "--count", "5")
    assert "from 1 to 30" in refused("batch_bench.py", "--count", "30", "--nbgrader-sample", "40")
    assert "from 1 to 5" in refused("web_bench.py", "--per-student", "6")
    assert "embedded1" in refused("web_bench.py", "--setups", "bogus")


def test_goals_are_judged_in_the_same_words():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import options
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert options.at_most(0.029, 0.030, "30 ms") == "(goal <= 30 ms: met)"
    assert options.at_most(0.031, 0.030, "30 ms") == "(goal <= 30 ms: NOT met)"
    assert options.at_least(1.79, 1.8, "1.8x") == "(goal >= 1.8x: NOT met)"
    assert options.at_least(1.8, 1.8, "1.8x") == "(goal >= 1.8x: met)"
    assert options.at_most(float("nan"), 1.0, "1 s") == "(goal <= 1 s: NOT met (no figure))"
