"""`seqlab export nbgrader DIR`: the course as an nbgrader course folder, graded by seqlab.

    DIR/nbgrader_config.py            autograde through seqlab, not a kernel (below)
    DIR/README.md                     the workflow for staff (both languages)
    DIR/source/<lab>/<lab>.ipynb      one assignment per lab
    DIR/seqlab/graders/labs/<lab>.toml, DIR/seqlab/exercises/<lab>/<entry>
                                      what grading needs: each spec (hidden sets included)
                                      and template. Staff only: nbgrader releases source/
                                      and never this folder.

Each notebook: the task page (markdown), the reference's code cells (graders/cells.py) with every
blank's body inside `### BEGIN SOLUTION` / `### END SOLUTION` (nbgrader's release puts its
code stub there, between our Begin/End markers), a locked `%seqlab check` cell (students
check their work on the public sets in seqlab's sandbox), and one grade cell per test set,
worth the set's points, holding only a comment that names the set. No cell holds test data,
so neither the release nor any feedback can show a hidden set's input or output.

nbgrader_config.py puts `graders.notebooks.nbgrader_grade.SeqlabGrade` in place of
nbgrader's Execute in `Autograde.autograde_preprocessors`: `nbgrader autograde` starts no
kernel, and SeqlabGrade fills in the grade cells' outputs from seqlab's engine (see there).
The preprocessors are named as strings, imported when autograde runs: a config file that
fails to load is only a warning to nbgrader, which would then execute the notebooks itself.
The program's entry cell (`if __name__ == "__main__":`, it reads standard input, which a
kernel does not have) comes after the `%seqlab check` cell, as in `seqlab build`'s notebooks:
the check cell loads the extension that makes the kernel skip it, so Run All and Validate end
without an error, and the notebook reads back as the whole template (no "edit outside the
blanks" for the cell a student never saw).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.cells import cut
from graders.engine import course_text
from graders.losses import band_path
from graders.markers import MARKER
from graders.messages import LANGS, say
from graders.mistakes import export_records
from graders.notebooks.build import KERNELSPEC, is_entry_cell, notebook_text, readme_sections
from graders.spec import Course, LabSpec, TestSet

SCHEMA_VERSION = 3
GRADING_FOLDER = "seqlab"  # DIR/seqlab: the course as seqlab grades it


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


def grade_id(number: int, test: TestSet) -> str:
    """The grade cell's id of the lab's `number`th test set (the export and SeqlabGrade)."""
    return (f"set-{number}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", test.name).strip("-"))[:64]


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


def both_languages(key: str, **params: object) -> str:
    """The message in both languages, wrapped to the lines `nbgrader validate` prints whole
    (it cuts every line of an error at 87 characters)."""
    lines = []
    for lang, width in (("zh", 40), ("en", 80)):
        lines += textwrap.wrap(say(key, lang, **params), width, break_on_hyphens=False)
    return "\n".join(lines)


# A public set's grade cell, after its comment: nbgrader's Validate runs it in the student's
# kernel and fails on an error (graders/notebooks/validate.py). Without seqlab it fails too,
# saying so, rather than pass; with seqlab but without a package of its Jupyter extra, it
# names that package and the install command.
VALIDATE = """\
try:
    from graders.notebooks.validate import public_set
except ImportError as error:
    name = (error.name or "graders").split(".")[0]
    text = {missing!r} if name == "graders" else {extra!r}.replace("MODULE", name)
    raise RuntimeError(text) from None
public_set({number}, name={name!r}, lab={lab!r}, lang={lang!r})"""


def grade_cell(
    number: int, test: TestSet, lab: str = "", lang: str = "zh"
) -> nbformat.NotebookNode:
    """The `number`th set's grade cell, worth the set's points: a comment naming the set, in
    both languages, and for a public set the call that checks it in the student's kernel
    (no test data: a hidden set's cell is the comment only). Autograde runs neither:
    SeqlabGrade writes the cell's output."""
    key = "notebook.nbgrader_grade_cell_hidden" if test.hidden else "notebook.nbgrader_grade_cell"
    source = "\n".join(
        "# " + say(key, x, number=number, name=test.name, points=test.points) for x in LANGS
    )
    if lab and not test.hidden:
        missing = both_languages("notebook.validate_no_seqlab")
        extra = both_languages("notebook.validate_no_extra", module="MODULE")
        source += "\n" + VALIDATE.format(
            missing=missing, extra=extra, number=number, name=test.name, lab=lab, lang=lang
        )
    cell_id = grade_id(number, test)
    metadata = _meta(cell_id, grade=True, points=test.points)
    return new_code_cell(source, id=cell_id, metadata=metadata)


def nbgrader_notebook(lab: LabSpec, lang: str) -> nbformat.NotebookNode:
    cells = []
    readme = lab.starter_path.parent / "README.md"
    markdown = readme_sections(course_text(readme, lab)) if readme.is_file() else []
    markdown.append("\n\n".join(say("notebook.nbgrader_intro", x, lab=lab.id) for x in LANGS))
    for number, text in enumerate(markdown, start=1):
        cells.append(new_markdown_cell(text, id=f"task-{number}", metadata=_meta(f"task-{number}")))
    pieces = cut(course_text(lab.solution_path, lab), str(lab.solution_path))
    entry = pieces.pop() if pieces and is_entry_cell(pieces[-1].source) else None
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
    # A tool cell (graders/cells.py drops it when the notebook is read as a program).
    check = f"%load_ext graders.notebooks.magic\n%seqlab check --lab {lab.id} --lang {lang}"
    cells.append(new_code_cell(check, id="seqlab-check", metadata=_meta("seqlab-check")))
    if entry is not None:  # after the check cell, whose extension makes the kernel skip it
        cells.append(new_code_cell(entry.source, id="code-entry", metadata=_meta("code-entry")))
    cells += [grade_cell(n, test, lab.id, lang) for n, test in enumerate(lab.tests, start=1)]
    notebook = new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        # As `seqlab build` writes it: a renamed copy (rnn-numpy-Copy1.ipynb) is still its lab.
        "seqlab": {"lab": lab.id, "entry": lab.entry},
    }
    return notebook


