"""One look at the database for every open event stream (routes/events.py).

A stream must learn of its attempt's every change — queued at a new position, running, each
public set as it ends, the result — whichever process wrote it (the embedded queue's threads
or a Celery worker). Each stream reading its attempt (and the queue, for its position) ten
times a second cost twenty students two hundred renderings a second, and the database pool:
so one task per server looks instead, every POLL_SECONDS, with one small query for all the
attempts watched and, while one of them is queued, the queue's fair order once for all of
them; it wakes only the streams whose attempt changed (a queued attempt: also when its place
moved) and hands each its place, so a stream renders its JSON once and asks nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from graders.web.models import QUEUED, Attempt
from graders.web.queue import queue_positions

POLL_SECONDS = 0.1  # a change reaches the page this long after it is stored, at most

Version = tuple[object, ...]
# An attempt that left the queue between look's two reads (each sees the latest commit): no
# version this look — the next one sees where it went. (Read as a change, it woke its stream
# to show place 1 on the way to its result.)
IN_FLUX: Version = ("in flux",)
QUIET = object()  # `changes`' word for "nothing changed for a while"


def look(engine: Engine, ids: list[int]) -> dict[int, Version]:
    """What identifies each attempt's state now: its status, sets done, finish time and, for a
    queued one, its place in the queue (the version's last field: the stream shows it)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Attempt.id, Attempt.status, Attempt.progress, Attempt.finished_at).where(
                Attempt.id.in_(ids)
            )
        ).all()
        queued = any(row.status == QUEUED for row in rows)
        places = queue_positions(session) if queued else {}
    return {
        row.id: (
            IN_FLUX
            if row.status == QUEUED and row.id not in places
            else (
                row.status,
                len(row.progress or ()),
                row.finished_at,
                places[row.id] if row.status == QUEUED else None,
            )
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

    async def changes(
        self, attempt_id: int, quiet: float | None = None
    ) -> AsyncIterator[int | object | None]:
        """Yields at once, then each time the attempt may have changed: its place in the queue
        as last seen (None: not queued, or not looked at yet); and QUIET after `quiet` seconds
        without a change, so a stream can look at what the watch does not (its session)."""
        event = asyncio.Event()
        event.set()
        self.waiting[attempt_id].add(event)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._look_forever(), name="seqlab-watch")
        try:
            while True:
                try:
                    await asyncio.wait_for(event.wait(), quiet)
                except TimeoutError:
                    yield QUIET
                    continue
                event.clear()
                version = self.seen.get(attempt_id)
                yield None if version is None else version[-1]
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
                if version is IN_FLUX:
                    continue
                if self.seen.get(attempt_id) != version:
                    self.seen[attempt_id] = version
                    for event in self.waiting.get(attempt_id, ()):
                        event.set()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
