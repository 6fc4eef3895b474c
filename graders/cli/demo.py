"""`seqlab demo` (what `make demo` runs): grade every lab's reference and starter and a sample
sheet of each quiz, print each report, and close with one summary screen — every lab's two
scores and time, the quizzes, and what to try next."""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from graders.cli.common import EXIT_OK, add_command, console
from graders.messages import say
from graders.present import terminal
from graders.results import LabResult
from graders.sandbox.launch import usable_cores
from graders.service import grade_lab
from graders.spec import Course
from graders.submission import read_submission
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import make_paper
from quizzes.sheet import parse_sheet

DEMO_STUDENT = "demo-001"
# What to try after the demo: the command as typed, and what it does.
NEXT_STEPS = (
    ("seqlab serve", "course.demo_next_serve"),
    ("%seqlab check", "course.demo_next_jupyter"),
    ("seqlab grade DIR --lab LAB", "course.demo_next_grade"),
)


@dataclass(frozen=True)
class Graded:
    """One line of the summary: a lab's reference and starter, or a quiz's sample sheet."""

    id: str
    reference: LabResult  # a quiz: the sample sheet's result
    starter: LabResult | None  # None for a quiz
    seconds: float


def demo_sheet(paper) -> str:
    """Right answers on a student's paper, in mixed notations, with the last one wrong."""
    lines = [f"# {paper.bank.id}, student {paper.student}: the last answer is wrong on purpose"]
    notations = ("{n} {a}", "{n}. {a_lower}", "{n}：{a_wide}", "{n}、{a_commas}")
    for index, question in enumerate(paper.questions):
        letters = sorted(question.correct)
        if index == len(paper.questions) - 1:
            letters = [next(x for x in question.letters if x not in question.correct)]
        answer = "".join(letters)
        lines.append(
            notations[index % len(notations)].format(
                n=question.number,
                a=answer,
                a_lower=answer.lower(),
                a_wide="".join(chr(ord(x) + 0xFEE0) for x in answer),
                a_commas=",".join(letters),
            )
        )
    return "\n".join(lines) + "\n"


def _score(result: LabResult) -> str:
    return f"{result.score:g}/{result.max_score:g}"


def summary(rows: list[Graded], lang: str) -> Group:
    """The closing screen: a table of every lab and quiz, then what to try next."""
    table = Table()
    # Ids and scores are never cut: only the time gives up width on a narrow terminal.
    table.add_column(say("course.demo_item", lang), no_wrap=True)
    table.add_column(say("course.demo_reference_score", lang), justify="right", no_wrap=True)
    table.add_column(say("course.demo_starter_score", lang), justify="right", no_wrap=True)
    table.add_column(say("course.demo_time", lang), justify="right")
    for row in rows:
        starter = "" if row.starter is None else _score(row.starter)
        seconds = say("course.demo_seconds", lang, seconds=row.seconds)
        table.add_row(Text(row.id), _score(row.reference), starter, seconds)
    tips = Table.grid(padding=(0, 2))
    tips.add_column(no_wrap=True, style="bold")
    tips.add_column(overflow="fold")  # a run of CJK is one long word: folded, not cut
    for command, key in NEXT_STEPS:
        tips.add_row(Text(command), Text(say(key, lang)))
    return Group(
        Rule(say("course.demo_summary", lang)),
        table,
        Text(say("course.demo_expected", lang)),
        Text(""),
        Text(say("course.demo_next", lang)),
        Padding(tips, (0, 0, 0, 2)),
    )


def cmd_demo(args) -> int:
    course = Course.locate(args.course)
    out = console()
    rows = []
    # Every lab's reference and starter graded side by side, one per core (the sandboxed runs
    # wait on their processes), printed in the course's order as each one's turn comes.
    jobs = [
        (lab, key, path, hidden)
        for lab in course.labs()
        for key, path, hidden in (
            ("course.demo_reference", lab.solution_path, True),
            ("course.demo_starter", lab.starter_path, False),
        )
    ]
    with ThreadPoolExecutor(max_workers=usable_cores()) as pool:
        outcomes = [
            pool.submit(grade_lab, lab, read_submission(path), include_hidden=hidden)
            for lab, _key, path, hidden in jobs
        ]
        graded: dict[str, list] = {}
        for (lab, key, _path, _hidden), future in zip(jobs, outcomes, strict=True):
            outcome = future.result()
            out.print(Rule(Text(say(key, args.lang, lab=lab.id))))
            if outcome.result is None:  # the course's own file: its message, exit 2
                raise outcome.error
            terminal.render_terminal(outcome.result, args.lang, out)
            graded.setdefault(lab.id, []).append(outcome)
    for lab_id, (reference, starter) in graded.items():
        seconds = reference.seconds + starter.seconds
        rows.append(Graded(lab_id, reference.result, starter.result, seconds))
    for quiz_id in bank_ids(course.banks_dir):
        started = time.perf_counter()
        bank = load_quiz(course.banks_dir, quiz_id)
        paper = make_paper(bank, DEMO_STUDENT)
        text = demo_sheet(paper)
        title = say("course.demo_sheet", args.lang, quiz=quiz_id, student=DEMO_STUDENT)
        out.print(Rule(Text(title)))
        out.print(text, markup=False)
        sheet = Path("sample-answers.txt")  # shown in the report; nothing is written
        result = check_quiz(paper, parse_sheet(text, sheet, paper), sheet)
        terminal.render_terminal(result, args.lang, out)
        rows.append(Graded(quiz_id, result, None, time.perf_counter() - started))
    out.print(summary(rows, args.lang))
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    add_command(
        commands,
        common,
        "demo",
        cmd_demo,
        "grade every reference and starter and print the reports",
    )
