"""One look at the database for every open event stream (routes/events.py).

A stream must learn of its attempt's every change — queued at a new position, running, each
public set as it ends, the result — whichever process wrote it (the embedded queue's threads
or a Celery worker). Each stream reading its attempt (and the queue, for its position) ten
times a second cost twenty students two hundred renderings a second, and the database pool:
so one task per server looks instead, every POLL_SECONDS, with one small query for all the
attempts watched and one for the queue, and wakes only the streams whose attempt changed (a
queued attempt: also when the queue moved). A stream then renders its JSON once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from graders.web.models import LAB, QUEUED, RUNNING, Attempt

POLL_SECONDS = 0.1  # a change reaches the page this long after it is stored, at most

Version = tuple[object, ...]


def look(engine: Engine, ids: list[int]) -> dict[int, Version]:
    """What identifies each attempt's state now: its status, sets done and finish time, and for
    a queued one the queue's (its position moves when others arrive or start)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Attempt.id, Attempt.status, Attempt.progress, Attempt.finished_at).where(
                Attempt.id.in_(ids)
            )
        ).all()
        queue = session.execute(
            select(
                func.count().filter(Attempt.status == QUEUED),
                func.count().filter(Attempt.status == RUNNING),
                func.max(Attempt.id),
                func.max(Attempt.started_at),
            ).where(Attempt.kind == LAB)
        ).one()
    return {
        row.id: (
            row.status,
            len(row.progress or ()),
            row.finished_at,
            tuple(queue) if row.status == QUEUED else None,
        )
        for row in rows
    }


class AttemptWatch:
    """Streams wait here (`changes`); one task looks for all of them. Lives on the server's
    event loop: created with the app, started by the first stream."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.waiting: defaultdict[int, set[asyncio.Event]] = defaultdict(set)
        self.seen: dict[int, Version] = {}
        self.task: asyncio.Task | None = None

    async def changes(self, attempt_id: int) -> AsyncIterator[None]:
        """Yields at once, then each time the attempt may have changed."""
        event = asyncio.Event()
        event.set()
        self.waiting[attempt_id].add(event)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._look_forever(), name="seqlab-watch")
        try:
            while True:
                await event.wait()
                event.clear()
                yield
        finally:
            self.waiting[attempt_id].discard(event)
            if not self.waiting[attempt_id]:
                del self.waiting[attempt_id]
                self.seen.pop(attempt_id, None)

    async def _look_forever(self) -> None:
        while self.waiting:
            await asyncio.sleep(POLL_SECONDS)
            ids = list(self.waiting)
            if not ids:
                break
            try:
                now = await run_in_threadpool(look, self.engine, ids)
            except Exception:  # the database away for a moment: the streams wait, then see
                continue
            for attempt_id in ids:
                version = now.get(attempt_id)
                if self.seen.get(attempt_id) != version:
                    self.seen[attempt_id] = version
                    for event in self.waiting.get(attempt_id, ()):
                        event.set()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
