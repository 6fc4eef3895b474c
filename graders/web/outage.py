"""A part of the platform away for a moment: the database (a PostgreSQL restart) or the broker
(a redis-server restart, in Celery mode).

The rule a student can rely on: a submission the page calls received is graded exactly once,
and one that is not received is said so ("not received, try again", the code left in the
editor). So:
- a request that finds the database unreachable is answered 503 with that message (JSON for
  the page's script and the API, the error page otherwise), never a 500 with a traceback; on
  the submit route nothing was stored, since the attempt's INSERT is what failed;
- an attempt stored but whose job the broker refused is withdrawn (deleted while still
  queued and unclaimed) and the submission refused the same way; if a grader had already
  claimed it, it was received after all, and the route answers as usual.
What was received survives: the attempt rows are the queue (queue.py takes back what a killed
server left; tasks.py sends again what a restarted broker forgot).
"""

from __future__ import annotations

import re
import sys

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from graders.messages import say
from graders.web.deps import lang_of
from graders.web.models import QUEUED, Attempt

RETRY_AFTER = "5"  # seconds: what a 503 tells a client to wait
SUBMIT_PATH = re.compile(r"/labs/[^/]+/submit")


class QueueUnavailable(Exception):
    """The broker refused a job (it is down or restarting)."""


def withdraw(db: Session, attempt_id: int) -> bool:
    """Delete a just-stored attempt whose job could not be sent, unless a grader has claimed
    it meanwhile (then it is being graded: received). True when withdrawn."""
    gone = db.execute(
        delete(Attempt).where(
            Attempt.id == attempt_id, Attempt.status == QUEUED, Attempt.claim.is_(None)
        )
    ).rowcount
    db.commit()
    return bool(gone)


def refused(request: Request, key: str) -> Response:
    """503 in the reader's language: JSON for a script or the API, else the error page (drawn
    without the signed-in header, which would need the database)."""
    from graders.web.pages import render, wants_json  # pages.py's own imports need ours first

    if wants_json(request):
        message = say(key, lang_of(request))
        return JSONResponse(
            {"error": message, "received": False},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    response = render(request, "error.html", None, 503, message_key=key)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def database_away(request: Request, error: Exception) -> Response:
    """A plain function: Starlette runs it in the thread pool."""
    reason = str(getattr(error, "orig", None) or error).strip().split("\n")[0]
    print(
        f"seqlab serve: {request.url.path}: the database is unreachable: {reason}", file=sys.stderr
    )
    key = "web.not_received" if SUBMIT_PATH.fullmatch(request.url.path) else "web.error_database"
    return refused(request, key)


def queue_away(request: Request, _error: QueueUnavailable) -> Response:
    """The submit route withdraws its attempt before this (labs.py); elsewhere (a regrade)
    the attempts stay queued and are sent when the broker is back (tasks.py)."""
    print(f"seqlab serve: {request.url.path}: the broker refused a job", file=sys.stderr)
    key = "web.not_received" if SUBMIT_PATH.fullmatch(request.url.path) else "web.queue_later"
    return refused(request, key)


def install(app: FastAPI) -> None:
    for error in (OperationalError, InterfaceError):
        app.add_exception_handler(error, database_away)
    app.add_exception_handler(QueueUnavailable, queue_away)
