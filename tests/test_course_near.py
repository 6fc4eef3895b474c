"""A student's commands use the course beside their file, even from an editable seqlab (whose
own checkout is a course too); and `quiz take` writes no sheet when nothing was answered."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from graders.cli import main
from graders.spec import Course

ROOT = Path(__file__).resolve().parent.parent
LAB = "scaled-dot-product"


def copied_course(root: Path) -> Path:
    """The lab and the quiz banks copied to `root`, the lab's first set expecting other output."""
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "exercises" / LAB, root / "exercises" / LAB)
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    spec = (ROOT / "graders" / "labs" / f"{LAB}.toml").read_text(encoding="utf-8")
    changed = spec.replace("\\n0.207846 0.314940", "\\n0.999999 0.314940", 1)
    assert changed != spec
    (root / "graders" / "labs" / f"{LAB}.toml").write_text(changed, encoding="utf-8")
    return root


def seqlab(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    # The editable seqlab of this checkout (this worktree first on the path), as a student runs it.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "graders.cli", "--lang", "en", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_check_grades_against_the_course_beside_the_file_before_the_checkout(tmp_path):
    assert Course._holds_course(ROOT)  # seqlab runs from a checkout that is a course itself
    copy = copied_course(tmp_path / "course")
    answer = copy / "exercises" / LAB / "mine" / "scaled_dot_product.py"
    answer.parent.mkdir()
    shutil.copyfile(ROOT / "solutions" / LAB / "scaled_dot_product.py", answer)
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()

    # Against the checkout's spec the reference passes every public set …
    done = seqlab("check", str(answer), "--course", str(ROOT), cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    # … against the copy beside the file, the changed set fails: the copy is what was used.
    done = seqlab("check", str(answer), "--json", cwd=elsewhere)
    assert done.returncode == 1, done.stdout + done.stderr
    assert '"name": "worked-example"' in done.stdout and '"verdict": "WA"' in done.stdout
    assert Course.locate(near=answer).root == copy.resolve()
    assert Course.locate(near=elsewhere).root == ROOT  # no course near: the checkout's

    # The quiz commands too, from inside the copy: its bank, not the checkout's.
    bank = copy / "quizzes" / "banks" / "attention.toml"
    text = bank.read_text(encoding="utf-8")
    marker = "seqlab-copied-course-question"
    first = text.index('stem.zh = "') + len('stem.zh = "')
    bank.write_text(text[:first] + marker + text[first:], encoding="utf-8")
    done = seqlab("quiz", "paper", "attention", "--lang", "zh", cwd=copy / "exercises")
    assert done.returncode == 0 and marker in done.stdout, done.stdout + done.stderr


def test_quiz_take_with_nothing_answered_saves_no_sheet(tmp_path, capsys):
    # A students' copy of the quiz (keyless) saves to QUIZ-answers.txt without --save.
    release = tmp_path / "rel"
    assert main(["--lang", "en", "release", str(release), "--upto", "3"]) == 0
    capsys.readouterr()
    for lang, said in (("en", "No question was answered"), ("zh", "没有回答任何题目")):
        done = seqlab("--lang", lang, "quiz", "take", "attention", cwd=release, stdin="\n\n")
        assert done.returncode == 2, done.stdout + done.stderr
        assert said in done.stdout + done.stderr and "Traceback" not in done.stderr
        assert not (release / "attention-answers.txt").exists()
    # Answered, it is saved where the help says.
    done = seqlab("quiz", "take", "attention", cwd=release, stdin="A\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 A" in (release / "attention-answers.txt").read_text(encoding="utf-8")

    # A keyed bank with --save: scored, but an empty sheet is not written either.
    sheet = tmp_path / "sheet.txt"
    done = seqlab("quiz", "take", "attention", "--save", str(sheet), cwd=tmp_path, stdin="")
    assert done.returncode == 2 and "No question was answered" in done.stdout + done.stderr
    assert "Score 0/100" in done.stdout and not sheet.exists()
    help_text = seqlab("quiz", "take", "--help", cwd=tmp_path).stdout
    assert "QUIZ-answers.txt" in help_text and "nothing is saved" in " ".join(help_text.split())


def test_a_command_run_inside_a_course_folder_uses_that_course_not_the_checkout(tmp_path):
    """No --course: the course holding the current folder (or a parent) wins over the editable
    seqlab's own checkout; the checkout only when no course is found from there."""
    copy = copied_course(tmp_path / "course")
    (copy / "seqlab.toml").write_text('[scores]\nof_record = "last"\n', encoding="utf-8")
    inside = copy / "exercises" / LAB
    db = tmp_path / "g.sqlite"
    from graders.store.gradebook import Gradebook

    Gradebook(str(db)).close()  # an empty gradebook: the export says which rule it applied
    export = ("gradebook", "export", "--db", str(db), "--csv")
    done = seqlab(*export, str(tmp_path / "a.csv"), cwd=inside)
    assert done.returncode == 0, done.stdout + done.stderr
    said = " ".join(done.stderr.split())
    assert f"score of record: last (course {copy.resolve()})" in said, said
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    done = seqlab(*export, str(tmp_path / "b.csv"), cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"(course {ROOT})" in " ".join(done.stderr.split())  # none from here: the checkout's
