"""The scale-out queue: Celery with a Redis broker around `grade_attempt`.

`seqlab serve --queue celery` publishes one task per lab attempt (`CeleryQueue.submit`); the
web process runs no student code. `seqlab worker` (on this machine or any other that reaches
the broker and the database) starts a Celery worker whose every process keeps its own warm
pools (queue.LabPools: one per lab, created at the lab's first job, reused by the next).

Delivery: a task is acknowledged late (after grading), one at a time per process (prefetch
1), and rejected back to the queue when its process dies; a job whose whole worker died stays
unacknowledged in Redis and is handed out again once the visibility timeout has passed. So a
job may arrive twice, and `grade_attempt` makes that harmless: a finished attempt is not
graded again, and one whose grader is alive (its lease renewed) is retried later rather than
graded twice (grading.py). A Redis restart loses every job it held (no persistence): the web
process watches the server's run id and sends a job for every unfinished attempt again; a job
the broker refuses at submission is answered "not received" (outage.py). Settings: config.py
(environment or seqlab.toml).
"""

from __future__ import annotations

import os
import socket
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import redis
from celery import Celery, signals
from kombu.exceptions import KombuError
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.messages import say
from graders.service.pools import LabPools
from graders.spec import Course
from graders.store.database import database_url, shown_url
from graders.web.config import DEFAULT_DB, PlatformConfig, load_config
from graders.web.fairness import fair_order
from graders.web.grading import grade_attempt, requeue_failed
from graders.web.models import DONE, LAB, QUEUED, RUNNING, Attempt, engine_for, now
from graders.web.outage import QueueUnavailable
from graders.web.queue import queue_position, waiting_and_busy

QUEUE_NAME = "seqlab-grading"
RETRY_SECONDS = 5.0  # after our own failure (the database away), first wait; doubles …
MAX_FAILURES = 8  # … this many times, then the attempt waits for the next `seqlab serve`
WATCH_SECONDS = 1.0  # the web process looks at the broker this often (a restart loses jobs)

app = Celery("seqlab")


@dataclass
class WorkerState:
    config: PlatformConfig
    db_url: str
    course_root: Path | None = None
    pools: LabPools | None = None  # per process, created at its first job

    def course(self) -> Course:
        return Course.locate(self.course_root)

    def lab_pools(self) -> LabPools:
        if self.pools is None:
            self.pools = LabPools(self.course())
        return self.pools


STATE: WorkerState | None = None


def configure(config: PlatformConfig, course_root: Path | None = None) -> WorkerState:
    """Point the Celery app at the broker and the task at the database (before any worker
    process is forked, so every process inherits it)."""
    global STATE
    app.conf.update(
        broker_url=config.broker_url,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits for its broker, as serve does
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout,
            "unacked_restore_interval": config.restore_interval,
            "unacked_restore_throttle": 1,  # every sweep looks, not one in ten
            # A sweep holds a lock in Redis; a worker killed while holding it would stop every
            # other worker's sweeps until it expires (kombu's default: 300 s).
            "unacked_mutex_expire": max(5, round(2 * config.restore_interval)),
        },
        task_default_queue=QUEUE_NAME,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # the attempt row is the result
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    STATE = WorkerState(config, database_url(config.db_url or DEFAULT_DB), course_root)
    return STATE


def state() -> WorkerState:
    return STATE or configure(load_config())


# `celery -A graders.web.tasks worker` works too, configured from the environment/seqlab.toml.
configure(load_config())


@app.task(name="seqlab.grade", bind=True, max_retries=None)
def grade(self, attempt_id: int, failures: int = 0) -> str:
    """Grade the next waiting attempt in the fair order (fairness.py) — every waiting attempt
    has a task, so each task grading one keeps the count — with this process's warm pool for
    its lab; this task's own attempt when nothing else is waiting."""
    current = state()
    grader = self.request.hostname or socket.gethostname()
    try:
        for candidate in _candidates(current.db_url, attempt_id):
            lab_id = _lab_of(current.db_url, candidate)

            def runner(*args, lab_id=lab_id, **kwargs):  # after the claim: a new pool "runs"
                return current.lab_pools().runner(lab_id)(*args, **kwargs)

            try:
                status = grade_attempt(
                    current.db_url,
                    candidate,
                    runner,
                    course=current.course(),
                    lease_seconds=current.config.lease_seconds,
                    grader=grader,
                )
            except LookupError:  # withdrawn: its job never reached the broker (outage.py)
                status = "gone"
                continue
            if status != RUNNING:  # graded (or finished meanwhile): this task's turn is used
                break
    except Exception:  # ours (the database, the broker), never the student's
        traceback.print_exc()
        if failures >= MAX_FAILURES:
            raise
        raise self.retry(
            kwargs={"failures": failures + 1}, countdown=RETRY_SECONDS * 2**failures
        ) from None
    if status == RUNNING:
        # Every candidate is held by a grader that renews its lease, this task's own among
        # them: come back when a lease could have lapsed; then it is done, or its grader died
        # and this task grades it.
        raise self.retry(countdown=current.config.lease_seconds)
    if status == DONE:  # the lab's files work: what failed through them is graded again
        for again in requeue_failed(current.db_url, lab_id):
            grade.apply_async((again,))
    return status


