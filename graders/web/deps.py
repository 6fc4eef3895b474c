"""What a route asks for (FastAPI dependencies): the database session, the reader's language,
the signed-in user, an instructor, the CSRF check, the request's form, the lab of the path.

FastAPI resolves a route's dependencies in the order of its parameters, and that order is
the security order: a route lists who may call it (`SignedIn`, `Instructor`) and the token
check (`CsrfChecked`) before `Posted`, so a body is read only after they have passed — a
multipart body never before the session, the role and the token (limits.py). No route
declares FastAPI's Form or File parameters: FastAPI reads those before any dependency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from graders.errors import UsageError
from graders.messages import LANGS
from graders.spec import LabSpec
from graders.web.models import INSTRUCTOR, User
from graders.web.security import csrf_ok

LANG_COOKIE = "seqlab_lang"


class NeedSignIn(Exception):
    """No valid session: a page redirects to sign-in, an API call or a POST answers 401."""


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGS else "zh"


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, shared by its dependencies and its route. Objects stay
    readable after a commit (the templates read them after the route has written)."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def session_user(request: Request, db: Session) -> User | None:
    """The session's user, or None: no session, an unknown user, or a session from before the
    user's last sign-out or new password (User.session_generation), a copied cookie too."""
    username = request.session.get("user")
    if not username:
        return None
    user = db.get(User, username)
    if user is None or request.session.get("generation") != user.session_generation:
        return None
    return user


Lang = Annotated[str, Depends(lang_of)]
DB = Annotated[Session, Depends(get_db)]


def current_user(request: Request, db: DB) -> User | None:
    user = session_user(request, db)
    request.state.user = user  # for an error page raised later in the request
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]


def signed_in(user: CurrentUser) -> User:
    if user is None:
        raise NeedSignIn()
    return user


SignedIn = Annotated[User, Depends(signed_in)]


def instructor(user: SignedIn) -> User:
    if user.role != INSTRUCTOR:
        raise HTTPException(403)
    return user


Instructor = Annotated[User, Depends(instructor)]


async def check_csrf(request: Request) -> None:
    """The token from the header, the query string or an url-encoded form; a multipart body
    is never read for it."""
    given = request.headers.get("x-csrf-token") or request.query_params.get("csrf")
    if given is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        given = (await request.form()).get("csrf")
    if not csrf_ok(request.session, given if isinstance(given, str) else None):
        raise HTTPException(403, detail="csrf")


CsrfChecked = Annotated[None, Depends(check_csrf)]


async def read_form(request: Request) -> FormData:
    """The body, read in the event loop (held to its route's size limit by BodyLimit) for a
    route that runs in the thread pool."""
    return await request.form()


Posted = Annotated[FormData, Depends(read_form)]


# A row id the database can look up: SQLite's INTEGER is signed 64-bit (a larger one raises
# OverflowError from the driver, a 500); PostgreSQL's ids are narrower but compare with it.
ID_RANGE = (-(2**63), 2**63 - 1)


def path_ids(request: Request) -> None:
    """Every route's integer path parameters (an attempt's, an override's, …), checked for the
    whole app before the route's own dependencies: one that is not a whole number in ID_RANGE
    names nothing, so it is the route's 404 (page or JSON, pages.py) — not FastAPI's English
    422 nor the driver's overflow. A new route with an `int` in its path is covered as is."""
    route = request.scope.get("route")
    for name in _int_params(route) if isinstance(route, APIRoute) else ():
        raw = str(request.path_params.get(name, ""))
        if not re.fullmatch(r"-?[0-9]{1,19}", raw) or not ID_RANGE[0] <= int(raw) <= ID_RANGE[1]:
            raise HTTPException(404)


_INT_PARAMS: dict[int, tuple[APIRoute, tuple[str, ...]]] = {}  # by id(): a route is unhashable


def _int_params(route: APIRoute) -> tuple[str, ...]:
    """The route's path parameters declared `int`, its dependencies' (OwnAttempt's) too."""
    kept = _INT_PARAMS.get(id(route))
    if kept is not None and kept[0] is route:
        return kept[1]
    names, todo = [], [route.dependant]
    while todo:  # the dependency tree, walked on its public fields
        dependant = todo.pop()
        names += [p.alias for p in dependant.path_params if p.field_info.annotation is int]
        todo += dependant.dependencies
    _INT_PARAMS[id(route)] = (route, tuple(dict.fromkeys(names)))
    return _INT_PARAMS[id(route)][1]


def lab_of(request: Request, lab_id: str) -> LabSpec:
    """The lab named by the path; an unknown one is a 404."""
    try:
        return request.app.state.settings.course.lab(lab_id)
    except UsageError:  # no such lab; a broken one is the course's (pages.course_error)
        raise HTTPException(404) from None


Lab = Annotated[LabSpec, Depends(lab_of)]
