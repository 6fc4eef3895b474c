"""Naming a common mistake from the class report (issue 18 item 5): the report's form posts
the cluster's set and example student; the example's graded program (the score of record the
report showed) becomes a named entry of the lab's corpus, graded and recorded
(course/name_mistake.py), so the next student whose output matches gets its name and hint.

A staff action: instructors only, the CSRF token checked before the form is read, and each
naming written to the server's log. It grades one program in the sandbox (seconds), in the
thread pool like every route that works.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from graders.batch.class_report import load_records
from graders.course.name_mistake import Naming, add_named_entry
from graders.errors import UsageError
from graders.messages import say
from graders.store.effective import course_rules
from graders.web.deps import CsrfChecked, Instructor, Lab, Lang, Posted
from graders.web.pages import render

router = APIRouter()
REFUSED_CONFLICT = (
    "report.cluster_not_writable",
    "report.cluster_entry_exists",
)  # 409; the rest 400


# The class report's forms post here (reports.naming_action).
@router.post("/instructor/labs/{lab_id}/mistakes", response_class=HTMLResponse)
def name_mistake(
    request: Request, _csrf: CsrfChecked, user: Instructor, lab: Lab, form: Posted, lang: Lang
) -> Response:
    def field(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    student, test = field("student"), field("set")
    db_url = request.app.state.settings.db_url
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    about = f"Named from the class report by {user.username} on {when}: an output of set {test}."
    try:
        blank = int(field("blank")) if field("blank") else None
    except ValueError:
        blank = 0  # no such blank: refused below, with the lab's count
    naming = Naming(
        {"zh": field("name_zh"), "en": field("name_en")},
        {"zh": field("hint_zh"), "en": field("hint_en")},
        blank,
        about,
    )
    try:
        if not (naming.name["zh"] and naming.name["en"]):
            raise UsageError("report.cluster_name_empty")
        records = load_records(db_url, lab.id, course_rules(lab.course_root, db_url))
        code = next((r.text for r in records if r.student == student and r.text), None)
        if code is None:
            raise UsageError("report.cluster_no_example", student=student, lab=lab.id)
        entry, result = add_named_entry(lab, code, student, naming)
    except UsageError as error:
        status = 409 if error.key in REFUSED_CONFLICT else 400
        message = error.render(lang)
        return render(
            request, "mistake_named.html", user, status, lab=lab, message=message, ok=False
        )
    print(
        f"seqlab serve: {user.username} named a mistake of {lab.id}: entry {entry.name} "
        f"({naming.name['en']}) from {student}'s submission, set {test}, in {entry.path}",
        file=sys.stderr,
        flush=True,
    )
    message = say(
        "report.cluster_named",
        lang,
        name=naming.name[lang],
        entry=entry.name,
        path=entry.path.relative_to(lab.course_root),
        score=f"{result.score:g}/{result.max_score:g}",
    )
    return render(request, "mistake_named.html", user, lab=lab, message=message, ok=True)
