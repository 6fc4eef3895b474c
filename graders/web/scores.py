"""What the pages show of scores: the gradebook's score of record (graders/store/record.py),
the one every page, the CSV and the exports read, never a rule of the web's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders.messages import say
from graders.store.effective import course_rules
from graders.store.gradebook import Gradebook
from graders.store.record import Decision
from graders.store.tables import Grade
from graders.web.models import INSTRUCTOR, Attempt, User, engine_for

_ATTEMPT = re.compile(r"^web:attempt/(\d+)(?:/|$)")


@dataclass(frozen=True)
class Standing:
    """A student's standing in one lab or quiz."""

    score: float | None  # None: submitted, nothing counts yet (being graded again)
    max_score: float
    attempts: int
    attempt_id: int | None  # the web attempt of record, when it is one
    raw_score: float | None = None  # before the late penalty (record.py), for staff
    late_days: int = 0
    adjusted: bool = False  # staff set the score (an override): said "adjusted by staff"


def attempt_of(grade: Grade) -> int | None:
    return attempt_of_source(grade.source)


def attempt_of_source(source: str) -> int | None:
    """The web attempt a grade's source names (`web:attempt/N/…`), None for a batch file."""
    match = _ATTEMPT.match(source)
    return int(match[1]) if match else None


def counted_as_is(db_url: str, attempts: list[Attempt]) -> set[int]:
    """The attempts the calendar does not touch (no late or closed wording): staff's own, and
    those whose grade an instructor chose (`seqlab gradebook choose`: the choice stands as
    it is, record.py)."""
    if not attempts:
        return set()
    names = {a.student for a in attempts}
    with Session(engine_for(db_url)) as session:
        staff = set(
            session.scalars(
                select(User.username).where(User.username.in_(names), User.role == INSTRUCTOR)
            )
        )
        chosen = select(Grade.source).where(Grade.student.in_(names), Grade.chosen.is_(True))
        picked = {attempt_of_source(source) for source in session.scalars(chosen)}
    return {a.id for a in attempts if a.student in staff or a.id in picked}


def grades_of_record(db_url: str, course_root: Path, student: str | None = None) -> list[Grade]:
    return Gradebook(db_url).of_record(course_rules(course_root, db_url), student=student)


def standings(
    db_url: str, course_root: Path, student: str | None = None
) -> dict[tuple[str, str], Standing]:
    """(student, lab or quiz) → standing, for one student or everyone."""
    counts = select(Attempt.student, Attempt.lab, func.count()).group_by(
        Attempt.student, Attempt.lab
    )
    if student is not None:
        counts = counts.where(Attempt.student == student)
    with Session(engine_for(db_url)) as session:
        attempts = {(s, lab): n for s, lab, n in session.execute(counts)}
    found = {}
    decided = Gradebook(db_url).decisions(course_rules(course_root, db_url), student=student)
    for key, decision in decided.items():
        grade = decision.grade
        found[key] = Standing(
            grade.score,
            grade.max_score or 0.0,
            attempts.get(key, 0),
            attempt_of(grade),
            grade.raw_score,
            grade.late_days,
            decision.why == "override",
        )
    return found


def student_page(username: str) -> str:
    """The staff's page of one student (routes/students.py)."""
    return f"/instructor/students/{quote(username, safe='')}"


def adjusted_by_staff(db_url: str, course_root: Path, student: str) -> set[str]:
    """The labs and quizzes whose score of record staff set (the student sees it said)."""
    found = standings(db_url, course_root, student)
    return {lab for (_student, lab), standing in found.items() if standing.adjusted}


def decision_of(db_url: str, course_root: Path, student: str, lab: str) -> Decision | None:
    """The student's score of record for one lab or quiz and why (record.py), or None."""
    rules = course_rules(course_root, db_url)
    return Gradebook(db_url).decisions(rules, lab=lab, student=student).get((student, lab))


def record_said(decision: Decision | None, lang: str, staff: bool = False) -> str:
    """The score of record in words for the lab page and the attempt API: the score that
    counts with its late penalty, or that staff adjusted it (their reason shown to staff
    only: it is a note between staff, the student sees that it was adjusted and the score);
    "" when nothing counts yet."""
    if decision is None or decision.grade.score is None:
        return ""
    grade = decision.grade
    score, top = f"{grade.score:g}", f"{grade.max_score or 0:g}"
    override = decision.override
    if override is not None:
        said = say("web.record_adjusted", lang, score=score, max=top)
        if staff:
            said += " " + say("web.record_reason", lang, reason=override.reason)
        return said
    if grade.late_days and grade.raw_score is not None:
        raw = f"{grade.raw_score:g}"
        return say("web.record_late", lang, score=score, max=top, days=grade.late_days, raw=raw)
    return say("web.student_record", lang, score=score, max=top)
