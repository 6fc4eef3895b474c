"""The embedded queue: `seqlab serve` alone grades, with no broker and no other process.

`graders` threads (by default one per core) each take the next waiting attempt in the fair
order (fairness.py: round-robin over students, read from the database, so the position a page
shows is the order kept) and call `grade_attempt` with a runner: a warm pool per lab
(graders/sandbox/warm.py: sandboxed workers that have already imported torch, sized for every
thread to grade the lab at once, each grading's public and hidden runs side by side), or the
cold sandbox runner where warm workers cannot run. Pools are started when the server starts for
the labs students are working on (open in the course calendar, else the labs most recently
submitted), kept for at most `max_pools` labs. The threads only wait on sandboxed processes: no
student code runs in the web process. On start the queue takes back every attempt a previous
server left queued or running.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from graders.sandbox.launch import usable_cores
from graders.service.pools import LabPools
from graders.spec import Course
from graders.store.effective import course_rules
from graders.web.fairness import fair_order
from graders.web.grading import grade_attempt, requeue_failed
from graders.web.models import DONE, LAB, QUEUED, RUNNING, Attempt, engine_for

IDLE_LOOK_SECONDS = 5.0  # a thread with nothing to do looks at the database this often anyway


class EmbeddedQueue:
    def __init__(
        self,
        db_url: str,
        course: Course,
        *,
        threads: int | None = None,
        use_warm: bool = True,
        max_pools: int = 3,
    ) -> None:
        self.db_url, self.course = db_url, course
        count = threads or usable_cores()
        self.pools = LabPools(course, use_warm=use_warm, max_pools=max_pools, gradings=count)
        self.taken: set[int] = set()  # attempt ids picked by a thread of ours, not yet done
        self.changed = threading.Condition()
        self.generation = 0  # bumped by every submission: a thread never sleeps past one
        self.closing = False
        self.threads = [
            threading.Thread(target=self._work, name=f"seqlab-queue-{n}", daemon=True)
            for n in range(count)
        ]

    def start(self) -> None:
        requeue_failed(self.db_url)  # failed through no fault of the student's: again
        with Session(engine_for(self.db_url)) as session, session.begin():
            # This queue is its database's only grader: an attempt left running was held by
            # a server that stopped, and its lease need not be waited out. Its start is
            # forgotten: a grading cut short was no turn (fairness.py), it goes first again.
            session.execute(
                update(Attempt)
                .where(Attempt.kind == LAB, Attempt.status == RUNNING)
                .values(status=QUEUED, claim=None, lease_until=None, started_at=None)
            )
        for thread in self.threads:
            thread.start()
        threading.Thread(target=self._warm_up, name="seqlab-warm-up", daemon=True).start()

    def submit(self, attempt_id: int) -> None:
        self._wake()

    def position(self, attempt_id: int) -> int:
        return queue_position(self.db_url, attempt_id)

    def _wake(self) -> None:
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def _work(self) -> None:
        while True:
            with self.changed:
                if self.closing:
                    return
                seen = self.generation
            attempt_id = self._take_next()
            if attempt_id is None:
                with self.changed:
                    if self.generation == seen and not self.closing:
                        self.changed.wait(IDLE_LOOK_SECONDS)
                continue
            try:
                self._grade(attempt_id)
            finally:
                with self.changed:
                    self.taken.discard(attempt_id)

    def _take_next(self) -> int | None:
        with self.changed:  # one thread picks at a time: two never pick the same attempt
            with Session(engine_for(self.db_url)) as session:
                waiting, busy = waiting_and_busy(session)
            # Picked by a thread of ours but not claimed yet: still queued in the database,
            # and a turn of its student's all the same (claimed ones count as running).
            busy.update(Counter(s for a, s in waiting if a in self.taken))
            for attempt_id in fair_order([(a, s) for a, s in waiting if a not in self.taken], busy):
                self.taken.add(attempt_id)
                return attempt_id
            return None

    def _grade(self, attempt_id: int) -> None:
        try:
            lab_id = self._lab_of(attempt_id)

            # Resolved at the first run, after grade_attempt has claimed the attempt: the
            # page shows "running" while a new warm pool starts, not "queued".
            def runner(*args, lab_id=lab_id, **kwargs):
                return self.pools.runner(lab_id)(*args, **kwargs)

            status = grade_attempt(self.db_url, attempt_id, runner, course=self.course)
            if status == DONE and requeue_failed(self.db_url, lab_id):
                self._wake()  # the lab's files work: what failed through them, again
        except Exception:  # keep serving; grade_attempt recorded what it could
            traceback.print_exc()

    def _lab_of(self, attempt_id: int) -> str:
        with Session(engine_for(self.db_url)) as session:
            return session.scalar(select(Attempt.lab).where(Attempt.id == attempt_id)) or ""

    def _warm_up(self) -> None:
        """Start the pools of the labs students are working on before their first submission."""
        try:
            for lab_id in labs_in_use(self.db_url, self.course)[: self.pools.max_pools]:
                if self.closing:
                    return
                self.pools.runner(lab_id)
        except Exception:  # a lab that cannot start is reported at its first grading
            traceback.print_exc()

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        for thread in self.threads:
            thread.join(timeout=5)
        self.pools.close()


def waiting_and_busy(session: Session) -> tuple[list[tuple[int, str]], Counter[str]]:
    """The queued lab attempts ((id, student)) and, per student, how many attempts have been
    served since the oldest of them arrived (being graded, or started meanwhile): the turns a
    student has had while others waited."""
    waiting = session.execute(
        select(Attempt.id, Attempt.student, Attempt.created_at).where(
            Attempt.kind == LAB, Attempt.status == QUEUED
        )
    ).all()
    served = Attempt.status == RUNNING
    if waiting:
        # Started, or finished, since then: a grading that began before the oldest waiting
        # attempt arrived and ended while it waited was a turn all the same (counted only
        # while it ran, a burst's first gradings stopped counting when they ended, and the
        # burst went before students who had had none).
        since = min(row.created_at for row in waiting)
        served = or_(served, Attempt.started_at >= since, Attempt.finished_at >= since)
    busy = session.scalars(select(Attempt.student).where(Attempt.kind == LAB, served)).all()
    return [(row.id, row.student) for row in waiting], Counter(busy)


def queue_positions(session: Session) -> dict[int, int]:
    """Every queued lab attempt's place: 1 = next to be graded, in the fair order the queues
    keep (fairness.py); counted in the database, so any queue agrees on it."""
    waiting, busy = waiting_and_busy(session)
    return {attempt_id: place for place, attempt_id in enumerate(fair_order(waiting, busy), 1)}


def queue_position(db_url: str, attempt_id: int) -> int:
    """The attempt's place in queue_positions (1 when it has just left the queue)."""
    with Session(engine_for(db_url)) as session:
        return queue_positions(session).get(attempt_id, 1)


def labs_in_use(db_url: str, course: Course, *, at: datetime | None = None) -> list[str]:
    """The labs whose pools are worth starting now: those the course calendar has open (the
    soonest due first), else the labs most recently submitted."""
    at = at or datetime.now(UTC)
    labs = [lab.id for lab in course.labs()]
    calendar = course_rules(course.root, db_url).calendar  # seqlab.toml and the web's rules
    latest = datetime.max.replace(tzinfo=UTC)

    def open_now(lab_id: str) -> bool:
        window = calendar.windows.get(lab_id)
        end = window and (window.lock or window.due)
        return bool(window and (window.open or end) and (window.open or at) <= at <= (end or at))

    calendar_open = [lab_id for lab_id in labs if open_now(lab_id)]
    if calendar_open:
        return sorted(calendar_open, key=lambda lab_id: calendar.window(lab_id).due or latest)
    with Session(engine_for(db_url)) as session:
        recent = session.execute(
            select(Attempt.lab, func.max(Attempt.id))
            .where(Attempt.kind == LAB)
            .group_by(Attempt.lab)
            .order_by(func.max(Attempt.id).desc())
        ).all()
    return [lab_id for lab_id, _last in recent if lab_id in labs]