# nbgrader 0.9's default Autograde.autograde_preprocessors, with Execute replaced.
CONFIG = """\
# nbgrader configuration written by `seqlab export nbgrader` (see README.md beside it).
import os
import sys

# nbgrader runs `alembic` by name for its gradebook: this Python's own bin folder first, so
# `.venv/bin/nbgrader ...` works whether or not the venv is activated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
# This course is graded by seqlab. Without it in this Python, stop at once (SystemExit gets
# through traitlets, which only logs an Exception in a config file) rather than give every
# student 0.
try:
    import graders.notebooks.nbgrader_grade  # noqa: F401
except ImportError as error:
    raise SystemExit(
        f"This nbgrader course is graded by seqlab, which {{sys.executable}} cannot import "
        f"({{error}}). Install it into the Python that runs nbgrader (pip install -e "
        f"'PATH/TO/the-seqlab-course[jupyter]', the course checkout: seqlab is not on PyPI) "
        f"and run nbgrader from that environment."
    ) from None

c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "seqlab"
# Autograde executes nothing of the student's: instead of nbgrader's Execute (a kernel
# running the notebook), seqlab grades it in its sandbox and fills in the grade cells.
c.Autograde.autograde_preprocessors = [
    "graders.notebooks.nbgrader_grade.SeqlabGrade",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# A submission nbgrader cannot read is graded 0 with the reason, not left out with an error.
c.Autograde.exporter_class = "graders.notebooks.nbgrader_grade.SubmissionReader"
# The lab specs (hidden sets included) and templates: next to this file, never released.
c.SeqlabGrade.course = os.path.join(os.path.dirname(os.path.abspath(__file__)), "{folder}")
c.SeqlabGrade.lang = "{lang}"
"""


def course_readme(course: Course) -> str:
    """What staff do with the folder, both languages; rendered from the package's template."""
    template = (Path(__file__).parent / "templates" / "nbgrader_readme.md").read_text("utf-8")
    labs = " ".join(lab.id for lab in course.labs())
    return template.replace("{labs}", labs).replace("{first}", course.labs()[0].id)


def _grading_course(lab: LabSpec, root: Path) -> list[Path]:
    """The lab's spec and template under `root`, laid out as a course seqlab can grade."""
    spec = root / "graders" / "labs" / lab.spec_path.name
    template = root / "exercises" / lab.id / lab.entry
    for source, target in ((lab.spec_path, spec), (lab.starter_path, template)):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    written = [spec, template]
    records = export_records(lab)  # the lab's named mistakes, as the course chose to show them
    if records is not None:
        path = root / "graders" / "labs" / "mistakes" / f"{lab.id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(records, encoding="utf-8")
        written.append(path)
    band = band_path(lab.spec_path, lab.id)  # the loss curve's reference band (graders/losses.py)
    if lab.curve is not None and band.is_file():
        target = root / "graders" / "labs" / "curves" / band.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(band, target)
        written.append(target)
    return written


def export_course(course: Course, folder: Path, lang: str) -> list[Path]:
    """Write the nbgrader course into `folder`; the files written, config first."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nbgrader_config.py"
    config.write_text(CONFIG.format(folder=GRADING_FOLDER, lang=lang), encoding="utf-8")
    readme = folder / "README.md"
    readme.write_text(course_readme(course), encoding="utf-8")
    written = [config, readme]
    for lab in course.labs():
        path = folder / "source" / lab.id / f"{lab.id}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_text(nbgrader_notebook(lab, lang)), encoding="utf-8")
        written.append(path)
        written += _grading_course(lab, folder / GRADING_FOLDER)
    return written
