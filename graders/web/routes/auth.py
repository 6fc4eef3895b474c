"""Sign-in, sign-out and the language switch.

Sign-in checks the CSRF token (the sign-in form has one too: no site can sign a browser in as
someone else), refuses a NUL at once (no account has one, and PostgreSQL cannot store one),
then asks the throttle (throttle.py) before it checks the password.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from graders.messages import LANGS
from graders.web.deps import DB, LANG_COOKIE, CsrfChecked, CurrentUser, Posted
from graders.web.models import User
from graders.web.pages import render
from graders.web.security import end_sessions, verify_password

router = APIRouter()


def local(target: str) -> str:
    """Only a path on this site: never `//elsewhere` or a full address."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/lang/{lang}")
async def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    if lang not in LANGS:
        raise HTTPException(404)
    response = RedirectResponse(local(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        samesite="lax",
        httponly=True,
        secure=request.app.state.settings.https,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", None, next=next, failed=False)


@router.post("/login")
def login(request: Request, _csrf: CsrfChecked, form: Posted, db: DB) -> Response:
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = str(form.get("next", "/"))
    if "\x00" in username + password:
        return render(request, "login.html", None, 401, next=target, failed=True)
    client = request.client.host if request.client else ""
    ticket = request.app.state.throttle.begin(username, client)
    if ticket.wait:
        wait = ticket.retry_after
        response = render(request, "login.html", None, 429, next=target, retry_after=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    user = db.get(User, username)
    if not verify_password(user.password_hash if user else None, password):
        return render(request, "login.html", None, 401, next=target, failed=True)
    request.app.state.throttle.succeeded(ticket)
    request.session.clear()  # a new session (and CSRF token) for the signed-in user
    request.session["user"] = user.username
    request.session["generation"] = user.session_generation
    return RedirectResponse(local(target), status_code=303)


@router.post("/logout")
def logout(request: Request, _csrf: CsrfChecked, user: CurrentUser, db: DB) -> Response:
    if user is not None:  # a copy of this cookie must not stay signed in
        end_sessions(db, user.username)
        db.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
