"""The LTI 1.3 tool's routes (graders/web/lti/): the OIDC third-party login initiation, the
launch (id_token verified against the platform's JWKS, state and single-use nonce checked,
deployment known), the tool's JWKS, and the deep-linking picker and its signed response.

The platform's POSTs carry no seqlab CSRF token: the signed id_token (bound to the state
cookie and the nonce) is what authenticates them. A refused launch is a page in both
languages (the LMS's reader has not chosen one yet) with the status; the reason pylti1p3
gave goes to the server's log, never a traceback to the browser.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from graders.errors import SpecError, UsageError
from graders.messages import say
from graders.web.deps import CsrfChecked, Instructor, Posted
from graders.web.lti import outbox
from graders.web.lti.accounts import fill_roster, link_scores, upsert_user
from graders.web.lti.adapter import LtiRequest, SeqlabLaunch, launch_for, login_for, services
from graders.web.lti.claims import DEEP_LINKING, Target, person_of, target_of
from graders.web.lti.registry import jwks, tool_conf
from graders.web.models import INSTRUCTOR
from graders.web.pages import render
from graders.web.routes.quizzes import quiz_bank, quiz_ids

router = APIRouter()

# pylti1p3's reasons → what the reader is told (both languages); any other: lti.launch_bad.
REASONS = (
    ("Invalid Nonce", "lti.replayed"),
    ("nonce", "lti.replayed"),
    ("State not found", "lti.state_bad"),
    ("Missing state", "lti.state_bad"),
    ("deployment", "lti.deployment_unknown"),
    ("Registration not found", "lti.platform_unknown"),
    ("registration details", "lti.platform_unknown"),
    ("Client id", "lti.platform_unknown"),
    ("Signature has expired", "lti.token_expired"),
    ("Can't decode id_token", "lti.token_bad"),
    ("public key", "lti.token_bad"),
    ("JWT", "lti.token_bad"),
)


def refused(request: Request, key: str, status: int = 400, reason: object = "") -> Response:
    if reason:
        print(f"seqlab lti: {request.url.path}: refused ({key}): {reason}", file=sys.stderr)
    return render(
        request,
        "lti_error.html",
        None,
        status,
        zh=say(key, "zh"),
        en=say(key, "en"),
        back_zh=say("web.back_to_course", "zh"),
        back_en=say("web.back_to_course", "en"),
    )


def key_of(error: Exception) -> str:
    text = str(error)
    return next(
        (key for needle, key in REASONS if needle.lower() in text.lower()), "lti.launch_bad"
    )


async def lti_request(request: Request) -> LtiRequest:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    return LtiRequest(params, request.cookies, request.url.scheme == "https")


@router.api_route("/lti/login", methods=["GET", "POST"], name="lti_login")
async def login(request: Request) -> Response:
    given = await lti_request(request)
    return await _in_thread(_login, request, given)


def _login(request: Request, given: LtiRequest) -> Response:
    engine = request.app.state.engine
    try:
        return login_for(given, engine, tool_conf(engine)).redirect(
            str(request.url_for("lti_launch"))
        )
    except (OIDCException, LtiException) as error:
        return refused(request, key_of(error), 400, error)


@router.post("/lti/launch", name="lti_launch")
async def launch(request: Request) -> Response:
    given = await lti_request(request)
    return await _in_thread(_launch, request, given)


def _launch(request: Request, given: LtiRequest) -> Response:
    engine = request.app.state.engine
    conf = tool_conf(engine)
    message = launch_for(given, engine, conf)
    try:
        claims = dict(message.get_launch_data())
    except LtiException as error:
        return refused(request, key_of(error), 403, error)
    person = person_of(claims)
    deep_linking = message.is_deep_link_launch()
    target = None if deep_linking else target_of(claims)
    if deep_linking and person.role != INSTRUCTOR:
        return refused(request, "lti.deep_link_staff", 403, "a learner's deep-linking launch")
    if target is not None and not _exists(request, target):
        return refused(request, "lti.target_unknown", 404, f"no {target.kind} {target.id}")
    with Session(engine, expire_on_commit=False) as db, db.begin():
        user = upsert_user(db, person)
        if target is not None and person.role != INSTRUCTOR:
            linked = link_scores(db, claims, person, target)
        else:
            linked = False
    if person.role == INSTRUCTOR:
        fill_roster(
            engine, conf.find_registration_by_params(claims["iss"], message.get_client_id()), claims
        )
    if linked:  # a score already earned goes to the new LMS column at once
        outbox.score_changed(
            request.app.state.settings.db_url,
            request.app.state.settings.course.root,
            person.username,
            target.id,
        )
    request.session.clear()  # a new session for the launched user (a new CSRF token too)
    request.session["user"] = user.username
    request.session["generation"] = user.session_generation
    if deep_linking:
        request.session["lti_launch"] = message.get_launch_id()
        return _picker(request, user, message.get_launch_id(), claims)
    return RedirectResponse(target.path if target else "/", status_code=303)


def _exists(request: Request, target: Target) -> bool:
    course = request.app.state.settings.course
    if target.kind == "quiz":
        return target.id in quiz_ids(course)
    try:
        course.lab(target.id)
    except (UsageError, SpecError):
        return False
    return True


def _choices(request: Request) -> list[dict]:
    """Every lab and quiz an instructor can place in the LMS, titled in both languages."""
    course = request.app.state.settings.course
    readable, _broken = course.readable_labs()
    found = [
        {
            "value": f"lab:{lab.id}",
            "title": lab.title,
            "max": float(sum(t.points for t in lab.tests)),
        }
        for lab in readable
    ]
    for quiz_id in quiz_ids(course):
        try:
            bank = quiz_bank(course, quiz_id)
        except SpecError:
            continue
        found.append(
            {
                "value": f"quiz:{quiz_id}",
                "title": bank.title,
                "max": float(sum(q.points for q in bank.questions)),
            }
        )
    return found


def _picker(request: Request, user, launch_id: str, claims: dict) -> Response:
    settings = claims.get(DEEP_LINKING) or {}
    return render(
        request,
        "lti_pick.html",
        user,
        launch_id=launch_id,
        choices=_choices(request),
        multiple=settings.get("accept_multiple", True) is not False,
    )


@router.post("/lti/deep-link", name="lti_deep_link")
def deep_link(request: Request, _csrf: CsrfChecked, user: Instructor, form: Posted) -> Response:
    """The instructor's choice, signed as an LtiDeepLinkingResponse and posted back to the
    LMS by the browser (a form and static/lti.js: no inline script under the CSP)."""
    launch_id = str(form.get("launch", ""))
    if not launch_id or request.session.get("lti_launch") != launch_id:
        raise HTTPException(403)
    engine = request.app.state.engine
    given = LtiRequest({}, request.cookies, request.url.scheme == "https")
    session, cookies = services(given, engine)
    try:
        message = SeqlabLaunch.from_cache(launch_id, given, tool_conf(engine), session, cookies)
    except LtiException as error:
        return refused(request, "lti.launch_bad", 400, error)
    if not message.is_deep_link_launch():
        raise HTTPException(403)
    choices = {c["value"]: c for c in _choices(request)}
    picked = [choices[v] for v in form.getlist("item") if v in choices]
    if not picked:
        return refused(request, "lti.nothing_picked", 400)
    launch_url = str(request.url_for("lti_launch"))
    resources = []
    for choice in picked:
        kind, item_id = choice["value"].split(":", 1)
        title = f"{choice['title']['zh']} / {choice['title']['en']}"
        resources.append(
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(title)
            .set_custom_params({kind: item_id})
            .set_lineitem(
                LineItem()
                .set_label(title)
                .set_score_maximum(choice["max"] or 1.0)
                .set_resource_id(choice["value"])
            )
        )
    link = message.get_deep_link()
    token = link.get_response_jwt(resources)
    return_url = message.get_launch_data()[DEEP_LINKING]["deep_link_return_url"]
    request.session.pop("lti_launch", None)
    response = render(
        request, "lti_return.html", user, return_url=return_url, token=token, count=len(picked)
    )
    # This page's form posts to the LMS: the CSP's form-action names it besides this site.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        f"form-action 'self' {_origin(return_url)}"
    )
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/lti/jwks.json", name="lti_jwks")
def tool_jwks(request: Request) -> Response:
    return JSONResponse(jwks(request.app.state.engine), headers={"Cache-Control": "max-age=300"})


async def _in_thread(function, *args):
    """pylti1p3 is synchronous (requests, the database): off the event loop."""
    return await run_in_threadpool(function, *args)
