"""A lab as a notebook: the task page as markdown cells, the starter as code cells.

`seqlab build` writes it as exercises/<lab>/<stem>.ipynb and `seqlab validate` checks it byte
for byte, like the starter itself (graders/course/build.py keeps the files in sync). Making
one is deterministic: fixed cell ids, no outputs, no execution counts, nbformat's own JSON
layout (sorted keys, one-space indent).

Cells, in order: the task page's title and one markdown cell per `## ` section (中文,
English), a bilingual note on how the notebook is graded, the program's code cells
(graders/cells.py decides where they are cut: locked cells are not editable or deletable in
Jupyter; cells with blanks are editable), a check cell (`%load_ext graders.notebooks.magic`,
`%seqlab check`) placed before the program's entry cell (the `if __name__ == "__main__":`
cell, which reads standard input and so cannot run inside a notebook).

nbformat comes with the optional [jupyter] extra, so it is imported only where a notebook is
made: the course commands run without it and say how to get it when a notebook needs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from graders.cells import cut
from graders.errors import UsageError
from graders.messages import LANGS, say
from graders.spec import LabSpec

if TYPE_CHECKING:
    import nbformat

CHECK_SOURCE = "%load_ext graders.notebooks.magic\n%seqlab check"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class JupyterMissing(UsageError):
    """A notebook is needed and nbformat (the [jupyter] extra) is not installed."""


def require_jupyter(path: Path) -> None:
    """Nothing if nbformat can be imported, else JupyterMissing naming the notebook `path`."""
    try:
        import nbformat  # noqa: F401
    except ImportError:
        raise JupyterMissing("notebook.needs_jupyter", path=path) from None


def notebook_path(lab: LabSpec) -> Path:
    return lab.starter_path.with_suffix(".ipynb")


def readme_sections(text: str) -> list[str]:
    """The page cut before every `## ` heading (outside code fences): title, then sections."""
    sections: list[list[str]] = [[]]
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append([])
        sections[-1].append(line)
    return [s for s in ("\n".join(lines).strip() for lines in sections) if s]


def is_entry_cell(source: str) -> bool:
    return re.match(r"if\s+__name__\s*==\s*['\"]__main__['\"]\s*:", source) is not None


def make_notebook(lab: LabSpec, program: str, readme: str | None) -> nbformat.NotebookNode:
    """The notebook of `program` (the starter, or any program with the lab's blanks)."""
    require_jupyter(notebook_path(lab))
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = []
    markdown = readme_sections(readme) if readme else []
    markdown.append(
        "\n\n".join(
            say("notebook.intro", lang, file=notebook_path(lab).name, entry=lab.entry)
            for lang in LANGS
        )
    )
    for number, text in enumerate(markdown, start=1):
        cell = new_markdown_cell(text, id=f"task-{number}")
        cell.metadata = {"deletable": False, "editable": False}
        cells.append(cell)
    check = new_code_cell(CHECK_SOURCE, id="seqlab-check")
    check.metadata = {"seqlab": {"check": True}}
    code = cut(program, str(lab.solution_path))
    for number, piece in enumerate(code, start=1):
        if number == len(code) and is_entry_cell(piece.source):
            cells.append(check)
        cell = new_code_cell(piece.source, id=f"code-{number}")
        if piece.locked:
            cell.metadata = {"deletable": False, "editable": False, "seqlab": {"locked": True}}
        else:
            cell.metadata = {"deletable": False, "seqlab": {"blanks": list(piece.blanks)}}
        cells.append(cell)
    if check not in cells:
        cells.append(check)
    notebook = new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "seqlab": {"lab": lab.id, "entry": lab.entry},
    }
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    import nbformat  # there: it made the notebook

    return nbformat.writes(notebook).rstrip("\n") + "\n"
