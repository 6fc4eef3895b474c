"""The real `nbgrader validate` tells the truth about an exported notebook (its public grade
cells run seqlab's check in the student's kernel), autograde and generate_feedback still score
it through seqlab with no hidden data, and a syntax error is named by its cell and line."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader_helpers import (
    LAB,
    REFERENCE,
    blank_cells,
    export_and_release,
    gradebook_scores,
    lab_course,
    nbgrader,
    submit,
)
from test_exports import CANARY, CANARY_DIGITS, canary_set, feedback_text

from graders.cli import main
from graders.course.release import public_spec
from graders.notebooks.magic import check_notebook
from graders.notebooks.nbgrader import grade_id
from graders.spec import Course

# A syntax error in the first blank's cell, on the line after its `Begin` marker.
BROKEN = blank_cells(REFERENCE)


def broken_cells() -> tuple[list[str], int]:
    """The reference's blank cells with a syntax error in the first, and its line there."""
    cells = list(BROKEN)
    lines = cells[0].split("\n")
    begin = next(k for k, line in enumerate(lines) if "Begin" in line)
    indent = lines[begin + 1][: len(lines[begin + 1]) - len(lines[begin + 1].lstrip())]
    lines.insert(begin + 1, indent + "x = (1,")
    cells[0] = "\n".join(lines)
    return cells, begin + 2


def validate(notebook: Path, *options: str, **env: str) -> str:
    """What `nbgrader validate` prints, run in the notebook's folder as a student would."""
    done = nbgrader("validate", *options, notebook.name, cwd=notebook.parent, check=False, env=env)
    return done.stdout + done.stderr


