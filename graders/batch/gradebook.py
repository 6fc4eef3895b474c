"""The gradebook: every graded submission as one SQL row, through SQLAlchemy 2.x.

SQLite by default (one file, no server); the same code runs on PostgreSQL given its URL
(`postgresql://user@host/db`, driven by psycopg 3). One row per (student, lab, submission
SHA-256, spec version): the score, the per-set results (`LabResult.to_json("en")`, which holds
each set's verdict code) and verdict codes, the isolation level, timings, the engine version
(the seqlab package's) and the spec version (SHA-256 of the spec or quiz bank file).

Each outcome is written in its own transaction, committed as soon as it is graded, so a batch
killed with SIGKILL loses nothing already committed (SQLite's journal and PostgreSQL's WAL
make each commit all-or-nothing), and a rerun skips every (student, lab, hash, spec version)
already there. A row of our own failure (`internal`) is not final: the next run grades it
again and replaces it.

Exports read the newest row per (student, lab): a CSV of student × lab scores, a CSV of
student × lab × set verdicts, and one Gradescope results.json per submission.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from graders.batch import csvcells
from graders.batch.grading import Outcome
from graders.errors import UsageError

DEFAULT_DB = "seqlab-gradebook.sqlite"
GRADED, ERROR, INTERNAL = "graded", "error", "internal"


class Base(DeclarativeBase):
    pass


class Grade(Base):
    __tablename__ = "seqlab_grades"
    __table_args__ = (
        UniqueConstraint("student", "lab", "sha256", "spec_version", name="seqlab_one_grade"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    lab: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # lab | quiz
    sha256: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)  # the file as shown to people
    status: Mapped[str] = mapped_column(String(10))  # graded | error | internal
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # LabResult.to_json("en")
    verdicts: Mapped[list[list[str]] | None] = mapped_column(JSON)  # [[set name, code], …]
    error_key: Mapped[str | None] = mapped_column(String(100))  # catalogue key, for --lang
    error_params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    error_text: Mapped[str | None] = mapped_column(Text)  # English, or our own failure
    isolation: Mapped[str | None] = mapped_column(String(10))
    execution_time: Mapped[float | None] = mapped_column(Float)
    shared_seconds: Mapped[float | None] = mapped_column(Float)
    grading_seconds: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def engine_version() -> str:
    try:
        return metadata.version("seqlab")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def file_version(path: Path) -> str:
    """A spec's version: the SHA-256 of its file (expected outputs and points included)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def database_url(text: str | None) -> str:
    """`--db`: a SQLAlchemy URL, or a plain file path meaning a SQLite file."""
    text = text or DEFAULT_DB
    if "://" not in text:
        return f"sqlite:///{Path(text)}"
    if text.startswith(("postgresql://", "postgres://")):  # psycopg 3, not the psycopg2 default
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@dataclass(frozen=True)
class Key:
    student: str
    sha256: str


