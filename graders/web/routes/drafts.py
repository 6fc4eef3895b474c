"""Drafts: the lab page's editor saves the student's unsubmitted file as they type, and every
return to the page (reload, Back, the language switch, a new sign-in) brings it back.

A save names the version of the draft it was made from (0: none yet) and becomes the next
version only if that is still the newest, in one compare-and-set UPDATE (or an INSERT that a
second first save loses on the primary key): a tab opened before another tab's save is told
its edits are stale instead of overwriting the newer draft. Until the server has a save the
page keeps the text in the browser's localStorage (lab.js), so a session that expired
mid-edit loses nothing: after signing in again the page sends it.

Also here: the attempt history partial, which the lab page fetches after a 评测 so the list
updates without a reload.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from graders.engine import course_text
from graders.messages import say
from graders.spec import LabSpec
from graders.store.calendar import local_time
from graders.web.deadlines import calendar_of
from graders.web.deps import DB, CsrfChecked, Lang, Posted, SignedIn
from graders.web.limits import MAX_SUBMISSION_BYTES
from graders.web.models import Attempt, Draft, now
from graders.web.pages import render
from graders.web.routes.api import counts_of
from graders.web.unlock import OpenLab  # a locked 关卡's drafts and history: 403

router = APIRouter()


def lab_attempts(db: Session, student: str, lab: str) -> list[Attempt]:
    return list(
        db.scalars(
            select(Attempt)
            .where(Attempt.student == student, Attempt.lab == lab)
            .order_by(Attempt.id.desc())
        )
    )


def editor_state(db: Session, student: str, lab: LabSpec, attempts: list[Attempt]) -> dict:
    """What the editor opens with — the draft when it is newer than the last submission,
    else that submission, else the starter — and what lab.js needs to keep it."""
    draft = db.get(Draft, (student, lab.id))
    latest = attempts[0] if attempts else None
    starter = course_text(lab.starter_path, lab)
    submitted = latest.text if latest else None
    use_draft = draft is not None and (latest is None or draft.saved_at >= latest.created_at)
    code = draft.text if use_draft and draft else (submitted or starter)
    return {
        "code": code,
        "draft_at": draft.saved_at if use_draft and draft else None,  # shown as local_time
        "state": {
            "lab": lab.id,
            "user": student,
            "version": draft.version if draft else 0,
            "submitted": submitted,
            "starter": starter,
            "max_bytes": MAX_SUBMISSION_BYTES,
        },
    }


def _store(db: Session, student: str, lab: str, text: str, base: int) -> Draft | None:
    """The saved draft, or None when `base` is no longer the newest version."""
    stamp = now()
    if base == 0:
        db.add(Draft(student=student, lab=lab, text=text, version=1, saved_at=stamp))
        try:
            db.commit()
        except IntegrityError:  # another tab's first save came first
            db.rollback()
            return None
    else:
        mine = (Draft.student == student, Draft.lab == lab, Draft.version == base)
        changed = db.execute(
            update(Draft).where(*mine).values(text=text, version=base + 1, saved_at=stamp)
        )
        db.commit()
        if changed.rowcount != 1:
            return None
    return db.get(Draft, (student, lab), populate_existing=True)


@router.post("/labs/{lab_id}/draft")
def save_draft(
    request: Request,
    user: SignedIn,
    _csrf: CsrfChecked,
    lab: OpenLab,
    form: Posted,
    db: DB,
    lang: Lang,
) -> Response:
    """The session first: an expired one answers 401 (the page keeps the text and says to
    sign in), not the token's 403."""
    code, base = form.get("code"), str(form.get("base", ""))
    # A version the database can hold (a forged 10**30 is malformed, not a server error).
    if not isinstance(code, str) or not base.isdigit() or len(base) > 15:
        raise HTTPException(400, detail="draft_malformed")
    if len(code.encode("utf-8")) > MAX_SUBMISSION_BYTES:
        raise HTTPException(413, detail="draft_code")
    if "\x00" in code:
        raise HTTPException(400, detail="nul")
    draft = _store(db, user.username, lab.id, code.replace("\r\n", "\n"), int(base))
    if draft is None:
        return JSONResponse({"error": say("web.draft_stale", lang), "stale": True}, 409)
    at = local_time(draft.saved_at, calendar_of(request).zone, seconds=True)
    return JSONResponse(
        {"version": draft.version, "saved": say("web.draft_saved_at", lang, time=at)}
    )


@router.get("/labs/{lab_id}/history", response_class=HTMLResponse)
def history(request: Request, user: SignedIn, lab: OpenLab, db: DB, lang: Lang) -> Response:
    attempts = lab_attempts(db, user.username, lab.id)
    counts = counts_of(request, attempts, lang)  # the score each one counts for
    return render(request, "history.html", user, attempts=attempts, counts=counts)
