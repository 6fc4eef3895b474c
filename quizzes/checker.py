"""Score an answer sheet against a bank; the result has the same shape as a lab's."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from graders.results import LabResult, TestResult
from graders.verdict import Verdict
from quizzes.bank import Bank, Question
from quizzes.sheet import Answer


def strict(question: Question, chosen: frozenset[str]) -> float:
    """头歌's rule: all of the points for exactly the correct set, nothing otherwise."""
    return 1.0 if chosen == question.answer else 0.0


# Fraction of a question's points earned; more methods (partial credit) plug in here.
SCORING: dict[str, Callable[[Question, frozenset[str]], float]] = {"strict": strict}

NOT_ANSWERED = "-"


def check(bank: Bank, answers: dict[int, Answer], sheet: Path, method: str = "strict") -> LabResult:
    started = time.monotonic()
    score_fraction = SCORING[method]
    tests = []
    for question in bank.questions:
        answer = answers.get(question.number)
        chosen = answer.letters if answer else frozenset()
        score = question.points * score_fraction(question, chosen) if answer else 0.0
        tests.append(
            TestResult(
                name=str(question.number),
                verdict=Verdict.ACCEPTED if score == question.points else Verdict.WRONG_ANSWER,
                score=score,
                max_score=question.points,
                detail_key="quiz.your_answer",
                detail={"answer": "".join(sorted(chosen)) or NOT_ANSWERED},
            )
        )
    return LabResult(
        lab=bank.id,
        title=bank.title,
        file=str(sheet),
        tests=tuple(tests),
        isolation="none",  # a quiz runs no code
        execution_time=time.monotonic() - started,
        kind="quiz",
    )
