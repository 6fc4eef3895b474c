"""A set's pictures as placed geometry and words: what templates/heatmap.html draws as SVG and
terminal.py as block shades.

Templated SVG rather than a plotting library: a heatmap is rectangles, an outline and a few
labels, matplotlib would add tens of megabytes and a font cache to every front end for them,
and its SVG carries `style` attributes the web's Content-Security-Policy refuses. Here every
colour is a `fill`/`stroke` presentation attribute (not a style, so the policy allows it)
and nothing runs. The layout fits 390 px: two matrices side by side while each is at most
12 columns wide, else one above the other; cells are 4 to 28 units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graders.comparators import as_number
from graders.messages import say
from graders.present.picture import Matrix, Reading, value_range

# A sequential blue ramp (ColorBrewer "Blues"), low to high, interpolated in between.
RAMP = ((247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107))
NOT_A_NUMBER = "#d0d7de"
SHADES = "·░▒▓█"  # the terminal's five levels, low to high
SIDE_BY_SIDE_COLUMNS = 12
LEFT = 34  # room for the rotated row-axis title and the row indices
GAP = 18
TOP = 16  # a matrix's caption
BELOW = 30  # column indices and the column-axis title
FONT = 10


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size: float
    fill: str
    tip: str
    differs: bool
    shade: str  # the terminal's glyph for this value
    row: int
    column: int


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    kind: str  # caption | tick | axis | legend
    anchor: str = "middle"
    rotate: int = 0


@dataclass(frozen=True)
class Grid:
    """One matrix drawn: the expected one or the student's, one panel of it."""

    caption: str  # "expected" / "yours" (with the panel's name)
    side: str  # expected | actual
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Heatmap:
    lang: str
    title: str
    width: float
    height: float
    grids: tuple[Grid, ...]
    labels: tuple[Label, ...]
    swatches: tuple[Cell, ...]  # the legend's colour scale and its outlined sample
    note: str  # how many cells differ, or why none can be set against another
    differing: int
    scale: str  # "0 → 1", for the terminal's legend
    axes: str  # "rows: query index i · columns: key index j"


def colour(value: float | None, low: float, high: float) -> str:
    if value is None or not math.isfinite(value):
        return NOT_A_NUMBER
    t = min(1.0, max(0.0, (value - low) / (high - low))) * (len(RAMP) - 1)
    i = min(int(t), len(RAMP) - 2)
    a, b = RAMP[i], RAMP[i + 1]
    rgb = (round(a[k] + (b[k] - a[k]) * (t - i)) for k in range(3))
    return "#" + "".join(f"{v:02x}" for v in rgb)


def shade(value: float | None, low: float, high: float) -> str:
    if value is None or not math.isfinite(value):
        return "?"
    t = min(1.0, max(0.0, (value - low) / (high - low)))
    return SHADES[min(int(t * len(SHADES)), len(SHADES) - 1)]


def _number(value: float) -> str:
    return f"{value:.4g}"


def _ticks(count: int, size: float) -> list[int]:
    step = 1 if size >= 14 else math.ceil(14 / size)
    return list(range(0, count, step))


