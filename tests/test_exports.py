"""Exports that real tools read: an nbgrader course graded by the real nbgrader (through
seqlab's engine, never a kernel), and a Gradescope autograder bundle whose run_autograder
writes a schema-valid results.json."""

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_helpers import chromium
from nbgrader_helpers import (
    LAB,
    REFERENCE,
    ROOT,
    blank_cells,
    export_and_release,
    gradebook_scores,
    lab_course,
    nbgrader,
    submit,
)

from graders.cli import main
from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.errors import SubmissionError
from graders.messages import say
from graders.notebooks.magic import check_notebook
from graders.notebooks.nbgrader import grade_id
from graders.spec import Course
from graders.submission import Submission, submission_from_bytes

# Fast (NumPy), and its corpus has a mistake failing some sets.
GRADESCOPE_LAB = "scaled-dot-product"
FEEDBACK_SHOTS = ROOT / "build" / "test-artifacts" / "nbgrader"

# --- nbgrader -----------------------------------------------------------------------------------

# Canaries of a hidden set: an extra stdin line the program never reads, and extra digits on a
# float of its expected output (within the comparator's tolerance), so the reference passes it.
CANARY = f"seqlab-canary-{uuid.uuid4().hex[:16]}"
CANARY_DIGITS = f"{uuid.uuid4().int % 10**15:015d}"
# carol: right only where the hidden size is 5 (the first set), a runtime error elsewhere.
FIRST_LINE = "        h = np.zeros((self.Whh.shape[0], 1))\n"
assert FIRST_LINE in REFERENCE
PARTIAL = REFERENCE.replace(FIRST_LINE, FIRST_LINE + "        assert self.Whh.shape[0] == 5\n")


def canary_set() -> str:
    first = tomllib.loads((ROOT / "graders" / "labs" / f"{LAB}.toml").read_text())["tests"][0]
    number = re.search(r"\d\.\d{6}", first["expected"])[0]
    expected = first["expected"].replace(number, f"{number}000{CANARY_DIGITS}", 1)
    stdin = f"{first['stdin']}{CANARY}\n"
    return (
        f'\n[[tests]]\nname = "canary"\nstdin = {json.dumps(stdin)}\n'
        f"expected = {json.dumps(expected)}\npoints = 5\nhidden = true\n"
        'comparator = "floats"\n'
    )


def feedback_text(course_dir: Path, student: str) -> str:
    page = course_dir / "feedback" / student / LAB / f"{LAB}.html"
    return html.unescape(page.read_text(encoding="utf-8"))


def shoot_feedback(course_dir: Path, student: str, lab, user_data: Path) -> None:
    """The student's feedback page as a browser shows it (a screenshot for the issue's notes):
    each hidden set's verdict is on the page, none of its data."""
    page_path = course_dir / "feedback" / student / LAB / f"{LAB}.html"
    with chromium(user_data) as page:
        page.goto(page_path.as_uri())
        shown = page.inner_text("body")
        failed = [t for t in lab.tests if t.hidden and t.name != "canary"]
        for test in failed:
            assert test.name in shown, test.name
            assert test.stdin.strip() not in shown, test.name
        assert CANARY not in shown and CANARY_DIGITS not in shown
        target = page.get_by_text(failed[0].name).first
        target.evaluate("e => e.scrollIntoView({block: 'center'})")
        FEEDBACK_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(FEEDBACK_SHOTS / f"feedback-{student}-hidden.png"))
        page.screenshot(path=str(FEEDBACK_SHOTS / f"feedback-{student}-page.png"), full_page=True)


