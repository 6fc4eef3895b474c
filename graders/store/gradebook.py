"""The gradebook: every grading's outcome as one row, written the same way by batch grading
and by the web platform, read back as results in the one stored shape.

One row per submission (student, lab or quiz, SHA-256, spec version, source). Each outcome is
written in its own transaction, committed as soon as it is graded, so a batch killed with SIGKILL
loses nothing already committed (SQLite's journal and PostgreSQL's WAL make each commit
all-or-nothing), and a rerun skips every final (student, lab, hash, spec version) already
there. A row that is not final (a failure of ours or of the course files) is graded again
by the next run and replaced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import column, delete, select, table, update
from sqlalchemy.orm import Session

from graders.messages import stored_params
from graders.results import LabResult
from graders.service import Outcome
from graders.store.database import database_url, engine_for
from graders.store.record import Decision, RecordRules, decide
from graders.store.tables import FINAL, Grade, ScoreOverride

# The web's people (graders/web/models.py User), made by the same migrations. Their staff
# (role instructor) test the labs: class-wide reads leave those grades out.
_USERS = table("seqlab_web_users", column("username"), column("role"), column("name"))
STAFF_ROLE = "instructor"


def engine_version() -> str:
    try:
        return metadata.version("seqlab")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def file_version(path: Path) -> str:
    """A spec's version: the SHA-256 of its file (expected outputs and points included)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """What a grading is recorded under: who, what, which file, against which spec."""

    student: str
    lab: str
    kind: str  # lab | quiz
    sha256: str
    source: str  # the file as shown to people
    spec_version: str
    max_score: float
    submitted_at: datetime | None = None
    # A web attempt is one submission whatever the spec version: its regrade under a fixed
    # spec replaces its row instead of adding one beside it.
    one_row_per_source: bool = False


@dataclass(frozen=True)
class Key:
    student: str
    sha256: str


def stored_result(grade: Grade) -> LabResult | None:
    """The row's result, as the grading produced it."""
    return LabResult.from_dict(grade.results) if grade.results else None


