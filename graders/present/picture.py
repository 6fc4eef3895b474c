"""The matrices a set's output holds, read by the lab's declaration, compared cell by cell.

Which printed block is a matrix is content (a lab spec's `[[picture]]`, stored on each public
set's result: spec.py says the two forms): this module reads that block from the expected
output and from the student's, and marks each cell the set's comparator would not accept
(`comparators.token_differs`, its own tolerance) — cell against cell, so a line printed
before the block does not shift the marks. Pure: no HTML, no geometry (heatmap.py), no words.
A student's block that cannot be read as the declared matrix (ragged rows, a shape its
values do not fill, too large to draw) gives no picture, never an error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from graders.comparators import as_number, token_differs

MAX_CELLS = 1024  # per matrix: past this a heatmap is noise, and the output cap keeps it small
MAX_SIDE = 64  # rows or columns


@dataclass(frozen=True)
class Matrix:
    """Panels (a leading size, e.g. heads) of rows of printed numbers."""

    panels: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def shape(self) -> tuple[int, int, int]:
        first = self.panels[0]
        return len(self.panels), len(first), len(first[0])


@dataclass(frozen=True)
class Reading:
    """One declared picture of one set: both matrices and the cells that differ."""

    declaration: dict[str, Any]
    expected: Matrix
    actual: Matrix
    # (panel, row, column) of every cell the comparator refuses; None when the shapes
    # differ, so no cell can be set against another.
    differs: frozenset[tuple[int, int, int]] | None


def _numbers(text: str) -> tuple[str, ...] | None:
    tokens = tuple(text.split())
    return tokens if tokens and all(as_number(t) is not None for t in tokens) else None


def _sizes(line: str, label: str) -> tuple[int, ...] | None:
    """The whole numbers after `label` on `line` (a printed shape); () when nothing follows
    the label, None when something that is not a shape does."""
    rest = line.strip()[len(label) :].replace(":", " ").split()
    if not all(t.isdigit() for t in rest):
        return None
    return tuple(int(t) for t in rest)


def _starting(lines: list[str], label: str) -> int | None:
    return next((n for n, line in enumerate(lines) if line.strip().startswith(label)), None)


def _after(lines: list[str], declaration: dict[str, Any]) -> Matrix | None:
    start = _starting(lines, declaration["after"])
    if start is None:
        return None
    rows = []
    for line in lines[start + 1 :]:
        numbers = _numbers(line)
        if numbers is None:
            break
        rows.append(numbers)
    label = declaration.get("shape", declaration["after"])
    where = start if "shape" not in declaration else _starting(lines, label)
    shape = None if where is None else _sizes(lines[where], label)
    if shape is None or (shape == () and "shape" in declaration):
        return None
    if shape == ():  # no shape printed: the rows as they are
        return _grid((tuple(rows),))
    values = [v for row in rows for v in row]
    if 0 in shape or math.prod(shape) != len(values):
        return None
    columns = shape[-1]
    height = shape[-2] if len(shape) > 1 else 1
    flat = [tuple(values[i : i + columns]) for i in range(0, len(values), columns)]
    return _grid(tuple(tuple(flat[p : p + height]) for p in range(0, len(flat), height)))


def _rows(lines: list[str], pattern: str) -> Matrix | None:
    rows = []
    for line in lines:
        found = re.match(pattern, line)
        if found is None:
            continue
        numbers = _numbers(line[found.end() :])
        if numbers is None:
            return None
        rows.append(numbers)
    return _grid((tuple(rows),)) if rows else None


def _grid(panels: tuple[tuple[tuple[str, ...], ...], ...]) -> Matrix | None:
    """A matrix only if every panel is a full rectangle of the same size, small enough."""
    if not panels or not panels[0] or not panels[0][0]:
        return None
    height, width = len(panels[0]), len(panels[0][0])
    if any(len(p) != height or any(len(row) != width for row in p) for p in panels):
        return None
    if height > MAX_SIDE or width > MAX_SIDE or len(panels) * height * width > MAX_CELLS:
        return None
    return Matrix(panels)


def read_matrix(text: str, declaration: dict[str, Any]) -> Matrix | None:
    lines = text.splitlines()
    if "rows" in declaration:
        return _rows(lines, declaration["rows"])
    return _after(lines, declaration)


def read(
    declaration: dict[str, Any],
    expected: str,
    actual: str,
    comparator: str,
    options: dict[str, float],
) -> Reading | None:
    """The picture of one set, or None when either output does not hold the matrix."""
    want, got = read_matrix(expected, declaration), read_matrix(actual, declaration)
    if want is None or got is None:
        return None
    differs = None
    if want.shape == got.shape:
        differs = frozenset(
            (p, r, c)
            for p, panel in enumerate(want.panels)
            for r, row in enumerate(panel)
            for c, value in enumerate(row)
            if token_differs(comparator, value, got.panels[p][r][c], **options)
        )
    return Reading(declaration, want, got, differs)


def value_range(*matrices: Matrix) -> tuple[float, float]:
    """The colour scale's ends: for weights (all in [0, 1]) 0 to the largest, so that 0 is
    "no attention" and 32 weights near 1/32 still show their differences; else the finite
    values' own range."""
    values = [
        number
        for m in matrices
        for panel in m.panels
        for row in panel
        for token in row
        if (number := as_number(token)) is not None and math.isfinite(number)
    ]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if low >= 0 and high <= 1:
        return 0.0, high if high > 0 else 1.0
    return (low, high) if high > low else (low, low + 1)