def test_the_export_holds_no_test_data_and_the_grading_course_holds_every_spec(course, tmp_path):
    folder = tmp_path / "course"
    assert main(["--lang", "zh", "export", "nbgrader", str(folder)]) == 0
    graded = Course.locate(folder / "seqlab")
    for lab in course.labs():
        notebook = nbformat.read(folder / "source" / lab.id / f"{lab.id}.ipynb", as_version=4)
        nbformat.validate(notebook)
        grade_cells = [c for c in notebook.cells if c.metadata["nbgrader"]["grade"]]
        assert [c.metadata["nbgrader"]["points"] for c in grade_cells] == [
            t.points for t in lab.tests
        ]
        # A comment naming the set, and for a public set the call that checks it in the
        # student's kernel (nbgrader's Validate runs it): no test data.
        for number, (cell, test) in enumerate(zip(grade_cells, lab.tests, strict=True), start=1):
            code = [line for line in cell.source.split("\n") if not line.startswith("# ")]
            call = f"public_set({number}, name={test.name!r}, lab={lab.id!r}, lang='zh')"
            assert code == [] if test.hidden else code[-1] == call, cell.source
        assert graded.lab(lab.id).tests == lab.tests  # the grader's copy: hidden sets too
        template = graded.lab(lab.id).starter_path.read_text(encoding="utf-8")
        assert template == lab.starter_path.read_text(encoding="utf-8")
    assert 'c.SeqlabGrade.lang = "zh"' in (folder / "nbgrader_config.py").read_text()


def test_the_real_nbgrader_grades_the_exported_course_through_seqlab(tmp_path):
    source_course = lab_course(tmp_path / "seqlab-course", canary_set())
    lab = Course.locate(source_course).lab(LAB)
    assert lab.tests[-1].name == "canary" and lab.tests[-1].hidden
    course_dir = tmp_path / "course"
    export_and_release(source_course, course_dir)
    released = (course_dir / "release" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in released and "YOUR CODE HERE" in released
    assert f"%seqlab check --lab {LAB} --lang en" in released

    students = {
        "alice": blank_cells(REFERENCE),
        "bob": None,  # hands in the release untouched
        "carol": blank_cells(PARTIAL),
        "erin": [blank_cells(REFERENCE)[0].replace("# End #", "# Ende #")],  # broken markers
        "gina": blank_cells(REFERENCE),  # and deletes a grade cell
    }
    paths = {student: submit(course_dir, student, cells) for student, cells in students.items()}
    gina = nbformat.read(paths["gina"], as_version=4)
    deleted = grade_id(2, lab.tests[1])
    gina.cells = [c for c in gina.cells if c.metadata["nbgrader"].get("grade_id") != deleted]
    nbformat.write(gina, paths["gina"])
    frank = course_dir / "submitted" / "frank" / LAB / f"{LAB}.ipynb"
    frank.parent.mkdir(parents=True)
    frank.write_text('{"cells": [', encoding="utf-8")  # not a notebook at all

    # The student's own check, in the released notebook, runs seqlab on the public sets.
    checked = check_notebook(paths["alice"], Course.locate(source_course), LAB)
    assert checked.full_marks and len(checked.tests) == 2

    nbgrader("autograde", LAB, cwd=course_dir)

    names = [*students, "frank"]
    scores = gradebook_scores(course_dir, names)
    ids = [grade_id(number, test) for number, test in enumerate(lab.tests, start=1)]
    full = dict(zip(ids, (float(t.points) for t in lab.tests), strict=True))
    assert scores["alice"] == scores["gina"] == full
    for student in ("bob", "erin", "frank"):
        assert scores[student] == dict.fromkeys(ids, 0.0), student
    seqlab = grade_submission(lab, Submission(Path(lab.entry), PARTIAL), include_hidden=True)
    assert scores["carol"] == dict(zip(ids, (t.score for t in seqlab.tests), strict=True))
    assert 0 < seqlab.score < seqlab.max_score

    nbgrader("generate_feedback", LAB, cwd=course_dir)
    # Why erin and frank got 0, in their feedback: what `seqlab check` says of erin's file.
    with pytest.raises(SubmissionError) as erin:
        submission_from_bytes(Path(f"{LAB}.ipynb"), paths["erin"].read_bytes())
    assert erin.value.render("en") in feedback_text(course_dir, "erin")
    unreadable = say("file.notebook_invalid", "en", path=f"{LAB}.ipynb", reason="\0")
    assert unreadable.split("\0")[0] in feedback_text(course_dir, "frank")
    public = {line for test in lab.tests if not test.hidden for line in test.expected.split("\n")}
    hidden_lines = {
        line for test in lab.tests if test.hidden for line in test.expected.split("\n")
    } - public
    assert any(CANARY_DIGITS in line for line in hidden_lines)
    for student in names:  # hidden sets show their verdict, never their data
        text = feedback_text(course_dir, student)
        assert CANARY not in text and CANARY_DIGITS not in text, student
        assert not [line for line in hidden_lines if line in text], student
        assert not [t.name for t in lab.tests if t.hidden and t.stdin.strip() in text], student
    shoot_feedback(course_dir, "carol", lab, tmp_path / "chrome")
    # Only the grader's copy of the spec holds the hidden set: no notebook, feedback or
    # gradebook row does.
    for path in course_dir.rglob("*"):
        if path.is_file() and path.relative_to(course_dir).parts[0] != "seqlab":
            data = path.read_bytes()
            assert CANARY.encode() not in data and CANARY_DIGITS.encode() not in data, path
    spec = course_dir / "seqlab" / "graders" / "labs" / f"{LAB}.toml"
    assert CANARY in spec.read_text(encoding="utf-8")

    nbgrader("export", cwd=course_dir)
    with (course_dir / "grades.csv").open(encoding="utf-8") as table:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(table)}
    assert exported == {student: sum(scores[student].values()) for student in names}

    # Without seqlab, autograde stops with an error: nobody is given 0 for it.
    fake = tmp_path / "no-seqlab" / "graders"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('seqlab is not installed here')\n")
    submit(course_dir, "zed", blank_cells(REFERENCE))
    done = nbgrader(
        "autograde", LAB, cwd=course_dir, check=False, env={"PYTHONPATH": str(fake.parent)}
    )
    assert done.returncode != 0 and "graded by seqlab" in done.stdout + done.stderr
    assert "pip install" in done.stdout + done.stderr
    assert not (course_dir / "autograded" / "zed").exists()
    # Staff read how to run it in the folder itself.
    readme = (course_dir / "README.md").read_text(encoding="utf-8")
    assert f"nbgrader autograde {LAB}" in readme and "never released" in readme


