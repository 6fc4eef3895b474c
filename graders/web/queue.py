"""The embedded queue: `seqlab serve` alone grades, with no broker and no other process.

Attempt ids go into an in-process queue; worker threads take them in order and call
`grade_attempt` with a runner: a warm pool per lab (graders/sandbox/warm.py: sandboxed
workers that have already imported torch; one per run of a submission, so its public and
hidden runs go side by side), created when the lab is first submitted and kept for at most
`max_pools` labs, or the cold sandbox runner where warm workers cannot run. The
threads only wait on sandboxed processes: no student code runs in the web process. On start
the queue takes back every attempt a previous server left queued or running.
"""

from __future__ import annotations

import queue
import threading
import traceback

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from graders.service.pools import LabPools
from graders.spec import Course
from graders.web.grading import grade_attempt, requeue_failed
from graders.web.models import DONE, LAB, QUEUED, RUNNING, Attempt, engine_for

STOP = -1


class EmbeddedQueue:
    def __init__(
        self,
        db_url: str,
        course: Course,
        *,
        threads: int = 1,
        use_warm: bool = True,
        max_pools: int = 3,
    ) -> None:
        self.db_url, self.course = db_url, course
        self.jobs: queue.Queue[int] = queue.Queue()
        self.pools = LabPools(course, use_warm=use_warm, max_pools=max_pools)
        self.threads = [
            threading.Thread(target=self._work, name=f"seqlab-queue-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> None:
        requeue_failed(self.db_url)  # failed through no fault of the student's: again
        with Session(engine_for(self.db_url)) as session:
            # This queue is its database's only grader: an attempt left running was held by
            # a server that stopped, and its lease need not be waited out.
            with session.begin():
                session.execute(
                    update(Attempt)
                    .where(Attempt.kind == LAB, Attempt.status == RUNNING)
                    .values(status=QUEUED, claim=None, lease_until=None)
                )
            unfinished = session.scalars(
                select(Attempt.id)
                .where(Attempt.kind == LAB, Attempt.status.in_((QUEUED, RUNNING)))
                .order_by(Attempt.id)
            )
            for attempt_id in unfinished:
                self.jobs.put(attempt_id)
        for thread in self.threads:
            thread.start()

    def submit(self, attempt_id: int) -> None:
        self.jobs.put(attempt_id)

    def position(self, attempt_id: int) -> int:
        return queue_position(self.db_url, attempt_id)

    def _work(self) -> None:
        while True:
            attempt_id = self.jobs.get()
            if attempt_id == STOP:
                return
            try:
                lab_id = self._lab_of(attempt_id)

                # Resolved at the first run, after grade_attempt has claimed the attempt: the
                # page shows "running" while a new warm pool starts, not "queued".
                def runner(*args, lab_id=lab_id, **kwargs):
                    return self.pools.runner(lab_id)(*args, **kwargs)

                status = grade_attempt(self.db_url, attempt_id, runner, course=self.course)
                if status == DONE:  # the lab's files work: what failed through them, again
                    for again in requeue_failed(self.db_url, lab_id):
                        self.jobs.put(again)
            except Exception:  # keep serving; grade_attempt recorded what it could
                traceback.print_exc()

    def _lab_of(self, attempt_id: int) -> str:
        with Session(engine_for(self.db_url)) as session:
            return session.scalar(select(Attempt.lab).where(Attempt.id == attempt_id)) or ""

    def close(self) -> None:
        for _thread in self.threads:
            self.jobs.put(STOP)
        for thread in self.threads:
            thread.join(timeout=5)
        self.pools.close()


def queue_position(db_url: str, attempt_id: int) -> int:
    """1 = next to be graded; counted in the database, so any queue agrees on it."""
    with Session(engine_for(db_url)) as session:
        ahead = session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.kind == LAB, Attempt.status == QUEUED, Attempt.id < attempt_id)
        )
    return int(ahead or 0) + 1
