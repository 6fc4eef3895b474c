"""Runs inside the kernel of an exported nbgrader notebook: its test cells call
`SeqlabLab.check`, which grades the notebook's own code on one test set through seqlab's
engine and sandbox, and raises AssertionError (nbgrader's "failed") unless it passes.

The program is read from the kernel's history of raw cell sources: every cell executed
before the setup cell, read back like a submitted notebook (graders/notebooks/cells.py),
its blanks spliced into the lab's template (embedded in the setup cell, so the export
needs no course folder at grading time). nbgrader executes each notebook once, in order,
in a fresh kernel, so the history is exactly the notebook's cells; in Jupyter, restart the
kernel and run all before running a test cell by hand.
"""

from __future__ import annotations

from pathlib import Path

from graders.engine import grade_program
from graders.errors import SeqlabError
from graders.markers import splice
from graders.messages import say
from graders.notebooks.cells import read_cells
from graders.spec import LabSpec, Limits, TestSet

SETUP_MARK = "# seqlab: autograder setup"
MAX_SHOWN = 1200


def _shown(text: str | None) -> str:
    text = (text or "").rstrip("\n")
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " …"


class SeqlabLab:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.lang = data["lang"]
        self.notebook = f"{data['id']}.ipynb"

    def _program_cells(self) -> list[tuple[int, str]]:
        from IPython import get_ipython  # only ever called inside a kernel

        sources = []
        for source in get_ipython().history_manager.input_hist_raw[1:]:
            if source.lstrip().startswith(SETUP_MARK):
                break
            sources.append(source)
        return list(enumerate(sources, start=1))

    def _lab(self, test: TestSet) -> LabSpec:
        data = self.data
        return LabSpec(
            id=data["id"],
            title=data["title"],
            entry=data["entry"],
            tests=(test,),
            limits=Limits(**data["limits"]),
            fork_at_input=data["fork_at_input"],
            seed_variable=None,
            spec_path=Path(self.notebook),
            course_root=Path.cwd(),
        )

    def check(
        self,
        name: str,
        *,
        stdin: str,
        expected: str,
        points: int,
        hidden: bool = False,
        comparator: str = "lines",
        options: dict | None = None,
    ) -> None:
        test = TestSet(name, stdin, expected, points, hidden, comparator, dict(options or {}))
        lab = self._lab(test)
        try:
            program = read_cells(self._program_cells(), self.notebook).text
            spliced = splice(
                self.data["template"],
                program,
                template_path="template",
                path=self.notebook,
                lab=lab.id,
            )
        except SeqlabError as error:
            raise AssertionError(error.render(self.lang)) from None
        result = grade_program(
            lab,
            spliced.program,
            file=self.notebook,
            include_hidden=True,
            ignored_lines=spliced.ignored_lines,
            line_map=spliced.submission_line,
        ).tests[0]
        lang = self.lang
        heading = f"{name}: {result.verdict.label(lang)} {result.score:g}/{result.max_score:g}"
        if result.verdict.passed:
            print(heading)
            return
        lines = [heading, result.detail_text(lang)]
        if not hidden:
            lines += [
                f"{say('report.expected', lang)}:\n{_shown(result.expected)}",
                f"{say('report.actual', lang)}:\n{_shown(result.actual)}",
            ]
            if result.stderr:
                lines.append(f"{say('report.stderr', lang)}:\n{_shown(result.stderr[-MAX_SHOWN:])}")
        raise AssertionError("\n".join(line for line in lines if line))
