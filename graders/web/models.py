"""The web platform's tables (SQLAlchemy 2.x): people, their attempts, failed sign-ins.

They live in the same database as the gradebook (`seqlab_grades`, graders/batch/gradebook.py):
SQLite by default, PostgreSQL by URL. Every finished attempt also becomes a gradebook row, so
`seqlab gradebook export --db …` and `seqlab report --db …` read the web's grades as they read
a batch's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
)
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from graders.batch.gradebook import Base as GradebookBase
from graders.batch.gradebook import database_url

STUDENT, INSTRUCTOR = "student", "instructor"
QUEUED, RUNNING, DONE, ERROR = "queued", "running", "done", "error"
FINISHED = (DONE, ERROR)
LAB, QUIZ = "lab", "quiz"


class Base(DeclarativeBase):
    pass


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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student: Mapped[str] = mapped_column(ForeignKey("seqlab_web_users.username"), index=True)
    lab: Mapped[str] = mapped_column(String(100), index=True)  # a lab id or a quiz id
    kind: Mapped[str] = mapped_column(String(10), default=LAB)  # lab | quiz
    text: Mapped[str] = mapped_column(Text)  # the whole file as submitted (a quiz: its answers)
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued|running|done|error
    # views.result_view(): per set, language-neutral facts and zh/en texts; hidden sets hold
    # their verdict only (the LabResult they come from never had their data).
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[dict[str, str] | None] = mapped_column(JSON)  # {zh, en}: why not graded
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who grades it (grading.py): the grader's token, the lease it renews while it grades, and
    # how many times the attempt was claimed (more than once only after a grader died).
    claim: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailure(Base):
    """One failed (or still being checked) sign-in under a throttle key (throttle.py)."""

    __tablename__ = "seqlab_web_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)  # user:<name> | client:<address>
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (connection pool) per database URL per process; tables created once."""
    full = database_url(url)
    args = {"timeout": 30} if full.startswith("sqlite") else {}
    engine = create_engine(full, connect_args=args)
    if full.startswith("sqlite"):
        # Pages poll while the queue writes: WAL lets readers go on during a write.
        event.listen(engine, "connect", _sqlite_wal)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Workers and web processes may start together on an empty database: one at a
            # time creates the tables (the gradebook's too, which every grading writes to).
            connection.execute(sql("SELECT pg_advisory_xact_lock(7305477)"))
        Base.metadata.create_all(connection)
        GradebookBase.metadata.create_all(connection)
        _add_new_columns(connection)
    return engine


def _add_new_columns(connection) -> None:
    """A database made by an older seqlab lacks the newer columns of the users and attempts
    tables."""
    for table in (User.__table__, Attempt.__table__):
        have = {column["name"] for column in inspect(connection).get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(connection.dialect)
                default = column.server_default
                extra = f" DEFAULT {default.arg}" if default is not None else ""
                connection.exec_driver_sql(
                    f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{extra}"
                )


def _sqlite_wal(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
