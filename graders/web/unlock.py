"""关卡 unlocking on the web: a locked lab or quiz is not served to a student — its page (the
task, the starter in the editor), its draft saves, its history, its submissions, a quiz's
paper and answers — but answered 403 with the rule and what opens it, in the reader's
language; the course page lists it greyed with the same words. The rules are the store's
(graders/store/unlock.py, read with the calendar by course_config.py); "passed" is read from
the score of record (graders/web/scores.py → record.py), late penalty and overrides included.

Staff are exempt: they open every lab at any time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from graders.messages import say
from graders.spec import LabSpec
from graders.store.unlock import Lock
from graders.web.deadlines import calendar_of, when
from graders.web.deps import Lab, SignedIn, lang_of
from graders.web.models import INSTRUCTOR, User, now
from graders.web.pages import render, wants_json
from graders.web.scores import standings


class Locked(Exception):
    def __init__(self, lock: Lock) -> None:
        self.lock = lock


def _levels(request: Request) -> dict[str, int | None]:
    readable, _broken = request.app.state.settings.course.readable_labs()
    return {lab.id: lab.level for lab in readable}


def _passed(request: Request, user: User) -> set[str]:
    """The items this student has passed, read once per request."""
    if not hasattr(request.state, "unlock_passed"):
        settings, rules = request.app.state.settings, calendar_of(request).unlock
        found = standings(settings.db_url, settings.course.root, user.username)
        points = {lab.id: sum(t.points for t in lab.tests) for lab in _labs(request).values()}
        request.state.unlock_passed = {
            item
            for (_student, item), s in found.items()
            if rules.passed(s.score, s.max_score or points.get(item, 0.0))
        }
    return request.state.unlock_passed


def _labs(request: Request) -> dict[str, LabSpec]:
    readable, _broken = request.app.state.settings.course.readable_labs()
    return {lab.id: lab for lab in readable}


def lock_of(request: Request, user: User, item: str) -> Lock | None:
    """Why `item` is locked for this user now, else None (always None for staff)."""
    calendar = calendar_of(request)
    if user.role == INSTRUCTOR or not calendar.unlock.active:
        return None
    opens = calendar.window(item).open
    return calendar.unlock.lock(item, _levels(request), _passed(request, user), opens, now())


def title_of(request: Request, item: str, lang: str) -> str:
    """A lab's or quiz's title in the reader's language (its id when it has none)."""
    labs = _labs(request)
    if item in labs:
        return labs[item].title[lang]
    # Imported here: the quiz routes import this module (the one reader of quiz banks).
    from graders.web.routes.quizzes import quiz_bank, quiz_ids

    course = request.app.state.settings.course
    return quiz_bank(course, item).title[lang] if item in quiz_ids(course) else item


def why(request: Request, lock: Lock, student: str | None = None) -> str:
    """What opens it: the labs to pass, the date; a required item closed for the student
    (locked, or due with late answers closed) said so, with who can help."""
    lang, calendar = lang_of(request), calendar_of(request)
    said = []
    if lock.missing:
        names = [f"{title_of(request, i, lang)} ({i})" for i in lock.missing]
        percent = f"{calendar.unlock.share * 100:g}"
        joined = ("、" if lang == "zh" else ", ").join(names)
        said.append(say("rules.unlock_by", lang, labs=joined, percent=percent))
        for item in lock.missing if student is not None else ():
            state = calendar.state(student, item, now())
            if not state.open and state.reason in ("locked", "closed"):
                said.append(
                    say("rules.unlock_needed_closed", lang, item=title_of(request, item, lang))
                )
    if lock.opens is not None:
        said.append(say("rules.unlock_until", lang, when=when(lock.opens, calendar)))
    return "；".join(said) if lang == "zh" else "; ".join(said)


def open_lab(request: Request, user: SignedIn, lab: Lab) -> LabSpec:
    """The lab of the path, if it is open to this user (a route's dependency)."""
    lock = lock_of(request, user, lab.id)
    if lock is not None:
        raise Locked(lock)
    return lab


OpenLab = Annotated[LabSpec, Depends(open_lab)]


def open_quiz(request: Request, quiz_id: str, user: SignedIn) -> str:
    lock = lock_of(request, user, quiz_id)
    if lock is not None:
        raise Locked(lock)
    return quiz_id


OpenQuiz = Annotated[str, Depends(open_quiz)]


def locked_page(request: Request, error: Locked) -> Response:
    """403 with the rule, titled by what it is (locked: finish … first): JSON for the page's
    scripts and the API, else a page."""
    lang, item = lang_of(request), error.lock.item
    user = getattr(request.state, "user", None)  # deps.current_user set it
    student = user.username if user is not None else None
    reason = why(request, error.lock, student)
    text = say("rules.unlock_refused", lang, item=title_of(request, item, lang), why=reason)
    if wants_json(request):
        return JSONResponse({"error": text, "locked": item, "rule": True}, status_code=403)
    if error.lock.missing:
        needed = ("、" if lang == "zh" else ", ").join(
            title_of(request, i, lang) for i in error.lock.missing
        )
        key, params = "rules.unlock_title", {"needed": needed}
    else:
        key, params = "rules.unlock_title_date", {}
    return render(request, "error.html", user, 403, message_key=key, params=params, message=text)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Locked, locked_page)
