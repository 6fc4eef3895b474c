"""The `seqlab` command: arguments in, exit codes out.

Exit codes: 0 full marks (or all checks passed), 1 graded below full marks (or a check
failed), 2 could not grade — always with a one-paragraph message, never a traceback.
This is the composition root: the only module that brings labs and quizzes together.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from graders import build, report
from graders.engine import grade_submission
from graders.errors import SeqlabError
from graders.messages import LANGS, say
from graders.spec import Course
from graders.submission import read_submission, read_text
from graders.sweep import sweep
from graders.validate import Check, validate_lab
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.sheet import parse_sheet

EXIT_OK, EXIT_BELOW, EXIT_CANNOT = 0, 1, 2


def _console() -> Console:
    return Console(highlight=False)


def _emit(result, args) -> int:
    if args.json:
        print(report.render_json(result, args.lang))
    else:
        report.render_terminal(result, args.lang, _console())
    return result.exit_code()


def cmd_list(args) -> int:
    course = Course.locate(args.course)
    table = Table(title="seqlab", title_justify="left")
    for column in ("id", "kind", "title", "file / questions", "public", "hidden", "points"):
        table.add_column(column)
    for lab in course.labs():
        public = [t for t in lab.tests if not t.hidden]
        hidden = [t for t in lab.tests if t.hidden]
        points = sum(t.points for t in lab.tests)
        row = (lab.id, "lab", lab.title[args.lang], lab.entry, len(public), len(hidden), points)
        table.add_row(*map(str, row))
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)
        row = (bank.id, "quiz", bank.title[args.lang], len(bank.questions), "", "", bank.max_score)
        table.add_row(*(f"{v:g}" if isinstance(v, float) else str(v) for v in row))
    _console().print(table)
    return EXIT_OK


def _grade(args, include_hidden: bool) -> int:
    course = Course.locate(args.course)
    submission = read_submission(Path(args.file))
    lab = course.lab(args.lab) if args.lab else course.lab_for_file(submission.path)
    return _emit(grade_submission(lab, submission, include_hidden=include_hidden), args)


def cmd_check(args) -> int:
    return _grade(args, include_hidden=False)


def cmd_grade(args) -> int:
    return _grade(args, include_hidden=True)


def cmd_quiz_check(args) -> int:
    course = Course.locate(args.course)
    bank = load_quiz(course.banks_dir, args.quiz)
    sheet = Path(args.sheet)
    answers = parse_sheet(read_text(sheet), sheet, bank)
    return _emit(check_quiz(bank, answers, sheet), args)


def _print_checks(checks: list[Check], lang: str) -> int:
    table = Table(show_header=True)
    for column in ("", "subject", "check", "detail"):
        table.add_column(column)
    for item in checks:
        mark = (
            f"[green]{say('validate.ok', lang)}"
            if item.ok
            else f"[red]{say('validate.fail', lang)}"
        )
        table.add_row(mark, item.subject, item.what, item.detail)
    _console().print(table)
    return EXIT_OK if all(item.ok for item in checks) else EXIT_BELOW


def cmd_validate(args) -> int:
    course = Course.locate(args.course)
    labs = [course.lab(lab_id) for lab_id in args.lab] if args.lab else course.labs()
    checks = [check for lab in labs for check in validate_lab(lab)]
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)  # raises if malformed
        checks.append(
            Check(bank.id, "quiz bank well formed", True, f"{len(bank.questions)} questions")
        )
    return _print_checks(checks, args.lang)


def cmd_build(args) -> int:
    course = Course.locate(args.course)
    console = _console()
    for lab in course.labs():
        changed = build.write_starter(lab)
        console.print(
            f"{lab.id}: starter {lab.starter_path} {'written' if changed else 'up to date'}"
        )
        if args.record:
            names = build.record_expected(lab)
            status = f"recorded for {', '.join(names)}" if names else "up to date"
            console.print(f"{lab.id}: expected outputs {status}")
    return EXIT_OK


def cmd_sweep(args) -> int:
    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    path = Path(args.file) if args.file else lab.solution_path
    program = read_submission(path).text
    seeds = range(args.start, args.start + args.seeds)
    console = _console()
    passed = 0
    for outcome in sweep(lab, program, seeds):
        result = outcome.result
        passed += result.full_marks
        failures = ", ".join(
            f"{t.name}={t.verdict.code}" for t in result.tests if not t.verdict.passed
        )
        console.print(f"seed {outcome.seed:>4}: {result.score:g}/{result.max_score:g} {failures}")
    console.print(f"{lab.id}: {passed}/{len(seeds)} seeds at full marks")
    return EXIT_OK if passed == len(seeds) else EXIT_BELOW


DEMO_SHEET = "1 A\n2. c,b,a\n3：Ｂ\n4、d\n5 a\n"  # question 4 deliberately wrong


def cmd_demo(args) -> int:
    """Grade every lab's reference and starter and a sample quiz sheet, printing the reports."""
    course = Course.locate(args.course)
    console = _console()
    for lab in course.labs():
        for label, path, hidden in (
            ("reference (public + hidden sets)", lab.solution_path, True),
            ("starter (public sets)", lab.starter_path, False),
        ):
            console.print(Rule(f"{lab.id}: {label}"))
            result = grade_submission(lab, read_submission(path), include_hidden=hidden)
            report.render_terminal(result, args.lang, console)
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)
        console.print(Rule(f"{quiz_id}: sample answer sheet"))
        console.print(DEMO_SHEET)
        sheet = Path("sample-answers.txt")  # shown in the report; nothing is written
        result = check_quiz(bank, parse_sheet(DEMO_SHEET, sheet, bank), sheet)
        report.render_terminal(result, args.lang, console)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang", choices=LANGS, default=argparse.SUPPRESS, help="zh (default) or en"
    )
    common.add_argument("--course", type=Path, default=argparse.SUPPRESS, help="course folder")
    parser = argparse.ArgumentParser(
        prog="seqlab", description="Auto-graded 头歌-style labs for sequence models."
    )
    parser.add_argument("--lang", choices=LANGS, default="zh")
    parser.add_argument("--course", type=Path, default=None)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command("list", cmd_list, "list the labs and quizzes")
    for name, handler, help_text in (
        ("check", cmd_check, "grade FILE on the public test sets (for students)"),
        ("grade", cmd_grade, "grade FILE on public and hidden test sets (for instructors)"),
    ):
        sub = command(name, handler, help_text)
        sub.add_argument("file", metavar="FILE")
        sub.add_argument("--lab", help="lab id (default: from the file name)")
        sub.add_argument("--json", action="store_true", help="print results as JSON")
    sub = command(
        "validate", cmd_validate, "CI gate: references pass, starters fail, files in sync"
    )
    sub.add_argument("--lab", action="append", help="only this lab (repeatable)")
    sub = command("build", cmd_build, "regenerate starters from solutions")
    sub.add_argument("--record", action="store_true", help="also record expected outputs")
    sub = command("sweep", cmd_sweep, "grade a program under many seeds")
    sub.add_argument("lab", metavar="LAB")
    sub.add_argument("--seeds", type=int, default=20, help="how many seeds (default 20)")
    sub.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    sub.add_argument("--file", help="program to sweep (default: the reference)")
    command("demo", cmd_demo, "grade every reference and starter and print the reports")

    quiz = commands.add_parser("quiz", help="multiple-choice quizzes")
    quiz_commands = quiz.add_subparsers(dest="quiz_command", required=True)
    sub = quiz_commands.add_parser("check", parents=[common], help="score an answer sheet")
    sub.set_defaults(handler=cmd_quiz_check)
    sub.add_argument("quiz", metavar="QUIZ")
    sub.add_argument("sheet", metavar="SHEET")
    sub.add_argument("--json", action="store_true", help="print results as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SeqlabError as error:
        print(error.render(args.lang), file=sys.stderr)
        return EXIT_CANNOT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # our own bug: say so plainly, keep the details for debugging
        if os.environ.get("SEQLAB_DEBUG"):
            raise
        print(say("internal", args.lang, error=f"{type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_CANNOT


if __name__ == "__main__":
    sys.exit(main())
