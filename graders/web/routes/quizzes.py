"""Quiz pages: a student's own paper (options shuffled per student), scored in the request by
the quiz engine (nothing runs), stored as a finished attempt.

The one module in graders/web that reads quiz banks, a composition root like cli.py
(tests/test_architecture.py): the course and instructor pages list quizzes through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from graders.service import grade
from graders.spec import Course
from graders.web.deps import DB, CsrfChecked, Posted, SignedIn
from graders.web.grading import record_quiz
from graders.web.pages import render
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
def quiz_page(request: Request, user: SignedIn, paper: StudentPaper) -> Response:
    return render(request, "quiz.html", user, paper=paper, review=None)


@router.post("/quizzes/{quiz_id}", response_class=HTMLResponse)
def quiz_answer(
    request: Request,
    quiz_id: str,
    _csrf: CsrfChecked,
    user: SignedIn,
    paper: StudentPaper,
    form: Posted,
    db: DB,
) -> Response:
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
    db_url = request.app.state.settings.db_url
    record_quiz(db_url, user.username, quiz_id, sheet, outcome, bank, course.root)
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
    return render(request, "quiz.html", user, paper=paper, review=review, result=result)
