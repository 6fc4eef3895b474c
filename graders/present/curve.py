"""A training lab's loss curve as placed geometry and words: the student's losses (one point
per loss the training computed) over the reference's band (per epoch the lowest and the
highest under the lab's seed sweep), on a log scale — losses fall over orders of magnitude.
templates/curve.html draws it as SVG (presentation attributes only, nothing runs: the pages'
Content-Security-Policy holds, as for heatmap.py); the terminal draws `spark` lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graders.messages import say
from graders.present.heatmap import Label

# A log scale has no 0: a loss of 0 (or below) is drawn at FLOOR, and anything above CEILING
# (a diverged training, or a forged report) at CEILING, so the axis has at most 13 decades.
FLOOR, CEILING = 1e-6, 1e6
LEFT, TOP, PLOT_W, PLOT_H = 46.0, 8.0, 300.0, 140.0
WIDTH, HEIGHT = LEFT + PLOT_W + 14, TOP + PLOT_H + 22
SPARKS = "▁▂▃▄▅▆▇█"
# "Outside" is beyond the band by more than this factor: a correct variant (its modules built
# in another order, so other initial weights) is one more seed, and a few of those end just
# past 20 seeds' extremes; a training that stalls or overfits ends orders of magnitude away.
MARGIN = 2.0
SPARK_WIDTH = 32


@dataclass(frozen=True)
class Curve:
    lang: str
    title: str
    width: float
    height: float
    band: str  # the band's polygon ("x,y x,y …"), "" when none is recorded
    line: str  # the student's polyline
    end: tuple[float, float]  # the student's last point
    grid: tuple[tuple[float, float, float, float], ...]  # a line at each power of ten
    labels: tuple[Label, ...]
    legend: str  # what the band and the line are
    note: str  # where the final loss lies against the band
    outside: bool  # the final loss is outside the band
    spark: str  # the terminal's line of the student's losses
    band_spark: str  # the band's middle, on the same scale ("" without a band)
    summary: str  # "3.42 → 0.00213"
    band_summary: str  # "3.4 → 0.0019–0.0025"


def _number(value: float) -> str:
    return f"{value:.3g}"


def _log(value: float) -> float:
    return math.log10(min(max(value, FLOOR), CEILING))


def _spark(values: list[float], low: float, high: float, count: int) -> str:
    """One glyph per stretch of `count` epochs (at most SPARK_WIDTH), the level at its end;
    a series shorter than `count` stops where its data does, so both lines share an x scale."""
    slots = min(SPARK_WIDTH, count)
    glyphs = []
    for k in range(slots):
        index = (k + 1) * count // slots - 1
        if index >= len(values):
            break
        t = (_log(values[index]) - low) / (high - low)
        glyphs.append(SPARKS[min(len(SPARKS) - 1, max(0, int(t * len(SPARKS))))])
    return "".join(glyphs)


def curve(declared: dict[str, Any], losses: tuple[float, ...], lang: str) -> Curve:
    values = list(losses)
    band = declared.get("band")
    low_edge = list(band["low"]) if band else []
    high_edge = list(band["high"]) if band else []
    every = values + low_edge + high_edge
    bottom = math.floor(min(_log(v) for v in every))
    top = math.ceil(max(_log(v) for v in every))
    top = top if top > bottom else bottom + 1
    count = max(len(values), len(low_edge))

    def x(i: int) -> float:
        return LEFT + PLOT_W * (i / (count - 1) if count > 1 else 0.5)

    def y(value: float) -> float:
        return TOP + PLOT_H * (top - _log(value)) / (top - bottom)

    def points(series: list[float]) -> list[str]:
        return [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series)]

    polygon = " ".join(points(high_edge) + points(low_edge)[::-1]) if band else ""
    grid, labels = [], []
    for power in range(bottom, top + 1):
        at = TOP + PLOT_H * (top - power) / (top - bottom)
        grid.append((LEFT, at, LEFT + PLOT_W, at))
        labels.append(Label(LEFT - 4, at + 3.5, _number(10.0**power), "tick", "end"))
    bottom_y = TOP + PLOT_H
    labels.append(Label(LEFT, bottom_y + 13, "1", "tick", "start"))
    labels.append(Label(LEFT + PLOT_W, bottom_y + 13, str(count), "tick", "end"))
    labels.append(Label(LEFT + PLOT_W / 2, bottom_y + 13, say("report.curve_x", lang), "axis"))
    labels.append(
        Label(10, TOP + PLOT_H / 2, say("report.curve_y", lang), "axis", "middle", rotate=-90)
    )
    note, outside = _note(values, band, lang)
    if band:
        legend = say("report.curve_legend", lang, seeds=band["seeds"])
        middle = [
            math.sqrt(max(a, FLOOR) * max(b, FLOOR))
            for a, b in zip(low_edge, high_edge, strict=True)
        ]
        band_spark = _spark(middle, bottom, top, count)
        band_summary = f"{_number(high_edge[0])} → {_number(low_edge[-1])}–{_number(high_edge[-1])}"
    else:
        legend, band_spark, band_summary = say("report.curve_legend_alone", lang), "", ""
    return Curve(
        lang=lang,
        title=declared["title"][lang],
        width=WIDTH,
        height=HEIGHT,
        band=polygon,
        line=" ".join(points(values)),
        end=(x(len(values) - 1), y(values[-1])),
        grid=tuple(grid),
        labels=tuple(labels),
        legend=legend,
        note=note,
        outside=outside,
        spark=_spark(values, bottom, top, count),
        band_spark=band_spark,
        summary=f"{_number(values[0])} → {_number(values[-1])}",
        band_summary=band_summary,
    )


def _note(values: list[float], band: dict[str, Any] | None, lang: str) -> tuple[str, bool]:
    """Where the final loss lies against the band's last epoch, and a different count."""
    if not band:
        return say("report.curve_no_band", lang), False
    final, low, high = values[-1], band["low"][-1], band["high"][-1]
    key = "report.curve_within" if low <= final <= high else "report.curve_near"
    if final > high * MARGIN:
        key = "report.curve_above"
    elif final < low / MARGIN:
        key = "report.curve_below"
    words = dict(final=_number(final), low=_number(low), high=_number(high), seeds=band["seeds"])
    said = [say(key, lang, **words)]
    if len(values) != len(band["low"]):
        said.append(say("report.curve_count", lang, count=len(values), expected=len(band["low"])))
    return " ".join(said), key in ("report.curve_above", "report.curve_below")
