"""Quiz pages: a student's own paper (options shuffled per student), scored in the request by
the quiz engine (nothing runs), stored as a finished attempt.

Answering is POST-redirect-GET: the answer is recorded once and the browser is sent to the
attempt's own page, so a reload shows it again and records nothing; the paper carries a
one-use token, so the same form posted twice (Back, resend) is still one attempt. The
course's rules (deadlines.py) refuse an answer over the attempt limit, in the cool-down or
outside the calendar; the key (correct options, explanations) is shown only when the rule
allows it, and never for an empty answer.

The one module in graders/web that reads quiz banks, a composition root like cli.py
(tests/test_architecture.py): the course and instructor pages list quizzes through it.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from graders.results import LabResult
from graders.service import grade
from graders.spec import Course
from graders.web.deadlines import calendar_of, notes, quiz_closed, quiz_gate
from graders.web.deps import DB, CsrfChecked, Lang, Posted, SignedIn, lang_of
from graders.web.grading import record_quiz
from graders.web.models import INSTRUCTOR, QUIZ, Attempt, now
from graders.web.pages import render
from graders.web.routes.api import record_words
from graders.web.routes.drafts import lab_attempts
from graders.web.unlock import OpenQuiz
from quizzes.bank import Bank, bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import Paper, letters_text, make_paper
from quizzes.sheet import Answer

router = APIRouter()


def quiz_ids(course: Course) -> list[str]:
    return bank_ids(course.banks_dir) if course.banks_dir.is_dir() else []


def quiz_bank(course: Course, quiz_id: str) -> Bank:
    return load_quiz(course.banks_dir, quiz_id)


def paper_of(request: Request, quiz_id: str, user: SignedIn) -> Paper:
    """The signed-in student's paper of the quiz the path names; an unknown quiz is a 404."""
    course = request.app.state.settings.course
    if quiz_id not in quiz_ids(course):
        raise HTTPException(404)
    return make_paper(quiz_bank(course, quiz_id), user.username)


StudentPaper = Annotated[Paper, Depends(paper_of)]


@router.get("/quizzes/{quiz_id}", response_class=HTMLResponse)
def quiz_page(
    request: Request, quiz_id: OpenQuiz, user: SignedIn, paper: StudentPaper, db: DB
) -> Response:
    closed = quiz_closed(request, user, quiz_id)
    mine = [] if not closed else lab_attempts(db, user.username, quiz_id)  # their keys, if shown
    return render(
        request,
        "quiz.html",
        user,
        paper=paper,
        review=None,
        paper_token=uuid.uuid4().hex,
        rule_notes=notes(request, user, quiz_id, db),
        closed=closed,
        mine=mine,
    )


@router.post("/quizzes/{quiz_id}", response_class=HTMLResponse)
def quiz_answer(
    request: Request,
    quiz_id: OpenQuiz,  # 关卡 unlocking (unlock.py)
    _csrf: CsrfChecked,
    user: SignedIn,
    paper: StudentPaper,
    form: Posted,
    db: DB,
) -> Response:
    token = str(form.get("paper") or "")[:64] or None
    done = answered(db, user.username, token)
    if done is not None:  # this paper was answered already: its result, not a second one
        return RedirectResponse(f"/quizzes/{quiz_id}/attempts/{done}", status_code=303)
    refusal = quiz_gate(request, user, db, quiz_id, paper.bank.title[lang_of(request)])
    if refusal is not None:
        return refusal
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
    course = request.app.state.settings.course
    outcome = grade(lambda: check_quiz(paper, answers, Path(f"web/{quiz_id}")), code=sheet)
    bank = course.banks_dir / f"{quiz_id}.toml"
    settings = request.app.state.settings
    try:
        attempt_id = record_quiz(
            settings.db_url,
            user.username,
            quiz_id,
            sheet,
            outcome,
            bank,
            token=token,
            course_root=course.root,
        )
    except IntegrityError:  # the same paper posted twice at once: the other post recorded it
        db.rollback()
        attempt_id = answered(db, user.username, token)
        if attempt_id is None:
            raise
    if outcome.result is None:
        raise outcome.error
    return RedirectResponse(f"/quizzes/{quiz_id}/attempts/{attempt_id}", status_code=303)


def answered(db, student: str, token: str | None) -> int | None:
    """The attempt a paper's token was used for, if any."""
    if token is None:
        return None
    return db.scalar(select(Attempt.id).where(Attempt.student == student, Attempt.token == token))


_LINE = re.compile(r"^(\d+): (\S+)$")


def given_letters(sheet: str) -> dict[int, frozenset[str]]:
    """A stored sheet ("3: AC", "4: -") back to each question's letters."""
    found = {}
    for line in sheet.splitlines():
        match = _LINE.match(line)
        if match and match[2] != "-":
            found[int(match[1])] = frozenset(match[2])
    return found


@router.get("/quizzes/{quiz_id}/attempts/{attempt_id}", response_class=HTMLResponse)
def quiz_result(
    request: Request, quiz_id: str, attempt_id: int, user: SignedIn, db: DB, lang: Lang
) -> Response:
    attempt = db.get(Attempt, attempt_id)
    mine = attempt is not None and (attempt.student == user.username or user.role == INSTRUCTOR)
    if not mine or attempt.kind != QUIZ or attempt.lab != quiz_id or not attempt.results:
        raise HTTPException(404)
    course = request.app.state.settings.course
    paper = make_paper(quiz_bank(course, quiz_id), attempt.student)
    result = LabResult.from_dict(attempt.results)
    given = given_letters(attempt.text)
    shown = calendar_of(request).answers_shown(attempt.student, quiz_id, now())
    review = [
        {"pq": pq, "given": given.get(pq.number, frozenset()), "test": test}
        for pq, test in zip(paper.questions, result.tests, strict=True)
    ]
    return render(
        request,
        "quiz.html",
        user,
        paper=paper,
        review=review,
        result=result,
        empty=not given,
        show_key=bool(given) and (shown or user.role == INSTRUCTOR),
        # Before the key may be shown, right-or-wrong per question would give it away over
        # several attempts: only the total and which questions were answered.
        show_verdicts=shown or user.role == INSTRUCTOR,
        rule_notes=notes(request, user, quiz_id, db) if user.role != INSTRUCTOR else [],
        record_text=record_words(request, attempt, lang)[3],  # as the lab's attempt page
    )
