"""The web platform's tables (SQLAlchemy 2.x): people, their attempts, failed sign-ins.

Declared on the store's one base (graders/store/tables.py), in the same database as the
gradebook, whose migrations create them: SQLite by default, PostgreSQL by URL. Every finished
attempt, lab or quiz, also becomes a gradebook row: the score of record, the exports and
`seqlab report --db …` read the web's grades as they read a batch's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from graders.store.database import engine_for  # noqa: F401 (the web opens the store here)
from graders.store.tables import Base

STUDENT, INSTRUCTOR = "student", "instructor"
QUEUED, RUNNING, DONE, ERROR = "queued", "running", "done", "error"
FINISHED = (DONE, ERROR)
LAB, QUIZ = "lab", "quiz"


def now() -> datetime:
    return datetime.now(UTC)


class User(Base):
    __tablename__ = "seqlab_web_users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # student | instructor
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, never the password
    # Copied into the session at sign-in and compared on every request: bumped on sign-out and
    # on a password change, it ends every session signed in before (a copied cookie too).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Attempt(Base):
    __tablename__ = "seqlab_web_attempts"
    # A quiz paper's token is used once: a form posted twice (Back, resend) is one attempt.
    __table_args__ = (Index("seqlab_one_paper", "student", "token", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student: Mapped[str] = mapped_column(ForeignKey("seqlab_web_users.username"), index=True)
    lab: Mapped[str] = mapped_column(String(100), index=True)  # a lab id or a quiz id
    kind: Mapped[str] = mapped_column(String(10), default=LAB)  # lab | quiz
    text: Mapped[str] = mapped_column(Text)  # the whole file as submitted (a quiz: its answers)
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued|running|done|error
    # LabResult.to_dict(): the one stored shape; hidden sets hold their verdict only (the
    # LabResult it comes from never had their data).
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    # Why it has no result: {"key": catalogue key, "params": {…}}, said in the reader's language.
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who grades it (grading.py): the grader's token, the lease it renews while it grades, and
    # how many times the attempt was claimed (more than once only after a grader died).
    claim: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    token: Mapped[str | None] = mapped_column(String(64))  # the quiz paper's (quizzes.py)
    # While it is graded: the public sets done so far, [{"number": n, "test":
    # TestResult.to_dict()}, …] by number (migration 0007). A preview, emptied when the final
    # result is written; never a hidden set (the engine tells none).
    progress: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class LoginFailure(Base):
    """One failed (or still being checked) sign-in under a throttle key (throttle.py)."""

    __tablename__ = "seqlab_web_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)  # user:<name> | client:<address>
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Draft(Base):
    """A student's unsubmitted file for one lab (drafts.py): the editor saves it as it goes.
    `version` goes up by one with every save; a save names the version it was made from and
    is refused when that is no longer the newest (an older tab never overwrites a newer one)."""

    __tablename__ = "seqlab_web_drafts"

    student: Mapped[str] = mapped_column(ForeignKey("seqlab_web_users.username"), primary_key=True)
    lab: Mapped[str] = mapped_column(String(100), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HiddenResult(Base):
    """Staff only: an attempt's hidden sets as judged, with their input, expected and actual
    output (TestResult.to_dict() each). The attempt's own `results` never holds them; only
    the staff's view of a student (routes/students.py, Instructor-only) reads this table."""

    __tablename__ = "seqlab_web_hidden_results"

    attempt: Mapped[int] = mapped_column(ForeignKey("seqlab_web_attempts.id"), primary_key=True)
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
