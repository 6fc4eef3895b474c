"""Take a quiz in the terminal, question by question.

The reading of lines is a parameter (`ask`), so the loop is testable without a terminal;
the CLI passes rich's console input. Answers use the same notation as answer sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from graders.errors import SubmissionError
from graders.messages import say
from quizzes.paper import Paper
from quizzes.present import feedback_panel, question_panel
from quizzes.sheet import Answer, parse_letters

TERMINAL = Path("<terminal>")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while taking a quiz, carrying the answers given so far (the caller saves them:
    an interrupt must not lose a student's work). Still a KeyboardInterrupt for any caller
    that does not care."""

    def __init__(self, answers: dict[int, Answer]) -> None:
        super().__init__()
        self.answers = answers


def take(
    paper: Paper,
    lang: str,
    console: Console,
    ask: Callable[[str], str],
    *,
    immediate_feedback: bool = False,
) -> dict[int, Answer]:
    """Ask every question; an empty line skips one, end of input stops early; Ctrl-C raises
    Interrupted with the answers so far."""
    answers: dict[int, Answer] = {}
    try:
        _ask_all(paper, lang, console, ask, answers, immediate_feedback)
    except KeyboardInterrupt:
        console.print()
        raise Interrupted(answers) from None
    return answers


def _ask_all(
    paper: Paper,
    lang: str,
    console: Console,
    ask: Callable[[str], str],
    answers: dict[int, Answer],
    immediate_feedback: bool,
) -> None:
    for question in paper.questions:
        console.print(question_panel(question, lang))
        example = "A" if question.question.kind == "single" else "AC"
        prompt = say("quiz.prompt", lang, number=question.number, example=example)
        while True:
            try:
                raw = ask(prompt)
            except EOFError:
                console.print()
                return
            if not raw.strip():
                break
            try:
                letters = parse_letters(raw, question, path=TERMINAL, line=question.number)
            except SubmissionError as error:
                console.print(say("quiz.not_an_option", lang, **error.params), style="yellow")
                continue
            if question.question.kind == "single" and len(letters) > 1:
                console.print(say("quiz.one_letter", lang), style="yellow")
                continue
            answers[question.number] = Answer(letters, question.number)
            break
        if immediate_feedback:
            console.print(feedback_panel(question, answers.get(question.number), lang))