# --- Gradescope ---------------------------------------------------------------------------------


def test_the_gradescope_bundle_writes_schema_valid_results(course, tmp_path):
    import jsonschema

    from graders.present.gradescope import RESULTS_SCHEMA

    out = tmp_path / "out"
    assert main(["--lang", "en", "export", "gradescope", "--lab", GRADESCOPE_LAB, str(out)]) == 0
    bundle = out / f"autograder-{GRADESCOPE_LAB}.zip"
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
        assert not any(n.startswith(("seqlab/solutions", "seqlab/tests")) for n in names)
        assert "seqlab/graders/present/templates/result.html" in names
        pins = archive.read("requirements.txt").decode().split()
        archive.extractall(root / "source")
    # Every dependency pinned to one version, torch to the course's.
    assert all("==" in pin for pin in pins) and any(p.startswith("torch==2.13.0") for p in pins)
    assert {"numpy", "rich", "jinja2", "pyseccomp"} <= {p.split("==")[0] for p in pins}
    setup = (root / "source" / "setup.sh").read_text(encoding="utf-8")
    assert "python3.11" in setup and '-r "$ROOT/source/requirements.txt"' in setup
    assert " -e " not in setup  # an editable install would put the course on the venv's path
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    run_autograder = root / "source" / "run_autograder"
    run_autograder.chmod(0o755)
    lab = course.lab(GRADESCOPE_LAB)
    env = {**os.environ, "SEQLAB_AUTOGRADER_ROOT": str(root), "SEQLAB_PYTHON": sys.executable}

    def autograde(files: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
        submission = root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        shutil.rmtree(root / "results", ignore_errors=True)
        for name, text in files.items():
            (submission / name).parent.mkdir(parents=True, exist_ok=True)
            (submission / name).write_text(text, encoding="utf-8")
        return subprocess.run(
            ["bash", str(run_autograder)],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def results() -> dict:
        document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        jsonschema.validate(document, RESULTS_SCHEMA)
        return document

    reference = lab.solution_path.read_text(encoding="utf-8")
    starter = lab.starter_path.read_text(encoding="utf-8")
    mistake = next(e for e in load_corpus(lab) if e.name == "mask_after_softmax")
    notebook = lab.starter_path.with_suffix(".ipynb").read_text(encoding="utf-8")
    cases = [
        ({lab.entry: reference}, 100),
        ({"hw/my_attention.py": reference}, 100),  # any single file, however nested
        ({"README.txt": "mine", "attempt/" + lab.entry: reference, "old.py": "x"}, 100),
        ({f"{lab.id}.ipynb": notebook}, 0),  # nbgrader's name for the notebook
        ({lab.entry: starter}, 0),
        ({lab.entry: corpus_program(reference, mistake)}, mistake.score),
    ]
    for files, score in cases:
        done = autograde(files)
        assert done.returncode == 0, done.stderr
        document = results()
        assert document["score"] == score, (list(files), document["output"])
        assert len(document["tests"]) == len(lab.tests)
        # Every set is listed visibly, so the student sees the total; a hidden one by its
        # verdict only.
        assert {t["visibility"] for t in document["tests"]} == {"visible"}
        hidden = [t for t in document["tests"] if t["name"].endswith(" (hidden)")]
        assert len(hidden) == sum(t.hidden for t in lab.tests) == 4
        for test in hidden:
            spec = next(s for s in lab.tests if test["name"].startswith(s.name + " "))
            assert spec.expected.strip() not in test["output"]
            assert spec.stdin.strip() not in test["output"]
        assert document["execution_time"] > 0

    # The starter's name before its notebook: the .py is graded, and the output says so.
    stem = Path(lab.entry).stem
    done = autograde({lab.entry: reference, f"{stem}.ipynb": notebook})
    assert done.returncode == 0, done.stderr
    document = results()
    assert document["score"] == 100, document["output"]
    said = f"Graded {lab.entry}; the other files of the upload ({stem}.ipynb) were not graded"
    assert said in document["output"], document["output"]
    # A public set's output carries the error the terminal shows (the untouched starter's
    # NotImplementedError); a hidden set's stays its verdict only.
    done = autograde({lab.entry: starter})
    document = results()
    public = [t for t in document["tests"] if not t["name"].endswith(" (hidden)")]
    hidden = [t for t in document["tests"] if t["name"].endswith(" (hidden)")]
    assert public and all("NotImplementedError" in t["output"] for t in public), public
    assert hidden and not any("NotImplementedError" in t["output"] for t in hidden), hidden

    # The student's fault: a 0 with the reason, like any grade.
    for files, said in [
        ({lab.entry: "print('no blanks here')\n"}, "blank"),
        ({"a.py": reference, "b.py": reference}, "several candidate files"),
        ({f"a/{lab.entry}": reference, f"b/{lab.entry}": reference}, f"a/{lab.entry}, b/"),
        ({"notes.txt": "no code"}, "holds no file to grade"),
    ]:
        done = autograde(files)
        assert done.returncode == 0, done.stderr
        document = results()
        assert document["score"] == 0 and document["tests"] == [] and said in document["output"]

    # Ours: no results.json and a non-zero exit, which Gradescope shows staff as a failure.
    done = autograde({lab.entry: reference}, SEQLAB_PYTHON=str(tmp_path / "no-python"))
    assert done.returncode != 0 and "setup.sh did not complete" in done.stderr
    assert not (root / "results" / "results.json").exists()
    # Below the level where the spec is unreadable by the student's program: not graded.
    done = autograde({lab.entry: reference}, SEQLAB_SANDBOX_DISABLE="bwrap,landlock")
    assert done.returncode != 0 and "below the required medium" in done.stderr, done.stderr
    assert not (root / "results" / "results.json").exists()
