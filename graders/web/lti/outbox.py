"""Scores back to the LMS (LTI Assignment and Grade Services).

`score_changed(db_url, course_root, student, lab)` is called where the web records a grade
(grading.py: a lab graded, a quiz answered). It returns at once: a thread reads the student's
score of record (graders/web/scores.py, the one rule) and, when the student came from an LMS
link with a line item and that score differs from the last one the LMS accepted, POSTs it to
`<lineitem>/scores` with an access token from the platform's client-credentials JWT grant
(pylti1p3's ServiceConnector). Idempotent: the same score is never sent twice; a failure
is retried (RETRIES, growing waits) and recorded on the link (status failed, the error);
`seqlab lti resend` or the student's next grade tries it again. Grading never waits for it.
A rules change saved on the web (`rules_changed`) checks every linked score the same way.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC
from pathlib import Path

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade as LtiGrade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.web.lti.adapter import TimedSession
from graders.web.lti.registry import tool_conf
from graders.web.lti.tables import ScoreLink
from graders.web.models import engine_for, now
from graders.web.scores import grades_of_record

RETRIES = 3
WAITS = (1.0, 4.0)  # seconds before the second and the third try
_locks: dict[tuple[str, str, str], threading.Lock] = {}
_guard = threading.Lock()
_threads: list[threading.Thread] = []


def score_changed(db_url: str, course_root: Path | None, student: str, lab: str) -> None:
    """Send the student's score of record for `lab` to the LMS, later, in a thread."""
    if course_root is None:
        return
    thread = threading.Thread(
        target=send_quietly, args=(db_url, course_root, student, lab), daemon=True
    )
    with _guard:
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def send_quietly(db_url: str, course_root: Path, student: str, lab: str) -> None:
    try:
        send(db_url, course_root, student, lab)
    except Exception as error:  # never the grader's problem; the link records what failed
        print(f"seqlab lti: score of {student}/{lab} not sent: {error}", file=sys.stderr)


def send(db_url: str, course_root: Path, student: str, lab: str, waits=WAITS) -> str | None:
    """Send if needed; returns the link's status (None: no LMS link for this lab)."""
    engine = engine_for(db_url)
    with Session(engine) as db:
        if db.scalar(select(ScoreLink.id).where(*_key(student, lab))) is None:
            return None
    with _guard:
        lock = _locks.setdefault((db_url, student, lab), threading.Lock())
    with lock:  # one send per (student, lab) at a time in this process
        record = [g for g in grades_of_record(db_url, course_root, student) if g.lab == lab]
        if not record or record[0].score is None:
            return None  # nothing counts yet
        grade = record[0]
        with Session(engine, expire_on_commit=False) as db:
            link = db.scalar(select(ScoreLink).where(*_key(student, lab)))
        if link.status == "sent" and link.sent_score == grade.score:
            return "unchanged"  # the platform already has it
        error, made = None, 0
        for attempt in range(RETRIES):
            made += 1
            try:
                _post(engine, link, grade.score or 0.0, grade.max_score or 0.0)
                error = None
                break
            except Exception as failure:
                error = f"{type(failure).__name__}: {failure}"[:2000]
                if attempt < len(waits):
                    time.sleep(waits[attempt])
        with Session(engine) as db, db.begin():
            row = db.scalar(select(ScoreLink).where(*_key(student, lab)))
            row.tries = (row.tries or 0) + made
            row.status, row.last_error, row.updated_at = (
                ("failed", error, now()) if error else ("sent", None, now())
            )
            if not error:
                row.sent_score = grade.score
        return "failed" if error else "sent"


def rules_changed(db_url: str, course_root: Path | None) -> None:
    """The course's rules were saved (a late penalty, a due time, an extension): any score of
    record may have changed. Every linked score is checked later, in a thread, and those that
    changed are sent (`send` skips the ones the platform already has)."""
    if course_root is None:
        return
    thread = threading.Thread(target=_resend_quietly, args=(db_url, course_root), daemon=True)
    with _guard:
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def _resend_quietly(db_url: str, course_root: Path) -> None:
    try:
        resend(db_url, course_root)
    except Exception as error:  # the links record what failed; `seqlab lti resend` retries
        print(f"seqlab lti: scores after a rules change not sent: {error}", file=sys.stderr)


def resend(db_url: str, course_root: Path) -> dict[str, int]:
    """Every link checked now and sent when its score of record is not the one the platform
    has (a failed or never made send, a changed score): the CLI and a rules change. Counts by
    outcome: sent | unchanged | failed | nothing (no score counts yet)."""
    with Session(engine_for(db_url)) as db:
        keys = list(db.execute(select(ScoreLink.username, ScoreLink.lab)))
    counts: dict[str, int] = {}
    for student, lab in keys:
        status = send(db_url, course_root, student, lab) or "nothing"
        counts[status] = counts.get(status, 0) + 1
    return counts


def wait_for_sends(seconds: float = 30.0) -> None:
    """Tests: until every send started in this process has finished."""
    deadline = time.monotonic() + seconds
    for thread in list(_threads):
        thread.join(max(0.0, deadline - time.monotonic()))


def _key(student: str, lab: str):
    return (ScoreLink.username == student, ScoreLink.lab == lab)


def _post(engine, link: ScoreLink, score: float, maximum: float) -> None:
    registration = tool_conf(engine).find_registration_by_params(link.issuer, link.client_id)
    if registration is None:
        raise LookupError(f"platform {link.issuer} ({link.client_id}) is no longer registered")
    service = AssignmentsGradesService(
        ServiceConnector(registration, TimedSession()),
        {"scope": link.scopes, "lineitem": link.lineitem},
    )
    # Now, not the grade's time: a platform keeps the score with the latest timestamp, and
    # an older grade can become the score of record (an instructor's choice).
    moment = now().astimezone(UTC)
    service.put_grade(
        LtiGrade()
        .set_user_id(link.sub)
        .set_score_given(score)
        .set_score_maximum(maximum)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    )
