"""Push, not poll: an attempt's status, queue position and result as Server-Sent Events.

`GET /api/attempts/<id>/events` (sse-starlette) sends the same JSON as `/api/attempts/<id>`
(api.py's `attempt_json`, one rendering) each time it changes — queued at position n, running,
running again with each public set that has ended (its block of the result, as the grader
wrote it onto the attempt: grading.py's `_Progress`), then the finished result with its HTML,
which replaces those — and ends after the result. One task per server looks at the database
for all open streams (watch.py) and wakes a stream when its attempt changed, so any queue
(embedded or Celery) reaches the page a tenth of a second after it stores a change, at the cost
of one query for all streams. A stream is closed after MAX_SECONDS; the page then falls back to
polling the JSON (lab.js), as it does where EventSource fails.
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

router = APIRouter()

MAX_SECONDS = 600.0  # then the stream ends and the page polls (a grading is far shorter)


def _current(request: Request, attempt_id: int, lang: str, place: int | None) -> dict[str, object]:
    # The row read, then its connection given back before rendering: the rendering reads
    # the course's rules with a session of its own, and a stream must hold one at a time.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if session_user(request, session) is None:
            return {}  # signed out (or a new password) since the stream opened: it ends here
        attempt = session.get(Attempt, attempt_id)
    return attempt_json(request, attempt, lang, place) if attempt is not None else {}


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
                async for place in request.app.state.watch.changes(attempt_id):
                    data = await run_in_threadpool(_current, request, attempt_id, lang, place)
                    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
                    if text != last:
                        last = text
                        yield {"event": "attempt", "data": text}
                    if not data or data.get("status") in FINISHED:
                        return

    return EventSourceResponse(changes(), ping=15)
