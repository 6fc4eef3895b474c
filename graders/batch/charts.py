"""The class report's three charts as plain geometry: every rectangle, line and label placed.

Pure functions of numbers (no HTML): `present/templates/class_report_chart.html` draws a
`Chart` as SVG. A few rectangles and labels do not need a chart library, and the page must
load nothing. Colours are not decided here: a bar names its band (full, partial, zero) and
class_report.css colours it. Coordinates are rounded to a tenth of a pixel.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from graders.messages import say

HISTOGRAM_BINS = 11  # 0–9 %, 10–19 %, …, 90–99 %, and 100 % on its own
TIME_LABELS_UP_TO = 40  # beyond that the student ids under the bars overlap (tooltips stay)


@dataclass(frozen=True)
class Line:
    kind: str  # grid | median
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Label:
    kind: str  # tick | axis | label | value
    x: float
    y: float
    text: str
    anchor: str = "middle"  # start | middle | end
    rotate: float = 0.0  # degrees, about (x, y)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    band: str  # full | partial | zero, or "" for a pass rate's track
    tip: str  # its tooltip


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    grid: tuple[Line, ...]  # drawn first
    tracks: tuple[Bar, ...]  # the full length a bar could have
    bars: tuple[Bar, ...]
    lines: tuple[Line, ...]  # drawn over the bars (the median)
    labels: tuple[Label, ...]


@dataclass(frozen=True)
class SetRate:
    label: str  # the set's name, "(hidden)" added for a hidden set
    passed: int
    graded: int


@dataclass(frozen=True)
class Timed:
    student: str
    seconds: float
    band: str


def band(score: float, fraction: float) -> str:
    """A submission's colour: full marks, nothing at all, or in between."""
    return "full" if fraction >= 1 else "zero" if score == 0 else "partial"


def _r(value: float) -> float:
    return round(value, 1)


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 × 10^k) giving at most `ticks` steps up to `top`."""
    raw = max(top, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _y_axis(
    top: float, step: float, box: tuple[float, float, float, float]
) -> tuple[list[Line], list[Label]]:
    """Horizontal grid lines with labels left of the plot box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    lines, labels = [], []
    value = 0.0
    while value <= top + 1e-9:
        y = y1 - (y1 - y0) * value / top
        lines.append(Line("grid", x0, _r(y), x1, _r(y)))
        labels.append(Label("tick", x0 - 6, _r(y + 4), f"{value:g}", "end"))
        value += step
    return lines, labels


