"""What the pages show of scores: the gradebook's score of record (graders/store/record.py),
the one every page, the CSV and the exports read, never a rule of the web's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders.store.course_config import Override
from graders.store.gradebook import Gradebook
from graders.store.record import COURSE_CONFIG, RecordRules, rules_for
from graders.store.tables import Grade, Rule
from graders.web.models import Attempt, engine_for

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


def course_rules(course_root: Path, db_url: str | None = None) -> RecordRules:
    """The course's rules, seqlab.toml's with the instructor's web settings laid over them,
    read again when either changes (no restart needed)."""
    if db_url is None:
        return rules_with(course_root, ())
    with Session(engine_for(db_url)) as session:
        return rules_with(course_root, web_rules(session))


def rules_with(course_root: Path, overrides: tuple[Override, ...]) -> RecordRules:
    config = course_root / COURSE_CONFIG
    changed = config.stat().st_mtime_ns if config.is_file() else None
    return _rules_as_of(course_root, changed, overrides)


def web_rules(session: Session) -> tuple[Override, ...]:
    """The settings instructors saved on the web (routes/rules.py writes them)."""
    query = select(Rule).order_by(Rule.id)
    return tuple(Override(r.item, r.student, r.name, r.value) for r in session.scalars(query))


@lru_cache(maxsize=8)
def _rules_as_of(
    course_root: Path, _changed: int | None, overrides: tuple[Override, ...]
) -> RecordRules:
    return rules_for(course_root, overrides)


def attempt_of(grade: Grade) -> int | None:
    match = _ATTEMPT.match(grade.source)
    return int(match[1]) if match else None


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
