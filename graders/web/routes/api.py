"""The JSON the lab page polls: an attempt's status, its place in the queue, then its results'
HTML rendered by the server (results.html, escaped there).

A student reaches only their own attempts: another's answers 404, exactly as one that does
not exist; an instructor reaches every attempt.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from graders.messages import say
from graders.store.record import Counting, counting, counting_said
from graders.web.deadlines import calendar_of, verdicts_hidden
from graders.web.deps import DB, Lang, SignedIn
from graders.web.models import FINISHED, INSTRUCTOR, QUEUED, Attempt

router = APIRouter()


def own_attempt(attempt_id: int, user: SignedIn, db: DB) -> Attempt:
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or (attempt.student != user.username and user.role != INSTRUCTOR):
        raise HTTPException(404)
    return attempt


OwnAttempt = Annotated[Attempt, Depends(own_attempt)]


def counting_of(request: Request, attempt: Attempt) -> Counting:
    """How this attempt counts (late penalty, or not at all): record.py's one answer, the
    same the course page, the CSV and `seqlab gradebook history` give."""
    calendar = calendar_of(request)
    return counting(attempt.student, attempt.lab, attempt.created_at, attempt.score, calendar)


def attempt_json(request: Request, attempt: Attempt, lang: str) -> dict[str, object]:
    how = counting_of(request, attempt)
    data: dict[str, object] = {
        "id": attempt.id,
        "lab": attempt.lab,
        "status": attempt.status,
        "status_text": say(f"web.status_{attempt.status}", lang),
        "score": how.score,  # the score that counts (None: it does not count)
        "raw_score": attempt.score,
        "max_score": attempt.max_score,
        "late_days": how.late_days,
        "penalty_percent": round((1 - how.factor) * 100, 6) if how.late_days else 0,
        "counts": how.refused is None,
        "record_text": counting_said(how, lang),
    }
    if attempt.status == QUEUED:
        data["position"] = request.app.state.queue.position(attempt.id)
        data["status_text"] = say("web.status_queued_at", lang, position=data["position"])
    if attempt.status in FINISHED:
        data["html"] = request.app.state.templates.get_template("results.html").render(
            attempt=attempt,
            lang=lang,
            t=lambda key, **p: say(key, lang, **p),
            record_text=data["record_text"],
            verdicts_hidden=verdicts_hidden(request, attempt),
        )
    return data


@router.get("/api/attempts/{attempt_id}")
def attempt_api(request: Request, attempt: OwnAttempt, lang: Lang) -> Response:
    return JSONResponse(attempt_json(request, attempt, lang))
