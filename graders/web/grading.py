"""Grade one attempt: the backend-agnostic unit of work every queue runs.

`grade_attempt(db_url, attempt_id, runner)` reads the attempt, claims it (queued or running →
running, in one UPDATE), grades it through the engine with the runner it is given (the
sandbox's cold runner or a warm pool's `run_sets`), and writes the per-set results, the score
and the finish time. Idempotent by attempt id: an attempt already done (or failed by us) is
not graded again, so a queue that delivers a job twice — a Celery task acknowledged late and
re-queued after its worker died — grades it exactly once. A `running` attempt can be claimed
again: its worker may be the one that died.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from sqlalchemy import select, update
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


def grade_attempt(
    db_url: str, attempt_id: int, runner: Runner = run_sets, *, course: Course | None = None
) -> str:
    """Grade the attempt unless it is finished; returns its final status (done | error)."""
    engine = engine_for(db_url)
    with Session(engine) as session, session.begin():
        claimed = session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id, Attempt.status.in_((QUEUED, RUNNING)))
            .values(status=RUNNING, started_at=now())
        ).rowcount
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
        if attempt is None:
            raise LookupError(f"no attempt {attempt_id}")
        if not claimed:
            return attempt.status
        lab_id, text, student, kind = attempt.lab, attempt.text, attempt.student, attempt.kind
    if kind != LAB:  # quizzes are scored when answered; nothing runs
        return DONE
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
    if outcome is not None:
        outcome = Outcome(
            outcome.item, outcome.result, outcome.error, seconds=time.monotonic() - started
        )
        _record(db_url, course, lab_id, outcome)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id, Attempt.status == RUNNING)
            .values(finished_at=now(), **values)
        )
        return session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) or ERROR


def _item(attempt_id: int, student: str, entry: str, text: str) -> Item:
    return Item(student, Path(source_name(attempt_id)) / entry, text.encode("utf-8"))


def _record(db_url: str, course: Course, lab_id: str, outcome: Outcome) -> None:
    """The gradebook row, so exports and `seqlab report` see web attempts like a batch's."""
    lab = course.lab(lab_id)
    book = Gradebook(db_url)
    try:
        book.record(
            outcome,
            lab=lab_id,
            kind=LAB,
            spec_version=file_version(lab.spec_path),
            max_score=float(sum(t.points for t in lab.tests)),
        )
    finally:
        book.close()
