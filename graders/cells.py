"""Programs ↔ notebook cells. Pure: text and JSON in, text and dataclasses out.

Core, beside markers.py: `submission.py` reads a submitted .ipynb through it, and the
notebook front ends (graders/notebooks/) cut programs into cells with it. It needs no
nbformat: a submitted notebook is read as JSON, so grading one needs no Jupyter extra.

**Cutting** a program into code cells: a cut falls before a top-level statement (or the
comments directly above it) that follows exactly two blank lines — where PEP 8 and ruff put
them — and never inside a Begin/End blank, so every cell is valid Python, runs on its own
in a kernel, and holds a blank's Begin and End lines together. A blank inside a function or
class (rnn-numpy's `forward`) therefore lives in the cell of its enclosing definition; a
top-level blank (every other lab) gets a cell of its own. Each cut removes its two blank
lines, so reading back is `"\\n\\n\\n".join(cells) + "\\n"`: the starter's notebook reads
back byte for byte as the starter.

**Reading** a submitted notebook: its code cells in order; markdown and raw cells, every
output and nbgrader's grade cells (the grader's tests, not the program) are ignored.
Trailing whitespace of a cell is dropped; empty cells are dropped; a *tool cell* — only
IPython commands (`%magic`, `%%cell magic`, `!shell`) and comments, such as `%seqlab check`
— is dropped. The rest are joined as above. So a blank split over several
cells, merged cells and added cells all read back to one program: the blanks are found by
their markers. Code outside them is never run: a cell the student added is ignored
silently (the notebook invites them), and an edit to a locked template cell is reported by
its cell number (locked_cell_edits), as an edit outside the blanks of a .py file is by line.

An IPython command *inside* a blank is refused, naming the cell and the line (exit 2): the
grader runs plain Python, and silently dropping a line of the student's answer would grade
something other than what they wrote. Outside the blanks such a line is ignored like any
other edit there. A notebook that cannot be parsed (bad JSON, or nested too deep for the
parser) is the student's unreadable file, never the grader's error.
"""

from __future__ import annotations

import ast
import itertools
import json
import textwrap
from dataclasses import dataclass

from graders.errors import SpecError, SubmissionError
from graders.markers import MARKER, parse
from graders.messages import Text

SEPARATOR = "\n\n\n"


@dataclass(frozen=True)
class Cell:
    source: str
    blanks: tuple[int, ...]  # the blank numbers (1-based) inside this cell; () if locked

    @property
    def locked(self) -> bool:
        return not self.blanks


def _statement_starts(program: str, path: str) -> set[int]:
    try:
        tree = ast.parse(program)
    except SyntaxError as error:
        raise SpecError(
            "notebook.not_python", path=path, line=error.lineno or 0, reason=error.msg
        ) from None
    starts = set()
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        starts.add(min([node.lineno, *(d.lineno for d in decorators)]))
    return starts


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def cut(program: str, path: str) -> list[Cell]:
    """The program as code cells (see the module docstring for where the cuts fall)."""
    lines = program.splitlines(keepends=True)
    starts = _statement_starts(program, path)
    inside = [False] * len(lines)  # True for lines after a Begin and up to its End
    open_blank = False
    for i, line in enumerate(lines):
        inside[i] = open_blank
        match = MARKER.match(line.rstrip("\n"))
        if match:
            open_blank = match["word"].lower() == "begin"
    cuts = [0]
    for i in range(3, len(lines)):
        if inside[i] or lines[i - 1] != "\n" or lines[i - 2] != "\n":
            continue
        if not lines[i - 3].strip() or lines[i][:1] in (" ", "\t", "\n"):
            continue
        j = i
        while j < len(lines) and _is_comment(lines[j]) and lines[j][:1] == "#":
            j += 1
        if j + 1 in starts:
            cuts.append(i)
    cuts.append(len(lines))
    layout_blanks = parse(program, path).blanks
    cells = []
    for a, b in itertools.pairwise(cuts):
        text = "".join(lines[a:b])
        text = text[: -len(SEPARATOR)] if b < len(lines) else text.removesuffix("\n")
        numbers = tuple(blank.index for blank in layout_blanks if a < blank.begin_line <= b)
        cells.append(Cell(text, numbers))
    return cells


def join(sources: list[str]) -> str:
    return SEPARATOR.join(sources) + "\n"


@dataclass(frozen=True)
class NotebookProgram:
    text: str
    # For each line of `text` (index 0 unused): (cell number counting every cell from the
    # top, line within that cell), or None for the blank lines that join two cells.
    places: tuple[tuple[int, int] | None, ...]

    def place(self, line: int) -> tuple[int, int]:
        for number in range(min(line, len(self.places) - 1), 0, -1):
            if self.places[number] is not None:
                return self.places[number]
        return (1, 1)


