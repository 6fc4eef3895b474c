"""Exports that real tools read: an nbgrader course graded by the real nbgrader, and a
Gradescope autograder bundle whose run_autograder writes a schema-valid results.json."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from graders.cli import main
from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.notebooks.cells import cut
from graders.submission import Submission

BIN = Path(sys.executable).parent
LAB = "scaled-dot-product"  # fast (NumPy), and its corpus has a mistake failing some sets


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{name} not found: install the jupyter extra (pip install -e '.[dev]')", pytrace=False
        )
    return str(path)


def run(command: list[str], cwd: Path) -> str:
    # nbgrader runs `alembic` (its gradebook migrations) from PATH: the venv's bin first.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def blank_sources(program: str) -> list[str]:
    return [cell.source for cell in cut(program, "x") if cell.blanks]


def submit(course_dir: Path, student: str, blanks: list[str] | None) -> None:
    """The released notebook, with its blank cells replaced (None: handed in untouched)."""
    release = course_dir / "release" / LAB / f"{LAB}.ipynb"
    notebook = nbformat.read(release, as_version=4)
    if blanks is not None:
        cells = [c for c in notebook.cells if c.metadata["nbgrader"].get("solution")]
        assert len(cells) == len(blanks)
        for cell, source in zip(cells, blanks, strict=True):
            cell.source = source
    target = course_dir / "submitted" / student / LAB / f"{LAB}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)


def test_the_real_nbgrader_grades_the_exported_course(course, tmp_path):
    nbgrader = tool("nbgrader")
    course_dir = tmp_path / "course"
    assert main(["--lang", "en", "export", "nbgrader", str(course_dir)]) == 0
    for lab in course.labs():  # every lab is exported and a valid notebook
        nbformat.validate(nbformat.read(course_dir / "source" / lab.id / f"{lab.id}.ipynb", 4))
    source = nbformat.read(course_dir / "source" / LAB / f"{LAB}.ipynb", as_version=4)
    assert sum("### BEGIN SOLUTION" in c.source for c in source.cells) == 2
    assert sum("### BEGIN HIDDEN TESTS" in c.source for c in source.cells) == 4

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    run([nbgrader, "generate_assignment", LAB, "--db", db], course_dir)
    released = (course_dir / "release" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in released and "YOUR CODE HERE" in released
    for test in course.lab(LAB).tests:  # hidden tests are stripped from the release
        assert (f"check({test.name!r}" in released) != test.hidden, test.name
        if test.hidden:
            assert test.stdin.split("\n")[1] not in released, test.name

    lab = course.lab(LAB)
    reference = lab.solution_path.read_text(encoding="utf-8")
    mistake = next(e for e in load_corpus(lab) if e.name == "mask_after_softmax")
    mistake_program = corpus_program(reference, mistake)
    submit(course_dir, "alice", blank_sources(reference))
    submit(course_dir, "bob", None)
    submit(course_dir, "carol", blank_sources(mistake_program))
    for student in ("alice", "bob", "carol"):
        run([nbgrader, "db", "student", "add", student, "--db", db], course_dir)
    run([nbgrader, "autograde", LAB, "--db", db], course_dir)

    from nbgrader.api import Gradebook

    seqlab = grade_submission(
        lab, Submission(Path(lab.entry), mistake_program), include_hidden=True
    )
    total = sum(t.points for t in lab.tests)
    with Gradebook(db) as book:
        scores = {s: book.find_submission(LAB, s).score for s in ("alice", "bob", "carol")}
        carol = book.find_submission_notebook(LAB, LAB, "carol")
        per_set = {g.name: g.score for g in carol.grades if g.cell.max_score}
    assert scores["alice"] == total
    assert scores["bob"] == 0
    assert scores["carol"] == seqlab.score == mistake.score < total
    by_name = {t.name: t.score for t in seqlab.tests}
    for number, test in enumerate(lab.tests, start=1):
        grade_id = next(g for g in per_set if g.startswith(f"set-{number}-"))
        assert per_set[grade_id] == by_name[test.name], test.name


# --- Gradescope ---------------------------------------------------------------------------------


def test_the_gradescope_bundle_writes_schema_valid_results(course, tmp_path):
    import jsonschema

    from graders.course.gradescope import RESULTS_SCHEMA

    out = tmp_path / "out"
    assert main(["--lang", "en", "export", "gradescope", "--lab", LAB, str(out)]) == 0
    bundle = out / f"autograder-{LAB}.zip"
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert "setup.sh" in names and "run_autograder" in names
        assert not any(n.startswith(("seqlab/solutions", "seqlab/tests")) for n in names)
        archive.extractall(root / "source")
    run_autograder = root / "source" / "run_autograder"
    run_autograder.chmod(0o755)
    lab = course.lab(LAB)
    env = {
        **os.environ,
        "SEQLAB_AUTOGRADER_ROOT": str(root),
        "SEQLAB_BIN": tool("seqlab"),
        "SEQLAB_PYTHON": sys.executable,
    }
    reference = lab.solution_path.read_text(encoding="utf-8")
    mistake = next(e for e in load_corpus(lab) if e.name == "mask_after_softmax")
    cases = [
        (reference, lab.entry, 100),
        (lab.starter_path.read_text(encoding="utf-8"), lab.entry, 0),
        (corpus_program(reference, mistake), lab.entry, mistake.score),
        ("print('no blanks here')\n", lab.entry, None),  # cannot be graded: a message
    ]
    for text, name, score in cases:
        submission = root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir(parents=True)
        (submission / name).write_text(text, encoding="utf-8")
        done = subprocess.run(
            ["bash", str(run_autograder)], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        jsonschema.validate(results, RESULTS_SCHEMA)
        if score is None:
            assert results["score"] == 0 and results["tests"] == []
            assert "blank" in results["output"]
            continue
        assert results["score"] == score
        assert len(results["tests"]) == len(lab.tests)
        visible = [t for t in results["tests"] if t["visibility"] == "visible"]
        hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
        assert len(hidden) == 4 and len(visible) == 2
        for test in hidden:  # nothing of a hidden set's data in its output
            spec = next(s for s in lab.tests if s.name == test["name"])
            assert spec.expected.strip() not in test["output"]
            assert spec.stdin.strip() not in test["output"]
        assert results["execution_time"] > 0
