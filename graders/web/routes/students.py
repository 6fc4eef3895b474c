"""The staff's view of a student, regrades and score overrides (issue 15, item 4).

Every route here needs an instructor (`Instructor`: 403 to a student, whoever's page it is),
and every POST the CSRF token before its form is read. The hidden sets' data is shown on the
student's page here and nowhere else (student_view.py). Regrades go through the web's own
queue (regrade.py); an override is a row the score of record reads (graders/store/record.py),
so every page, the CSV and the class report follow it at once.
"""

from __future__ import annotations

import difflib
import math

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from graders.errors import SpecError
from graders.messages import say
from graders.store.effective import course_rules
from graders.store.gradebook import Gradebook
from graders.store.tables import ScoreOverride
from graders.web.deps import DB, CsrfChecked, Instructor, Lab, Lang, Posted
from graders.web.lti.outbox import score_changed
from graders.web.models import LAB, Attempt, User, now
from graders.web.pages import render
from graders.web.regrade import progress, regrade
from graders.web.routes.quizzes import quiz_bank, quiz_ids
from graders.web.scores import student_page
from graders.web.student_view import student_labs

router = APIRouter()
REFRESH_SECONDS = 2  # how often a page with a regrade under way reloads itself
MAX_REASON = 1000


def _student(db: Session, username: str) -> User:
    student = db.get(User, username)
    if student is None:
        raise HTTPException(404)
    return student


def _page(request: Request, user: User, db: Session, lang: str, username: str, problem=None):
    settings = request.app.state.settings
    student = _student(db, username)
    course = settings.course
    readable, broken = course.readable_labs()
    order = [lab.id for lab in readable] + sorted(broken) + quiz_ids(course)
    points = {item: found for item in order if (found := _item_points(request, item))}
    labs = student_labs(db, settings.db_url, course.root, username, order, lang, points)
    running = progress(settings.db_url, student=username)
    return render(
        request,
        "student.html",
        user,
        400 if problem else 200,
        student=student,
        labs=labs,
        progress=running,
        refresh=REFRESH_SECONDS if running.pending else None,
        problem=problem,
    )


@router.get("/instructor/students/{username}", response_class=HTMLResponse)
def student_view(request: Request, user: Instructor, db: DB, lang: Lang, username: str):
    return _page(request, user, db, lang, username)


@router.post("/instructor/students/{username}/regrade")
def regrade_student(
    request: Request,
    user: Instructor,
    _csrf: CsrfChecked,
    form: Posted,
    db: DB,
    lang: Lang,
    username: str,
) -> Response:
    """One attempt (`attempt`), or all of the student's attempts of one lab (`lab`)."""
    _student(db, username)
    attempt, lab = form.get("attempt"), form.get("lab")
    if isinstance(attempt, str) and attempt.isdigit():
        ids = regrade(request.app.state.settings.db_url, attempt=int(attempt), student=username)
        found = db.get(Attempt, int(attempt))
        theirs = found is not None and found.student == username and found.kind == LAB
        if not ids and not theirs:  # another student's, a quiz's, none: said, nothing queued
            problem = say("web.regrade_no_attempt", lang, attempt=attempt, student=username)
            return _page(request, user, db, lang, username, problem)
    elif isinstance(lab, str) and lab and not attempt:
        problem = _unknown_item(request, lab, lang)
        if problem:  # a typo would regrade nothing and say nothing
            return _page(request, user, db, lang, username, problem)
        ids = regrade(request.app.state.settings.db_url, student=username, lab=lab)
    else:  # staff's words: the form posted neither an attempt's number nor a lab
        problem = say("web.regrade_bad", lang, value=str(attempt or lab or ""))
        return _page(request, user, db, lang, username, problem)
    for attempt_id in ids:
        request.app.state.queue.submit(attempt_id)
    return RedirectResponse(student_page(username), status_code=303)


@router.post("/instructor/labs/{lab_id}/regrade")
def regrade_lab(request: Request, user: Instructor, _csrf: CsrfChecked, lab: Lab) -> Response:
    """Every student's attempts of the lab (after its spec was fixed)."""
    for attempt_id in regrade(request.app.state.settings.db_url, lab=lab.id):
        request.app.state.queue.submit(attempt_id)
    return RedirectResponse(f"/instructor/labs/{lab.id}/regrade", status_code=303)


