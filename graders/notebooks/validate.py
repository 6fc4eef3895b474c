"""nbgrader's Validate, told the truth: what a public set's grade cell runs in the student's kernel.

`seqlab export nbgrader` writes each public set's grade cell as a call of
`public_set(number, name=..., lab=..., lang=...)` (graders/notebooks/nbgrader.py), guarded so
that a kernel without seqlab fails the cell saying so. nbgrader's Validate runs the notebook and
counts a grade cell that ends in an error as failed; without this, the cells were comments, and
Validate said "Success! Your notebook passes all the tests" for an untouched starter.

`public_set` grades the notebook on the lab's public sets, through the same engine and
sandbox as `%seqlab check` (the student's code runs in a sandboxed process, not in this
kernel's namespace), once per program: a grade cell reuses the kernel's last result — the
`%seqlab check` cell's, or the grade cell's before it — when it graded exactly this program
(graders/notebooks/reuse.py; an edit in between grades again). It
raises SetNotPassed — a short message in both languages, shown by IPython as it is, without a
traceback — when its set did not pass (untouched blanks fail theirs) or when the notebook
cannot be checked (no course found, broken markers). Hidden sets' grade cells stay comments:
this kernel has no hidden data, and Validate's pass means the public sets pass, as the
check's does.

Autograde never runs these cells: SeqlabGrade (nbgrader_grade.py) writes every grade cell's
outputs from the engine, hidden sets included, so nothing here can change a score.

Which code: under `nbgrader validate` (it sets NBGRADER_VALIDATING in the kernel's
environment; also its Validate button in JupyterLab) and any other headless run, the code the
kernel executed, cell by cell — the notebook being validated, whatever it is called and
whatever else is in its folder (live.executed_notebook). Run by hand in Jupyter, the cell
has the frontend save the notebook first, exactly as `%seqlab check` does.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from graders.errors import SeqlabError
from graders.messages import Text
from graders.notebooks import live
from graders.notebooks.magic import check_notebook, notebook_to_grade
from graders.notebooks.nbgrader import both_languages
from graders.results import LabResult
from graders.spec import Course, LabSpec
from graders.submission import Submission, read_submission


class SetNotPassed(Exception):
    """A grade cell's failure: its message, and no traceback (IPython's _render_traceback_)."""

    def _render_traceback_(self) -> list[str]:
        return str(self).split("\n")


def _notebook(course: Course, lang: str) -> Submission:
    from IPython import get_ipython

    shell = get_ipython()
    if os.environ.get("NBGRADER_VALIDATING"):  # a kernel of nbgrader's: no frontend to ask
        return live.executed_notebook(shell, course)
    namespace = shell.user_ns if shell is not None else {}
    args = argparse.Namespace(notebook=None, saved=False)
    found, handle = notebook_to_grade(args, namespace, course, lang)
    if handle is not None:  # saved: the "saving…" line goes; the cell's outcome is what shows
        from IPython.display import HTML

        handle.update(HTML(""))
    return found if isinstance(found, Submission) else read_submission(found)


def _result(lab: str, lang: str) -> tuple[LabSpec, LabResult]:
    course = Course.locate(None, near=Path.cwd())  # the students' copy the notebook is in
    submission = _notebook(course, lang)
    return course.lab(lab), check_notebook(submission, course, lab, reuse_last=True)


def public_set(number: int, *, lab: str, lang: str = "zh", name: str | None = None) -> None:
    """Nothing when the lab's set `name` (the `number`th, counting every set, as the grade cells
    do) passes on the public check; SetNotPassed, saying why, otherwise. The set is found by its
    name: the students' copy holds only the public sets, so a number counted over the whole
    spec (the code-rules set comes after the hidden ones) is not its place there. A cell
    exported without a name finds its set by the number."""
    try:
        spec, result = _result(lab, lang)
    except SeqlabError as error:
        reason = Text(error.key, **error.params)  # said in each language
        # --course cannot be given from a locked grade cell
        if error.key in ("spec.no_course", "spec.no_course_near"):
            reason = Text("notebook.validate_no_course", path=Path.cwd())
        raise SetNotPassed(
            both_languages("notebook.validate_unchecked", number=number, reason=reason)
        ) from None
    if name is None and 1 <= number <= len(spec.tests):
        name = spec.tests[number - 1].name
    test = next((t for t in result.tests if t.name == name and not t.hidden), None)
    if test is None:
        reason = Text("notebook.validate_no_set", lab=lab, path=spec.course_root)
        raise SetNotPassed(
            both_languages("notebook.validate_unchecked", number=number, reason=reason)
        )
    if test.verdict.passed:
        return
    # The code-rules set, or a set not run because a rule is broken: the rule, line and reason.
    if test.comparator == "rules" or test.detail_key == "detail.not_run_rules":
        detail = Text(test.detail_key, **test.detail)
        raise SetNotPassed(
            both_languages("notebook.validate_rules", number=number, name=name, detail=detail)
        )
    verdict = Text(f"verdict.{test.verdict.value}")
    points = f"{test.score:g}/{test.max_score:g}"
    raise SetNotPassed(
        both_languages(
            "notebook.validate_failed", number=number, name=name, verdict=verdict, points=points
        )
    )