def heatmap(reading: Reading, lang: str) -> Heatmap:
    want, got = reading.expected, reading.actual
    low, high = value_range(want, got)
    declared = reading.declaration
    title = declared["title"][lang]
    panels, rows, columns = want.shape
    stacked = max(columns, got.shape[2]) > SIDE_BY_SIDE_COLUMNS
    room = 320 if stacked else 150
    tallest = max(rows, got.shape[1])
    size = float(max(4, min(28, room // max(columns, got.shape[2]), 240 // tallest)))
    differs = reading.differs or frozenset()
    grids: list[Grid] = []
    labels: list[Label] = []
    y = 0.0
    width = 0.0
    for p in range(max(panels, got.shape[0])):
        x = 0.0
        name = ""
        if max(panels, got.shape[0]) > 1:
            name = declared.get("panel", {}).get(lang) or say("report.picture_panel", lang)
            name = name.format(index=p + 1)
        row_height = 0.0
        for side, matrix in (("expected", want), ("actual", got)):
            if p >= len(matrix.panels):
                continue
            grid, placed, w, h = _grid(
                matrix, p, side, name, (x, y), size, (low, high), differs, lang
            )
            grids.append(grid)
            labels += placed
            if stacked:
                y += h
            else:
                x += w + GAP
                row_height = max(row_height, h)
            width = max(width, (x - GAP) if not stacked else w)
        y += row_height
    y += 6
    swatches, legend, legend_height = _legend(y, low, high, bool(differs), lang)
    labels += legend
    if reading.differs is None:
        note = say(
            "report.picture_shape",
            lang,
            expected=" × ".join(map(str, want.shape[1:])),
            actual=" × ".join(map(str, got.shape[1:])),
        )
    elif differs:
        note = say("report.picture_differs", lang, count=len(differs))
    else:
        note = say("report.picture_same", lang)
    axes = say("report.picture_axes", lang)
    return Heatmap(
        lang=lang,
        title=title,
        width=max(width, 300.0),
        height=y + legend_height,
        grids=tuple(grids),
        labels=tuple(labels),
        swatches=swatches,
        note=note,
        differing=len(differs),
        scale=f"{_number(low)} → {_number(high)}",
        axes=axes,
    )


def _grid(
    matrix: Matrix,
    p: int,
    side: str,
    name: str,
    at: tuple[float, float],
    size: float,
    scale: tuple[float, float],
    differs: frozenset[tuple[int, int, int]],
    lang: str,
) -> tuple[Grid, list[Label], float, float]:
    """One matrix at `at`: its cells, caption, indices and axis titles; its extent."""
    (x0, y0), (low, high) = at, scale
    panel = matrix.panels[p]
    rows, columns = len(panel), len(panel[0])
    left, top = x0 + LEFT, y0 + TOP
    caption = say(
        "report.picture_expected" if side == "expected" else "report.picture_actual", lang
    )
    caption = f"{name} · {caption}" if name else caption
    labels = [Label(left, y0 + 11, caption, "caption", "start")]
    placed = []
    for r, row in enumerate(panel):
        line = []
        for c, token in enumerate(row):
            value = as_number(token)
            tip = say("report.picture_cell", lang, row=r, column=c, value=token)
            line.append(
                Cell(
                    left + c * size,
                    top + r * size,
                    size,
                    colour(value, low, high),
                    tip,
                    (p, r, c) in differs,
                    shade(value, low, high),
                    r,
                    c,
                )
            )
        placed.append(tuple(line))
    for r in _ticks(rows, size):
        labels.append(Label(left - 3, top + r * size + size / 2 + 3.5, str(r), "tick", "end"))
    for c in _ticks(columns, size):
        labels.append(Label(left + c * size + size / 2, top + rows * size + 11, str(c), "tick"))
    height = rows * size
    if height >= 56:  # else no room along the rows: the caption names the axes
        labels.append(
            Label(x0 + 9, top + height / 2, say("report.picture_rows", lang), "axis", rotate=-90)
        )
    labels.append(
        Label(
            left + columns * size / 2,
            top + rows * size + 24,
            say("report.picture_columns", lang),
            "axis",
        )
    )
    grid = Grid(caption, side, tuple(placed))
    width = LEFT + max(columns * size, 96.0)
    return grid, labels, width, TOP + height + BELOW + 8


def _legend(
    y: float, low: float, high: float, outline: bool, lang: str
) -> tuple[tuple[Cell, ...], list[Label], float]:
    """The colour scale (five swatches, its two ends) and, when a cell is outlined, what an
    outline means."""
    swatches = []
    steps = len(RAMP)
    for i in range(steps):
        value = low + (high - low) * i / (steps - 1)
        swatches.append(
            Cell(LEFT + 16 * i, y, 16, colour(value, low, high), _number(value), False, "", 0, i)
        )
    labels = [
        Label(LEFT - 4, y + 12, _number(low), "legend", "end"),
        Label(LEFT + 16 * steps + 4, y + 12, _number(high), "legend", "start"),
        Label(LEFT + 16 * steps + 56, y + 12, say("report.picture_scale", lang), "legend", "start"),
    ]
    if not outline:
        return tuple(swatches), labels, 22.0
    outlined = Cell(LEFT, y + 22, 16, colour(high, low, high), "", True, "", 0, 0)
    labels.append(Label(LEFT + 22, y + 34, say("report.picture_outline", lang), "legend", "start"))
    return (*swatches, outlined), labels, 44.0
