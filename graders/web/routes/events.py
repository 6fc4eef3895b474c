"""Push, not poll: an attempt's status, queue position and result as Server-Sent Events.

`GET /api/attempts/<id>/events` (sse-starlette) sends the same JSON as `/api/attempts/<id>`
(api.py's `attempt_json`, one rendering) each time it changes — queued at position n, running,
running again with each public set that has ended (its block of the result, as the grader
wrote it onto the attempt: grading.py's `_Progress`), then the finished result with its HTML,
which replaces those — and ends after the result. One task per server looks at the database
for all open streams (watch.py) and wakes a stream when its attempt changed, so any queue
(embedded or Celery) reaches the page a tenth of a second after it stores a change, at the cost
of one query for all streams. A stream ends at its reader's sign-out (or new password), within
SESSION_SECONDS even while its attempt does not change, and says nothing after it. A stream is
closed after MAX_SECONDS; the page then falls back to polling the JSON (lab.js), as it does
where EventSource fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from graders.web.deps import DB, Lang, session_user
from graders.web.models import FINISHED, Attempt
from graders.web.routes.api import OwnAttempt, attempt_json
from graders.web.watch import QUIET

router = APIRouter()

MAX_SECONDS = 600.0  # then the stream ends and the page polls (a grading is far shorter)
# A stream whose attempt does not change (queued behind others) looks at its session this
# often: it ends this long after a sign-out at most, for one small query a second per stream.
SESSION_SECONDS = 1.0


def _current(
    request: Request, attempt_id: int, lang: str, place: int | None
) -> dict[str, object] | None:
    """The attempt's JSON; None once the reader signed out (or changed their password) since
    the stream opened, or the attempt is gone: the stream then ends, saying nothing more."""
    # The row read, then its connection given back before rendering: the rendering reads
    # the course's rules with a session of its own, and a stream must hold one at a time.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if session_user(request, session) is None:
            return None
        attempt = session.get(Attempt, attempt_id)
    return attempt_json(request, attempt, lang, place) if attempt is not None else None


def _signed_in(request: Request) -> bool:
    with Session(request.app.state.engine) as session:
        return session_user(request, session) is not None


@router.get("/api/attempts/{attempt_id}/events")
async def attempt_events(
    request: Request, attempt: OwnAttempt, lang: Lang, db: DB
) -> EventSourceResponse:
    attempt_id = attempt.id  # the owner was checked once, by OwnAttempt
    # The request's session (OwnAttempt's) would keep its pooled connection for the whole
    # stream: 15 open streams took the pool (5 + 10 overflow), and every other request waited
    # 30 s for a connection and failed. Each read below takes its own, briefly.
    db.close()

    async def changes():
        last = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MAX_SECONDS):
                watch = request.app.state.watch
                async for place in watch.changes(attempt_id, quiet=SESSION_SECONDS):
                    if place is QUIET:  # nothing changed: the session may have, though
                        if not await run_in_threadpool(_signed_in, request):
                            return
                        continue
                    data = await run_in_threadpool(_current, request, attempt_id, lang, place)
                    if data is None:
                        return
                    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
                    if text != last:
                        last = text
                        yield {"event": "attempt", "data": text}
                    if data.get("status") in FINISHED:
                        return

    return EventSourceResponse(changes(), ping=15)
