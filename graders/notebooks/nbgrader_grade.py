"""`nbgrader autograde` for an exported seqlab course: seqlab grades, no kernel runs.

`seqlab export nbgrader` names `SeqlabGrade` in place of nbgrader's Execute preprocessor
(graders/notebooks/nbgrader.py writes the config), so nothing of the student's runs in a
kernel on the grading host: a kernel-side checker could be patched by the very cells it
grades. SeqlabGrade reads the sanitized submission's code cells like any submitted notebook
(graders/cells.py; nbgrader's grade cells are the grader's, not the program's), grades the program
through the engine on every set, hidden ones included (the student's code runs only in
seqlab's sandbox), and writes each set's outcome as the output of that set's grade cell:

- a passing set: a display of its result (nbgrader's determine_grade: full points);
- a failing set: the same display and an `error` output (determine_grade: 0 points).

nbgrader's own SaveAutoGrades, next in the list, stores those scores in its gradebook, so
formgrader, `nbgrader export` and `nbgrader generate_feedback` show them. A hidden set's
result holds no data (engine.judge), so its output shows the verdict only.

A submission that cannot be read (not a notebook at all: `SubmissionReader`, the exporter
the config names, reads it as an empty notebook that says why) or spliced (broken markers,
a `%magic` in a blank, a blank missing) gets 0 on every set, the reason in every grade cell.
A grade cell the student deleted is put back at the end, so every set gets its score.
Anything else that stops grading (no spec, an unknown lab, the sandbox failing, seqlab not
installed) raises: nbgrader reports the submission as failed and exits non-zero, rather than
giving it 0.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat import NotebookNode
from nbformat.v4 import new_notebook, new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Enum, Unicode

from graders.cells import read_cells
from graders.errors import SpecError, SubmissionError
from graders.messages import LANGS, say
from graders.notebooks.nbgrader import grade_cell, grade_id
from graders.present.html import error_html, set_html
from graders.present.view import set_view
from graders.results import TestResult
from graders.service import Blame, grade_lab
from graders.spec import Course, LabSpec
from graders.submission import Submission

UNREADABLE = "unreadable"  # notebook.metadata.seqlab[UNREADABLE]: why the file was not read


class SubmissionReader(NotebookExporter):
    """nbgrader's reader of submitted notebooks, except that a file nbformat cannot read
    becomes an empty notebook saying why, instead of an error that leaves the student out."""

    def from_file(self, file_stream, resources=None, **kw):
        try:
            notebook = nbformat.read(file_stream, as_version=4)
        except Exception as error:  # whatever nbformat makes of a broken file
            notebook = new_notebook(metadata={"seqlab": {UNREADABLE: f"{error}"}})
        return self.from_notebook_node(notebook, resources=resources, **kw)


class SeqlabGrade(NbGraderPreprocessor):
    course = Unicode(
        "", help="The course seqlab grades with: DIR/seqlab, written by `seqlab export nbgrader`"
    ).tag(config=True)
    lang = Enum(list(LANGS), default_value="zh", help="The outputs' language").tag(config=True)
    # Not configurable: switched off, no grade cell would get an output, and nbgrader gives
    # a code grade cell without an error output its full points.
    enabled = Bool(True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        notebook = resources["nbgrader"]["notebook"]  # nbgrader's name for it, not the student's
        lab = self._lab(notebook)
        outputs = set_outputs(lab, nb, Path(f"{notebook}.ipynb"), self.lang)
        for number, cell in enumerate(nb.cells, start=1):
            if is_autograded(cell):
                found = cell.metadata.nbgrader.get("grade_id")
                cell.outputs = outputs.pop(found, None) or _unknown_cell(number, self.lang)
        for number, test in enumerate(lab.tests, start=1):
            left = outputs.get(grade_id(number, test))
            if left:  # the set's grade cell was deleted (or never read): put it back
                cell = grade_cell(number, test)
                cell.outputs = left
                nb.cells.append(cell)
        return nb, resources

    def _lab(self, notebook: str) -> LabSpec:
        if not self.course:
            raise SpecError("notebook.nbgrader_no_course")
        return Course.locate(Path(self.course)).lab(notebook)


def is_autograded(cell: NotebookNode) -> bool:
    """A grade cell nbgrader scores from its outputs (a solution grade cell is manual)."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def program_cells(nb: NotebookNode) -> list[tuple[int, str]]:
    """(cell number, source) of the code cells that make up the student's program."""
    return [
        (number, cell.source)
        for number, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code" and not is_grade(cell)
    ]


def set_outputs(lab: LabSpec, nb: NotebookNode, path: Path, lang: str) -> dict[str, list]:
    """The outputs of every set's grade cell, by grade id."""
    ids = [grade_id(number, test) for number, test in enumerate(lab.tests, start=1)]

    def read() -> Submission:
        unreadable = nb.metadata.get("seqlab", {}).get(UNREADABLE)
        if unreadable is not None:
            raise SubmissionError("file.notebook_invalid", path=path, reason=unreadable)
        # Its places too, as `%seqlab check` reads a notebook (submission.py): an error
        # names the cell and the line in it, not a line of the joined program.
        program = read_cells(program_cells(nb), path)
        return Submission(path, program.text, program.places)

    outcome = grade_lab(lab, read, include_hidden=True)
    if outcome.blame is Blame.STUDENT:  # the student's notebook: 0, and why
        message = outcome.message(lang)
        zeros = [say("notebook.nbgrader_not_graded", lang, points=t.points) for t in lab.tests]
        return {cell: _not_graded(message, zero) for cell, zero in zip(ids, zeros, strict=True)}
    if outcome.result is None:  # ours or the course's: nbgrader reports a failure, not a 0
        raise outcome.error
    result = outcome.result
    return {
        cell_id: _result_outputs(number, test, lang)
        for number, (cell_id, test) in enumerate(zip(ids, result.tests, strict=True), start=1)
    }


def _display(html: str, text: str) -> NotebookNode:
    return new_output("display_data", data={"text/html": html, "text/plain": text})


def _error(line: str) -> NotebookNode:
    # The traceback is what nbgrader's feedback shows of an error: one line, the verdict.
    return new_output("error", ename="SeqlabGrade", evalue=line, traceback=[line])


def _result_outputs(number: int, test: TestResult, lang: str) -> list[NotebookNode]:
    view = set_view(number, test, lang, "lab")
    heading = f"{view.heading}: {view.label} {view.points}"
    shown = _display(set_html(view), heading)
    return [shown] if view.passed else [shown, _error(heading)]


def _not_graded(message: str, verdict: str) -> list[NotebookNode]:
    return [_display(error_html(message), message), _error(verdict)]


def _unknown_cell(number: int, lang: str) -> list[NotebookNode]:
    message = say("notebook.nbgrader_unknown_cell", lang, cell=number)
    return _not_graded(message, message)
