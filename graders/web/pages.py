"""Rendering a page in the reader's language, and the pages that answer errors.

Every template gets the language, `t` (the catalogue in that language), the user, the CSRF
token, the page's own path (for the language switch) and the response's CSP nonce
(headers.py). An error is a page in the reader's language, or JSON for the API and for a
caller that asks for JSON (the lab page's script).
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from graders.errors import SpecError
from graders.messages import say
from graders.store.calendar import local_time
from graders.web.deps import NeedSignIn, lang_of, session_user
from graders.web.headers import NONCE_KEY
from graders.web.limits import MAX_SUBMISSION_BYTES
from graders.web.models import User
from graders.web.security import csrf_token

# The errors with a page of their own; any other says web.error_other.
ERROR_KEYS = (
    "web.error_csrf",
    "web.error_nul",
    "web.error_403",
    "web.error_404",
    "web.error_413",
    "web.error_429",
    "web.report_failed",
    "web.error_course",
    "web.error_code_too_large",
    "web.error_malformed",
    "web.error_draft_too_large",
    "web.error_draft_malformed",
)
# HTTPException details that name their own message.
DETAIL_KEYS = {
    "csrf": "web.error_csrf",
    "nul": "web.error_nul",
    "report": "web.report_failed",
    "code": "web.error_code_too_large",  # a lab's code or draft over its limit
    "malformed": "web.error_malformed",
    "draft_code": "web.error_draft_too_large",  # a draft's own words: nothing was submitted
    "draft_malformed": "web.error_draft_malformed",
}
CODE_PATH = re.compile(r"/labs/[^/]+/(submit|draft)")  # a 413 there is the code's size
PARAMS = {
    key: {"limit": MAX_SUBMISSION_BYTES // 1000}
    for key in ("web.error_code_too_large", "web.error_draft_too_large")
}


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context):
    lang = lang_of(request)

    def t(key: str, **params: object) -> str:
        return say(key, lang, **params)

    def shown_time(moment: datetime, seconds: bool = False) -> str:
        # Imported here: deadlines.py renders its refusals with this module.
        from graders.web.deadlines import calendar_of

        return local_time(moment, calendar_of(request).zone, seconds)

    return request.app.state.templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "other_lang": "en" if lang == "zh" else "zh",
            "t": t,
            "local_time": shown_time,  # every time on the course's clock, labelled
            "user": user,
            "csrf": csrf_token(request.session),
            "here": quote(request.url.path),
            "csp_nonce": request.scope.get("state", {}).get(NONCE_KEY, ""),
            **context,
        },
        status_code=status_code,
    )


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


async def need_sign_in(request: Request, _error: NeedSignIn) -> Response:
    if wants_json(request):  # the page's scripts say it in their own words (lab.js)
        return JSONResponse({"error": say("web.need_sign_in", lang_of(request))}, status_code=401)
    # A form sent after the session ended: back to the page it was sent from, after signing
    # in (a POST's own address may have no page).
    back = request.url.path
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc in ("", request.url.netloc)
        back = referer.path if same_site and referer.path.startswith("/") else "/"
    return RedirectResponse(f"/login?next={quote(back)}", status_code=303)


def http_error(request: Request, error: StarletteHTTPException) -> Response:
    """A plain function: Starlette runs it in the thread pool (it may look the user up)."""
    key = DETAIL_KEYS.get(str(error.detail), f"web.error_{error.status_code}")
    code_path = CODE_PATH.fullmatch(request.url.path)
    if error.status_code == 413 and code_path:
        key = "web.error_draft_too_large" if code_path[1] == "draft" else "web.error_code_too_large"
    if key not in ERROR_KEYS:
        key = "web.error_other"
    params = PARAMS.get(key, {})
    if wants_json(request):
        message = say(key, lang_of(request), **params)
        response = JSONResponse({"error": message}, status_code=error.status_code)
    else:
        response = render(
            request, "error.html", _user(request), error.status_code, message_key=key, params=params
        )
    response.headers.update(error.headers or {})  # a 429's Retry-After
    return response


def _user(request: Request) -> User | None:
    """The user the route's dependencies found, else the session's (for the header)."""
    state = request.scope.get("state", {})
    if "user" in state:
        return state["user"]
    if "session" not in request.scope:  # refused before the session middleware ran
        return None
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        return session_user(request, db)


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    """BodyLimit's answer to an oversized Content-Length: the app's own 413 page."""
    request = Request(scope, receive)
    response = await run_in_threadpool(http_error, request, StarletteHTTPException(413))
    await response(scope, receive, send)


def course_error(request: Request, error: SpecError) -> Response:
    """A course file (spec, template, bank, seqlab.toml) is broken: the page says it is the
    course's and not the reader's; what is wrong goes to the server's log, for the staff."""
    print(f"seqlab serve: {request.url.path}: {error.render('en')}", file=sys.stderr)
    if wants_json(request):
        message = say("web.error_course", lang_of(request))
        return JSONResponse({"error": message}, status_code=503)
    return render(request, "error.html", _user(request), 503, message_key="web.error_course")


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(NeedSignIn, need_sign_in)
    app.add_exception_handler(SpecError, course_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
