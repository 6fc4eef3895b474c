"""The class report: one self-contained HTML page an instructor looks at after a batch.

Title and counts, a score histogram, the pass rate per test set, the grading time per
submission, the verdict table (student × test set, coloured by verdict) and the similar
pairs. This module decides what the page says (`ClassReportView`, every label from
messages.py in zh or en); charts.py places the charts' shapes; present/html.py draws the view
through the one autoescaping Jinja configuration with class_report.css inlined, so the page
loads nothing and opens offline (a mail attachment, an LMS upload).

Then the common mistakes (clusters.py groups the wrong answers per set, cluster_view.py says
them): on a public set an example student's output, which the student saw too; on a hidden
set counts and names only. Hidden sets show their verdict and score only: the page never
shows a hidden set's input, expected or actual output (its stored result holds none).

Records come from the gradebook's score of record as `ClassRecord`s, each with its result
read back from the one stored shape (`LabResult.from_dict`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from graders.batch import charts
from graders.batch.charts import Chart, SetRate, Timed, band
from graders.batch.cluster_view import MistakesView, mistakes_view
from graders.batch.clusters import class_clusters
from graders.batch.similarity import Similarity, SimilarPair
from graders.messages import say
from graders.present.html import class_report_html
from graders.results import LabResult
from graders.spec import LabSpec
from graders.store.calendar import UTC_ZONE, local_time
from graders.store.gradebook import Gradebook, stored_result
from graders.store.record import RecordRules
from graders.verdict import Verdict

GENERATOR = "seqlab class report"  # a <meta> tag: `seqlab report` only overwrites its own pages
MAX_PAIRS = 200  # the page lists the most similar pairs; the CSV has them all
PAIR_HEADINGS = (
    "report.class_pair_a",
    "report.class_pair_b",
    "report.class_pair_score",
    "report.class_share_a",
    "report.class_share_b",
    "report.class_note",
)
METER_WIDTH, METER_HEIGHT = 60, 8  # a pair's similarity bar at 100 %, in pixels


@dataclass(frozen=True)
class ClassRecord:
    """One student's grade of record for a lab, as the gradebook hands it over."""

    student: str
    result: LabResult | None  # None: no set results (could not be graded)
    text: str | None = None  # the submitted source, for the similarity check
    # The score of record (late penalty, staff override: record.py); None: the result's own.
    # Every total, average and distribution of the report reads it, never the raw score.
    score: float | None = None
    max_score: float = 0.0
    seconds: float = 0.0


@dataclass(frozen=True)
class Cell:
    """One student's verdict on one set; code "" when the set was not graded for them."""

    code: str  # AC, WA, …: class_report.css colours the cell by it
    points: str  # "3/5"
    tip: str  # the verdict in words, or "this set was not graded"


@dataclass(frozen=True)
class Column:
    name: str
    hidden: bool


@dataclass(frozen=True)
class Row:
    student: str
    cells: tuple[Cell, ...]  # one per column
    total: str  # "37/100"
    band: str  # full | partial | zero
    seconds: str


@dataclass(frozen=True)
class Chip:
    """The legend: a verdict's code in its colours and its name."""

    code: str
    label: str


@dataclass(frozen=True)
class Meter:
    """A pair's similarity as a small bar (SVG: the page has no style attribute to size it)."""

    width: int
    height: int
    corner: float  # the radius of its round ends; less for a bar narrower than high


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    meter: Meter
    score: str  # "83%"
    share_a: str
    share_b: str
    note: str  # which of the two is the reference's code, or ""


@dataclass(frozen=True)
class SimilarityView:
    how: str  # what was compared, and the threshold
    headings: tuple[str, ...]
    pairs: tuple[Pair, ...]  # the MAX_PAIRS most similar
    no_pairs: str  # the sentence shown when there are none
    more: str  # how many more the CSV has, or ""
    reference: str  # who handed in the reference's code, or ""
    not_compared: str  # whose files could not be compared, or ""


@dataclass(frozen=True)
class Words:
    """The headings and words the page's sections use."""

    verdicts: str
    similarity: str
    student: str
    total: str
    seconds: str
    hidden: str
    no_similarity: str  # no comparison was made


