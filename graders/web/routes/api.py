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
from graders.store.record import Counting, Decision, counting, counting_said
from graders.web.deadlines import calendar_of, verdicts_hidden
from graders.web.deps import DB, Lang, SignedIn
from graders.web.models import FINISHED, INSTRUCTOR, QUEUED, RUNNING, Attempt
from graders.web.scores import counted_as_is, decision_of, record_said
from graders.web.views import sets_so_far

router = APIRouter()


def own_attempt(attempt_id: int, user: SignedIn, db: DB) -> Attempt:
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or (attempt.student != user.username and user.role != INSTRUCTOR):
        raise HTTPException(404)
    return attempt


OwnAttempt = Annotated[Attempt, Depends(own_attempt)]


def counting_of(request: Request, attempt: Attempt, as_is: set[int] | None = None) -> Counting:
    """How this attempt counts (late penalty, or not at all): record.py's one answer, the
    same the course page, the CSV and `seqlab gradebook history` give — as it is for a grade
    an instructor chose (record.py) and for staff, whom the calendar does not bind."""
    calendar = calendar_of(request)
    if attempt.id in (
        counted_as_is(request.app.state.settings.db_url, [attempt]) if as_is is None else as_is
    ):
        return counting(attempt.student, attempt.lab, None, attempt.score, calendar)
    return counting(attempt.student, attempt.lab, attempt.created_at, attempt.score, calendar)


def counts_of(request: Request, attempts: list[Attempt], lang: str) -> dict[int, str]:
    """Attempt id → how it counts in words ("" on time): the attempt lists' note per row."""
    as_is = counted_as_is(request.app.state.settings.db_url, attempts)
    return {a.id: counting_said(counting_of(request, a, as_is), lang) for a in attempts}


def lab_record(request: Request, student: str, lab: str) -> Decision | None:
    """The student's score of record for the lab (staff overrides applied: record.py)."""
    settings = request.app.state.settings
    return decision_of(settings.db_url, settings.course.root, student, lab)


def viewer_is_staff(request: Request) -> bool:
    user = getattr(request.state, "user", None)
    return user is not None and user.role == INSTRUCTOR


def record_words(request: Request, attempt: Attempt, lang: str):
    """How the attempt counts and the lab's or quiz's score of record (its override included),
    once graded — polling a queued attempt reads nothing more: (counting, record, its line,
    the attempt page's note). The lab's and the quiz's result pages say the same."""
    how = counting_of(request, attempt)
    record = (
        lab_record(request, attempt.student, attempt.lab) if attempt.status in FINISHED else None
    )
    adjusted = record is not None and record.override is not None
    record_line = record_said(record, lang, viewer_is_staff(request))
    said = counting_said(how, lang)
    # how this attempt counts, and when staff set the lab's score, that it was adjusted
    return (
        how,
        record,
        record_line,
        " · ".join(t for t in (said, record_line if adjusted else "") if t),
    )


def attempt_json(
    request: Request, attempt: Attempt, lang: str, place: int | None = None
) -> dict[str, object]:
    """The attempt as the page shows it; `place`: its place in the queue when the caller has
    just counted it (the event stream's watch), else it is counted here."""
    how, record, record_line, record_text = record_words(request, attempt, lang)
    adjusted = record is not None and record.override is not None
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
        "record_text": record_text,
        "record": record_line,  # the lab's score of record in words
        "record_score": None if record is None else record.grade.score,
        "adjusted": adjusted,
    }
    if attempt.status == QUEUED:
        data["position"] = place or request.app.state.queue.position(attempt.id)
        data["status_text"] = say("web.status_queued_at", lang, position=data["position"])
    if attempt.status == RUNNING and attempt.progress:  # each set's result as it ends
        data["sets"] = sets_so_far(attempt, lang)
        data["sets_note"] = say("web.sets_so_far", lang)
        data["status_text"] = say("web.status_running_sets", lang, done=len(data["sets"]))
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