class Gradebook:
    """One database; writes happen from one thread, each in its own transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        try:
            self.engine: Engine = create_engine(self.url, connect_args=self._connect_args())
            Base.metadata.create_all(self.engine)
        except ArgumentError as error:
            raise UsageError("batch.db_bad", url=shown_url(self.url), reason=str(error)) from None
        except (SQLAlchemyError, ModuleNotFoundError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().split("\n")[0]
            raise UsageError(
                "batch.db_unreachable", url=shown_url(self.url), reason=reason
            ) from None

    def _connect_args(self) -> dict[str, object]:
        # Another seqlab (or a report) may be reading the file: wait for its lock.
        return {"timeout": 30} if self.url.startswith("sqlite") else {}

    def close(self) -> None:
        self.engine.dispose()

    def done(self, lab: str, spec_version: str) -> dict[Key, Grade]:
        """What a rerun skips: final rows of this lab and spec version, by student and hash."""
        query = select(Grade).where(
            Grade.lab == lab, Grade.spec_version == spec_version, Grade.status != INTERNAL
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return {Key(g.student, g.sha256): g for g in session.scalars(query)}

    def record(
        self, outcome: Outcome, *, lab: str, kind: str, spec_version: str, max_score: float
    ) -> Grade | None:
        """Commit one outcome at once (its own transaction); None if there is nothing to key it
        by (an unreadable file has no hash: it is reported, not stored)."""
        item = outcome.item
        if outcome.skipped or item.sha256 is None:
            return None
        grade = Grade(
            student=item.student,
            lab=lab,
            kind=kind,
            sha256=item.sha256,
            spec_version=spec_version,
            engine_version=engine_version(),
            source=str(item.path),
            status=outcome.status,
            grading_seconds=round(outcome.seconds, 3),
            graded_at=datetime.now(UTC),
        )
        result = outcome.result
        if result is not None:
            grade.score, grade.max_score = result.score, result.max_score
            grade.results = result.to_json("en")
            grade.verdicts = [[t.name, t.verdict.code] for t in result.tests]
            grade.isolation = result.isolation.level
            grade.execution_time = round(result.execution_time, 3)
            grade.shared_seconds = result.shared_seconds
        elif outcome.error is not None:  # the student's file could not be graded: zero marks
            grade.score, grade.max_score = 0.0, max_score
            grade.error_key = outcome.error.key
            grade.error_params = {k: str(v) for k, v in outcome.error.params.items()}
            grade.error_text = outcome.error.render("en")
        else:  # our own failure: no score, graded again by the next run
            grade.max_score = max_score
            grade.error_text = outcome.internal
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            # A regrade (of an internal failure, or forced) replaces the row in the same
            # transaction, so there is never a moment with neither row.
            session.execute(
                delete(Grade).where(
                    Grade.student == grade.student,
                    Grade.lab == lab,
                    Grade.sha256 == grade.sha256,
                    Grade.spec_version == spec_version,
                )
            )
            session.add(grade)
        return grade

    def rows(self, lab: str | None = None) -> list[Grade]:
        query = select(Grade).order_by(Grade.student, Grade.lab, Grade.graded_at, Grade.id)
        if lab is not None:
            query = query.where(Grade.lab == lab)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def latest(self, lab: str | None = None) -> list[Grade]:
        """The newest row per (student, lab): what exports and reports show."""
        newest: dict[tuple[str, str], Grade] = {}
        for grade in self.rows(lab):  # ordered by time, so later rows win
            newest[(grade.student, grade.lab)] = grade
        return list(newest.values())


# --- exports ------------------------------------------------------------------------------


def _new_file(path: Path) -> None:
    if path.exists():
        raise UsageError("file.exists", path=path)


def export_scores_csv(grades: list[Grade], path: Path) -> int:
    """student × lab scores (empty: not graded or our own failure); returns the row count."""
    _new_file(path)
    labs = sorted({g.lab for g in grades})
    table: dict[str, dict[str, str]] = {}
    for g in grades:
        score = "" if g.score is None else f"{g.score:g}"
        table.setdefault(g.student, {})[g.lab] = score
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csvcells.writer(stream)
        writer.writerow(["student", *labs])
        for student in sorted(table):
            writer.writerow([student, *(table[student].get(lab, "") for lab in labs)])
    return len(table)


def export_sets_csv(grades: list[Grade], path: Path) -> int:
    """student × lab × set: verdict code and points, one line per test set."""
    _new_file(path)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csvcells.writer(stream)
        writer.writerow(["student", "lab", "set", "verdict", "score", "max_score"])
        for g in sorted(grades, key=lambda g: (g.student, g.lab)):
            tests = (g.results or {}).get("tests", [])
            if not tests:  # could not be graded: one line says so
                writer.writerow([g.student, g.lab, "", g.status, g.score or "", g.max_score])
                count += 1
            for test in tests:
                row = [g.student, g.lab, test["name"], test["verdict"]]
                writer.writerow([*row, f"{test['score']:g}", f"{test['max_score']:g}"])
                count += 1
    return count


GRADESCOPE_TEST_FIELDS = ("name", "score", "max_score", "status", "output", "visibility")


def gradescope_json(grade: Grade) -> dict[str, object]:
    """Gradescope's results.json for one submission (the fields it defines, nothing else)."""
    results = grade.results or {}
    tests = [
        {key: test[key] for key in GRADESCOPE_TEST_FIELDS if key in test}
        for test in results.get("tests", [])
    ]
    for number, test in enumerate(tests, start=1):
        test["number"] = str(number)
    if grade.status == GRADED:
        output = f"{grade.lab}: {grade.score:g}/{grade.max_score:g}"
    else:
        output = grade.error_text or grade.status
    return {
        "score": grade.score or 0,
        "execution_time": grade.execution_time or grade.grading_seconds,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def export_gradescope(grades: list[Grade], folder: Path) -> int:
    """One results.json per submission: FOLDER/<lab>/<student>/results.json."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError("batch.export_not_empty", path=folder)
    for g in grades:
        target = folder / g.lab / g.student
        target.mkdir(parents=True, exist_ok=True)
        text = json.dumps(gradescope_json(g), ensure_ascii=False, indent=2)
        (target / "results.json").write_text(text + "\n", encoding="utf-8")
    return len(grades)