def test_validate_fails_an_untouched_notebook_and_passes_a_right_one(tmp_path):
    source_course = lab_course(tmp_path / "seqlab-course", canary_set())
    lab = Course.locate(source_course).lab(LAB)
    course_dir = tmp_path / "course"
    export_and_release(source_course, course_dir)
    # The students' copy of the course, as `seqlab release` writes its specs: public sets only.
    students_copy = tmp_path / "students-copy"
    spec = (source_course / "graders" / "labs" / f"{LAB}.toml").read_text(encoding="utf-8")
    (students_copy / "graders" / "labs").mkdir(parents=True)
    (students_copy / "graders" / "labs" / f"{LAB}.toml").write_text(public_spec(spec))
    shutil.copytree(source_course / "exercises", students_copy / "exercises")
    broken, broken_line = broken_cells()
    students = {"alice": BROKEN, "bob": None, "carol": broken}
    paths = {student: submit(course_dir, student, cells) for student, cells in students.items()}
    mine = {}
    for student, path in paths.items():
        mine[student] = students_copy / "work" / student / path.name
        mine[student].parent.mkdir(parents=True)
        shutil.copyfile(path, mine[student])

    # Untouched: Validate fails, saying which public set did not pass, in both languages.
    said = validate(mine["bob"])
    assert "Success" not in said and "VALIDATION FAILED" in said, said
    public = [(n, t) for n, t in enumerate(lab.tests, start=1) if not t.hidden]
    for number, test in public:
        assert f'Public test set {number} "{test.name}" did not pass' in said, said
        assert f"公开测试集 {number}「{test.name}」没有通过" in said
    assert "Traceback" not in said and CANARY not in said
    # Right: it passes; `%seqlab check` agrees, and reads the grade cells as the grader's, not
    # as edits outside the blanks.
    said = validate(mine["alice"])
    assert "Success! Your notebook passes all the tests." in said, said
    checked = check_notebook(mine["alice"], Course.locate(students_copy), LAB)
    assert checked.full_marks and not checked.ignored_lines, checked.ignored_lines
    # Validate grades the notebook it runs, whatever its name and whatever lies beside it:
    # an untouched copy next to a right notebook fails; a right one under another name next
    # to an untouched one passes (the grade cells grade the kernel's executed cells).
    beside = mine["alice"].parent
    shutil.copyfile(mine["bob"], beside / f"{LAB}-Copy1.ipynb")
    said = validate(beside / f"{LAB}-Copy1.ipynb")
    assert "Success" not in said and "VALIDATION FAILED" in said, said
    untouched = mine["bob"].parent
    shutil.copyfile(mine["alice"], untouched / "mywork.ipynb")
    said = validate(untouched / "mywork.ipynb")
    assert "Success! Your notebook passes all the tests." in said, said
    unchanged = check_notebook(mine["bob"], Course.locate(students_copy), LAB)
    assert not unchanged.ignored_lines, unchanged.ignored_lines
    # Without seqlab in the kernel: it says so instead of passing.
    fake = tmp_path / "no-seqlab" / "graders"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('seqlab is not installed here')\n")
    said = validate(mine["alice"], PYTHONPATH=str(fake.parent))
    assert "Success" not in said and "seqlab is not installed in this" in said, said
    # The export writes the lab into the notebook as `seqlab build` does: a renamed copy
    # (Jupyter's "Duplicate") is still its lab, with no --lab.
    renamed = mine["alice"].parent / f"{LAB}-Copy1.ipynb"
    shutil.copyfile(mine["alice"], renamed)
    assert main(["--lang", "en", "check", str(renamed), "--json"]) == 0

    # Autograde (seqlab's preprocessor, no kernel) still scores right, hidden sets included.
    nbgrader("autograde", LAB, cwd=course_dir)
    scores = gradebook_scores(course_dir, list(students))
    ids = [grade_id(number, test) for number, test in enumerate(lab.tests, start=1)]
    assert scores["alice"] == {i: float(t.points) for i, t in zip(ids, lab.tests, strict=True)}
    assert scores["bob"] == scores["carol"] == dict.fromkeys(ids, 0.0)
    nbgrader("generate_feedback", LAB, cwd=course_dir)
    hidden = {line for t in lab.tests if t.hidden for line in (t.stdin + t.expected).split("\n")}
    hidden -= {
        line for t in lab.tests if not t.hidden for line in (t.stdin + t.expected).split("\n")
    }
    for student in students:
        text = feedback_text(course_dir, student)
        assert CANARY not in text and CANARY_DIGITS not in text, student
        assert not [line for line in hidden if len(line) > 8 and line in text], student
    # carol's syntax error is named by the cell and the line in it, not the joined program's.
    notebook = nbformat.read(paths["carol"], as_version=4)
    cell = 1 + next(
        k for k, c in enumerate(notebook.cells) if c.metadata["nbgrader"].get("solution")
    )
    text = feedback_text(course_dir, "carol")
    assert f'{LAB}.ipynb", cell {cell}, line {broken_line}' in text, text[-3000:]
    assert "SyntaxError" in text


def test_a_grade_cell_names_a_missing_package_of_the_jupyter_extra(tmp_path):
    """seqlab installed without its [jupyter] extra: the grade cell (run as plain Python, in
    a real process whose nbformat cannot be imported) names the package and the command."""
    import os
    import subprocess
    import sys

    from nbgrader_helpers import ROOT

    from graders.notebooks.nbgrader import grade_cell

    lab = Course.locate(ROOT).lab(LAB)
    number, test = next((n, t) for n, t in enumerate(lab.tests, start=1) if not t.hidden)
    source = grade_cell(number, test, LAB, "en").source
    fake = tmp_path / "fake" / "nbformat"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no nbformat', name='nbformat')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake.parent), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", source], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    said = " ".join(done.stderr.split())  # wrapped to nbgrader's line width
    assert done.returncode != 0 and "the package nbformat of its Jupyter extra" in said, said
    assert (
        "pip install 'PATH/TO/the-students-copy[jupyter]'" in said
        and "not installed in this kernel" not in said
    )


