"""The FastAPI app: pages for students and instructors, and the JSON the lab page polls.

A composition root (like cli.py): it brings the engine's labs and the `quizzes` package
together, since a quiz page is scored by the quiz engine in the request (nothing runs). Lab
attempts are only written to the database and handed to the queue; the queue grades them.

Access: every page but sign-in needs a session; a student reaches only their own attempts
(another's answers 404, as if it did not exist), instructor pages answer 403 to students.
Every POST checks the session's CSRF token (security.py) before it reads anything else, and
every body is held to its route's size limit (limits.py); sign-in is throttled (throttle.py).
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from graders.batch.class_report import load_records, render_class_report
from graders.batch.similarity import DEFAULT_THRESHOLD
from graders.batch.similarity import compare as compare_similarity
from graders.errors import SeqlabError, UsageError
from graders.messages import LANGS, say
from graders.present.html import STATIC as PRESENT_STATIC
from graders.present.html import environment
from graders.service import grade
from graders.spec import Course, LabSpec
from graders.store.exports import export_scores_csv
from graders.store.record import rules_for
from graders.submission import read_text
from graders.web.grading import record_quiz
from graders.web.limits import MAX_SUBMISSION_BYTES, BodyLimit
from graders.web.models import (
    FINISHED,
    INSTRUCTOR,
    LAB,
    QUEUED,
    Attempt,
    User,
    engine_for,
    now,
)
from graders.web.roster import import_roster, parse_roster
from graders.web.scores import grades_of_record, standings
from graders.web.security import (
    csrf_ok,
    csrf_token,
    end_sessions,
    session_secret,
    submissions_in_window,
    verify_password,
)
from graders.web.throttle import LoginThrottle, ThrottlePolicy
from graders.web.views import attempt_message, attempt_view, task_page

# The one place in graders/ besides cli.py that reads quiz banks (tests/test_architecture.py).
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import Paper, letters_text, make_paper
from quizzes.sheet import Answer

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "seqlab_lang"
# The errors with a page of their own; any other says web.error_other.
ERROR_KEYS = (
    "web.error_csrf",
    "web.error_nul",
    "web.error_403",
    "web.error_404",
    "web.error_413",
    "web.error_429",
)
# HTTPException details that name their own message.
DETAIL_KEYS = {"csrf": "web.error_csrf", "nul": "web.error_nul"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # No inline scripts anywhere; inline styles for the class report and CodeMirror.
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}


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


class NeedSignIn(Exception):
    pass


def create_app(settings: WebSettings, queue) -> FastAPI:
    """`queue` has submit(attempt_id), position(attempt_id), start() and close()."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        queue.start()
        try:
            yield
        finally:
            queue.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    async def too_large(scope, receive, send) -> None:
        """BodyLimit's answer to an oversized Content-Length: the app's own 413 page."""
        response = await http_error(Request(scope, receive), StarletteHTTPException(413))
        await response(scope, receive, send)

    app.add_middleware(BodyLimit, too_large=too_large)  # first: the innermost (limits.py)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings.secret),
        session_cookie="seqlab_session",
        same_site="lax",
        https_only=settings.https,
        max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/present", StaticFiles(directory=PRESENT_STATIC), name="present")
    # The one Jinja configuration (present/html.py): the result partial is the same here as
    # in feedback files and notebooks.
    templates = Jinja2Templates(env=environment(HERE / "templates"))
    templates.env.globals.update(attempt_view=attempt_view, attempt_message=attempt_message)
    engine = engine_for(settings.db_url)
    throttle = LoginThrottle(engine, settings.login_throttle)
    course = settings.course

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # --- helpers ---------------------------------------------------------------------------

    def lang_of(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE)
        return lang if lang in LANGS else "zh"

    def user_of(request: Request) -> User | None:
        username = request.session.get("user")
        if not username:
            return None
        with Session(engine) as session:
            user = session.get(User, username)
        # A session from before the user's last sign-out or new password is over.
        if user is None or request.session.get("generation") != user.session_generation:
            return None
        return user

    def signed_in(request: Request) -> User:
        user = user_of(request)
        if user is None:
            raise NeedSignIn()
        return user

    def instructor(request: Request) -> User:
        user = signed_in(request)
        if user.role != INSTRUCTOR:
            raise HTTPException(403)
        return user

    async def check_csrf(request: Request) -> None:
        """The token from the header, the query string or an url-encoded form; a multipart
        body is never read for it (its route checks first, then reads)."""
        given = request.headers.get("x-csrf-token") or request.query_params.get("csrf")
        if given is None and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            given = (await request.form()).get("csrf")
        if not csrf_ok(request.session, given if isinstance(given, str) else None):
            raise HTTPException(403, detail="csrf")

    def page(request: Request, name: str, user: User | None, status_code: int = 200, **context):
        lang = lang_of(request)

        def t(key: str, **params: object) -> str:
            return say(key, lang, **params)

        return templates.TemplateResponse(
            request,
            name,
            {
                "lang": lang,
                "other_lang": "en" if lang == "zh" else "zh",
                "t": t,
                "user": user,
                "csrf": csrf_token(request.session),
                "here": quote(request.url.path),
                **context,
            },
            status_code=status_code,
        )

    def lab_or_404(lab_id: str) -> LabSpec:
        try:
            return course.lab(lab_id)
        except SeqlabError:
            raise HTTPException(404) from None

    def quiz_ids() -> list[str]:
        return bank_ids(course.banks_dir) if course.banks_dir.is_dir() else []

    def own_attempt(user: User, attempt_id: int) -> Attempt:
        with Session(engine) as session:
            attempt = session.get(Attempt, attempt_id)
        # Another student's attempt answers exactly as one that does not exist.
        if attempt is None or (attempt.student != user.username and user.role != INSTRUCTOR):
            raise HTTPException(404)
        return attempt

    def attempt_json(request: Request, attempt: Attempt) -> dict[str, object]:
        lang = lang_of(request)
        data: dict[str, object] = {
            "id": attempt.id,
            "lab": attempt.lab,
            "status": attempt.status,
            "status_text": say(f"web.status_{attempt.status}", lang),
            "score": attempt.score,
            "max_score": attempt.max_score,
        }
        if attempt.status == QUEUED:
            data["position"] = queue.position(attempt.id)
            data["status_text"] = say("web.status_queued_at", lang, position=data["position"])
        if attempt.status in FINISHED:
            data["html"] = templates.get_template("results.html").render(
                attempt=attempt, lang=lang, t=lambda key, **p: say(key, lang, **p)
            )
        return data

    # --- errors ----------------------------------------------------------------------------

    @app.exception_handler(NeedSignIn)
    async def need_sign_in(request: Request, _error: NeedSignIn):
        if request.url.path.startswith("/api/") or request.method != "GET":
            return JSONResponse({"error": "sign in"}, status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        key = DETAIL_KEYS.get(str(error.detail), f"web.error_{error.status_code}")
        if key not in ERROR_KEYS:
            key = "web.error_other"
        lang = lang_of(request)
        if request.url.path.startswith("/api/") or "application/json" in request.headers.get(
            "accept", ""
        ):
            return JSONResponse({"error": say(key, lang)}, status_code=error.status_code)
        return page(request, "error.html", user_of(request), error.status_code, message_key=key)

    # --- language and sign-in --------------------------------------------------------------

    @app.get("/lang/{lang}")
    async def switch_language(lang: str, next: str = "/"):
        if lang not in LANGS:
            raise HTTPException(404)
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="lax",
            httponly=True,
            secure=settings.https,
        )
        return response

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/"):
        return page(request, "login.html", None, next=next, failed=False)

    @app.post("/login")
    async def login(request: Request):
        await check_csrf(request)
        form = await request.form()
        username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
        target = str(form.get("next", "/"))
        if "\x00" in username + password:  # no account has one; PostgreSQL cannot store one
            return page(request, "login.html", None, 401, next=target, failed=True)
        ticket = throttle.begin(username, request.client.host if request.client else "")
        if ticket.wait:
            wait = ticket.retry_after
            response = page(request, "login.html", None, 429, next=target, retry_after=wait)
            response.headers["Retry-After"] = str(wait)
            return response
        with Session(engine) as session:
            user = session.get(User, username)
        if not verify_password(user.password_hash if user else None, password):
            return page(request, "login.html", None, 401, next=target, failed=True)
        throttle.succeeded(ticket)
        request.session.clear()  # a new session (and CSRF token) for the signed-in user
        request.session["user"] = user.username
        request.session["generation"] = user.session_generation
        safe = target if target.startswith("/") and not target.startswith("//") else "/"
        return RedirectResponse(safe, status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        await check_csrf(request)
        user = user_of(request)
        if user is not None:  # a copy of this cookie must not stay signed in
            with Session(engine) as session, session.begin():
                end_sessions(session, user.username)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- student pages ---------------------------------------------------------------------

    def best_scores(username: str) -> dict[str, tuple[float, float, int]]:
        """lab or quiz id → (score of record, max score, attempts)."""
        found = standings(settings.db_url, course.root, username)
        return {
            lab: (standing.score or 0.0, standing.max_score, standing.attempts)
            for (_student, lab), standing in found.items()
        }

    @app.get("/", response_class=HTMLResponse)
    async def course_page(request: Request):
        user = signed_in(request)
        scores = best_scores(user.username)
        labs = []
        for lab in course.labs():
            score, top, count = scores.get(lab.id, (0.0, 0.0, 0))
            top = top or float(sum(t.points for t in lab.tests))
            labs.append({"lab": lab, "score": score, "max": top, "attempts": count})
        quizzes = []
        for quiz_id in quiz_ids():
            bank = load_quiz(course.banks_dir, quiz_id)
            score, top, count = scores.get(quiz_id, (0.0, 0.0, 0))
            top = top or sum(q.points for q in bank.questions)
            quizzes.append({"bank": bank, "score": score, "max": top, "attempts": count})
        done = sum(1 for entry in labs if entry["max"] and entry["score"] >= entry["max"])
        return page(request, "course.html", user, labs=labs, quizzes=quizzes, done=done)

    def history(username: str, lab_id: str) -> list[Attempt]:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(Attempt)
                    .where(Attempt.student == username, Attempt.lab == lab_id)
                    .order_by(Attempt.id.desc())
                )
            )

    @app.get("/labs/{lab_id}", response_class=HTMLResponse)
    async def lab_page(request: Request, lab_id: str):
        user = signed_in(request)
        lab = lab_or_404(lab_id)
        attempts = history(user.username, lab.id)
        code = attempts[0].text if attempts else read_text(lab.starter_path)
        readme = lab.starter_path.parent / "README.md"
        return page(
            request,
            "lab.html",
            user,
            lab=lab,
            task=task_page(readme, lang_of(request)),
            code=code,
            attempts=attempts,
            latest=attempts[0] if attempts else None,
        )

    @app.post("/labs/{lab_id}/submit")
    async def submit(request: Request, lab_id: str):
        await check_csrf(request)
        user = signed_in(request)
        lab = lab_or_404(lab_id)
        form = await request.form()
        code = form.get("code")
        if not isinstance(code, str) or len(code.encode("utf-8")) > MAX_SUBMISSION_BYTES:
            raise HTTPException(413)
        if "\x00" in code:  # no Python file holds one, and PostgreSQL cannot store one
            raise HTTPException(400, detail="nul")
        with Session(engine) as session, session.begin():
            if submissions_in_window(session, user.username, settings.rate_seconds) >= (
                settings.rate_count
            ):
                raise HTTPException(429)
            attempt = Attempt(
                student=user.username,
                lab=lab.id,
                kind=LAB,
                text=code.replace("\r\n", "\n"),
                status=QUEUED,
                created_at=now(),
            )
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
        queue.submit(attempt_id)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"id": attempt_id, "url": f"/api/attempts/{attempt_id}"})
        return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)

    @app.get("/api/attempts/{attempt_id}")
    async def attempt_api(request: Request, attempt_id: int):
        user = signed_in(request)
        return JSONResponse(attempt_json(request, own_attempt(user, attempt_id)))

    @app.get("/attempts/{attempt_id}", response_class=HTMLResponse)
    async def attempt_page(request: Request, attempt_id: int):
        user = signed_in(request)
        attempt = own_attempt(user, attempt_id)
        return page(
            request, "attempt.html", user, attempt=attempt, live=attempt_json(request, attempt)
        )

    # --- quizzes ---------------------------------------------------------------------------

    def paper_for(quiz_id: str, user: User) -> Paper:
        if quiz_id not in quiz_ids():
            raise HTTPException(404)
        return make_paper(load_quiz(course.banks_dir, quiz_id), user.username)

    @app.get("/quizzes/{quiz_id}", response_class=HTMLResponse)
    async def quiz_page(request: Request, quiz_id: str):
        user = signed_in(request)
        paper = paper_for(quiz_id, user)
        return page(request, "quiz.html", user, paper=paper, review=None)

    @app.post("/quizzes/{quiz_id}", response_class=HTMLResponse)
    async def quiz_answer(request: Request, quiz_id: str):
        await check_csrf(request)
        user = signed_in(request)
        paper = paper_for(quiz_id, user)
        form = await request.form()
        answers: dict[int, Answer] = {}
        for pq in paper.questions:
            chosen = {str(v) for v in form.getlist(f"q{pq.number}")} & set(pq.letters)
            if pq.question.kind == "single" and len(chosen) > 1:
                chosen = set()  # a tampered form: a single-choice question takes one letter
            if chosen:
                answers[pq.number] = Answer(frozenset(chosen), line=pq.number)
        sheet = "\n".join(
            f"{pq.number}: {letters_text(given.letters if given else frozenset())}"
            for pq in paper.questions
            for given in [answers.get(pq.number)]
        )
        outcome = grade(lambda: check_quiz(paper, answers, Path(f"web/{quiz_id}")), code=sheet)
        bank_path = course.banks_dir / f"{quiz_id}.toml"
        record_quiz(settings.db_url, user.username, quiz_id, sheet, outcome, bank_path)
        if outcome.result is None:
            raise outcome.error
        result = outcome.result
        review = [
            {
                "pq": pq,
                "given": answers[pq.number].letters if pq.number in answers else frozenset(),
                "test": test,
            }
            for pq, test in zip(paper.questions, result.tests, strict=True)
        ]
        return page(request, "quiz.html", user, paper=paper, review=review, result=result)

    # --- instructor pages ------------------------------------------------------------------

    @app.get("/instructor", response_class=HTMLResponse)
    async def instructor_page(request: Request):
        user = instructor(request)
        with Session(engine) as session:
            students = list(session.scalars(select(User).order_by(User.username)))
        newest = standings(settings.db_url, course.root)
        lab_ids = [lab.id for lab in course.labs()]
        return page(
            request,
            "instructor.html",
            user,
            students=students,
            columns=lab_ids + quiz_ids(),
            lab_ids=lab_ids,
            newest=newest,
        )

    @app.get("/instructor/labs/{lab_id}", response_class=HTMLResponse)
    async def class_report(request: Request, lab_id: str):
        instructor(request)
        lab = lab_or_404(lab_id)
        records = load_records(settings.db_url, lab.id, rules_for(course.root))
        similarity = compare_similarity(
            lab, [(r.student, r.text) for r in records], DEFAULT_THRESHOLD
        )
        return HTMLResponse(render_class_report(lab, records, similarity, lang_of(request)))

    @app.get("/instructor/scores.csv")
    async def scores_csv(request: Request):
        instructor(request)
        grades = grades_of_record(settings.db_url, course.root)
        with tempfile.TemporaryDirectory(prefix="seqlab-web-") as folder:
            path = Path(folder) / "scores.csv"
            export_scores_csv(grades, path)
            data = path.read_bytes()
        return Response(
            data,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="seqlab-scores.csv"'},
        )

    @app.get("/instructor/roster", response_class=HTMLResponse)
    async def roster_form(request: Request):
        user = instructor(request)
        return page(request, "roster.html", user, imported=None, problem=None)

    @app.post("/instructor/roster", response_class=HTMLResponse)
    async def roster_upload(request: Request):
        # Who and the token (in the query string) before a byte of the multipart body is read.
        user = instructor(request)
        await check_csrf(request)
        form = await request.form()
        upload = form.get("roster")
        problem, imported = None, None
        try:
            if upload is None or isinstance(upload, str):
                raise UsageError("web.roster_missing")
            text = (await upload.read()).decode("utf-8")
            imported = import_roster(settings.db_url, parse_roster(text, upload.filename or "CSV"))
        except UnicodeDecodeError:
            problem = say("web.roster_not_utf8", lang_of(request))
        except SeqlabError as error:
            problem = error.render(lang_of(request))
        return page(request, "roster.html", user, imported=imported, problem=problem)

    return app
