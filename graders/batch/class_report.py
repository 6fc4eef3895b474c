"""The class report: one self-contained HTML page an instructor looks at after a batch.

Title and counts, a score histogram, the pass rate per test set, the grading time per
submission, the verdict table (student × test set, coloured by verdict) and the similar
pairs. The page loads nothing: the CSS is inline and the charts are SVG drawn here (a few
rectangles and labels do not need a chart library, and the page must open offline, from a
mail attachment or an LMS upload). Every label comes from messages.py, in zh or en.

Hidden sets show their verdict and score only. The page never shows any set's input,
expected or actual output, so nothing of a hidden set can leak through it.

Records come from the gradebook's score of record as `ClassRecord`s, each with its result
read back from the one stored shape (`LabResult.from_dict`).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime
from html import escape

from graders.batch.similarity import Similarity
from graders.messages import say
from graders.results import LabResult
from graders.spec import LabSpec
from graders.store.gradebook import Gradebook, stored_result
from graders.store.record import RecordRules
from graders.verdict import Verdict

GENERATOR = "seqlab class report"  # a <meta> tag: `seqlab report` only overwrites its own pages


@dataclass(frozen=True)
class ClassRecord:
    """One student's grade of record for a lab, as the gradebook hands it over."""

    student: str
    result: LabResult | None  # None: no set results (could not be graded)
    text: str | None = None  # the submitted source, for the similarity check
    score: float = 0.0  # without a result: the grade's own
    max_score: float = 0.0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Cell:
    code: str  # AC, WA, …
    score: float
    max_score: float


@dataclass(frozen=True)
class _Row:
    student: str
    score: float
    max_score: float
    seconds: float
    cells: dict[str, _Cell]

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


_BY_CODE = {verdict.code: verdict for verdict in Verdict}

# Background and text colour per verdict: green passed, amber close, red wrong, orange
# crashed, violet over a limit, grey our own failure.
COLOURS = {
    "AC": ("#c8e6c9", "#1b5e20"),
    "PC": ("#fff3c4", "#7a5b00"),
    "PE": ("#fff3c4", "#7a5b00"),
    "WA": ("#ffcdd2", "#8e1b1b"),
    "RE": ("#ffe0b2", "#8a3d00"),
    "TLE": ("#e1d5f5", "#4a2a82"),
    "MLE": ("#e1d5f5", "#4a2a82"),
    "OLE": ("#e1d5f5", "#4a2a82"),
    "IE": ("#e0e0e0", "#424242"),
}
MAX_PAIRS = 200  # the page lists the most similar pairs; the CSV has them all
FULL, PARTIAL, ZERO = "#43a047", "#f9a825", "#e53935"


def load_records(db_url: str, lab_id: str, rules: RecordRules) -> list[ClassRecord]:
    """The lab's grade of record per student (graders/store/record.py), as records, with the
    submission's text the gradebook keeps for the similarity check. A grade that has no set
    results (unreadable file, broken markers, a failure not yet graded again) shows its
    score and a dash for every set."""
    book = Gradebook(db_url)
    try:
        grades = book.of_record(rules, lab=lab_id)
    finally:
        book.close()
    return [
        ClassRecord(
            g.student,
            stored_result(g),
            g.code,
            g.score or 0.0,
            g.max_score or 0.0,
            g.execution_time or g.grading_seconds,
        )
        for g in grades
    ]


def _row(record: ClassRecord) -> _Row:
    result = record.result
    if result is not None:
        cells = {t.name: _Cell(t.verdict.code, t.score, t.max_score) for t in result.tests}
        return _Row(record.student, result.score, result.max_score, result.execution_time, cells)
    return _Row(record.student, record.score, record.max_score, record.seconds, {})


def _number(value: float) -> str:
    return f"{value:g}"


def _nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 × 10^k) giving at most `ticks` steps up to `top`."""
    raw = max(top, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _svg_open(width: int, height: int, label: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]


def _y_axis(
    parts: list[str], top_value: float, step: float, box: tuple[int, int, int, int], fmt
) -> None:
    """Horizontal grid lines with labels on the left of the plot box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    value = 0.0
    while value <= top_value + 1e-9:
        y = y1 - (y1 - y0) * value / top_value
        parts.append(f'<line class="grid" x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(value)}</text>'
        )
        value += step


