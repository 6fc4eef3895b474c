"""Begin/End blanks: find them, make a starter from a solution, splice a student's blanks
into the lab template.

Pure string functions: text in, text or dataclasses out. Line numbers are 1-based and always
name lines of the file that was parsed, so every error can point at the line to fix.

A marker is a line of its own: `#` followed by more `#` or `*`, the word Begin or End (any
case), then optionally more `#`/`*` — `########## Begin ##########`, `#***** End *****#`,
`##########Begin##########`. The marker lines belong to the code outside the blanks.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from graders.errors import SpecError, SubmissionError
from graders.messages import LANGS, Text, say

MARKER = re.compile(r"^[ \t]*#[#*]+[ \t]*(?P<word>begin|end)[ \t]*[#*]*[ \t]*$", re.IGNORECASE)
# Lines that look like a marker someone damaged (only to make error messages helpful): a
# `#` line with `##`/`**` before the word Begin/End, or the word before `###`/`***`. Found
# with three linear searches: the one regex this was (`#.*[#*]{2,}.*\bbegin\b`) backtracked
# in cubic time, and a student's line of 2000 `#` held the grader for 40 seconds.
MARKER_WORD = re.compile(r"\b(?:begin|end)\b", re.IGNORECASE)
RUN_OF_2 = re.compile(r"[#*]{2}")
RUN_OF_3 = re.compile(r"[#*]{3}")


@dataclass(frozen=True)
class Blank:
    index: int  # 1-based, in file order
    begin_line: int
    end_line: int
    body: tuple[str, ...]  # the lines strictly between the markers, each with its newline


@dataclass(frozen=True)
class Layout:
    """A file cut at its markers: outside[k] precedes blanks[k]; outside[-1] follows the last."""

    outside: tuple[tuple[str, ...], ...]
    outside_first_line: tuple[int, ...]
    blanks: tuple[Blank, ...]

    def render(self, bodies: list[tuple[str, ...]] | None = None) -> str:
        """Reassemble the file, optionally with other bodies in the blanks."""
        if bodies is None:
            bodies = [blank.body for blank in self.blanks]
        parts: list[str] = []
        for segment, body in zip(self.outside, [*bodies, ()], strict=True):
            parts.extend(segment)
            parts.extend(body)
        return "".join(parts)


@dataclass(frozen=True)
class Splice:
    program: str
    # Lines of the submission, outside the blanks, that differ from the template (ignored).
    ignored_lines: tuple[int, ...]
    # The part of ignored_lines that is pure additions (no template line replaced or removed
    # there): a notebook's own added cells are among them (cells.added_cell_edits).
    added_lines: tuple[int, ...]
    # program line (1-based, index 0 unused) -> the submission's line, or None for lines
    # that exist only in the template.
    submission_line: tuple[int | None, ...]


def is_marker(line: str) -> bool:
    return MARKER.match(line.rstrip("\n")) is not None


def parse(text: str, path: str) -> Layout:
    """Cut `text` at its markers; damaged structure raises SubmissionError naming the line."""
    lines = text.splitlines(keepends=True)
    outside: list[tuple[str, ...]] = []
    first_lines: list[int] = []
    blanks: list[Blank] = []
    segment_start = 0  # index of the first line of the current outside segment
    open_begin: int | None = None  # index of the Begin marker of the blank being read
    for i, line in enumerate(lines):
        match = MARKER.match(line.rstrip("\n"))
        if not match:
            continue
        if match["word"].lower() == "begin":
            if open_begin is not None:
                raise SubmissionError(
                    "markers.nested_begin", path=path, line=i + 1, opened=open_begin + 1
                )
            outside.append(tuple(lines[segment_start : i + 1]))
            first_lines.append(segment_start + 1)
            open_begin = i
        else:
            if open_begin is None:
                raise SubmissionError("markers.end_without_begin", path=path, line=i + 1)
            blanks.append(
                Blank(len(blanks) + 1, open_begin + 1, i + 1, tuple(lines[open_begin + 1 : i]))
            )
            segment_start = i
            open_begin = None
    if open_begin is not None:
        raise SubmissionError("markers.begin_without_end", path=path, line=open_begin + 1)
    outside.append(tuple(lines[segment_start:]))
    first_lines.append(segment_start + 1)
    return Layout(tuple(outside), tuple(first_lines), tuple(blanks))


def looks_like_marker(line: str) -> bool:
    """Begin/End among `#`/`*`, as a marker has it (see MARKER_WORD above)."""
    words = [match.span() for match in MARKER_WORD.finditer(line)]
    if not words:
        return False
    code = len(line) - len(line.lstrip(" \t"))
    if line[code : code + 1] == "#" and RUN_OF_2.search(line, code + 1, words[-1][0]):
        return True
    return RUN_OF_3.search(line, words[0][1]) is not None


def suspect_lines(text: str) -> list[int]:
    """Lines that mention Begin/End among #/* but are not markers: likely damaged markers."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if looks_like_marker(line) and not is_marker(line)
    ]


