"""`seqlab quiz check|paper|take`: multiple-choice quizzes, on a student's own paper."""

from __future__ import annotations

import argparse
from pathlib import Path

from graders.cli.common import EXIT_OK, add_command, console, emit, new_file
from graders.errors import UsageError
from graders.messages import say
from graders.present import terminal
from graders.spec import Course
from graders.submission import read_text
from graders.textsafe import json_text
from quizzes.bank import load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import make_paper
from quizzes.present import paper_json, paper_markdown, render_paper, render_review
from quizzes.sheet import paper_student, parse_sheet, sheet_text
from quizzes.take import TERMINAL, Interrupted, take

EXIT_INTERRUPTED = 130  # as the shell reports a command stopped by Ctrl-C


def _paper(args, student: str | None = None):
    # From inside a student's release (an installed seqlab holds no course) as well.
    course = Course.locate(args.course, near=Path.cwd())
    bank = load_quiz(course.banks_dir, args.quiz)
    student = args.student if student is None else student
    if student is not None:
        student = student.strip()
        if not student or not student.isprintable():
            raise UsageError("quiz.bad_student", student=student)
    return make_paper(bank, student)


def _keyed(paper, quiz: str):
    """The paper, when the bank holds its key; a student's copy cannot score or show it."""
    if paper.bank.keyless:
        raise UsageError("quiz.keyless", quiz=quiz)
    return paper


def cmd_quiz_check(args) -> int:
    sheet = Path(args.sheet)
    text = read_text(sheet)
    # The sheet's header names its student: their paper, never another's (see paper_student).
    given = args.student.strip() if args.student is not None else None
    paper = _keyed(_paper(args, paper_student(text, sheet, given)), args.quiz)
    answers = parse_sheet(text, sheet, paper)
    result = check_quiz(paper, answers, sheet)
    code = emit(result, args)
    if args.explain and not args.json:
        render_review(paper, answers, args.lang, console())
    return code


def cmd_quiz_paper(args) -> int:
    paper = _keyed(_paper(args), args.quiz) if args.key else _paper(args)
    output = new_file(args.output)
    if args.format == "text" and output is None:
        render_paper(paper, args.lang, console(), key=args.key)
        return EXIT_OK
    if args.format == "json":
        text = json_text(paper_json(paper, args.lang, key=args.key))
    else:  # markdown, and plain text written to a file
        text = paper_markdown(paper, args.lang, key=args.key)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
    return EXIT_OK


def cmd_quiz_take(args) -> int:
    paper = _paper(args)
    if paper.bank.keyless:
        return _take_keyless(paper, args)
    save = new_file(args.save)
    out = console()
    try:
        answers = take(
            paper,
            args.lang,
            out,
            out.input,
            immediate_feedback=args.feedback == "immediate",
        )
    except Interrupted as stop:
        return _interrupted(paper, stop.answers, save, args.lang)
    result = check_quiz(paper, answers, save or TERMINAL)
    terminal.render_terminal(result, args.lang, out)
    if args.feedback == "end":
        render_review(paper, answers, args.lang, out)
    if save is not None:
        _refuse_empty(answers, save)
        _save_sheet(save, sheet_text(paper, answers), args.lang)
        student = f" --student {paper.student}" if paper.student else ""
        out.print(say("quiz.saved", args.lang, path=save, quiz=paper.bank.id, student=student))
    return result.exit_code()


def _save_sheet(save: Path, text: str, lang: str) -> None:
    """Write the sheet; if that fails after all (the folder removed meanwhile, a full disk),
    print it so the answers are not lost, and stop with the reason (exit 2)."""
    try:
        save.write_text(text, encoding="utf-8")
    except OSError as error:
        print(text, end="" if text.endswith("\n") else "\n")
        raise UsageError("quiz.save_failed", path=save, reason=error.strerror or error) from None


def _interrupted(paper, answers: dict, save: Path | None, lang: str) -> int:
    """Ctrl-C: the answers given so far are kept (on the --save sheet, else printed), and the
    command stops as an interrupted one does (exit 130)."""
    out = console()
    if not answers:
        out.print(say("quiz.interrupted_nothing", lang))
    elif save is None:
        print(sheet_text(paper, answers), end="")
        out.print(say("quiz.interrupted_printed", lang, count=len(answers)))
    else:
        text = sheet_text(paper, answers)
        try:
            save.write_text(text, encoding="utf-8")
        except OSError as error:
            print(text, end="")
            reason = error.strerror or error
            out.print(say("quiz.interrupted_unsaved", lang, path=save, reason=reason))
        else:
            out.print(say("quiz.interrupted_saved", lang, path=save, count=len(answers)))
    return EXIT_INTERRUPTED


def _refuse_empty(answers: dict, save) -> None:
    """A sheet with no answer is not written: handed in, it would read as a blank paper, and
    a later `--save` to the same name would be refused as an existing file (exit 2)."""
    if not answers:
        raise UsageError("quiz.nothing_answered", path=save)


def _take_keyless(paper, args) -> int:
    """A student's copy: the questions asked and the answers kept on a sheet to hand in;
    nothing scored or explained (the copy holds no key)."""
    if args.feedback == "immediate":
        raise UsageError("quiz.keyless", quiz=args.quiz)
    save = new_file(args.save or f"{paper.bank.id}-answers.txt")
    out = console()
    try:
        answers = take(paper, args.lang, out, out.input)
    except Interrupted as stop:
        return _interrupted(paper, stop.answers, save, args.lang)
    _refuse_empty(answers, save)
    _save_sheet(save, sheet_text(paper, answers), args.lang)
    out.print(say("quiz.saved_keyless", args.lang, path=save, count=len(answers)))
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    quiz = commands.add_parser("quiz", help="multiple-choice quizzes")
    quiz_commands = quiz.add_subparsers(dest="quiz_command", required=True)

    def quiz_command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = add_command(quiz_commands, common, name, handler, help_text)
        sub.add_argument("quiz", metavar="QUIZ")
        sub.add_argument("--student", help="student id: that student's own shuffled paper")
        return sub

    sub = quiz_command("check", cmd_quiz_check, "score an answer sheet (.txt, .json or .toml)")
    sub.add_argument("sheet", metavar="SHEET")
    sub.add_argument("--json", action="store_true", help="print results as JSON")
    sub.add_argument("--explain", action="store_true", help="also show answers and explanations")
    sub = quiz_command("paper", cmd_quiz_paper, "print or write a student's paper")
    sub.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    sub.add_argument("--output", help="write to this new file instead of printing")
    sub.add_argument("--key", action="store_true", help="include the answers (for instructors)")
    sub = quiz_command("take", cmd_quiz_take, "answer a quiz question by question in the terminal")
    sub.add_argument(
        "--feedback",
        choices=("end", "immediate"),
        default="end",
        help="show answers and explanations at the end (default) or after each question",
    )
    sub.add_argument(
        "--save",
        metavar="SHEET",
        help="save the answers as a sheet in this new file (a students' copy of a quiz, which "
        "holds no key, always saves: to QUIZ-answers.txt unless given); nothing is saved "
        "when no question was answered",
    )
