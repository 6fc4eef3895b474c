"""The declarative base every seqlab table is declared on, and the gradebook's own table.

One row per submission — (student, lab or quiz, SHA-256, spec version, source: the file, or
the web attempt) — with the outcome of grading it. `results` holds `LabResult.to_dict()`
(graders/results.py), the one stored shape, rendered in the reader's language when shown;
`code` the submission's text, which the similarity check reads. Changes to these tables are
Alembic migrations (graders/store/migrations/versions/), never ad hoc ALTER TABLEs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A grade's status: its Outcome's (graders/service/grading.py).
GRADED, ERROR, AUTHOR, INTERNAL = "graded", "error", "author", "internal"
FINAL = (GRADED, ERROR)  # the others are graded again: never a score of record


class Base(DeclarativeBase):
    pass


class Grade(Base):
    __tablename__ = "seqlab_grades"
    __table_args__ = (
        # One grade per submission: a web attempt is its own source, so resubmitting the same
        # text is another grade; a batch rerun of the same file replaces its own.
        UniqueConstraint(
            "student", "lab", "sha256", "spec_version", "source", name="seqlab_one_grade"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    lab: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # lab | quiz
    sha256: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)  # the file as shown to people
    status: Mapped[str] = mapped_column(String(10))  # graded | error | author | internal
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # LabResult.to_dict()
    error_key: Mapped[str | None] = mapped_column(String(100))  # catalogue key, any language
    error_params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    error_text: Mapped[str | None] = mapped_column(Text)  # the same in English
    isolation: Mapped[str | None] = mapped_column(String(10))
    execution_time: Mapped[float | None] = mapped_column(Float)
    shared_seconds: Mapped[float | None] = mapped_column(Float)
    grading_seconds: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    code: Mapped[str | None] = mapped_column(Text)  # the submission's text (a program)
    # When it was handed in (a web attempt made, a file last changed): the rule "last" reads it.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An instructor's choice of this row as the student's score of record for the lab.
    chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    # Not stored: set on the copy the score of record makes of a late grade (record.py).
    raw_score = None  # the score before the late penalty
    late_days = 0


class Rule(Base):
    """A course setting an instructor saved on the web, laid over seqlab.toml's
    (course_config.py): item "*" is the course's own, a student's row is an extension."""

    __tablename__ = "seqlab_rules"
    __table_args__ = (UniqueConstraint("item", "student", "name", name="seqlab_one_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(100))  # a lab or quiz id, or "*"
    student: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name: Mapped[str] = mapped_column(String(40))  # due, attempts, of_record, …
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScoreOverride(Base):
    """A score set by staff for one student's lab or quiz, with the reason (issue 15, item 4).
    Never deleted: removing one stamps `removed_at`/`removed_by`, so the history says who
    changed what and when. The newest one not removed is the score of record (record.py)."""

    __tablename__ = "seqlab_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    lab: Mapped[str] = mapped_column(String(100), index=True)
    score: Mapped[float] = mapped_column(Float)
    old_score: Mapped[float | None] = mapped_column(Float)  # the score of record it replaced
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))  # the staff member's username
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(200))
    # Set when the student had no grade (migration 0006): the override is the grade of record
    # by itself, out of the item's points, of its kind (lab | quiz).
    max_score: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str | None] = mapped_column(String(10))