@router.get("/instructor/labs/{lab_id}/regrade", response_class=HTMLResponse)
def regrade_progress(request: Request, user: Instructor, lab: Lab) -> Response:
    running = progress(request.app.state.settings.db_url, lab=lab.id)
    return render(
        request,
        "regrade.html",
        user,
        lab=lab,
        progress=running,
        refresh=REFRESH_SECONDS if running.pending else None,
    )


@router.post("/instructor/students/{username}/override", response_class=HTMLResponse)
def override(
    request: Request,
    user: Instructor,
    _csrf: CsrfChecked,
    form: Posted,
    db: DB,
    lang: Lang,
    username: str,
) -> Response:
    """A score set by staff, with its reason: the score of record from now on."""
    _student(db, username)
    settings = request.app.state.settings
    lab = str(form.get("lab") or "")
    decided = Gradebook(settings.db_url).decisions(
        course_rules(settings.course.root, settings.db_url), lab=lab, student=username
    )
    decision = decided.get((username, lab))
    item = _item_points(request, lab)
    if decision is None and item is None:  # neither a grade nor one of the course's items
        problem = _unknown_item(request, lab, lang) or say("web.override_no_grade", lang, lab=lab)
        return _page(request, user, db, lang, username, problem)
    # No grade yet (the student never submitted): the override is the grade of record by
    # itself, out of the item's points, so staff can unblock a student (record.py).
    kind, points = item or ("lab", 0.0)
    top = (decision.grade.max_score if decision is not None else None) or points
    given = str(form.get("score") or "").strip()
    try:
        score = float(given)
    except ValueError:
        score = math.nan
    reason = str(form.get("reason") or "").strip()
    if not (math.isfinite(score) and 0 <= score <= top):
        problem = say("web.override_bad_score", lang, given=given, max=f"{top:g}")
        return _page(request, user, db, lang, username, problem)
    if not reason or len(reason) > MAX_REASON:
        return _page(request, user, db, lang, username, say("web.override_no_reason", lang))
    db.add(
        ScoreOverride(
            student=username,
            lab=lab,
            score=score,
            old_score=decision.grade.score if decision is not None else None,
            reason=reason,
            by=user.username,
            at=now(),
            max_score=None if decision is not None else top,
            kind=None if decision is not None else kind,
        )
    )
    db.commit()
    score_changed(settings.db_url, settings.course.root, username, lab)  # to the LMS (AGS)
    return RedirectResponse(student_page(username), status_code=303)


def _unknown_item(request: Request, item: str, lang: str) -> str:
    """The refusal of an id that is none of the course's labs and quizzes, naming the nearest;
    "" for one of them."""
    course = request.app.state.settings.course
    known = sorted({*course.lab_ids(), *quiz_ids(course)})
    if item in known:
        return ""
    near = difflib.get_close_matches(item, known, n=1)
    shown = say("web.nearest_item", lang, near=near[0]) if near else ""  # none: said not
    return say("web.unknown_item", lang, item=item, near=shown)


def _item_points(request: Request, item: str) -> tuple[str, float] | None:
    """(kind, points) of one of the course's labs or quizzes, None when it has no such item."""
    course = request.app.state.settings.course
    readable, _broken = course.readable_labs()
    for lab in readable:
        if lab.id == item:
            return "lab", float(sum(t.points for t in lab.tests))
    if item in quiz_ids(course):
        try:
            return "quiz", float(sum(q.points for q in quiz_bank(course, item).questions))
        except SpecError:  # a broken bank: the course page says so; nothing to set here
            return None
    return None


@router.post("/instructor/students/{username}/overrides/{override_id}/remove")
def remove_override(
    request: Request,
    user: Instructor,
    _csrf: CsrfChecked,
    db: DB,
    username: str,
    override_id: int,
) -> Response:
    """The override stops counting; its row (and who removed it, when) stays as history."""
    found = db.get(ScoreOverride, override_id)
    if found is None or found.student != username:
        raise HTTPException(404)
    if found.removed_at is None:
        found.removed_at, found.removed_by = now(), user.username
        db.commit()
        settings = request.app.state.settings
        score_changed(settings.db_url, settings.course.root, username, found.lab)
    return RedirectResponse(student_page(username), status_code=303)
