"""Regrading through the web's own grading path (issue 15, item 4): finished lab attempts
put back in the queue — one attempt, one student's attempts of a lab, or a whole lab after a
spec fix — and graded again by whichever queue runs (grading.grade_attempt, idempotent by
attempt id). Only finished attempts are put back, so asking twice while a regrade runs sends
nothing twice. Until an attempt's regrade is written, its gradebook row stays the score of
record; then the row is replaced (Entry.one_row_per_source) and the rule decides again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from graders.web.models import FINISHED, LAB, QUEUED, RUNNING, Attempt, engine_for


def _which(attempt: int | None, student: str | None, lab: str | None) -> tuple:
    where = [Attempt.kind == LAB]  # a quiz is scored when answered: nothing to run again
    if attempt is not None:
        where.append(Attempt.id == attempt)
    if student is not None:
        where.append(Attempt.student == student)
    if lab is not None:
        where.append(Attempt.lab == lab)
    return tuple(where)


def regrade(
    db_url: str, *, attempt: int | None = None, student: str | None = None, lab: str | None = None
) -> list[int]:
    """Put the finished lab attempts selected back in the queue; returns their ids, for the
    caller to hand to its queue."""
    where = _which(attempt, student, lab)
    with Session(engine_for(db_url)) as session, session.begin():
        ids = list(
            session.scalars(
                select(Attempt.id).where(*where, Attempt.status.in_(FINISHED)).order_by(Attempt.id)
            )
        )
        if ids:
            # The previous result is cleared: a regrade that ends in the student's error
            # must not show the old sets beside the new zero.
            session.execute(
                update(Attempt)
                .where(Attempt.id.in_(ids), Attempt.status.in_(FINISHED))
                .values(
                    status=QUEUED,
                    results=None,
                    score=None,
                    max_score=None,
                    message=None,
                    started_at=None,
                    finished_at=None,
                    claim=None,
                    lease_until=None,
                    claims=0,
                )
            )
    return ids


@dataclass(frozen=True)
class Progress:
    queued: int
    running: int
    done: int  # finished (done, or failed through no fault of the student's)
    total: int

    @property
    def pending(self) -> bool:
        return self.queued + self.running > 0


def progress(
    db_url: str, *, attempt: int | None = None, student: str | None = None, lab: str | None = None
) -> Progress:
    where = _which(attempt, student, lab)
    with Session(engine_for(db_url)) as session:
        counts = dict(
            session.execute(
                select(Attempt.status, func.count()).where(*where).group_by(Attempt.status)
            ).all()
        )
    queued, running = counts.get(QUEUED, 0), counts.get(RUNNING, 0)
    done = sum(n for status, n in counts.items() if status in FINISHED)
    return Progress(queued, running, done, queued + running + done)
