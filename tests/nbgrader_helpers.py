"""The real nbgrader on an exported course, for tests/test_exports.py and the nbgrader attack.

A course copy holds only the rnn-numpy lab (its program runs in about 0.1 s), so the export
and every nbgrader command stay quick; nbgrader itself is slow to start, so each test runs
each command once, for all its students together.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from graders.cells import cut
from graders.cli import main

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LAB = "rnn-numpy"
REFERENCE = (ROOT / "solutions" / LAB / "rnn_numpy.py").read_text(encoding="utf-8")


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{name} not found: install the jupyter extra (pip install -e '.[dev]')", pytrace=False
        )
    return str(path)


def nbgrader(
    *arguments: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    # As a user runs it without activating the venv: PATH without the venv's bin (nbgrader
    # runs `alembic` by name; the exported config puts the venv's bin first).
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != str(BIN))
    env = {**os.environ, "PATH": path, **(env or {})}
    done = subprocess.run(
        [tool("nbgrader"), *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def lab_course(root: Path, extra_spec: str = "", lab: str = LAB) -> Path:
    """A course folder holding only the lab (rnn-numpy unless told), `extra_spec` appended to
    its spec."""
    (root / "graders" / "labs").mkdir(parents=True)
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / lab, root / part / lab)
    spec = (ROOT / "graders" / "labs" / f"{lab}.toml").read_text(encoding="utf-8")
    (root / "graders" / "labs" / f"{lab}.toml").write_text(spec + extra_spec, encoding="utf-8")
    return root


def export_and_release(
    course_root: Path, course_dir: Path, lang: str = "en", lab: str = LAB
) -> None:
    """`seqlab export nbgrader`, then `nbgrader generate_assignment` in the exported course."""
    arguments = ["--lang", lang, "export", "nbgrader", "--course", str(course_root)]
    assert main([*arguments, str(course_dir)]) == 0
    nbgrader("generate_assignment", lab, cwd=course_dir)


def blank_cells(program: str) -> list[str]:
    """The program's cells that hold blanks: what a student fills in."""
    return [cell.source for cell in cut(program, "x") if cell.blanks]


def submit(course_dir: Path, student: str, cells: list[str] | None, lab: str = LAB) -> Path:
    """The released notebook, its solution cells replaced by `cells` (None: untouched)."""
    notebook = nbformat.read(course_dir / "release" / lab / f"{lab}.ipynb", as_version=4)
    if cells is not None:
        solutions = [c for c in notebook.cells if c.metadata["nbgrader"].get("solution")]
        assert len(solutions) == len(cells)
        for cell, source in zip(solutions, cells, strict=True):
            cell.source = source
    target = course_dir / "submitted" / student / lab / f"{lab}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)
    return target


def gradebook_scores(course_dir: Path, students: list[str]) -> dict[str, dict[str, float]]:
    """Per student, the score of every grade cell, read from nbgrader's own gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        for student in students:
            notebook = book.find_submission_notebook(LAB, LAB, student)
            scores[student] = {g.name: g.score for g in notebook.grades if g.cell.max_score}
    return scores