@dataclass(frozen=True)
class ClassReportView:
    html_lang: str  # zh-CN | en
    generator: str
    title: str
    summary: str  # how many submissions, when
    stats: str  # mean, median, full marks, zero
    histogram: Chart
    pass_rate: Chart
    time: Chart
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]  # by student id
    legend: tuple[Chip, ...]
    similarity: SimilarityView | None
    words: Words
    mistakes: MistakesView | None = None  # the common mistakes (cluster_view.py)


@dataclass(frozen=True)
class _Grade:
    """A record's numbers, with or without a result."""

    student: str
    score: float
    max_score: float
    seconds: float
    verdicts: dict[str, tuple[Verdict, float, float]]  # set → (verdict, score, max score)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    @property
    def band(self) -> str:
        return band(self.score, self.fraction)


def load_records(db_url: str, lab_id: str, rules: RecordRules) -> list[ClassRecord]:
    """The lab's grade of record per student (graders/store/record.py), as records, with the
    submission's text the gradebook keeps for the similarity check. A grade that has no set
    results (unreadable file, broken markers, a failure not yet graded again) shows its
    score and a dash for every set."""
    book = Gradebook(db_url)
    try:
        decided = book.decisions(rules, lab=lab_id)
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
        for decision in (decided[key] for key in sorted(decided))
        for g in (decision.grade,)
    ]


def _grade(record: ClassRecord) -> _Grade:
    result = record.result
    if result is None:
        return _Grade(record.student, record.score or 0.0, record.max_score, record.seconds, {})
    verdicts = {t.name: (t.verdict, t.score, t.max_score) for t in result.tests}
    score = result.score if record.score is None else record.score
    return _Grade(record.student, score, result.max_score, result.execution_time, verdicts)


def _columns(lab: LabSpec, grades: list[_Grade]) -> tuple[Column, ...]:
    """The spec's sets in order, then any set a record has that the spec no longer names
    (graded under an older spec version), so no verdict is dropped from the table."""
    columns = [Column(test.name, test.hidden) for test in lab.tests]
    known = {column.name for column in columns}
    for grade in grades:
        for name in grade.verdicts:
            if name not in known:
                columns.append(Column(name, False))
                known.add(name)
    return tuple(columns)


def _row(grade: _Grade, columns: tuple[Column, ...], lang: str) -> Row:
    not_graded = Cell("", "—", say("report.class_not_graded", lang))
    cells = []
    for column in columns:
        if column.name not in grade.verdicts:
            cells.append(not_graded)
            continue
        verdict, score, max_score = grade.verdicts[column.name]
        cells.append(Cell(verdict.code, f"{score:g}/{max_score:g}", verdict.label(lang)))
    seconds = say("report.class_seconds_value", lang, seconds=grade.seconds)
    total = f"{grade.score:g}/{grade.max_score:g}"
    return Row(grade.student, tuple(cells), total, grade.band, seconds)


def _rate(grades: list[_Grade], column: Column, lang: str) -> SetRate:
    graded = [grade.verdicts[column.name][0] for grade in grades if column.name in grade.verdicts]
    hidden = say("report.class_hidden", lang)
    label = f"{column.name} ({hidden})" if column.hidden else column.name
    return SetRate(label, sum(verdict.passed for verdict in graded), len(graded))


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _pair(pair: SimilarPair, lang: str) -> Pair:
    if pair.a_matches_reference and pair.b_matches_reference:
        note = say("report.class_both_reference", lang)
    elif pair.a_matches_reference or pair.b_matches_reference:
        student = pair.a if pair.a_matches_reference else pair.b
        note = say("report.class_one_reference", lang, student=student)
    else:
        note = ""
    width = round(pair.score * METER_WIDTH)
    return Pair(
        pair.a,
        pair.b,
        Meter(width, METER_HEIGHT, min(METER_HEIGHT, width) / 2),
        _percent(pair.score),
        _percent(pair.share_a),
        _percent(pair.share_b),
        note,
    )


def _linker(link: Callable[[str], str] | None) -> Callable[[str], str]:
    """A student's name as shown: plain, or (the web's report) a link to the staff's page of
    the student; Markup.format escapes both the name and the address."""
    if link is None:
        return str
    return lambda student: Markup('<a href="{}">{}</a>').format(link(student), student)


