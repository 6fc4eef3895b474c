"""The student's pages: the course's levels, a lab (its task, the editor, the attempts so far),
submitting a lab, and one attempt.

A submission is only written down (an Attempt, queued) and handed to the queue, which grades
it in the sandbox: nothing runs here. It is refused before that if it is too large, holds a
NUL (no Python file does, and PostgreSQL cannot store one) or comes too soon after the
student's previous ones (the rate limit, counted in the database).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from graders.errors import SpecError
from graders.web.deadlines import gate, notes, verdicts_hidden
from graders.web.deps import DB, CsrfChecked, Lang, Posted, SignedIn
from graders.web.limits import MAX_SUBMISSION_BYTES
from graders.web.models import LAB, QUEUED, Attempt, now
from graders.web.outage import QueueUnavailable, withdraw
from graders.web.pages import render, wants_json
from graders.web.routes.api import OwnAttempt, attempt_json, counts_of, lab_record, viewer_is_staff
from graders.web.routes.drafts import editor_state, lab_attempts
from graders.web.routes.quizzes import quiz_bank, quiz_ids
from graders.web.scores import adjusted_by_staff, record_said, standings
from graders.web.security import seconds_until_a_submission, submissions_in_window
from graders.web.unlock import OpenLab, lock_of, why
from graders.web.views import task_page

router = APIRouter()


def best_scores(
    db_url: str, course_root: Path, username: str
) -> dict[str, tuple[float, float, int]]:
    """lab or quiz id → (score of record, max score, attempts): the gradebook's, as every
    page and export reads it."""
    found = standings(db_url, course_root, username)
    return {
        lab: (standing.score or 0.0, standing.max_score, standing.attempts)
        for (_student, lab), standing in found.items()
    }


@router.get("/", response_class=HTMLResponse)
def course_page(request: Request, user: SignedIn, db: DB) -> Response:
    course = request.app.state.settings.course
    scores = best_scores(request.app.state.settings.db_url, course.root, user.username)
    readable, broken = course.readable_labs()  # a broken lab is listed, not the page's end
    labs = []
    for lab in readable:
        score, top, count = scores.get(lab.id, (0.0, 0.0, 0))
        top = top or float(sum(t.points for t in lab.tests))
        labs.append(
            {"lab": lab, "score": score, "max": top, "attempts": count}
            | {"notes": notes(request, user, lab.id)}  # the calendar (deadlines.py)
            | _locked(request, user, lab.id)  # 关卡 unlocking (unlock.py)
        )
    quizzes, unavailable = [], sorted(broken)
    for quiz_id in quiz_ids(course):
        try:
            bank = quiz_bank(course, quiz_id)
        except SpecError:
            unavailable.append(quiz_id)
            continue
        score, top, count = scores.get(quiz_id, (0.0, 0.0, 0))
        top = top or sum(q.points for q in bank.questions)
        quizzes.append(
            {"bank": bank, "score": score, "max": top, "attempts": count}
            | {"notes": notes(request, user, quiz_id, db)}
            | _locked(request, user, quiz_id)
        )
    done = sum(1 for entry in labs if entry["max"] and entry["score"] >= entry["max"])
    return render(
        request,
        "course.html",
        user,
        labs=labs,
        quizzes=quizzes,
        done=done,
        unavailable=unavailable,
        adjusted=adjusted_by_staff(request.app.state.settings.db_url, course.root, user.username),
    )


def _locked(request: Request, user, item: str) -> dict:
    """A locked item is listed greyed, with what opens it, and without a link."""
    lock = lock_of(request, user, item)
    return {"locked": why(request, lock, user.username) if lock is not None else ""}


@router.get("/labs/{lab_id}", response_class=HTMLResponse)
def lab_page(request: Request, user: SignedIn, lab: OpenLab, db: DB, lang: Lang) -> Response:
    attempts = lab_attempts(db, user.username, lab.id)
    latest = attempt_json(request, attempts[0], lang) if attempts else {}
    record = lab_record(request, user.username, lab.id)  # with no attempt: an override's
    return render(
        request,
        "lab.html",
        user,
        lab=lab,
        task=task_page(lab.starter_path.parent / "README.md", lang),
        attempts=attempts,
        latest=attempts[0] if attempts else None,
        record_text=latest.get("record_text", ""),
        record_line=record_said(record, lang, viewer_is_staff(request)),
        counts=counts_of(request, attempts, lang),
        **editor_state(db, user.username, lab, attempts),  # the draft, if newer (drafts.py)
        rule_notes=notes(request, user, lab.id),  # the calendar (deadlines.py)
    )


@router.post("/labs/{lab_id}/submit")
def submit(
    request: Request,
    _csrf: CsrfChecked,
    user: SignedIn,
    lab: OpenLab,  # 关卡 unlocking: refused before the body is read (unlock.py)
    form: Posted,
    db: DB,
    lang: Lang,
) -> Response:
    code = form.get("code")
    if not isinstance(code, str):
        raise HTTPException(400, detail="malformed")
    if len(code.encode("utf-8")) > MAX_SUBMISSION_BYTES:
        raise HTTPException(413, detail="code")
    if "\x00" in code:
        raise HTTPException(400, detail="nul")
    refusal = gate(request, user, lab.id, lab.title[lang])
    if refusal is not None:  # outside the course's calendar: refused with the rule said
        return refusal
    settings = request.app.state.settings
    if submissions_in_window(db, user.username, settings.rate_seconds) >= settings.rate_count:
        wait = seconds_until_a_submission(db, user.username, settings.rate_seconds)
        raise HTTPException(429, headers={"Retry-After": str(wait)})
    attempt = Attempt(
        student=user.username,
        lab=lab.id,
        kind=LAB,
        text=code.replace("\r\n", "\n"),
        status=QUEUED,
        created_at=now(),
    )
    db.add(attempt)
    db.commit()
    try:
        request.app.state.queue.submit(attempt.id)
    except QueueUnavailable:
        if withdraw(db, attempt.id):  # not received: the page says so, the code stays there
            raise
    if wants_json(request):
        return JSONResponse({"id": attempt.id, "url": f"/api/attempts/{attempt.id}"})
    return RedirectResponse(f"/attempts/{attempt.id}", status_code=303)


@router.get("/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(request: Request, user: SignedIn, attempt: OwnAttempt, lang: Lang) -> Response:
    live = attempt_json(request, attempt, lang)
    hidden = verdicts_hidden(request, attempt)  # a quiz before its key may be shown
    return render(request, "attempt.html", user, attempt=attempt, live=live, verdicts_hidden=hidden)
