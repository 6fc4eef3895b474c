"""Grade one attempt: the backend-agnostic unit of work every queue runs.

`grade_attempt(db_url, attempt_id, runner)` reads the attempt, claims it (queued or running →
running, in one UPDATE), grades it through the engine with the runner it is given (the
sandbox's cold runner or a warm pool's `run_sets`), and writes the per-set results, the score
and the finish time. Idempotent by attempt id: an attempt already done (or failed by us) is
not graded again, so a queue that delivers a job twice — a Celery task acknowledged late and
re-queued after its worker died — grades it exactly once.

The claim is a lease: the grader writes its token and `lease_until`, and renews the lease
from a thread while it grades. A `running` attempt whose lease has lapsed (its grader died) can
be claimed again; one whose grader is alive cannot, so two live graders never grade the same
attempt (the UPDATE's WHERE is re-checked on the locked row). The result, the gradebook row
included, is written only while the token is still the attempt's.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import traceback
import uuid
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.batch.collect import Item
from graders.batch.gradebook import Gradebook, file_version
from graders.batch.grading import Outcome
from graders.engine import Runner, grade_submission
from graders.errors import SeqlabError, SubmissionError
from graders.messages import LANGS, say
from graders.sandbox import run_sets
from graders.spec import Course
from graders.submission import Submission
from graders.web.models import DONE, ERROR, LAB, QUEUED, RUNNING, Attempt, engine_for, now
from graders.web.views import result_view


def source_name(attempt_id: int) -> str:
    """How a web attempt is named in the gradebook's `source` column."""
    return f"web:attempt/{attempt_id}"


LEASE_SECONDS = 30.0  # renewed every third of this while grading; lapses this long after a death


def grader_name() -> str:
    """This process, as a claim token names it (host/pid)."""
    return f"{socket.gethostname()}/{os.getpid()}"


def grade_attempt(
    db_url: str,
    attempt_id: int,
    runner: Runner = run_sets,
    *,
    course: Course | None = None,
    lease_seconds: float = LEASE_SECONDS,
    grader: str | None = None,
) -> str:
    """Grade the attempt unless it is finished or a live grader holds it. Returns its status:
    done | error, or running when another grader's lease is live (ask again later)."""
    engine = engine_for(db_url)
    token = f"{grader or grader_name()}:{uuid.uuid4().hex[:12]}"
    with Session(engine) as session, session.begin():
        start = now()
        claimable = or_(
            Attempt.status == QUEUED,
            and_(
                Attempt.status == RUNNING,
                or_(Attempt.lease_until.is_(None), Attempt.lease_until < start),
            ),
        )
        claimed = session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id, claimable)
            .values(
                status=RUNNING,
                started_at=start,
                claim=token,
                lease_until=start + timedelta(seconds=lease_seconds),
                claims=func.coalesce(Attempt.claims, 0) + 1,
            )
        ).rowcount
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
        if attempt is None:
            raise LookupError(f"no attempt {attempt_id}")
        if not claimed:
            return attempt.status
        lab_id, text, student, kind = attempt.lab, attempt.text, attempt.student, attempt.kind
    if kind != LAB:  # quizzes are scored when answered; nothing runs
        return DONE
    try:
        with _Lease(engine, attempt_id, token, lease_seconds):
            return _grade(db_url, engine, attempt_id, token, runner, course, lab_id, text, student)
    except BaseException:
        # Our own failure before the result was written (the database, an interrupt): hand
        # the attempt back at once rather than when the lease lapses.
        with contextlib.suppress(Exception), Session(engine) as session, session.begin():
            session.execute(
                update(Attempt)
                .where(Attempt.id == attempt_id, Attempt.claim == token, Attempt.status == RUNNING)
                .values(status=QUEUED, claim=None, lease_until=None)
            )
        raise


def _grade(
    db_url: str,
    engine: Engine,
    attempt_id: int,
    token: str,
    runner: Runner,
    course: Course | None,
    lab_id: str,
    text: str,
    student: str,
) -> str:
    course = course or Course.locate()
    started = time.monotonic()
    values: dict[str, object]
    outcome: Outcome | None = None
    try:
        lab = course.lab(lab_id)
        submission = Submission(Path(lab.entry), text)
        result = grade_submission(lab, submission, include_hidden=True, runner=runner)
        values = {
            "status": DONE,
            "results": result_view(result),
            "score": result.score,
            "max_score": result.max_score,
        }
        outcome = Outcome(_item(attempt_id, student, lab.entry, text), result=result)
    except SubmissionError as error:  # the student's file: zero marks and the reason why
        lab = course.lab(lab_id)
        values = {
            "status": DONE,
            "score": 0.0,
            "max_score": float(sum(t.points for t in lab.tests)),
            "message": {lang: error.render(lang) for lang in LANGS},
        }
        outcome = Outcome(_item(attempt_id, student, lab.entry, text), error=error)
    except Exception as error:  # our own failure, never the student's
        detail = f"{type(error).__name__}: {error}"
        if not isinstance(error, SeqlabError):
            traceback.print_exc()
        values = {
            "status": ERROR,
            "message": {lang: say("internal", lang, error=detail) for lang in LANGS},
        }
    mine = (Attempt.id == attempt_id, Attempt.status == RUNNING, Attempt.claim == token)
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Attempt).where(*mine)) == 0:
            # Our lease lapsed (this process stalled) and another grader took the attempt.
            return session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) or ERROR
    if outcome is not None:
        outcome = Outcome(
            outcome.item, outcome.result, outcome.error, seconds=time.monotonic() - started
        )
        _record(db_url, course, lab_id, outcome)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Attempt).where(*mine).values(finished_at=now(), lease_until=None, **values)
        )
        return session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) or ERROR


class _Lease:
    """Renews the claim's lease from a thread while the grader works."""

    def __init__(self, engine: Engine, attempt_id: int, token: str, seconds: float) -> None:
        self.engine, self.attempt_id, self.token, self.seconds = engine, attempt_id, token, seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._renew, name="seqlab-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()

    def _renew(self) -> None:
        while not self.stop.wait(self.seconds / 3):
            try:
                with Session(self.engine) as session, session.begin():
                    session.execute(
                        update(Attempt)
                        .where(Attempt.id == self.attempt_id, Attempt.claim == self.token)
                        .values(lease_until=now() + timedelta(seconds=self.seconds))
                    )
            except Exception:  # the database is away for a moment: try again next time
                traceback.print_exc()


def _item(attempt_id: int, student: str, entry: str, text: str) -> Item:
    return Item(student, Path(source_name(attempt_id)) / entry, text.encode("utf-8"))


def _record(db_url: str, course: Course, lab_id: str, outcome: Outcome) -> None:
    """The gradebook row, so exports and `seqlab report` see web attempts like a batch's."""
    lab = course.lab(lab_id)
    _gradebook(db_url).record(
        outcome,
        lab=lab_id,
        kind=LAB,
        spec_version=file_version(lab.spec_path),
        max_score=float(sum(t.points for t in lab.tests)),
    )


@lru_cache(maxsize=8)
def _gradebook(db_url: str) -> Gradebook:
    """One per database per process: its engine's connections are reused by every grading
    (each record is its own transaction)."""
    return Gradebook(db_url)
