"""The course author's counts (sweep, validate, mutate) and the gradebook's --lab: a value
that cannot mean anything is refused in one paragraph, exit 2, in the reader's language,
before anything is graded or written."""

import subprocess
import sys
from pathlib import Path

import pytest
from test_course import SOLUTION, SPEC

from graders.cli import main
from graders.errors import SubmissionError
from graders.service import Blame, Outcome
from graders.store.gradebook import Entry, Gradebook

ROOT = Path(__file__).resolve().parent.parent


def seqlab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graders.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.fixture
def mini(tmp_path):
    """One plain-Python lab with a seed line: graded in milliseconds by the real sandbox."""
    root = tmp_path / "course"
    for folder in ("graders/labs", "solutions/mini"):
        (root / folder).mkdir(parents=True)
    (root / "graders/labs/mini.toml").write_text(SPEC, encoding="utf-8")
    (root / "solutions/mini/mini.py").write_text(SOLUTION, encoding="utf-8")
    assert main(["build", "--course", str(root)]) == 0
    return root


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("sweep", "mini", "--seeds", "0"), "1 到 1000 之间的整数", "from 1 to 1000"),
        (("sweep", "mini", "--seeds", "-1"), "1 到 1000 之间的整数", "from 1 to 1000"),
        (("sweep", "mini", "--seeds", "1001"), "1 到 1000 之间的整数", "from 1 to 1000"),
        (("sweep", "mini", "--start", "-5"), "0 到 2147483647 之间", "from 0 to 2147483647"),
        (("validate", "--seeds", "-3"), "0 到 1000 之间的整数", "from 0 to 1000"),
        (("mutate", "mini", "--max", "0"), "不小于 1 的整数", "of at least 1"),
        (("mutate", "mini", "--workers", "0"), "请给出 1 到", "from 1 to"),
    ],
)
def test_a_count_that_means_nothing_is_refused_saying_what_is_allowed(mini, args, zh, en):
    """`sweep --seeds 0` used to say "0/0 seeds at full marks", exit 0: a CI gate passed on
    nothing; `--start -5` graded the reference with a negative seed and failed it."""
    for lang, words in (("zh", zh), ("en", en)):
        done = seqlab(*args, "--course", str(mini), "--lang", lang, cwd=mini)
        said = done.stderr
        assert done.returncode == 2 and done.stdout == "", done
        assert words in said and "Traceback" not in said and "usage:" not in said, said


def test_a_sweep_says_each_seed_and_the_total_in_the_readers_language(mini, capsys):
    common = ["sweep", "mini", "--course", str(mini), "--seeds", "2", "--start", "3"]
    assert main(["--lang", "zh", *common]) == 0
    out = capsys.readouterr().out
    assert "种子    3：100/100" in out and "mini：2/2 个种子满分" in out, out
    assert "seed" not in out
    assert main(["--lang", "en", *common]) == 0
    out = capsys.readouterr().out
    assert "seed    4: 100/100" in out and "mini: 2/2 seeds at full marks" in out, out


def _gradebook(path: Path, *labs: str) -> Path:
    """A gradebook holding stu1's (ungradable, zero) file for each of `labs`."""
    book = Gradebook(str(path))
    for lab in labs:
        entry = Entry(
            student="stu1", lab=lab, kind="lab", sha256=lab[0] * 64, source=f"stu1/{lab}.py",
            spec_version="v", max_score=100,
        )  # fmt: skip
        error = SubmissionError("file.not_utf8", path=f"{lab}.py", line=1, column=1)
        book.record(entry, Outcome(error=error, blame=Blame.STUDENT))
    book.close()
    return path


def test_an_unknown_lab_is_refused_by_gradebook_export_and_nothing_is_written(tmp_path, capsys):
    db = _gradebook(tmp_path / "g.sqlite", "rnn-numpy")
    for lang, words in (
        ("en", "There is no lab called 'rnn_numpy'"),
        ("zh", "没有名为 “rnn_numpy”"),
    ):
        for what in ("--csv", "--canvas", "--gradescope"):
            target = tmp_path / f"typo-{lang}{what}"
            args = ["--lang", lang, "gradebook", "export", "--db", str(db), "--course", str(ROOT)]
            assert main([*args, "--lab", "rnn_numpy", what, str(target)]) == 2
            said = capsys.readouterr().err
            assert words in said and "rnn-numpy" in said and "attention" in said, said
            assert not target.exists()


def test_gradebook_history_names_an_unknown_lab_not_a_student_without_grades(tmp_path, capsys):
    db = _gradebook(tmp_path / "g.sqlite", "rnn-numpy")
    history = ["gradebook", "history", "--db", str(db), "--course", str(ROOT), "--student", "stu1"]
    assert main(["--lang", "en", *history, "--lab", "rnn_numpy"]) == 2
    said = capsys.readouterr().err
    assert "There is no lab called 'rnn_numpy'" in said and "no grade of" not in said, said
    assert main(["--lang", "zh", *history, "--lab", "a/b"]) == 2
    assert "没有名为 “a/b”" in capsys.readouterr().err
    assert main(["--lang", "en", *history, "--lab", "rnn-numpy"]) == 0
    assert "stu1/rnn-numpy.py" in capsys.readouterr().out


def test_a_lab_only_the_gradebook_or_only_the_course_knows_is_accepted(tmp_path, capsys):
    """A lab removed from the course after grading is still the gradebook's to export; a
    quiz of the course nobody has taken yet is an empty column, not a typo."""
    db = _gradebook(tmp_path / "g.sqlite", "rnn-numpy", "old-lab")
    export = ["--lang", "en", "gradebook", "export", "--db", str(db), "--course", str(ROOT)]
    assert main([*export, "--lab", "old-lab", "--csv", str(tmp_path / "old.csv")]) == 0
    assert "stu1" in (tmp_path / "old.csv").read_text(encoding="utf-8")
    assert main([*export, "--lab", "attention", "--csv", str(tmp_path / "quiz.csv")]) == 0
    assert (tmp_path / "quiz.csv").is_file()
    capsys.readouterr()


def test_the_known_ids_are_the_courses_and_the_gradebooks(mini, tmp_path, capsys):
    db = _gradebook(tmp_path / "g.sqlite", "rnn-numpy")
    export = ["--lang", "en", "gradebook", "export", "--db", str(db), "--course", str(mini)]
    assert main([*export, "--lab", "rnn-numpy", "--csv", str(tmp_path / "kept.csv")]) == 0
    assert main([*export, "--lab", "nope", "--csv", str(tmp_path / "x.csv")]) == 2
    assert "Known labs: mini, rnn-numpy." in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
