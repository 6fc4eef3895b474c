"""`seqlab export nbgrader DIR`: the course as an nbgrader course folder.

    DIR/nbgrader_config.py
    DIR/source/<lab>/<lab>.ipynb      one assignment per lab

Each notebook: the task page (markdown), the reference's code cells (cells.py) with every
blank's body inside `### BEGIN SOLUTION` / `### END SOLUTION` (nbgrader's release puts its
code stub there, between our Begin/End markers), a locked setup cell that embeds the lab's
template and limits, and one autograder test cell per test set worth the set's points, that
checks the program's output on the set's stdin against the recorded expected output
(graders/notebooks/autograde.py: through seqlab's engine and sandbox, with the lab's
comparator). Hidden sets' cells hold their check inside `### BEGIN HIDDEN TESTS` /
`### END HIDDEN TESTS`, so the release shows students that they exist, not what they hold.
The program's entry cell (`if __name__ == "__main__":`) is left out: it reads standard
input, which a kernel does not have, and the embedded template still holds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.course.build import expected_starter
from graders.engine import course_text
from graders.markers import MARKER
from graders.messages import LANGS, say
from graders.notebooks.autograde import SETUP_MARK
from graders.notebooks.build import KERNELSPEC, is_entry_cell, notebook_text, readme_sections
from graders.notebooks.cells import cut
from graders.spec import Course, LabSpec

SCHEMA_VERSION = 3


def _meta(grade_id: str, *, grade=False, solution=False, locked=True, points=None) -> dict:
    data = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if points is not None:
        data["points"] = points
    return {"nbgrader": data}


def with_solution_regions(source: str) -> str:
    """Wrap every blank's body in the cell in nbgrader's solution delimiters."""
    lines = source.split("\n")
    out: list[str] = []
    body: list[str] | None = None
    for line in lines:
        match = MARKER.match(line)
        if match and match["word"].lower() == "begin":
            out.append(line)
            body = []
            continue
        if match and body is not None:
            code = [b for b in body if b.strip()]
            reference = code[0] if code else line
            indent = reference[: len(reference) - len(reference.lstrip(" \t"))]
            out += [f"{indent}### BEGIN SOLUTION", *body, f"{indent}### END SOLUTION", line]
            body = None
            continue
        (out if body is None else body).append(line)
    return "\n".join(out)


def _test_source(lab: LabSpec, test) -> str:
    arguments = {
        "stdin": test.stdin,
        "expected": test.expected,
        "points": test.points,
        "hidden": test.hidden,
        "comparator": test.comparator,
        "options": dict(test.options),
    }
    call = f"seqlab_lab.check({test.name!r}, **{arguments!r})"
    if test.hidden:
        return f"### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS"
    return call


def nbgrader_notebook(lab: LabSpec, lang: str) -> nbformat.NotebookNode:
    cells = []
    readme = lab.starter_path.parent / "README.md"
    markdown = readme_sections(course_text(readme, lab)) if readme.is_file() else []
    markdown.append("\n\n".join(say("notebook.nbgrader_intro", x) for x in LANGS))
    for number, text in enumerate(markdown, start=1):
        cells.append(new_markdown_cell(text, id=f"task-{number}", metadata=_meta(f"task-{number}")))
    pieces = cut(course_text(lab.solution_path, lab), str(lab.solution_path))
    if pieces and is_entry_cell(pieces[-1].source):
        pieces = pieces[:-1]
    for number, piece in enumerate(pieces, start=1):
        if piece.locked:
            cell_id = f"code-{number}"
            cells.append(new_code_cell(piece.source, id=cell_id, metadata=_meta(cell_id)))
        else:
            cell_id = "blank-" + "-".join(map(str, piece.blanks))
            metadata = _meta(cell_id, solution=True, locked=False)
            cells.append(
                new_code_cell(with_solution_regions(piece.source), id=cell_id, metadata=metadata)
            )
    data = {
        "id": lab.id,
        "title": lab.title,
        "entry": lab.entry,
        "lang": lang,
        "template": expected_starter(lab),
        "limits": vars(lab.limits),
        "fork_at_input": lab.fork_at_input,
    }
    setup = (
        f"{SETUP_MARK} (locked; the test cells below use it)\n"
        "import json\n\n"
        "from graders.notebooks.autograde import SeqlabLab\n\n"
        f"seqlab_lab = SeqlabLab(json.loads({json.dumps(data, ensure_ascii=False)!r}))"
    )
    cells.append(new_code_cell(setup, id="seqlab-setup", metadata=_meta("seqlab-setup")))
    for number, test in enumerate(lab.tests, start=1):
        grade_id = f"set-{number}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", test.name).strip("-")
        grade_id = grade_id[:64]
        metadata = _meta(grade_id, grade=True, points=test.points)
        cells.append(new_code_cell(_test_source(lab, test), id=grade_id, metadata=metadata))
    notebook = new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return notebook


CONFIG = """\
# nbgrader configuration written by `seqlab export nbgrader`.
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "seqlab"
# Each test cell runs the whole lab program in seqlab's sandbox: give it the lab's budget.
c.Execute.timeout = {timeout}
"""


def export_course(course: Course, folder: Path, lang: str) -> list[Path]:
    """Write the nbgrader course into `folder`; the files written, config first."""
    labs = course.labs()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nbgrader_config.py"
    timeout = int(max(lab.limits.wall_seconds for lab in labs)) + 60
    config.write_text(CONFIG.format(timeout=timeout), encoding="utf-8")
    written = [config]
    for lab in labs:
        path = folder / "source" / lab.id / f"{lab.id}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_text(nbgrader_notebook(lab, lang)), encoding="utf-8")
        written.append(path)
    return written