class Gradebook:
    """One database; each record is its own transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine = engine_for(self.url)

    def close(self) -> None:
        self.engine.dispose()  # its pooled connections; the engine opens new ones if used

    def done(self, lab: str, spec_version: str) -> dict[Key, Grade]:
        """What a rerun skips: final rows of this lab and spec version, by student and hash."""
        query = select(Grade).where(
            Grade.lab == lab, Grade.spec_version == spec_version, Grade.status.in_(FINAL)
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return {Key(g.student, g.sha256): g for g in session.scalars(query)}

    def record(self, entry: Entry, outcome: Outcome) -> Grade:
        """Commit one outcome at once, replacing an earlier grading of the same submission."""
        grade = Grade(
            student=entry.student,
            lab=entry.lab,
            kind=entry.kind,
            sha256=entry.sha256,
            spec_version=entry.spec_version,
            engine_version=engine_version(),
            source=entry.source,
            status=outcome.status,
            max_score=entry.max_score,
            grading_seconds=round(outcome.seconds, 3),
            graded_at=datetime.now(UTC),
            submitted_at=entry.submitted_at,
            code=outcome.code,
            chosen=False,
        )
        result = outcome.result
        if result is not None:
            grade.score, grade.max_score = result.score, result.max_score
            grade.results = result.to_dict()
            grade.isolation = result.isolation.level
            grade.execution_time = round(result.execution_time, 3)
            grade.shared_seconds = result.shared_seconds
        elif outcome.error is not None:
            # The student's file could not be graded: a zero. Ours or the author's: no score.
            grade.score = 0.0 if outcome.final else None
            grade.error_key = outcome.error.key
            grade.error_params = stored_params(outcome.error.params)
            grade.error_text = outcome.error.render("en")
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            same = (
                Grade.student == entry.student,
                Grade.lab == entry.lab,
                Grade.source == entry.source,
                *(
                    ()
                    if entry.one_row_per_source
                    else (Grade.sha256 == entry.sha256, Grade.spec_version == entry.spec_version)
                ),
            )
            earlier = session.scalar(select(Grade).where(*same))
            if earlier is not None and earlier.status in FINAL and not outcome.final:
                # Our failure, or a course file's, on a regrade: the grade the student earned
                # stands (it is what this submission scored while everything worked).
                return earlier
            # A regrade replaces the row in the same transaction, so there is never a moment
            # with neither row; an instructor's choice of it stands.
            grade.chosen = bool(earlier is not None and earlier.chosen)
            session.execute(delete(Grade).where(*same))
            session.add(grade)
        return grade

    def rows(self, lab: str | None = None, student: str | None = None) -> list[Grade]:
        query = select(Grade).order_by(Grade.student, Grade.lab, Grade.graded_at, Grade.id)
        if lab is not None:
            query = query.where(Grade.lab == lab)
        if student is not None:
            query = query.where(Grade.student == student)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def of_record(
        self, rules: RecordRules, lab: str | None = None, student: str | None = None
    ) -> list[Grade]:
        """The grade of record per (student, lab), in student then lab order."""
        decided = self.decisions(rules, lab, student)
        return [decided[key].grade for key in sorted(decided)]

    def decisions(
        self, rules: RecordRules, lab: str | None = None, student: str | None = None
    ) -> dict[tuple[str, str], Decision]:
        """The score of record per (student, lab) and why (record.py), staff overrides
        applied. Read for the class (no student named), staff's own grades are left out:
        the gradebook page, the CSV, the exports and the class report count students only."""
        rows = self.rows(lab, student)
        query = select(ScoreOverride)
        if lab is not None:
            query = query.where(ScoreOverride.lab == lab)
        if student is not None:
            query = query.where(ScoreOverride.student == student)
        with Session(self.engine, expire_on_commit=False) as session:
            overrides = list(session.scalars(query))
            staff = set(
                session.scalars(select(_USERS.c.username).where(_USERS.c.role == STAFF_ROLE))
            )
        if student is not None and student in staff:  # staff's own: the calendar binds no one
            free = replace(rules.calendar, windows={}, extensions={})
            return decide(rows, replace(rules, calendar=free), overrides)
        students_only = [o for o in overrides if o.student not in staff]
        return decide([g for g in rows if g.student not in staff], rules, students_only)

    def items(self) -> set[str]:
        """Every lab or quiz id the gradebook holds a grade or a staff score of: one a course
        has since removed is still the gradebook's to export."""
        with Session(self.engine) as session:
            graded = session.scalars(select(Grade.lab).distinct())
            overridden = session.scalars(select(ScoreOverride.lab).distinct())
            return set(graded) | set(overridden)

    def roster(self) -> list[tuple[str, str]]:
        """The students (username, name) of the web's roster, staff left out: every export
        lists each of them, also one who submitted nothing (lms_csv.py)."""
        with Session(self.engine) as session:
            query = select(_USERS.c.username, _USERS.c.name).where(_USERS.c.role != STAFF_ROLE)
            return [(u, n or "") for u, n in session.execute(query.order_by(_USERS.c.username))]

    def staff(self) -> set[str]:
        """The roster's staff: on it, though not in the exports (an extension for one of them
        is not for someone off the roster: off_roster.py)."""
        with Session(self.engine) as session:
            query = select(_USERS.c.username).where(_USERS.c.role == STAFF_ROLE)
            return set(session.scalars(query))

    def choose(self, grade_id: int) -> Grade:
        """An instructor's choice: this row is its student's score of record for its lab."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            grade = session.get(Grade, grade_id)
            if grade is None:
                raise LookupError(grade_id)
            session.execute(
                update(Grade)
                .where(Grade.student == grade.student, Grade.lab == grade.lab)
                .values(chosen=False)
            )
            grade.chosen = True
        return grade
