"""The instructor's pages: the gradebook, a lab's class report, the scores CSV, the roster
import. Each answers 403 to a student.

The class report is built off the request path (reports.py): until it is ready the page says
so and reloads itself. The roster upload is multipart: the session, the role and the CSRF
token (in the form's URL) are checked before its body is read (deps.py, limits.py).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from graders.batch.cluster_view import CSRF_SLOT
from graders.errors import SeqlabError, UsageError
from graders.messages import say
from graders.store.gradebook import Gradebook
from graders.store.lms_csv import FORMATS, score_table
from graders.web.deps import DB, CsrfChecked, Instructor, Lab, Lang, Posted
from graders.web.headers import REPORT_POLICY
from graders.web.models import User
from graders.web.pages import render
from graders.web.reports import Preparing, ReportFailed, report_key
from graders.web.roster import import_roster, parse_roster
from graders.web.routes.quizzes import quiz_bank, quiz_ids
from graders.web.scores import grades_of_record, standings
from graders.web.security import csrf_token

router = APIRouter()
REFRESH_SECONDS = 3  # how often the "being prepared" page reloads itself


@router.get("/instructor", response_class=HTMLResponse)
def instructor_page(request: Request, user: Instructor, db: DB) -> Response:
    course = request.app.state.settings.course
    students = list(db.scalars(select(User).order_by(User.username)))
    newest = standings(request.app.state.settings.db_url, course.root)
    readable, broken = course.readable_labs()
    lab_ids = [lab.id for lab in readable] + sorted(broken)
    columns = lab_ids + quiz_ids(course)
    # Grades of a lab since taken out of the course are still grades (the CSV has them).
    columns += sorted({lab for _student, lab in newest} - set(columns))
    return render(
        request,
        "instructor.html",
        user,
        students=students,
        columns=columns,
        lab_ids=lab_ids,
        newest=newest,
    )


@router.get("/instructor/labs/{lab_id}", response_class=HTMLResponse)
def class_report(
    request: Request, user: Instructor, lab: Lab, db: DB, lang: Lang, build: int | None = None
) -> Response:
    """`build`: the report build the "being prepared" page waits for."""
    try:
        report = request.app.state.reports.get(lab, report_key(db, lab), build)
    except ReportFailed:
        raise HTTPException(500, detail="report") from None
    if isinstance(report, Preparing):
        again = f"/instructor/labs/{lab.id}?build={report.build}"
        response = render(
            request,
            "report_preparing.html",
            user,
            202,
            lab=lab,
            again=again,
            seconds=REFRESH_SECONDS,
        )
        response.headers["Retry-After"] = str(REFRESH_SECONDS)
        return response
    # A self-contained page: its inline CSS is allowed by its hash alone (headers.py). Built
    # once for every reader, its forms get this reader's CSRF token here (cluster_view.py).
    field = Markup('<input type="hidden" name="csrf" value="{}">').format(
        csrf_token(request.session)
    )
    page = report.pages[lang].replace(CSRF_SLOT, field)
    if not report.current:
        page = with_update_notice(page, lang, f"/instructor/labs/{lab.id}")
    return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_POLICY})


def with_update_notice(page: str, lang: str, again: str) -> str:
    """The last report while one with newer results is built (reports.py): said at the top,
    and the page reloads itself (a refresh, no script) until the new one is there."""
    refresh = Markup('<meta http-equiv="refresh" content="{};url={}">').format(
        REFRESH_SECONDS, again
    )
    notice = Markup('<p class="updating" role="status" data-report-stale>{}</p>').format(
        say("web.report_updating", lang, seconds=REFRESH_SECONDS)
    )
    page = page.replace("</head>", f"{refresh}</head>", 1)
    body = page.find(">", page.find("<body")) + 1
    return page[:body] + str(notice) + page[body:]


@router.get("/instructor/{kind}.csv")
def scores_csv(request: Request, _user: Instructor, kind: str) -> Response:
    """scores.csv, canvas.csv, moodle.csv: every roster student, names, every lab and quiz,
    totals, staff left out (graders/store/lms_csv.py), from the score of record."""
    if kind not in FORMATS:
        raise HTTPException(404)
    settings, course = request.app.state.settings, request.app.state.settings.course
    grades = grades_of_record(settings.db_url, course.root)
    readable, _broken = course.readable_labs()
    points = {lab.id: float(sum(t.points for t in lab.tests)) for lab in readable}
    for quiz in quiz_ids(course):
        points[quiz] = float(sum(q.points for q in quiz_bank(course, quiz).questions))
    roster = Gradebook(settings.db_url).roster()
    data = FORMATS[kind](score_table(grades, roster, list(points), points))
    name = f"seqlab-{kind}.csv"
    return Response(
        data.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/instructor/roster", response_class=HTMLResponse)
def roster_form(request: Request, user: Instructor) -> Response:
    return render(request, "roster.html", user, imported=None, problem=None)


@router.post("/instructor/roster", response_class=HTMLResponse)
def roster_upload(
    request: Request, user: Instructor, _csrf: CsrfChecked, form: Posted, lang: Lang
) -> Response:
    upload = form.get("roster")
    problem, imported = None, None
    try:
        if upload is None or isinstance(upload, str):
            raise UsageError("web.roster_missing")
        text = upload.file.read().decode("utf-8")
        roster = parse_roster(text, upload.filename or "CSV")
        imported = import_roster(request.app.state.settings.db_url, roster)
    except UnicodeDecodeError:
        problem = say("web.roster_not_utf8", lang)
    except SeqlabError as error:
        problem = error.render(lang)
    return render(request, "roster.html", user, imported=imported, problem=problem)
