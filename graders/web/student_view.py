"""The staff's view of one student (issue 15, item 4), built from the database: every attempt
of every lab and quiz with its code (highlighted), the diff against the student's previous
attempt of the same lab, the hidden sets' full results (HiddenResult, staff only), the score
of record and why (record.py's decision), and the overrides with their history.

Only routes/students.py, whose every route needs an instructor, builds this view: the hidden
sets' data is read nowhere else.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.messages import say
from graders.results import TestResult
from graders.store.effective import course_rules
from graders.store.gradebook import Gradebook
from graders.store.record import Decision, counting, counting_said
from graders.store.tables import Grade, ScoreOverride
from graders.web.models import LAB, Attempt, HiddenResult
from graders.web.scores import attempt_of, counted_as_is

_FORMATTER = HtmlFormatter(nowrap=True)  # token classes only; staff.css colours them
WHY = {
    "best": "web.why_best",
    "last": "web.why_last",
    "chosen": "web.why_chosen",
    "pending": "web.why_pending",
}


@dataclass
class AttemptView:
    attempt: Attempt
    code: Markup  # highlighted (escaped by pygments) or the escaped text
    previous: int | None  # the previous attempt of the same lab
    diff: list[tuple[str, str]]  # (line class: add | del | hunk | "", line)
    hidden: list[TestResult] | None  # None: not kept for this attempt
    of_record: bool = False
    counted: str = ""  # how it counts when not as scored (late, after the lock): record.py


@dataclass
class LabView:
    lab: str
    kind: str
    attempts: list[AttemptView]  # newest first
    decision: Decision | None
    why: str  # the score of record's reason in words, "" when there is none
    overrides: list[ScoreOverride] = field(default_factory=list)  # newest first
    active: ScoreOverride | None = None
    points: float = 0.0  # the item's points: an override out of them needs no grade


def code_html(attempt: Attempt) -> Markup:
    if attempt.kind != LAB:
        return Markup.escape(attempt.text)
    return Markup(highlight(attempt.text, PythonLexer(), _FORMATTER))


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", n=2, lineterm=""
    )
    shown = []
    for line in list(lines)[2:]:  # the ---/+++ file header says nothing here
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")
        shown.append((kind, line))
    return shown


def _which(grade: Grade, lang: str) -> str:
    attempt = attempt_of(grade)
    return say("web.which_attempt", lang, id=attempt) if attempt else grade.source


def why(decision: Decision, lang: str) -> str:
    """The score of record's reason: the rule and the attempt it picked, or the override."""
    if decision.override is not None and decision.rule_grade is None:  # never submitted
        return say("rules.override_only", lang)
    if decision.override is not None and decision.rule_grade is not None:
        old = decision.rule_grade.score
        return say(
            "web.why_override",
            lang,
            which=_which(decision.rule_grade, lang),
            old="—" if old is None else f"{old:g}",
        )
    said = say(WHY[decision.why], lang, which=_which(decision.grade, lang))
    grade = decision.grade
    if grade.late_days and grade.raw_score is not None and grade.score is not None:
        late = say("rules.late_score", lang, days=grade.late_days, raw=f"{grade.raw_score:g}",
                   score=f"{grade.score:g}")  # fmt: skip
        said = f"{said} · {late}"
    return said


def student_labs(
    db: Session,
    db_url: str,
    course_root: Path,
    username: str,
    order: list[str],
    lang: str,
    points: Mapping[str, tuple[str, float]] | None = None,
) -> list[LabView]:
    """Every lab and quiz the student has an attempt, a grade or an override in, and every
    item of `points` (id → (kind, points)) so that staff can set a score for a student who
    never submitted: the course's order first (`order`), then any other."""
    points = points or {}
    attempts = list(
        db.scalars(select(Attempt).where(Attempt.student == username).order_by(Attempt.id))
    )
    ids = [a.id for a in attempts]
    hidden = {
        row.attempt: [TestResult.from_dict(test) for test in row.tests]
        for row in db.scalars(select(HiddenResult).where(HiddenResult.attempt.in_(ids)))
    }
    overrides = list(
        db.scalars(
            select(ScoreOverride)
            .where(ScoreOverride.student == username)
            .order_by(ScoreOverride.id.desc())
        )
    )
    rules = course_rules(course_root, db_url)
    decided = Gradebook(db_url).decisions(rules, student=username)
    labs = {a.lab for a in attempts} | {lab for _s, lab in decided} | {o.lab for o in overrides}
    labs |= set(points)
    views = []
    for lab in sorted(
        labs, key=lambda lab: (order.index(lab) if lab in order else len(order), lab)
    ):
        mine = [a for a in attempts if a.lab == lab]
        decision = decided.get((username, lab))
        record = attempt_of(decision.grade) if decision is not None else None
        shown, before = [], None
        as_is = counted_as_is(db_url, mine)  # staff's own, a chosen grade: as they are
        for attempt in mine:
            diff = diff_lines(before.text, attempt.text) if before is not None else []
            shown.append(
                AttemptView(
                    attempt,
                    code_html(attempt),
                    before.id if before is not None else None,
                    diff,
                    hidden.get(attempt.id),
                    attempt.id == record,
                    counting_said(
                        counting(
                            username,
                            lab,
                            None if attempt.id in as_is else attempt.created_at,
                            attempt.score,
                            rules.calendar,
                        ),
                        lang,
                    ),
                )
            )
            before = attempt
        lab_overrides = [o for o in overrides if o.lab == lab]
        kind, top = points.get(lab, (LAB, 0.0))
        views.append(
            LabView(
                lab,
                mine[0].kind if mine else (decision.grade.kind if decision else kind),
                shown[::-1],
                decision,
                why(decision, lang) if decision is not None else "",
                lab_overrides,
                decision.override if decision is not None else None,
                top,
            )
        )
    return views
