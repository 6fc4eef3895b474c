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
import hashlib
import os
import socket
import sys
import threading
import traceback
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.engine import Runner
from graders.errors import SpecError, UsageError
from graders.messages import stored_params
from graders.results import TestResult
from graders.sandbox import run_sets
from graders.service import Blame, Outcome, grade_lab
from graders.spec import Course, LabSpec
from graders.store.gradebook import Entry, Gradebook, file_version
from graders.submission import Submission
from graders.web.lti.outbox import score_changed
from graders.web.models import (
    DONE,
    ERROR,
    LAB,
    QUEUED,
    QUIZ,
    RUNNING,
    Attempt,
    HiddenResult,
    engine_for,
    now,
)


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
                progress=None,  # a grader that died left its sets: this grading tells its own
            )
        ).rowcount
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
        if attempt is None:
            raise LookupError(f"no attempt {attempt_id}")
        if not claimed:
            return attempt.status
        lab_id, text, student, kind = attempt.lab, attempt.text, attempt.student, attempt.kind
        submitted_at = attempt.created_at
    if kind != LAB:  # quizzes are scored when answered; nothing runs
        return DONE
    try:
        with _Lease(engine, attempt_id, token, lease_seconds):
            return _grade(
                db_url,
                engine,
                attempt_id,
                token,
                runner,
                course,
                lab_id,
                text,
                student,
                submitted_at,
            )
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
    submitted_at: datetime,
) -> str:
    course = course or Course.locate()
    max_score = 0.0
    lab: LabSpec | None = None
    hidden: list[TestResult] = []  # the hidden sets in full: staff only (HiddenResult)
    try:
        lab = course.lab(lab_id)
    except (UsageError, SpecError) as error:  # the lab left the course, or its spec broke
        outcome = Outcome(error=error, blame=Blame.AUTHOR)
    else:
        max_score = float(sum(t.points for t in lab.tests))
        outcome = grade_lab(
            lab,
            Submission(Path(lab.entry), text),
            include_hidden=True,
            runner=runner,
            staff=hidden,
            progress=_Progress(engine, attempt_id, token),
        )
    if outcome.trace is not None:
        print(outcome.trace, file=sys.stderr)  # a bug of ours: its trace goes to the server's log
    mine = (Attempt.id == attempt_id, Attempt.status == RUNNING, Attempt.claim == token)
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Attempt).where(*mine)) == 0:
            # Our lease lapsed (this process stalled) and another grader took the attempt.
            return session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) or ERROR
    if lab is not None:  # (a lab without a spec has no version to record by)
        entry = Entry(
            student=student,
            lab=lab_id,
            kind=LAB,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            source=f"{source_name(attempt_id)}/{lab.entry}",
            spec_version=file_version(lab.spec_path),
            max_score=max_score,
            submitted_at=submitted_at,
            one_row_per_source=True,  # a regrade under a fixed spec replaces it
        )
        _gradebook(db_url).record(entry, outcome)
        score_changed(db_url, course.root, student, lab_id)  # to the LMS, if linked (AGS)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Attempt)
            .where(*mine)
            .values(
                finished_at=now(),
                lease_until=None,
                progress=None,
                **attempt_values(outcome, max_score),
            )
        )
        session.execute(delete(HiddenResult).where(HiddenResult.attempt == attempt_id))
        if outcome.result is not None and hidden:
            tests = [test.to_dict() for test in hidden]
            session.add(HiddenResult(attempt=attempt_id, tests=tests, graded_at=now()))
        return session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) or ERROR


