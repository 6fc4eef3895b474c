"""The course calendar on the web: refusing what the rules do not take (before anything is
stored) and saying the rules to the student — due in…, late by…, the penalty, attempts left,
the cool-down, when a quiz's answers are shown. The rules themselves are the store's
(graders/store/calendar.py, read by course_config.py with the web's edits laid over the file);
the penalty is applied only where the score of record is decided (graders/store/record.py).

Staff are not held to the calendar: their own test submissions are taken at any time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders.messages import say
from graders.store.calendar import IMMEDIATELY, NEVER, Calendar, cooldown_left, local_time
from graders.store.effective import course_rules
from graders.web.deps import lang_of
from graders.web.models import INSTRUCTOR, QUIZ, Attempt, User, now
from graders.web.pages import render, wants_json


def calendar_of(request: Request) -> Calendar:
    """The course's calendar, read once per request (a course page asks for every item)."""
    if not hasattr(request.state, "calendar"):
        settings = request.app.state.settings
        request.state.calendar = course_rules(settings.course.root, settings.db_url).calendar
    return request.state.calendar


def when(moment: datetime, calendar: Calendar) -> str:
    return local_time(moment, calendar.zone)


def span(delta: timedelta, lang: str) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return say("rules.days", lang, n=days, h=hours)
    if hours:
        return say("rules.hours", lang, h=hours, m=rest // 60)
    return say("rules.minutes", lang, m=rest // 60, s=rest % 60)


HEADINGS = {
    "rules.refused_not_open": "rules.heading_not_open",
    "rules.refused_locked": "rules.heading_locked",
    "rules.refused_closed": "rules.heading_closed",
    "rules.refused_attempts": "rules.heading_attempts",
    "rules.refused_cooldown": "rules.heading_cooldown",
}


def refused(request: Request, user: User, key: str, **params: object) -> Response:
    """403 with the rule said: JSON for the lab page's script, else a page."""
    text = say(key, lang_of(request), **params)
    if wants_json(request):
        # "rule": the page's script says it, rather than take a 403 for an expired session.
        return JSONResponse({"error": text, "rule": True}, status_code=403)
    # Headed by what it is (not open yet, closed, …), not as a permission error.
    heading = HEADINGS.get(key, "web.error_403")
    return render(request, "error.html", user, 403, message_key=heading, message=text)


def gate(request: Request, user: User, item: str, title: str) -> Response | None:
    """The refusal of a submission the calendar does not take now, else None."""
    if user.role == INSTRUCTOR:
        return None
    calendar = calendar_of(request)
    state = calendar.state(user.username, item, now())
    if state.open:
        return None
    moment = {"not_open": calendar.window(item).open, "locked": state.lock}.get(
        state.reason, state.due
    )
    assert moment is not None and state.reason is not None
    return refused(
        request, user, f"rules.refused_{state.reason}", item=title, when=when(moment, calendar)
    )


def verdicts_hidden(request: Request, attempt: Attempt) -> bool:
    """Whether a quiz attempt's per-question verdicts are withheld from the one viewing it:
    until the key may be shown, right-or-wrong per question would let a student narrow a
    single-choice answer over several attempts, so only the total is said. Staff see all."""
    user = getattr(request.state, "user", None)  # deps.current_user set it
    if attempt.kind != QUIZ or (user is not None and user.role == INSTRUCTOR):
        return False
    return not calendar_of(request).answers_shown(attempt.student, attempt.lab, now())


def quiz_use(db: Session, student: str, quiz_id: str) -> tuple[int, datetime | None]:
    """(attempts so far, when the newest was made)."""
    count, last = db.execute(
        select(func.count(), func.max(Attempt.created_at)).where(
            Attempt.student == student, Attempt.lab == quiz_id
        )
    ).one()
    if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=now().tzinfo)
    return int(count or 0), last


def quiz_gate(request: Request, user: User, db: Session, quiz_id: str, title: str):
    """The refusal of a quiz answer over the attempt limit or inside the cool-down."""
    refusal = gate(request, user, quiz_id, title)
    if refusal is not None or user.role == INSTRUCTOR:
        return refusal
    rules = calendar_of(request).quiz(quiz_id)
    used, last = quiz_use(db, user.username, quiz_id)
    if rules.attempts is not None and used >= rules.attempts:
        return refused(request, user, "rules.refused_attempts", item=title, total=rules.attempts)
    left = cooldown_left(last, rules, now())
    if left:
        lang = lang_of(request)
        minutes = f"{rules.cooldown.total_seconds() / 60:g}"
        return refused(
            request, user, "rules.refused_cooldown", minutes=minutes, left=span(left, lang)
        )
    return None


def notes(request: Request, user: User, item: str, quiz_db: Session | None = None) -> list[str]:
    """What the student is told of the item's rules, in their language (a quiz: pass `db`)."""
    calendar, lang, at = calendar_of(request), lang_of(request), now()
    window, policy = calendar.window(item), calendar.policy(item)
    state = calendar.state(user.username, item, at)
    said: list[str] = []
    if window.open is not None and at < window.open:
        said.append(say("rules.opens", lang, when=when(window.open, calendar)))
    if state.due is not None:
        key = "rules.due_in" if at <= state.due else "rules.due_passed"
        if state.due != window.due:  # an extension: said once, as this student's due time
            key = "rules.extended_in" if at <= state.due else "rules.extended_passed"
        said.append(
            say(key, lang, when=when(state.due, calendar), left=span(abs(state.due - at), lang))
        )
        if policy.mode == "closed":
            said.append(say("rules.late_closed", lang))
        elif policy.per_day:
            said.append(
                say(
                    "rules.late_penalty",
                    lang,
                    per_day=f"{policy.per_day * 100:g}",
                    floor=f"{policy.floor * 100:g}",
                )
            )
        if state.open and state.late_days:
            said.append(
                say("rules.late_now", lang, days=state.late_days, percent=f"{state.factor * 100:g}")
            )
    if state.lock is not None:  # this student's: an extension past the lock moved it
        key = "rules.locks" if at <= state.lock else "rules.locked"
        said.append(say(key, lang, when=when(state.lock, calendar)))
    if quiz_db is not None:
        said.extend(_quiz_notes(calendar, quiz_db, user, item, lang, at))
    return said


def quiz_closed(request: Request, user: User, item: str) -> bool:
    """The quiz takes no more answers from this student (past their lock, or past the due
    time when late answers are closed): its page says so instead of offering the paper."""
    if user.role == INSTRUCTOR:
        return False
    state = calendar_of(request).state(user.username, item, now())
    return not state.open and state.reason in ("locked", "closed")


def _quiz_notes(calendar, db, user, item, lang, at) -> list[str]:
    rules, said = calendar.quiz(item), []
    used, last = quiz_use(db, user.username, item)
    state = calendar.state(user.username, item, at)
    if not state.open and state.reason in ("locked", "closed"):
        said.append(say("rules.quiz_closed", lang))  # no attempt left to count or wait for
    elif rules.attempts is not None and used >= rules.attempts:
        # None left: a cool-down countdown would promise an attempt that never comes.
        said.append(say("rules.no_attempts_left", lang, total=rules.attempts))
    elif rules.attempts is not None:
        said.append(
            say("rules.attempts_left", lang, left=rules.attempts - used, total=rules.attempts)
        )
    wait = cooldown_left(last, rules, at)
    if wait and state.open and (rules.attempts is None or used < rules.attempts):
        said.append(say("rules.cooldown_left", lang, left=span(wait, lang)))
    closes = calendar.closes_at(item)
    if rules.answers == NEVER:
        said.append(say("rules.answers_never", lang))
    elif rules.answers == IMMEDIATELY:
        said.append(say("rules.answers_now", lang))
    elif closes is None:
        said.append(say("rules.answers_no_due", lang))
    elif calendar.answers_shown(user.username, item, at):  # the time has come: said so
        said.append(say("rules.answers_shown_now", lang, when=when(closes, calendar)))
    else:
        said.append(say("rules.answers_after", lang, when=when(closes, calendar)))
    return said
