"""The FastAPI app, assembled: middleware, the routers (graders/web/routes/), static files, the
error pages, and what the routes share in app.state — the settings, the database engine, the
templates, the grading queue, the sign-in throttle and the class reports.

Lab attempts are only written to the database and handed to the queue; the queue grades them.
Access: every page but sign-in needs a session; a student reaches only their own attempts
(another's answers 404, as if it did not exist), instructor pages answer 403 to students.
Every POST checks the session's CSRF token (security.py) before it reads anything else, and
every body is held to its route's size limit (limits.py); sign-in is throttled (throttle.py);
every response carries the security headers (headers.py).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from graders.present.html import STATIC as PRESENT_STATIC
from graders.present.html import environment
from graders.spec import Course
from graders.web.deps import path_ids
from graders.web.headers import SecurityHeaders
from graders.web.limits import BodyLimit
from graders.web.lti.registry import tool_key
from graders.web.models import engine_for
from graders.web.outage import install as install_outage
from graders.web.pages import install_error_pages, too_large
from graders.web.reports import ClassReports
from graders.web.routes import ROUTERS
from graders.web.security import session_secret
from graders.web.throttle import LoginThrottle, ThrottlePolicy
from graders.web.unlock import install as install_unlock
from graders.web.views import attempt_message, attempt_view
from graders.web.watch import AttemptWatch

HERE = Path(__file__).resolve().parent


@dataclass
class WebSettings:
    db_url: str
    course: Course
    secret: str | None = None
    https: bool = False  # Secure cookies (behind a TLS proxy)
    rate_count: int = 5  # at most this many lab submissions per student …
    rate_seconds: float = 60.0  # … in this many seconds
    login_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    extra: dict[str, Any] = field(default_factory=dict)


def create_app(settings: WebSettings, queue) -> FastAPI:
    """`queue` has submit(attempt_id), position(attempt_id), start() and close()."""
    reports = ClassReports(settings.db_url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        queue.start()
        readable, _broken = settings.course.readable_labs()
        reports.prebuild(readable)  # in the background: the start does not wait
        try:
            yield
        finally:
            await _app.state.watch.close()
            reports.close()
            queue.close()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(path_ids)],  # a malformed id in any path: 404 (deps.py)
    )
    engine = engine_for(settings.db_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.watch = AttemptWatch(engine)  # one look at the database for all event streams
    # The one Jinja configuration (present/html.py): the result partial is the same here as
    # in feedback files and notebooks.
    templates = Jinja2Templates(env=environment(HERE / "templates"))
    templates.env.globals.update(attempt_view=attempt_view, attempt_message=attempt_message)
    app.state.templates = templates
    app.state.queue = queue
    app.state.throttle = LoginThrottle(engine, settings.login_throttle)
    app.state.reports = reports
    tool_key(engine)  # the LTI tool's key pair, made on the first start (lti/registry.py)

    # Added innermost first: BodyLimit sees the session (for its 413 page), and the 413 it
    # raises from `receive` reaches the error pages without crossing another middleware.
    app.add_middleware(BodyLimit, too_large=too_large)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings.secret),
        session_cookie="seqlab_session",
        same_site="lax",
        https_only=settings.https,
        max_age=12 * 3600,
    )
    app.add_middleware(SecurityHeaders)
    install_error_pages(app)
    install_outage(app)  # the database or the broker away: 503, "not received" (outage.py)
    install_unlock(app)  # 关卡 unlocking's 403 (unlock.py)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/present", StaticFiles(directory=PRESENT_STATIC), name="present")
    for router in ROUTERS:
        app.include_router(router)
    return app