def attempt_values(outcome: Outcome, max_score: float) -> dict[str, object]:
    """The attempt's columns for an outcome: done with its result, done with the student's
    zero and the reason, or error (ours or the course's: no score, the reason said)."""
    if outcome.result is not None:
        result = outcome.result
        return {
            "status": DONE,
            "results": result.to_dict(),
            "score": result.score,
            "max_score": result.max_score,
        }
    assert outcome.error is not None
    message = {
        "key": outcome.error.key,
        "params": stored_params(outcome.error.params),
    }
    if outcome.blame is Blame.AUTHOR:  # the student is told it is the course's; staff the why
        message = {"key": "web.author_error", "params": {}}
    if outcome.final:
        return {"status": DONE, "score": 0.0, "max_score": max_score, "message": message}
    return {"status": ERROR, "message": message}


def record_quiz(
    db_url: str,
    student: str,
    quiz_id: str,
    sheet: str,
    outcome: Outcome,
    bank_path: Path,
    token: str | None = None,
    course_root: Path | None = None,
) -> int:
    """A quiz answered on the web: its attempt (graded when answered) and its gradebook row,
    like any grading's. Returns the attempt's id."""
    created = now()
    max_score = outcome.result.max_score if outcome.result is not None else 0.0
    with Session(engine_for(db_url)) as session, session.begin():
        attempt = Attempt(
            student=student,
            lab=quiz_id,
            kind=QUIZ,
            text=sheet,
            created_at=created,
            finished_at=created,
            token=token,
            **attempt_values(outcome, max_score),
        )
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    entry = Entry(
        student=student,
        lab=quiz_id,
        kind=QUIZ,
        sha256=hashlib.sha256(sheet.encode("utf-8")).hexdigest(),
        source=source_name(attempt_id),
        spec_version=file_version(bank_path),
        max_score=max_score,
        submitted_at=created,
    )
    _gradebook(db_url).record(entry, outcome)
    score_changed(db_url, course_root, student, quiz_id)  # to the LMS, if linked (AGS)
    return attempt_id


RETRIES = 3  # claims after which an attempt that keeps failing in our code is left alone


def requeue_failed(db_url: str, lab_id: str | None = None) -> list[int]:
    """Attempts that failed through no fault of the student's (a broken course file, our own
    failure) put back in the queue: called when a grading of the lab has just worked (so its
    files are fixed) and when a queue starts. Returns their ids, for the queue to send."""
    failed = (
        Attempt.kind == LAB,
        Attempt.status == ERROR,
        func.coalesce(Attempt.claims, 0) < RETRIES,
        *((Attempt.lab == lab_id,) if lab_id is not None else ()),
    )
    with Session(engine_for(db_url)) as session, session.begin():
        ids = list(session.scalars(select(Attempt.id).where(*failed).order_by(Attempt.id)))
        if ids:
            session.execute(
                update(Attempt)
                .where(Attempt.id.in_(ids), Attempt.status == ERROR)
                .values(status=QUEUED, message=None, claim=None, lease_until=None)
            )
    return ids


class _Progress:
    """Writes each public set's result onto the attempt as the engine tells it (the sets
    done so far, by number), where the events route and the JSON read it, whichever process
    grades: this one, or a Celery worker. Only while this grader's claim holds. A failed
    write costs the preview, never the grading: the final result is written all the same."""

    def __init__(self, engine: Engine, attempt_id: int, token: str) -> None:
        self.engine, self.attempt_id, self.token = engine, attempt_id, token
        self.done: dict[int, dict] = {}  # a grading run again (a sandbox retry) overwrites

    def __call__(self, number: int, test: TestResult) -> None:
        self.done[number] = {"number": number, "test": test.to_dict()}
        rows = [self.done[n] for n in sorted(self.done)]
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(
                    update(Attempt)
                    .where(
                        Attempt.id == self.attempt_id,
                        Attempt.claim == self.token,
                        Attempt.status == RUNNING,
                    )
                    .values(progress=rows)
                )
        except Exception:  # the database is away for a moment: the next set writes them all
            traceback.print_exc()


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


@lru_cache(maxsize=8)
def _gradebook(db_url: str) -> Gradebook:
    """One per database per process: its engine's connections are reused by every grading
    (each record is its own transaction)."""
    return Gradebook(db_url)
