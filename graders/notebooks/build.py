"""exercises/<lab>/<stem>.ipynb: the task page as markdown cells, the starter as code cells.

Generated from the starter by `seqlab build` and checked byte for byte by `seqlab validate`,
like the starter itself. Regeneration is deterministic: fixed cell ids, no outputs, no
execution counts, nbformat's own JSON layout (sorted keys, one-space indent).

Cells, in order: the task page's title and one markdown cell per `## ` section (中文,
English), a bilingual note on how the notebook is graded, the program's code cells
(cells.py decides where they are cut: locked cells are not editable or deletable in
Jupyter; cells with blanks are editable), a check cell (`%load_ext graders.notebooks.magic`,
`%seqlab check`) placed before the program's entry cell (the `if __name__ == "__main__":`
cell, which reads standard input and so cannot run inside a notebook).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.course.build import expected_starter, generated_in_sync, write_generated
from graders.engine import course_text
from graders.messages import LANGS, say
from graders.notebooks.cells import cut
from graders.spec import LabSpec

CHECK_SOURCE = "%load_ext graders.notebooks.magic\n%seqlab check"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


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
    return nbformat.writes(notebook).rstrip("\n") + "\n"


def _readme(lab: LabSpec) -> str | None:
    path = lab.starter_path.parent / "README.md"
    return course_text(path, lab) if path.is_file() else None


def expected_notebook(lab: LabSpec) -> str:
    return notebook_text(make_notebook(lab, expected_starter(lab), _readme(lab)))


def notebook_in_sync(lab: LabSpec) -> bool:
    return generated_in_sync(notebook_path(lab), expected_notebook(lab))


def write_notebook(lab: LabSpec) -> bool:
    """Regenerate the lab's notebook; True if the file changed."""
    return write_generated(notebook_path(lab), expected_notebook(lab))