def histogram_svg(rows: list[_Row], lang: str) -> str:
    """Submissions per score band: 0–9 %, 10–19 %, …, 90–99 %, and 100 % on its own."""
    bins = [0] * 11
    for row in rows:
        bins[min(int(row.fraction * 100 + 1e-9) // 10, 10)] += 1
    width, height = 540, 280
    x0, y0, x1, y1 = 48, 20, width - 12, height - 52
    step = max(1.0, float(round(_nice_step(max(bins) or 1))))
    top = step * max(1, -(-max(bins or [1]) // step))
    title = say("report.class_histogram", lang)
    parts = _svg_open(width, height, title)
    _y_axis(parts, top, step, (x0, y0, x1, y1), lambda v: f"{v:g}")
    slot = (x1 - x0) / len(bins)
    for index, count in enumerate(bins):
        x = x0 + index * slot + 3
        bar = (y1 - y0) * count / top
        colour = FULL if index == 10 else ZERO if index == 0 else PARTIAL
        band = "100" if index == 10 else f"{index * 10}–{index * 10 + 9}"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y1 - bar:.1f}" width="{slot - 6:.1f}" '
            f'height="{bar:.1f}" fill="{colour}"><title>{band} %: {count}</title></rect>'
        )
        if count:
            parts.append(
                f'<text class="value" x="{x + (slot - 6) / 2:.1f}" y="{y1 - bar - 4:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
        parts.append(
            f'<text class="tick" x="{x + (slot - 6) / 2:.1f}" y="{y1 + 16}" '
            f'text-anchor="middle">{index * 10}</text>'
        )
    parts.append(
        f'<text class="axis" x="{(x0 + x1) / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        f"{escape(say('report.class_score_axis', lang))}</text>"
    )
    parts.append(
        f'<text class="axis" transform="translate(14 {(y0 + y1) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(say("report.class_count_axis", lang))}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def pass_rate_svg(rows: list[_Row], sets: list[tuple[str, bool]], lang: str) -> str:
    """One horizontal bar per test set: the share of submissions that passed it."""
    width, bar_height, gap = 540, 22, 12
    label_width, right = 170, 110
    height = 24 + len(sets) * (bar_height + gap)
    title = say("report.class_pass_rate", lang)
    parts = _svg_open(width, height, title)
    x0, x1 = label_width, width - right
    for percent in (0, 50, 100):
        x = x0 + (x1 - x0) * percent / 100
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 18}"/>')
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{height - 4}" text-anchor="middle">'
            f"{percent}%</text>"
        )
    hidden_word = say("report.class_hidden", lang)
    for index, (name, hidden) in enumerate(sets):
        y = 8 + index * (bar_height + gap)
        graded = [row.cells[name] for row in rows if name in row.cells]
        passed = sum(cell.code == "AC" for cell in graded)
        rate = passed / len(graded) if graded else 0.0
        label = f"{name} ({hidden_word})" if hidden else name
        parts.append(
            f'<text class="label" x="{x0 - 8}" y="{y + bar_height / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect class="track" x="{x0}" y="{y}" width="{x1 - x0}" height="{bar_height}"/>'
        )
        colour = FULL if rate >= 0.8 else PARTIAL if rate >= 0.5 else ZERO
        text = say(
            "report.class_passed", lang, percent=round(rate * 100), passed=passed, total=len(graded)
        )
        parts.append(
            f'<rect class="bar" x="{x0}" y="{y}" width="{(x1 - x0) * rate:.1f}" '
            f'height="{bar_height}" fill="{colour}"><title>{escape(label)}: {escape(text)}</title>'
            "</rect>"
        )
        parts.append(
            f'<text class="value" x="{x1 + 6}" y="{y + bar_height / 2 + 4:.1f}">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def time_svg(rows: list[_Row], lang: str) -> str:
    """One bar per submission, slowest first, coloured by score; the median as a line."""
    ordered = sorted(rows, key=lambda row: (-row.seconds, row.student))
    width = 1100
    labelled = len(ordered) <= 40  # beyond that the ids overlap: tooltips still name them
    height = 300 if labelled else 240
    x0, y0, x1, y1 = 56, 20, width - 16, height - (96 if labelled else 40)
    longest = max((row.seconds for row in ordered), default=0.0) or 1.0
    step = _nice_step(longest)
    top = step * -(-longest // step)
    title = say("report.class_time", lang)
    parts = _svg_open(width, height, title)
    _y_axis(parts, top, step, (x0, y0, x1, y1), lambda v: f"{v:g}")
    slot = (x1 - x0) / max(len(ordered), 1)
    for index, row in enumerate(ordered):
        x = x0 + index * slot + slot * 0.12
        bar = (y1 - y0) * row.seconds / top
        colour = FULL if row.fraction >= 1 else ZERO if row.score == 0 else PARTIAL
        tip = f"{row.student}: {say('report.class_seconds_value', lang, seconds=row.seconds)}"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y1 - bar:.1f}" width="{slot * 0.76:.1f}" '
            f'height="{bar:.1f}" fill="{colour}"><title>{escape(tip)}</title></rect>'
        )
        if labelled:
            cx = x + slot * 0.38
            parts.append(
                f'<text class="tick" x="{cx:.1f}" y="{y1 + 12}" text-anchor="end" '
                f'transform="rotate(-45 {cx:.1f} {y1 + 12})">{escape(row.student)}</text>'
            )
    if ordered:
        median = statistics.median(row.seconds for row in ordered)
        y = y1 - (y1 - y0) * median / top
        parts.append(
            f'<line class="median" x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}"/>'
            f'<text class="value" x="{x1 - 4}" y="{y - 5:.1f}" text-anchor="end">'
            f"{escape(say('report.class_median', lang, seconds=median))}</text>"
        )
    parts.append(
        f'<text class="axis" transform="translate(14 {(y0 + y1) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(say("report.class_seconds_axis", lang))}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(lang: str) -> str:
    chips = [
        f'<span class="chip" style="background:{COLOURS[code][0]};color:{COLOURS[code][1]}">'
        f"<b>{code}</b> {escape(verdict.label(lang))}</span>"
        for code, verdict in _BY_CODE.items()
    ]
    return f'<p class="legend">{" ".join(chips)}</p>'


def verdict_table(rows: list[_Row], sets: list[tuple[str, bool]], lang: str) -> str:
    """Student × test set, each cell its verdict code and score, coloured by verdict."""
    hidden_word = say("report.class_hidden", lang)
    head = [f"<th>{escape(say('report.class_student', lang))}</th>"]
    for name, hidden in sets:
        mark = f'<br><span class="hidden">{escape(hidden_word)}</span>' if hidden else ""
        head.append(f"<th>{escape(name)}{mark}</th>")
    head.append(f"<th>{escape(say('report.class_total', lang))}</th>")
    head.append(f"<th>{escape(say('report.class_seconds', lang))}</th>")
    body = []
    not_graded = say("report.class_not_graded", lang)
    for row in sorted(rows, key=lambda row: row.student):
        cells = [f'<th scope="row">{escape(row.student)}</th>']
        for name, _hidden in sets:
            cell = row.cells.get(name)
            if cell is None:
                cells.append(f'<td class="none" title="{escape(not_graded)}">—</td>')
                continue
            background, colour = COLOURS.get(cell.code, COLOURS["IE"])
            verdict = _BY_CODE.get(cell.code)
            tip = verdict.label(lang) if verdict else cell.code
            cells.append(
                f'<td class="verdict" style="background:{background};color:{colour}" '
                f'title="{escape(tip)}"><b>{escape(cell.code)}</b> '
                f"{_number(cell.score)}/{_number(cell.max_score)}</td>"
            )
        colour = FULL if row.fraction >= 1 else ZERO if row.score == 0 else PARTIAL
        cells.append(
            f'<td class="total" style="border-left:4px solid {colour}">'
            f"{_number(row.score)}/{_number(row.max_score)}</td>"
        )
        seconds = say("report.class_seconds_value", lang, seconds=row.seconds)
        cells.append(f'<td class="time">{escape(seconds)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="verdicts"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>" + _legend(lang)
    )


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def similarity_section(similarity: Similarity | None, lang: str) -> str:
    if similarity is None:
        return f"<p>{escape(say('report.class_no_similarity', lang))}</p>"
    how = say("report.class_similarity_how", lang, threshold=round(similarity.threshold * 100))
    parts = [f'<p class="note">{escape(how)}</p>']
    if similarity.pairs:
        head = "".join(
            f"<th>{escape(say(key, lang))}</th>"
            for key in (
                "report.class_pair_a",
                "report.class_pair_b",
                "report.class_pair_score",
                "report.class_share_a",
                "report.class_share_b",
                "report.class_note",
            )
        )
        rows = []
        for pair in similarity.pairs[:MAX_PAIRS]:
            if pair.a_matches_reference and pair.b_matches_reference:
                note = say("report.class_both_reference", lang)
            elif pair.a_matches_reference or pair.b_matches_reference:
                student = pair.a if pair.a_matches_reference else pair.b
                note = say("report.class_one_reference", lang, student=student)
            else:
                note = ""
            rows.append(
                "<tr>"
                f"<td>{escape(pair.a)}</td><td>{escape(pair.b)}</td>"
                f'<td class="score"><span class="meter" style="width:{pair.score * 60:.0f}px">'
                f"</span>{_percent(pair.score)}</td>"
                f"<td>{_percent(pair.share_a)}</td><td>{_percent(pair.share_b)}</td>"
                f"<td>{escape(note)}</td></tr>"
            )
        parts.append(
            f'<table class="pairs"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        if len(similarity.pairs) > MAX_PAIRS:
            more = say("report.class_more_pairs", lang, count=len(similarity.pairs) - MAX_PAIRS)
            parts.append(f'<p class="note">{escape(more)}</p>')
    else:
        parts.append(f"<p>{escape(say('report.class_no_pairs', lang))}</p>")
    if similarity.matches_reference:
        students = ", ".join(similarity.matches_reference)
        parts.append(
            f"<p>{escape(say('report.class_reference_list', lang, students=students))}</p>"
        )
    if similarity.not_compared:
        students = ", ".join(similarity.not_compared)
        parts.append(f"<p>{escape(say('report.class_not_compared', lang, students=students))}</p>")
    return "\n".join(parts)


CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
  "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; margin: 0;
  background: #f6f7f9; color: #1f2328; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; }
.meta { color: #57606a; margin: 0 0 4px; }
.stats { margin: 0 0 18px; font-weight: 600; }
.card { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 14px 16px;
  margin-bottom: 16px; overflow-x: auto; }
.row { display: flex; gap: 16px; flex-wrap: wrap; }
.row .card { flex: 1 1 420px; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg .grid { stroke: #e5e8eb; stroke-width: 1; }
svg .tick { fill: #57606a; font-size: 11px; }
svg .axis { fill: #57606a; font-size: 12px; }
svg .label { fill: #1f2328; font-size: 12px; }
svg .value { fill: #1f2328; font-size: 11px; font-weight: 600; }
svg .track { fill: #f0f2f4; }
svg .median { stroke: #1f2328; stroke-width: 1.5; stroke-dasharray: 5 4; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d8dee4; padding: 4px 8px; text-align: center; white-space: nowrap; }
thead th { background: #f0f2f4; position: sticky; top: 0; }
tbody th { text-align: left; font-weight: 600; background: #fafbfc; }
td.total { font-weight: 600; }
td.time { color: #57606a; }
td.none { color: #8c959f; }
.hidden { font-weight: normal; color: #57606a; font-size: 11px; }
.legend { margin: 10px 0 0; font-size: 12px; line-height: 2; }
.chip { border-radius: 4px; padding: 2px 6px; margin-right: 4px; white-space: nowrap; }
.note { color: #57606a; font-size: 13px; }
table.pairs td { text-align: left; }
td.score { font-weight: 600; }
.meter { display: inline-block; height: 8px; background: #e53935; border-radius: 4px;
  margin-right: 6px; vertical-align: middle; }
"""


def render_class_report(
    lab: LabSpec,
    records: list[ClassRecord],
    similarity: Similarity | None,
    lang: str,
    *,
    generated: datetime | None = None,
) -> str:
    """The whole page as one HTML string (inline CSS and SVG, no external resource)."""
    rows = [_row(record) for record in records]
    # Columns: the spec's sets in order, then any set a record has that the spec no longer
    # names (graded under an older spec version), so no verdict is dropped from the table.
    sets = [(test.name, test.hidden) for test in lab.tests]
    known = {name for name, _ in sets}
    for row in rows:
        for name in row.cells:
            if name not in known:
                sets.append((name, False))
                known.add(name)
    when = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    title = say("report.class_title", lang, title=lab.title[lang], lab=lab.id)
    percents = [row.fraction * 100 for row in rows] or [0.0]
    stats = say(
        "report.class_stats",
        lang,
        mean=f"{statistics.mean(percents):.0f}",
        median=f"{statistics.median(percents):.0f}",
        full=sum(row.fraction >= 1 for row in rows),
        zero=sum(row.score == 0 for row in rows),
    )
    summary = say("report.class_summary", lang, count=len(rows), date=when)
    html_lang = "zh-CN" if lang == "zh" else "en"

    def card(key: str, content: str) -> str:
        return f'<section class="card"><h2>{escape(say(key, lang))}</h2>\n{content}\n</section>'

    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{html_lang}"><head><meta charset="utf-8">',
            f'<meta name="generator" content="{GENERATOR}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}</style></head><body><main>",
            f"<h1>{escape(title)}</h1>",
            f'<p class="meta">{escape(summary)}</p>',
            f'<p class="stats">{escape(stats)}</p>',
            '<div class="row">',
            card("report.class_histogram", histogram_svg(rows, lang)),
            card("report.class_pass_rate", pass_rate_svg(rows, sets, lang)),
            "</div>",
            card("report.class_time", time_svg(rows, lang)),
            card("report.class_verdicts", verdict_table(rows, sets, lang)),
            card("report.class_similarity", similarity_section(similarity, lang)),
            "</main></body></html>",
            "",
        ]
    )
