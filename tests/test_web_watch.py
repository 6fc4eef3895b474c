"""One look at the database for every open event stream (graders/web/watch.py).

Twenty students each waiting on a stream once cost two hundred renderings a second and the
database pool (bench/web_bench.py lost submissions): the watcher looks for all of them at once
(the queue's order counted once for all) and wakes only the stream whose attempt changed, or a
queued one whose place moved, handing it its place.
"""

from __future__ import annotations

import asyncio

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
        wakes = dict.fromkeys(ids, 0)
        places: dict[int, int | None] = {}

        async def stream(attempt_id: int) -> None:
            async for place in watch.changes(attempt_id):
                wakes[attempt_id] += 1
                places[attempt_id] = place

        tasks = [asyncio.create_task(stream(i)) for i in ids]
        await asyncio.sleep(0.5)  # every stream read once; the queue stood still
        settled, first_places = dict(wakes), dict(places)
        ticks = len(looks)
        # The first in line starts: it wakes, and every queued one moves up a place.
        await asyncio.to_thread(set_status, url, ids[0], RUNNING, started_at=now())
        await asyncio.sleep(0.5)
        moved = {i: wakes[i] - settled[i] for i in ids}
        moved_places = dict(places)
        # The last in line leaves: only it wakes (nobody's place changed).
        await asyncio.to_thread(set_status, url, ids[-1], DONE, finished_at=now())
        await asyncio.sleep(0.5)
        before = dict(wakes)
        left = {i: wakes[i] - moved[i] - settled[i] for i in ids}
        # The running attempt's sets progress: only it wakes.
        await asyncio.to_thread(set_status, url, ids[0], RUNNING, progress=[{"set": 1}])
        await asyncio.sleep(0.5)
        progressed = {i: wakes[i] - before[i] for i in ids}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await watch.close()
        assert all(count <= 2 for count in settled.values())  # at once, then the first look
        assert ticks <= 0.5 / 0.05 + 2  # one look a tick for all twenty streams
        # Each stream is handed its place as the queue's fair order counts it.
        assert [first_places[i] for i in ids] == list(range(1, STREAMS + 1))
        assert all(count == 1 for count in moved.values()), moved
        assert moved_places[ids[0]] is None  # running: no place
        assert [moved_places[i] for i in ids[1:]] == list(range(1, STREAMS))
        assert left[ids[-1]] == 1 and not any(left[i] for i in ids[:-1]), left
        assert progressed[ids[0]] == 1 and not any(progressed[i] for i in ids[1:])
        assert not watch.waiting  # the streams gone, nothing is looked at

    asyncio.run(scenario())