def test_a_notebook_outside_its_course_is_told_to_move_back(tmp_path, monkeypatch):
    """An installed (not editable) seqlab has no course of its own: a notebook validated
    outside the course folder finds none. Its grade cell cannot take --course, so the message
    says what a student can do. (Here the checkout seqlab runs from is a course, so it is
    hidden as an installed seqlab's would be absent.)"""
    from graders.notebooks.validate import SetNotPassed, public_set
    from graders.spec import Course

    checkout = Path(__file__).resolve().parent.parent
    holds = Course._holds_course
    monkeypatch.setattr(Course, "_holds_course", staticmethod(lambda f: f != checkout and holds(f)))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SetNotPassed) as raised:
        public_set(1, lab=LAB, lang="en")
    said = str(raised.value)
    assert "Move the notebook back into the assignment folder" in said and "请把笔记本移回" in said
    assert "--course" not in said, said


def test_the_code_rules_grade_cell_passes_a_right_notebook_and_names_a_broken_rule(tmp_path):
    """A lab with `[rules]` (lstm-cell): its code-rules set is numbered after every set, hidden
    ones included, but the students' copy holds only the public ones. The grade cell still
    checks it: a right notebook passes Validate; a notebook using nn.LSTMCell fails it with
    the rule's reason in both languages, never a traceback."""
    lab_id = "lstm-cell"
    source_course = lab_course(tmp_path / "seqlab-course", lab=lab_id)
    lab = Course.locate(source_course).lab(lab_id)
    assert lab.tests[-1].rules and any(t.hidden for t in lab.tests)
    course_dir = tmp_path / "course"
    export_and_release(source_course, course_dir, lab=lab_id)
    students_copy = tmp_path / "students-copy"
    spec = (source_course / "graders" / "labs" / f"{lab_id}.toml").read_text(encoding="utf-8")
    (students_copy / "graders" / "labs").mkdir(parents=True)
    (students_copy / "graders" / "labs" / f"{lab_id}.toml").write_text(public_spec(spec))
    shutil.copytree(source_course / "exercises", students_copy / "exercises")
    reference = (source_course / "solutions" / lab_id / lab.entry).read_text(encoding="utf-8")
    right = blank_cells(reference)
    anchor = "    h, c = state\n"
    assert anchor in right[0]
    broken = [right[0].replace(anchor, anchor + "    _ = torch.nn.LSTMCell\n"), *right[1:]]
    mine = {}
    for student, cells in {"alice": right, "dave": broken}.items():
        path = submit(course_dir, student, cells, lab=lab_id)
        mine[student] = students_copy / "work" / student / path.name
        mine[student].parent.mkdir(parents=True)
        shutil.copyfile(path, mine[student])

    said = validate(mine["alice"])
    assert "Success! Your notebook passes all the tests." in said, said
    said = validate(mine["dave"])
    flat = " ".join(said.split())
    assert "VALIDATION FAILED" in said and "Traceback" not in said, said
    number = len(lab.tests)
    assert f'Test set {number} "code rules" did not pass' in flat, said
    assert "nn.LSTMCell" in flat and "write the LSTM's four gates" in flat, said
    assert "本关要你自己写出" in "".join(said.split()), said
    # A grade cell whose set is not among the copy's public sets (a notebook from another
    # version of the course; here a number past the end, with no name): a clear message.
    notebook = nbformat.read(mine["alice"], as_version=4)
    cell = next(c for c in notebook.cells if c.get("id", "").startswith(f"set-{number}-"))
    call = cell.source.split("\n")[-1]
    assert call.startswith(f"public_set({number}, name='code rules'"), call
    cell.source = cell.source.replace(call, f"public_set(99, lab={lab_id!r}, lang='en')")
    stale = mine["alice"].parent / "stale.ipynb"
    nbformat.write(notebook, stale)
    said = validate(stale, "--Validator.ignore_checksums=True")  # the cell was edited
    flat = " ".join(said.split())
    assert "Test set 99 could not be checked" in flat and "no such public test set" in flat, said
    assert "Traceback" not in said and "IndexError" not in said, said
