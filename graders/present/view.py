"""What a person sees of a result, decided once, in one language.

Every renderer (terminal, Markdown, HTML) draws a `ResultView` and decides nothing itself:
which fields a set shows, how long they are, which sentence explains a verdict, how a set is
headed, and the summary line with partial credit counted once. A hidden set's TestResult
holds no data (the engine leaves it out), so its view cannot hold any either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from graders.messages import say
from graders.present.curve import Curve, curve
from graders.present.diff import Diff, diff
from graders.present.heatmap import Heatmap, heatmap
from graders.present.picture import read
from graders.present.text import MAX_SHOWN_CHARS, MAX_SHOWN_LINES, line_ranges, shorten
from graders.results import LabResult, TestResult
from graders.textsafe import visible
from graders.verdict import Verdict

SOME_FAILED = {"lab": "report.some_failed_lab", "quiz": "report.some_failed_quiz"}
MARKS = {"passed": "✔", "partial": "◐", "failed": "✘"}
LABELS = {
    "input": "report.input",
    "expected": "report.expected",
    "actual": "report.actual",
    "stderr": "report.stderr",
}


@dataclass(frozen=True)
class Field:
    """One block of a set: what went in, what was wanted, what came out, the error output."""

    kind: str  # input | expected | actual | stderr
    label: str
    text: str  # shortened; the catalogue's "(empty)" when the value was blank
    empty: bool
    # A failed set's expected and actual output as lines of (text, differs) runs, the values
    # its comparator does not accept marked; None when not diffed (or too long to show whole).
    marked: tuple[tuple[tuple[str, bool], ...], ...] | None = None


@dataclass(frozen=True)
class SetView:
    index: int
    name: str
    number: int | None  # a quiz question's number on the paper
    heading: str
    state: str  # passed | partial | failed
    mark: str
    code: str  # AC, WA, …
    label: str  # the verdict in words
    score: float
    max_score: float
    points: str  # "3/5"
    hidden: bool
    tag: str  # "hidden set" for a hidden set, else ""
    timing: str  # "0.12 s · 31 MB", or ""
    fields: tuple[Field, ...]
    detail: str  # the sentence that explains the verdict, "" when there is none to show
    answer: str  # a quiz question: what was answered ("" otherwise)
    # The numeric diff's sentences: the largest error and where, a different shape, and the
    # first differing values one by one (for renderers that cannot mark inside the output).
    findings: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    # The lab's declared matrices (attention weights) as heatmaps, expected and yours.
    pictures: tuple[Heatmap, ...] = ()
    # "This looks like a common mistake: … — hint: …" (a named mistake, hidden sets too), or "".
    mistake: str = ""
    # A training lab's loss curve over the reference's band (present/curve.py): public sets,
    # and once per result (every set of a run reports the same training).
    curves: tuple[Curve, ...] = ()

    @property
    def passed(self) -> bool:
        return self.state == "passed"


@dataclass(frozen=True)
class ResultView:
    lang: str
    kind: str  # lab | quiz
    lab: str
    heading: str  # "rnn-numpy · 循环神经网络…"
    file: str
    isolation: str
    shared: str  # fork mode: the shared part's time, or ""
    score: float
    max_score: float
    score_text: str
    state: str  # passed | partial | failed: the whole result's colour
    failed: int  # sets below their points that are not partial credit
    partial: int
    summary: str
    ignored: str  # edits outside the blanks that were ignored, or ""
    sets: tuple[SetView, ...]
    pointer: tuple[str, ...] = ()  # which blank to look at (service/blanks.py), said once


def _field(kind: str, value: str | None, lang: str) -> Field | None:
    if value is None:
        return None
    tail = kind == "stderr"  # the cause of an error is at its end
    if value.strip() == "":
        return Field(kind, say(LABELS[kind], lang), say("report.empty", lang), True)
    return Field(kind, say(LABELS[kind], lang), shorten(value, lang, tail=tail), False)


def _state(test: TestResult) -> str:
    if test.verdict.passed:
        return "passed"
    return "partial" if test.verdict is Verdict.PARTIAL else "failed"


def _fits(text: str) -> bool:
    return text.count("\n") < MAX_SHOWN_LINES and len(text) <= MAX_SHOWN_CHARS


def _shape(values: tuple[int, ...], lang: str) -> str:
    if len(set(values)) == 1:
        return say("report.shape_grid", lang, lines=len(values), values=values[0])
    return say("report.shape_ragged", lang, lines=len(values), values=", ".join(map(str, values)))


def _findings(found: Diff, lang: str) -> tuple[str, ...]:
    said = []
    if found.shape is not None:
        want, got = found.shape
        said.append(
            say("report.shape", lang, expected=_shape(want, lang), actual=_shape(got, lang))
        )
    if found.largest is not None:
        big = found.largest
        said.append(
            say(
                "report.largest_error",
                lang,
                error=f"{big.error:.6g}",
                line=big.line,
                position=big.position,
                expected=big.expected,
                actual=big.actual,
            )
        )
    return tuple(said) + _line_findings(found, lang)


def _line_findings(found: Diff, lang: str) -> tuple[str, ...]:
    """Where numbers could not be measured against each other: a shape line that differs, a
    line with another count of numbers (the first, and how many more), a NaN or infinity."""
    said = [
        say("report.shape_line", lang, line=line, expected=want, actual=got)
        for line, want, got in found.shapes
    ]
    said += _lines_missing_or_extra(found, lang)
    if found.counts:
        line, want, got, yours = found.counts[0]
        key = "report.count_line" if yours == line else "report.count_line_yours"
        said.append(say(key, lang, line=line, expected=want, actual=got, yours=yours))
        if len(found.counts) > 1:
            said.append(say("report.count_others", lang, count=len(found.counts) - 1))
    if found.not_finite:
        line, position, want, got = found.not_finite[0]
        said.append(
            say("report.not_finite", lang, line=line, position=position, expected=want, actual=got)
        )
    return tuple(said)


def _lines_missing_or_extra(found: Diff, lang: str) -> list[str]:
    """Another count of lines: the first line missing from the output and the first extra one,
    as the lines align (graders/align.py), each with its text."""
    said = []
    for key, lines, side in (
        ("report.line_missing", found.missing, found.expected),
        ("report.line_extra", found.extra, found.actual),
    ):
        if lines:
            text = "".join(piece for piece, _ in side[lines[0] - 1]).strip()
            more = say("report.lines_more", lang, count=len(lines) - 1) if len(lines) > 1 else ""
            said.append(say(key, lang, line=lines[0], text=text[:80], more=more))
    return said


SHOWN_DIFFERENCES = 5  # values listed one by one where marking inside the output cannot be


def _differences(found: Diff, lang: str) -> tuple[str, ...]:
    listed = []
    for line, position, expected, actual in found.pairs[:SHOWN_DIFFERENCES]:
        listed.append(
            say(
                "report.differs",
                lang,
                line=line,
                position=position,
                expected=expected,
                actual=actual,
            )
        )
    return tuple(listed)


def _pictures(test: TestResult, lang: str) -> tuple[Heatmap, ...]:
    """A public set's declared matrices, drawn when both outputs hold them. A hidden set's
    result holds no output, so it can never have a picture (asserted, not assumed)."""
    if test.hidden:
        assert test.expected is None and test.actual is None, "a hidden set holds data"
        return ()
    if not test.pictures or test.expected is None or not test.actual or not test.comparator:
        return ()
    readings = (
        read(declared, test.expected, test.actual, test.comparator, test.options)
        for declared in test.pictures
        if "kind" not in declared  # a matrix; a loss curve is drawn by _curves
    )
    return tuple(heatmap(reading, lang) for reading in readings if reading is not None)


def _curves(test: TestResult, lang: str) -> tuple[Curve, ...]:
    """A public set's loss curve, when its lab declares one and its run reported losses (the
    engine keeps none for a hidden set; a hidden set gets none here either way)."""
    if test.hidden or not test.losses:
        return ()
    return tuple(curve(d, test.losses, lang) for d in test.pictures if d.get("kind") == "curve")


def set_view(index: int, test: TestResult, lang: str, kind: str) -> SetView:
    state = _state(test)
    if kind == "quiz":
        heading = say("report.question", lang, number=test.number)
    elif test.comparator == "rules":  # the code-rules set (spec [rules]): judged, never run
        heading = say("report.rules_set", lang, index=index)
    else:
        heading = f"{say('report.test_set', lang, index=index)} · {test.name}"
    fields = [_field(k, getattr(test, k), lang) for k in ("input", "expected", "actual")]
    findings: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    comparable = test.expected is not None and test.actual is not None and test.comparator
    if state != "passed" and comparable and test.verdict is Verdict.WRONG_ANSWER:
        found = diff(test.expected, test.actual, test.comparator, test.options)
        findings, differences = _findings(found, lang), _differences(found, lang)
        if _fits(test.expected) and _fits(test.actual) and test.actual.strip():
            marked = {"expected": found.expected, "actual": found.actual}
            fields = [
                replace(f, marked=marked[f.kind]) if f is not None and f.kind in marked else f
                for f in fields
            ]
    if state != "passed":
        fields.append(_field("stderr", test.stderr or None, lang))
    timing = ""
    if test.wall_seconds is not None and test.peak_memory_mb is not None:
        timing = say("report.time_memory", lang, seconds=test.wall_seconds, mb=test.peak_memory_mb)
    detail = visible(test.detail_text(lang))  # quotes the student's output: never obeyed
    # A passed set with data says nothing more; hidden sets and quiz questions have no data,
    # so their sentence is their body.
    if state == "passed" and test.input is not None:
        detail = ""
    answer = ""
    if test.detail_key == "quiz.your_answer":
        answer = str(test.detail.get("answer", ""))
    return SetView(
        index=index,
        name=test.name,
        number=test.number,
        heading=heading,
        state=state,
        mark=MARKS[state],
        code=test.verdict.code,
        label=test.verdict.label(lang),
        score=test.score,
        max_score=test.max_score,
        points=f"{test.score:g}/{test.max_score:g}",
        hidden=test.hidden,
        tag=say("report.class_hidden", lang) if test.hidden else "",
        timing=timing,
        fields=tuple(f for f in fields if f is not None),
        detail=detail,
        answer=answer,
        findings=findings,
        differences=differences,
        pictures=_pictures(test, lang),
        mistake=test.mistake_text(lang) if state != "passed" else "",
        curves=_curves(test, lang),
    )


def isolation_text(result: LabResult) -> str:
    layers = [layer for layer in result.isolation.layers if layer != "process"]
    return f"{result.isolation.level} ({', '.join(layers)})" if layers else result.isolation.level


def _summary(problems: list[str], hidden_not_run: int, lang: str) -> str:
    """What went wrong, or that all passed — of the public sets only, when the hidden ones
    were not run (a check): never "all passed" for a grade the student does not have yet."""
    if not problems:
        key = "report.public_passed" if hidden_not_run else "report.all_passed"
        problems = [say(key, lang)]
    if hidden_not_run:
        problems.append(say("report.hidden_later", lang, count=hidden_not_run))
    return " ".join(problems)


def _pointer(result: LabResult, lang: str) -> tuple[str, ...]:
    """The blank pointer's sentences: blank numbers and public set names, nothing else."""
    pointer = result.pointer
    if pointer is None:
        return ()
    said = [
        say("report.blank_fixes", lang, blank=blank, sets=", ".join(sets))
        for blank, sets in pointer.fixes
    ]
    return (*said, say("report.blank_several", lang)) if pointer.several else tuple(said)


