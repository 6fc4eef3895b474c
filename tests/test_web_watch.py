"""One look at the database for every open event stream (graders/web/watch.py).

Twenty students each waiting on a stream once cost two hundred renderings a second and the
database pool (bench/web_bench.py lost submissions): the watcher looks for all of them at once
(the queue's order counted once for all) and wakes only the stream whose attempt changed, or a
queued one whose place moved, handing it its place.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from sqlalchemy.orm import Session

from graders.web import watch as watch_module
from graders.web.models import DONE, LAB, QUEUED, RUNNING, Attempt, User, engine_for, now
from graders.web.watch import AttemptWatch

STREAMS = 20


def attempts(url: str, count: int) -> list[int]:
    with Session(engine_for(url)) as session, session.begin():
        session.add(User(username="ann", name="Ann", password_hash="x", role="student"))
        made = [
            Attempt(student="ann", lab="rnn-numpy", kind=LAB, text="", status=QUEUED)
            for _ in range(count)
        ]
        session.add_all(made)
        session.flush()
        return [attempt.id for attempt in made]


def set_status(url: str, attempt_id: int, status: str, **values) -> None:
    with Session(engine_for(url)) as session, session.begin():
        attempt = session.get(Attempt, attempt_id)
        attempt.status = status
        for name, value in values.items():
            setattr(attempt, name, value)


def test_twenty_streams_cost_one_look_and_wake_only_for_their_own_change(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    ids = attempts(url, STREAMS)
    looks = []
    real_look = watch_module.look
    monkeypatch.setattr(watch_module, "look", lambda *a: looks.append(1) or real_look(*a))
    monkeypatch.setattr(watch_module, "POLL_SECONDS", 0.05)

    async def scenario() -> None:
        watch = AttemptWatch(engine_for(url))
        versions: dict[int, list] = {i: [] for i in ids}  # what each wake found
        places: dict[int, int | None] = {}

        async def stream(attempt_id: int) -> None:
            async for place in watch.changes(attempt_id):
                versions[attempt_id].append(watch.seen.get(attempt_id))
                places[attempt_id] = place

        async def until(condition, what: str) -> None:
            # Bounded waits, then a few more looks: on a loaded machine a fixed sleep was
            # shorter than the look it waited for.
            deadline = time.monotonic() + 10
            while not condition():
                assert time.monotonic() < deadline, what
                await asyncio.sleep(0.02)
            await asyncio.sleep(4 * 0.05)

        started = time.monotonic()
        tasks = [asyncio.create_task(stream(i)) for i in ids]
        await until(lambda: all(versions[i] and versions[i][-1] is not None for i in ids), "looked")
        # Each stream is handed its place as the queue's fair order counts it.
        assert [places[i] for i in ids] == list(range(1, STREAMS + 1))
        settled = {i: len(versions[i]) for i in ids}
        # The first in line starts: it wakes, and every queued one moves up a place.
        await asyncio.to_thread(set_status, url, ids[0], RUNNING, started_at=now())
        await until(lambda: [places[i] for i in ids[1:]] == list(range(1, STREAMS)), "moved up")
        assert places[ids[0]] is None  # running: no place
        moved = {i: len(versions[i]) - settled[i] for i in ids}
        assert all(count == 1 for count in moved.values()), moved
        # The last in line leaves: only it wakes (nobody's place changed).
        before = {i: len(versions[i]) for i in ids}
        await asyncio.to_thread(set_status, url, ids[-1], DONE, finished_at=now())
        await until(lambda: versions[ids[-1]][-1][0] == DONE, "the last one done")
        left = {i: len(versions[i]) - before[i] for i in ids}
        assert left[ids[-1]] == 1 and not any(left[i] for i in ids[:-1]), (left, versions[ids[-1]])
        # The running attempt's sets progress: only it wakes.
        before = {i: len(versions[i]) for i in ids}
        await asyncio.to_thread(set_status, url, ids[0], RUNNING, progress=[{"set": 1}])
        await until(lambda: versions[ids[0]][-1][1] == 1, "a set done")
        progressed = {i: len(versions[i]) - before[i] for i in ids}
        assert progressed[ids[0]] == 1 and not any(progressed[i] for i in ids[1:]), progressed
        elapsed = time.monotonic() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await watch.close()
        # One look a tick for all twenty streams, and no stream woke without a change: the
        # first wake (at once, before any look) and then one per version it went through.
        assert len(looks) <= elapsed / 0.05 + 2
        for attempt_id in ids:
            seen = versions[attempt_id]
            assert seen[0] is None and all(a != b for a, b in itertools.pairwise(seen[1:])), seen
        assert not watch.waiting  # the streams gone, nothing is looked at

    asyncio.run(scenario())