def _is_command(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("%") or (stripped.startswith("!") and not stripped.startswith("!="))


def is_tool_cell(source: str) -> bool:
    lines = [line for line in source.split("\n") if line.strip()]
    return any(_is_command(line) for line in lines) and all(
        _is_command(line) or _is_comment(line) for line in lines
    )


def _invalid(path: object, reason: str) -> SubmissionError:
    return SubmissionError("file.notebook_invalid", path=path, reason=reason)


def _code_cells(text: str, path: object) -> list[tuple[int, str]]:
    """(cell number, source) of every code cell, numbered among all cells from the top."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise _invalid(path, f"line {error.lineno}: {error.msg}") from None
    except (RecursionError, MemoryError):
        # Arrays nested 100000 deep (or a parse past memory) are the file's fault: raised
        # as they are, a batch would record the grader's internal error and retry it forever.
        raise SubmissionError("file.notebook_too_deep", path=path) from None
    except ValueError as error:  # e.g. a number of thousands of digits: the file's fault too
        raise _invalid(path, str(error).split(";")[0]) from None
    if not isinstance(notebook, dict):
        raise _invalid(path, "not a JSON object")
    if "worksheets" in notebook and "cells" not in notebook:
        raise _invalid(path, "nbformat 3; open and save it in Jupyter to upgrade it to 4")
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise _invalid(path, 'no "cells" list')
    found = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise _invalid(path, f"cell {number} is not a JSON object")
        if cell.get("cell_type") != "code" or _is_nbgrader_grade_cell(cell):
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise _invalid(path, f'cell {number}: "source" is not text')
        found.append((number, source.replace("\r\n", "\n").replace("\r", "\n")))
    return found


def _is_nbgrader_grade_cell(cell: dict) -> bool:
    """A test cell of `seqlab export nbgrader`'s notebooks: the grader's, not the program's
    (nbgrader_grade.program_cells leaves it out the same way when autograde reads it)."""
    nbgrader = (
        cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    )
    return isinstance(nbgrader, dict) and nbgrader.get("grade") is True


def program_sources(text: str, path: object) -> list[str]:
    """The notebook's code cells that hold code, as `read_cells` reads them (grade cells and
    empty cells left out, trailing whitespace dropped): what a kernel running it top to
    bottom executes, in order (graders/notebooks/live.py matches a kernel's history to it)."""
    return [s.rstrip() for _, s in _code_cells(text, path) if s.strip()]


def notebook_lab(text: str) -> str | None:
    """The lab id in a notebook's own metadata (`seqlab build` writes `seqlab.lab`), if any."""
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        return None  # unreadable: reading it as a submission says why
    meta = notebook.get("metadata") if isinstance(notebook, dict) else None
    seqlab = meta.get("seqlab") if isinstance(meta, dict) else None
    lab = seqlab.get("lab") if isinstance(seqlab, dict) else None
    return lab if isinstance(lab, str) else None


def read_notebook(text: str, path: object) -> NotebookProgram:
    """A notebook's code cells read back into one program (see the module docstring)."""
    return read_cells(_code_cells(text, path), path)


def read_cells(code_cells: list[tuple[int, str]], path: object) -> NotebookProgram:
    """(cell number, source) of code cells, in order, read back into one program."""
    sources: list[str] = []
    places: list[tuple[int, int] | None] = [None]
    for number, source in code_cells:
        source = source.rstrip()
        if not source or is_tool_cell(source):
            continue
        if sources:
            places.extend([None, None])  # the two blank lines that join two cells
        sources.append(source)
        places.extend((number, k) for k in range(1, source.count("\n") + 2))
    program = NotebookProgram(join(sources) if sources else "", tuple(places))
    _refuse_commands_in_blanks(program, path)
    return program


def _refuse_commands_in_blanks(program: NotebookProgram, path: object) -> None:
    try:
        layout = parse(program.text, str(path))
    except SubmissionError as error:
        line = int(error.params.get("line", 1))
        cell, cell_line = program.place(line)
        raise SubmissionError(
            "file.notebook_markers",
            path=path,
            cell=cell,
            line=cell_line,
            reason=Text(error.key, **error.params),
        ) from None
    for blank in layout.blanks:
        body = "".join(blank.body)
        commands = [k for k, line in enumerate(blank.body) if _is_command(line)]
        if not commands or _parses(body):
            continue  # no command, or a `%`/`!` line that is Python (a continued expression)
        line = blank.begin_line + 1 + commands[0]
        cell, cell_line = program.place(line)
        raise SubmissionError(
            "file.notebook_magic",
            path=path,
            cell=cell,
            line=cell_line,
            blank=blank.index,
            text=blank.body[commands[0]].strip(),
        )


def _parses(body: str) -> bool:
    try:
        ast.parse(textwrap.dedent(body))
    except (SyntaxError, RecursionError, MemoryError):  # nested too deep for ast: not Python here
        return False
    return True


def locked_cell_edits(
    program: NotebookProgram, ignored: tuple[int, ...], added: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The edits worth reporting in a notebook, as (program lines, notebook cell numbers).

    The notebook invites students to add cells of their own: a cell with no blank whose
    every line is a pure addition (markers.Splice.added_lines) is such a cell, never run and
    never reported. So are added empty lines (the two that join an added or split cell). What
    remains are edits to the locked template cells, named by cell, not by lines of the
    spliced program the student never sees."""
    lines = program.text.splitlines()
    added_set = set(added)
    by_cell: dict[int, list[int]] = {}
    for number, place in enumerate(program.places):
        if place is not None:
            by_cell.setdefault(place[0], []).append(number)
    own_cells = set()
    for numbers in by_cell.values():
        code = [n for n in numbers if lines[n - 1].strip()]
        added_only = code and all(n in added_set for n in code)
        if added_only and not any(MARKER.match(lines[n - 1]) for n in code):
            own_cells.update(numbers)
    kept = tuple(
        n
        for n in ignored
        if n not in own_cells and not (n in added_set and not lines[n - 1].strip())
    )
    return kept, tuple(sorted({program.place(n)[0] for n in kept}))