def histogram(fractions: Sequence[float], lang: str) -> Chart:
    """Submissions per score band, each fraction a submission's share of full marks."""
    bins = [0] * HISTOGRAM_BINS
    for fraction in fractions:
        bins[min(int(fraction * 100 + 1e-9) // 10, 10)] += 1
    width, height = 540, 280
    x0, y0, x1, y1 = 48, 20, width - 12, height - 52
    step = max(1.0, float(round(nice_step(max(bins) or 1))))
    top = step * max(1, -(-max(bins) // step))
    grid, labels = _y_axis(top, step, (x0, y0, x1, y1))
    slot = (x1 - x0) / len(bins)
    bars = []
    for index, count in enumerate(bins):
        x = x0 + index * slot + 3
        height_of_bar = (y1 - y0) * count / top
        kind = "full" if index == 10 else "zero" if index == 0 else "partial"
        name = "100" if index == 10 else f"{index * 10}–{index * 10 + 9}"
        top_of_bar = y1 - height_of_bar
        bars.append(
            Bar(_r(x), _r(top_of_bar), _r(slot - 6), _r(height_of_bar), kind, f"{name} %: {count}")
        )
        middle = _r(x + (slot - 6) / 2)
        if count:
            labels.append(Label("value", middle, _r(top_of_bar - 4), str(count)))
        labels.append(Label("tick", middle, y1 + 16, str(index * 10)))
    labels.append(
        Label("axis", _r((x0 + x1) / 2), height - 10, say("report.class_score_axis", lang))
    )
    labels.append(
        Label("axis", 14, _r((y0 + y1) / 2), say("report.class_count_axis", lang), rotate=-90)
    )
    title = say("report.class_histogram", lang)
    return Chart(title, width, height, tuple(grid), (), tuple(bars), (), tuple(labels))


def pass_rate(sets: Sequence[SetRate], lang: str) -> Chart:
    """One horizontal bar per test set: the share of submissions that passed it."""
    width, bar_height, gap = 540, 22, 12
    label_width, right = 170, 110
    height = 24 + len(sets) * (bar_height + gap)
    x0, x1 = label_width, width - right
    grid, labels, tracks, bars = [], [], [], []
    for percent in (0, 50, 100):
        x = _r(x0 + (x1 - x0) * percent / 100)
        grid.append(Line("grid", x, 4, x, height - 18))
        labels.append(Label("tick", x, height - 4, f"{percent}%"))
    for index, rate_of in enumerate(sets):
        y = 8 + index * (bar_height + gap)
        rate = rate_of.passed / rate_of.graded if rate_of.graded else 0.0
        text = say(
            "report.class_passed",
            lang,
            percent=round(rate * 100),
            passed=rate_of.passed,
            total=rate_of.graded,
        )
        middle = _r(y + bar_height / 2 + 4)
        labels.append(Label("label", x0 - 8, middle, rate_of.label, "end"))
        tracks.append(Bar(x0, y, x1 - x0, bar_height, "", ""))
        kind = "full" if rate >= 0.8 else "partial" if rate >= 0.5 else "zero"
        tip = f"{rate_of.label}: {text}"
        bars.append(Bar(x0, y, _r((x1 - x0) * rate), bar_height, kind, tip))
        labels.append(Label("value", x1 + 6, middle, text, "start"))
    title = say("report.class_pass_rate", lang)
    return Chart(title, width, height, tuple(grid), tuple(tracks), tuple(bars), (), tuple(labels))


def grading_time(submissions: Sequence[Timed], lang: str) -> Chart:
    """One bar per submission, slowest first, coloured by score; the median as a line."""
    ordered = sorted(submissions, key=lambda s: (-s.seconds, s.student))
    width = 1100
    named = len(ordered) <= TIME_LABELS_UP_TO
    height = 300 if named else 240
    x0, y0, x1, y1 = 56, 20, width - 16, height - (96 if named else 40)
    longest = max((s.seconds for s in ordered), default=0.0) or 1.0
    step = nice_step(longest)
    top = step * -(-longest // step)
    grid, labels = _y_axis(top, step, (x0, y0, x1, y1))
    slot = (x1 - x0) / max(len(ordered), 1)
    bars, lines = [], []
    for index, submission in enumerate(ordered):
        x = x0 + index * slot + slot * 0.12
        height_of_bar = (y1 - y0) * submission.seconds / top
        seconds = say("report.class_seconds_value", lang, seconds=submission.seconds)
        bars.append(
            Bar(
                _r(x),
                _r(y1 - height_of_bar),
                _r(slot * 0.76),
                _r(height_of_bar),
                submission.band,
                f"{submission.student}: {seconds}",
            )
        )
        if named:
            labels.append(
                Label("tick", _r(x + slot * 0.38), y1 + 12, submission.student, "end", -45)
            )
    if ordered:
        median = statistics.median(s.seconds for s in ordered)
        y = _r(y1 - (y1 - y0) * median / top)
        lines.append(Line("median", x0, y, x1, y))
        text = say("report.class_median", lang, seconds=median)
        labels.append(Label("value", x1 - 4, _r(y - 5), text, "end"))
    labels.append(
        Label("axis", 14, _r((y0 + y1) / 2), say("report.class_seconds_axis", lang), rotate=-90)
    )
    title = say("report.class_time", lang)
    return Chart(title, width, height, tuple(grid), (), tuple(bars), tuple(lines), tuple(labels))