def similarity_view(
    similarity: Similarity, lang: str, name: Callable[[str], str] = str
) -> SimilarityView:
    more, reference, not_compared = "", "", ""
    if len(similarity.pairs) > MAX_PAIRS:
        more = say("report.class_more_pairs", lang, count=len(similarity.pairs) - MAX_PAIRS)
    if similarity.matches_reference:
        students = ", ".join(similarity.matches_reference)
        reference = say("report.class_reference_list", lang, students=students)
    if similarity.not_compared:
        students = ", ".join(similarity.not_compared)
        not_compared = say("report.class_not_compared", lang, students=students)
    return SimilarityView(
        how=say("report.class_similarity_how", lang, threshold=round(similarity.threshold * 100)),
        headings=tuple(say(key, lang) for key in PAIR_HEADINGS),
        pairs=tuple(
            replace(p, a=name(p.a), b=name(p.b))
            for p in (_pair(pair, lang) for pair in similarity.pairs[:MAX_PAIRS])
        ),
        no_pairs=say("report.class_no_pairs", lang),
        more=more,
        reference=reference,
        not_compared=not_compared,
    )


def class_report_view(
    lab: LabSpec,
    records: list[ClassRecord],
    similarity: Similarity | None,
    lang: str,
    generated: datetime,
    link: Callable[[str], str] | None = None,
    action: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> ClassReportView:
    """`action`: where the web's forms that name a mistake post (None: no forms)."""
    grades = [_grade(record) for record in records]
    columns = _columns(lab, grades)
    name = _linker(link)
    percents = [grade.fraction * 100 for grade in grades] or [0.0]
    stats = say(
        "report.class_stats",
        lang,
        mean=f"{statistics.mean(percents):.0f}",
        median=f"{statistics.median(percents):.0f}",
        full=sum(grade.fraction >= 1 for grade in grades),
        zero=sum(grade.score == 0 for grade in grades),
    )
    timed = [Timed(grade.student, grade.seconds, grade.band) for grade in grades]
    when = local_time(generated, zone)  # the course's clock, its zone named
    return ClassReportView(
        html_lang="zh-CN" if lang == "zh" else "en",
        generator=GENERATOR,
        title=say("report.class_title", lang, title=lab.title[lang], lab=lab.id),
        summary=" · ".join(
            (
                say("report.class_summary", lang, count=len(grades), date=when),
                say("report.class_of_record", lang),
            )
        ),
        stats=stats,
        histogram=charts.histogram([grade.fraction for grade in grades], lang),
        pass_rate=charts.pass_rate([_rate(grades, column, lang) for column in columns], lang),
        time=charts.grading_time(timed, lang),
        columns=columns,
        rows=tuple(
            replace(row, student=name(row.student))
            for row in (_row(g, columns, lang) for g in sorted(grades, key=lambda g: g.student))
        ),
        legend=tuple(Chip(verdict.code, verdict.label(lang)) for verdict in Verdict),
        similarity=similarity_view(similarity, lang, name) if similarity is not None else None,
        words=Words(
            verdicts=say("report.class_verdicts", lang),
            similarity=say("report.class_similarity", lang),
            student=say("report.class_student", lang),
            total=say("report.class_total", lang),
            seconds=say("report.class_seconds", lang),
            hidden=say("report.class_hidden", lang),
            no_similarity=say("report.class_no_similarity", lang),
        ),
        mistakes=mistakes_view(
            lab,
            class_clusters(
                [(c.name, c.hidden) for c in columns], [(r.student, r.result) for r in records]
            ),
            {record.student: record.result for record in records},
            lang,
            name,
            action,
        ),
    )


def render_class_report(
    lab: LabSpec,
    records: list[ClassRecord],
    similarity: Similarity | None,
    lang: str,
    *,
    generated: datetime | None = None,
    link: Callable[[str], str] | None = None,
    action: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> str:
    """The whole page as one HTML string (inline CSS and SVG, no external resource).
    `link`: student → the address their name links to (the web's report), else plain;
    `action`: where the forms naming a mistake post (the web's report), else none."""
    when = generated or datetime.now(UTC)
    view = class_report_view(lab, records, similarity, lang, when, link, action, zone)
    return class_report_html(view)