def set_views(
    numbered: Iterable[tuple[int, TestResult]], lang: str, kind: str
) -> tuple[SetView, ...]:
    """Sets as a result shows them, each with its number: the whole result's (build), or the
    sets done so far of one being graded (the web's preview, issue 17 item 2)."""
    kept = []
    # One run trains once for all its sets: its curve is drawn on the first set only.
    drawn: set[tuple[float, ...]] = set()
    for index, test in numbered:
        s = set_view(index, test, lang, kind)
        kept.append(replace(s, curves=()) if s.curves and test.losses in drawn else s)
        drawn.add(test.losses)
    return tuple(kept)


def build(result: LabResult, lang: str) -> ResultView:
    sets = set_views(enumerate(result.tests, 1), lang, result.kind)
    partial = sum(1 for s in sets if s.state == "partial")
    failed = sum(1 for s in sets if s.state == "failed")
    parts = [say(SOME_FAILED[result.kind], lang, failed=failed)] if failed else []
    if any(
        not s.passed and t.comparator == "rules" for s, t in zip(sets, result.tests, strict=True)
    ):
        parts = [say("report.rules_broken", lang)]  # why every other set failed, not a diff
    if partial:
        parts.append(say("report.some_partial", lang, partial=partial))
    shared = ""
    if result.shared_seconds is not None:
        shared = say("report.shared_time", lang, seconds=result.shared_seconds)
    ignored = ""
    if result.ignored_cells:  # a notebook: name its cells, not lines of the spliced program
        ignored = say("report.ignored_cells", lang, cells=line_ranges(result.ignored_cells))
    elif result.ignored_lines:
        ignored = say("report.ignored_edit", lang, lines=line_ranges(result.ignored_lines))
    score = f"{result.score:g}"
    return ResultView(
        lang=lang,
        kind=result.kind,
        lab=result.lab,
        heading=f"{result.lab} · {result.title[lang]}",
        file=result.file,
        isolation=isolation_text(result),
        shared=shared,
        score=result.score,
        max_score=result.max_score,
        score_text=say("report.score", lang, score=score, max_score=f"{result.max_score:g}"),
        state="failed" if failed else "partial" if partial else "passed",
        failed=failed,
        partial=partial,
        summary=_summary(parts, result.hidden_not_run, lang),
        ignored=ignored,
        sets=sets,
        pointer=_pointer(result, lang),
    )