def placeholder(blank: Blank, begin_marker: str) -> tuple[str, ...]:
    """One indented line that keeps the file valid Python and stops the program loudly."""
    code_lines = [line for line in blank.body if line.strip()]
    reference = code_lines[0] if code_lines else begin_marker
    indent = reference[: len(reference) - len(reference.lstrip(" \t"))]
    text = " / ".join(f"{say('markers.placeholder', lang, index=blank.index)}" for lang in LANGS)
    return (f'{indent}raise NotImplementedError("{text}")\n',)


def make_starter(solution: str, path: str) -> str:
    """The student's file: the solution with every blank's body replaced by a placeholder."""
    layout = parse(solution, path)
    if not layout.blanks:
        raise SpecError("markers.none_in_solution", path=path)
    lines = solution.splitlines(keepends=True)
    bodies = [placeholder(blank, lines[blank.begin_line - 1]) for blank in layout.blanks]
    return layout.render(bodies)


def _normalised(lines: tuple[str, ...]) -> list[str]:
    return [line.rstrip() for line in lines]


def splice(template: str, submission: str, *, template_path: str, path: str, lab: str) -> Splice:
    """The program to run: the template's code with the submission's blanks inside it."""
    template_layout = parse(template, template_path)
    student_layout = parse(submission, path)
    if len(student_layout.blanks) != len(template_layout.blanks):
        suspects = suspect_lines(submission)
        hint: Text | str = ""
        if suspects:
            hint = Text("markers.suspect_hint", lines=", ".join(map(str, suspects)))
        raise SubmissionError(
            "markers.count_mismatch",
            path=path,
            found=len(student_layout.blanks),
            expected=len(template_layout.blanks),
            lab=lab,
            template=template_path,
            hint=hint,
        )
    ignored: list[int] = []
    added: list[int] = []
    line_map: list[int | None] = [None]
    for k, segment in enumerate(template_layout.outside):
        theirs = student_layout.outside[k]
        first = student_layout.outside_first_line[k]
        changed, inserted = _changed_lines(segment, theirs, first)
        ignored.extend(changed)
        added.extend(inserted)
        line_map.extend(_segment_map(segment, theirs, first))
        if k < len(student_layout.blanks):
            blank = student_layout.blanks[k]
            line_map.extend(range(blank.begin_line + 1, blank.end_line))
    program = template_layout.render([blank.body for blank in student_layout.blanks])
    return Splice(program, tuple(sorted(set(ignored))), tuple(sorted(set(added))), tuple(line_map))


def _changed_lines(
    ours: tuple[str, ...], theirs: tuple[str, ...], first: int
) -> tuple[list[int], list[int]]:
    """Submission line numbers where `theirs` departs from `ours` (whitespace at ends ignored),
    and those of them that are pure insertions."""
    a, b = _normalised(ours), _normalised(theirs)
    # Trailing blank lines at the end of the file are not an edit worth reporting.
    while a and not a[-1]:
        a.pop()
    while b and not b[-1]:
        b.pop()
    changed: list[int] = []
    inserted: list[int] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if j2 > j1:
            changed.extend(range(first + j1, first + j2))
            if tag == "insert":
                inserted.extend(range(first + j1, first + j2))
        else:  # a deletion: point at the line where the deleted code used to be
            changed.append(first + min(j1, max(len(b) - 1, 0)))
    return changed, inserted


def _segment_map(ours: tuple[str, ...], theirs: tuple[str, ...], first: int) -> list[int | None]:
    """For each template line of a segment, the matching submission line, if unchanged."""
    mapping: list[int | None] = [None] * len(ours)
    matcher = difflib.SequenceMatcher(a=_normalised(ours), b=_normalised(theirs), autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        for step in range(size):
            mapping[i + step] = first + j + step
    return mapping
