"""Score a student's answers to their paper; the result has the same shape as a lab's."""

from __future__ import annotations

import time
from pathlib import Path

from graders.errors import UsageError
from graders.results import NO_CODE, LabResult, TestResult
from graders.verdict import Verdict
from quizzes.paper import Paper, letters_text
from quizzes.scoring import fraction
from quizzes.sheet import Answer


def _verdict(score: float, points: float) -> Verdict:
    if score == points:
        return Verdict.ACCEPTED
    return Verdict.PARTIAL if score > 0 else Verdict.WRONG_ANSWER


def check(paper: Paper, answers: dict[int, Answer], sheet: Path) -> LabResult:
    """Results in paper order, named by the question's stable id (for gradebooks)."""
    if paper.bank.keyless:  # a student's copy: every answer would score 0
        raise UsageError("quiz.keyless", quiz=paper.bank.id)
    started = time.monotonic()
    tests = []
    for paper_question in paper.questions:
        question = paper_question.question
        answer = answers.get(paper_question.number)
        given = answer.letters if answer else frozenset()
        earned = fraction(
            question.scoring,
            kind=question.kind,
            correct=question.answer,
            chosen=paper_question.to_bank(given),
            options=len(question.options),
        )
        score = round(question.points * earned, 6)
        tests.append(
            TestResult(
                name=question.id,
                number=paper_question.number,
                verdict=_verdict(score, question.points),
                score=score,
                max_score=question.points,
                detail_key="quiz.your_answer",
                detail={"answer": letters_text(given)},
            )
        )
    return LabResult(
        lab=paper.bank.id,
        title=paper.bank.title,
        file=str(sheet),
        tests=tuple(tests),
        isolation=NO_CODE,
        execution_time=time.monotonic() - started,
        kind="quiz",
    )