def _candidates(db_url: str, attempt_id: int) -> list[int]:
    """Attempts a grader died holding (their lease lapsed: they have waited longest), then the
    waiting ones in the fair order, then this task's own (perhaps held by a live grader)."""
    with Session(engine_for(db_url)) as session:
        stranded = session.scalars(
            select(Attempt.id)
            .where(Attempt.kind == LAB, Attempt.status == RUNNING, Attempt.lease_until < now())
            .order_by(Attempt.id)
        ).all()
        waiting, busy = waiting_and_busy(session)
    order = [*stranded, *fair_order(waiting, busy)]
    return order if attempt_id in order else [*order, attempt_id]


def _lab_of(db_url: str, attempt_id: int) -> str:
    with Session(engine_for(db_url)) as session:
        return session.scalar(select(Attempt.lab).where(Attempt.id == attempt_id)) or ""


@signals.worker_process_shutdown.connect
def _close_pools(**_kwargs) -> None:
    if STATE is not None and STATE.pools is not None:
        STATE.pools.close()


class CeleryQueue:
    """The web side: publishes a task per attempt; the queue position is counted in the
    database, as the embedded queue counts it."""

    def __init__(
        self,
        config: PlatformConfig,
        db_url: str,
        course_root: Path | None = None,
        lang: str = "zh",
    ):
        configure(config, course_root)
        self.db_url, self.lang = db_url, lang
        broker = config.broker_url or ""
        self.redis = redis.Redis.from_url(broker, socket_timeout=2) if is_redis(broker) else None
        self.broker_id: str | None = None  # the broker's run id at the last look
        self.unsent = threading.Event()  # a job the broker refused since the last look
        self.closing = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="seqlab-broker", daemon=True)

    def start(self) -> None:
        try:
            self.broker_id = self._broker_id()
            self._send_unfinished()
        except Exception as error:  # the broker away at the start: the watcher sends later
            self._waiting(error)
            self.unsent.set()
        self.watcher.start()

    def _send_unfinished(self) -> None:
        """A message lost with the broker (a Redis restart without persistence) is sent again;
        an attempt graded meanwhile makes the extra message a no-op (grading.py), and one whose
        grader is alive is retried after its lease. Attempts that failed through no fault of the
        student's are tried again (the course may be fixed)."""
        requeue_failed(self.db_url)
        with Session(engine_for(self.db_url)) as session:
            unfinished = list(
                session.scalars(
                    select(Attempt.id)
                    .where(Attempt.kind == LAB, Attempt.status.in_((QUEUED, RUNNING)))
                    .order_by(Attempt.id)
                )
            )
        for attempt_id in unfinished:
            grade.apply_async((attempt_id,))

    def submit(self, attempt_id: int) -> None:
        try:
            grade.apply_async((attempt_id,))
        except (KombuError, RedisError, OSError) as error:
            self.unsent.set()  # a regrade's attempts stay queued: sent once the broker is back
            raise QueueUnavailable(str(error)) from error

    def _broker_id(self) -> str | None:
        """The Redis server's run id: a new one means the broker restarted and may have lost
        every message it held (a Redis without persistence). None for another broker."""
        if self.redis is None:
            return None
        return str(self.redis.info("server")["run_id"])

    def _watch(self) -> None:
        """Every WATCH_SECONDS: the broker restarted, or refused a job since the last look:
        send a job for every unfinished attempt once it answers again."""
        while not self.closing.wait(WATCH_SECONDS):
            try:
                seen = self._broker_id()
                if seen == self.broker_id and not self.unsent.is_set():
                    continue
                self.unsent.clear()
                try:
                    self._send_unfinished()
                except Exception:
                    self.unsent.set()
                    raise
                self.broker_id = seen
            except Exception as error:  # the broker or the database still away: look again
                self._waiting(error)

    def _waiting(self, error: Exception) -> None:
        print(say("web.broker_waiting", self.lang, reason=said_reason(error)), flush=True)

    def position(self, attempt_id: int) -> int:
        return queue_position(self.db_url, attempt_id)

    def close(self) -> None:
        self.closing.set()
        if self.watcher.is_alive():
            self.watcher.join(timeout=5)


def is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "redis+socket://", "unix://"))


def said_reason(error: Exception) -> str:
    """A driver's error inside one of our sentences: its own full stop would double ours."""
    return f"{type(error).__name__}: {error}".strip().rstrip(".。")


def _say_if_broker_away(config: PlatformConfig, lang: str) -> None:
    """Celery says a broker that does not answer in its own (English) log lines, and keeps
    trying; the worker says it once in the reader's language first."""
    try:
        with app.connection_for_write() as connection:
            connection.connect()
    except Exception as error:  # kombu raises the transport's own errors
        reason = said_reason(error)
        broker = shown_url(config.broker_url)
        print(say("web.worker_broker_waiting", lang, broker=broker, reason=reason), flush=True)


def run_worker(
    config: PlatformConfig,
    *,
    course_root: Path | None,
    concurrency: int,
    name: str | None,
    lang: str,
) -> None:
    """`seqlab worker`: a Celery worker of `concurrency` processes, each with its own warm
    pools. The database is not touched here: each forked process opens its own."""
    current = configure(config, course_root)
    current.course()  # a wrong --course fails now, not at the first job
    name = name or f"seqlab-{os.getpid()}@{socket.gethostname()}"
    print(
        say(
            "web.worker_started",
            lang,
            name=name,
            concurrency=concurrency,
            broker=shown_url(config.broker_url),
            db=shown_url(current.db_url),
        ),
        flush=True,
    )
    _say_if_broker_away(config, lang)
    app.worker_main(
        [
            "--quiet",
            "worker",
            "--loglevel=WARNING",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--hostname={name}",
            f"--queues={QUEUE_NAME}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
