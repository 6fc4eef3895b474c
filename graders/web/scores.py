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

from graders.store.gradebook import Gradebook
from graders.store.record import COURSE_CONFIG, RecordRules, rules_for
from graders.store.tables import Grade
from graders.web.models import Attempt, engine_for

_ATTEMPT = re.compile(r"^web:attempt/(\d+)(?:/|$)")


@dataclass(frozen=True)
class Standing:
    """A student's standing in one lab or quiz."""

    score: float | None  # None: submitted, nothing counts yet (being graded again)
    max_score: float
    attempts: int
    attempt_id: int | None  # the web attempt of record, when it is one
    adjusted: bool = False  # staff set the score (an override): said "adjusted by staff"


def course_rules(course_root: Path) -> RecordRules:
    """The course's rules, read again when its seqlab.toml changes (no restart needed)."""
    config = course_root / COURSE_CONFIG
    return _rules_as_of(course_root, config.stat().st_mtime_ns if config.is_file() else None)


@lru_cache(maxsize=8)
def _rules_as_of(course_root: Path, _changed: int | None) -> RecordRules:
    return rules_for(course_root)


def attempt_of(grade: Grade) -> int | None:
    match = _ATTEMPT.match(grade.source)
    return int(match[1]) if match else None


def grades_of_record(db_url: str, course_root: Path, student: str | None = None) -> list[Grade]:
    return Gradebook(db_url).of_record(course_rules(course_root), student=student)


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
    decided = Gradebook(db_url).decisions(course_rules(course_root), student=student)
    for key, decision in decided.items():
        grade = decision.grade
        found[key] = Standing(
            grade.score,
            grade.max_score or 0.0,
            attempts.get(key, 0),
            attempt_of(grade),
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
