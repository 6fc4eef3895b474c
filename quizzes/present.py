"""Show papers and reviews: terminal (rich), Markdown and JSON. The quiz side's printing."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from graders.messages import say
from quizzes.paper import Paper, PaperQuestion, letters_text
from quizzes.sheet import Answer

KIND_KEYS = {"single": "quiz.kind_single", "multi": "quiz.kind_multi"}


def _heading(question: PaperQuestion, lang: str) -> str:
    kind = say(KIND_KEYS[question.question.kind], lang)
    points = say("quiz.points", lang, points=f"{question.question.points:g}")
    return f"{say('report.question', lang, number=question.number)}  ({kind}, {points})"


def question_panel(question: PaperQuestion, lang: str) -> Panel:
    body = Text(question.question.stem[lang] + "\n")
    for letter in question.letters:
        body.append(f"\n  {letter}. ", style="bold cyan")
        body.append(question.option_text(letter, lang))
    return Panel(body, title=_heading(question, lang), title_align="left", border_style="blue")


def paper_title(paper: Paper, lang: str) -> str:
    title = paper.bank.title[lang]
    if paper.student:
        title += "  " + say("quiz.student", lang, student=paper.student)
    return title


def render_paper(paper: Paper, lang: str, console: Console, *, key: bool = False) -> None:
    console.print(Text(paper_title(paper, lang), style="bold"))
    for question in paper.questions:
        console.print(question_panel(question, lang))
        if key:
            console.print(say("quiz.correct_answer", lang, answer=letters_text(question.correct)))


def paper_markdown(paper: Paper, lang: str, *, key: bool = False) -> str:
    lines = [f"# {paper_title(paper, lang)}", ""]
    for question in paper.questions:
        lines.append(f"**{_heading(question, lang)}** {question.question.stem[lang]}")
        lines.append("")
        lines += [
            f"- {letter}. {question.option_text(letter, lang)}" for letter in question.letters
        ]
        lines.append("")
        if key:
            lines += [say("quiz.correct_answer", lang, answer=letters_text(question.correct)), ""]
    return "\n".join(lines)


def paper_json(paper: Paper, lang: str, *, key: bool = False) -> dict[str, object]:
    questions = []
    for question in paper.questions:
        entry: dict[str, object] = {
            "number": question.number,
            "id": question.question.id,
            "kind": question.question.kind,
            "points": question.question.points,
            "stem": question.question.stem[lang],
            "options": {letter: question.option_text(letter, lang) for letter in question.letters},
        }
        if key:
            entry["answer"] = letters_text(question.correct)
        questions.append(entry)
    return {
        "quiz": paper.bank.id,
        "title": paper.bank.title[lang],
        "student": paper.student,
        "questions": questions,
    }


def feedback_panel(question: PaperQuestion, answer: Answer | None, lang: str) -> Panel:
    """Right or wrong, the right answer and the explanation, for one question."""
    given = answer.letters if answer else frozenset()
    right = given == question.correct
    body = Text()
    body.append(say("quiz.your_answer", lang, answer=letters_text(given)) + "    ")
    body.append(
        say("quiz.correct_answer", lang, answer=letters_text(question.correct)), style="bold"
    )
    body.append("\n" + question.question.explanation[lang], style="dim")
    mark = "✔" if right else "✘"
    title = f"{say('report.question', lang, number=question.number)}  {mark}"
    return Panel(body, title=title, title_align="left", border_style="green" if right else "red")


def render_review(paper: Paper, answers: dict[int, Answer], lang: str, console: Console) -> None:
    console.print(Text(say("quiz.review", lang), style="bold"))
    for question in paper.questions:
        console.print(feedback_panel(question, answers.get(question.number), lang))
