"""`seqlab check` and `seqlab grade`: one file on the public sets, or one file or many on
every set (a batch, into a gradebook)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from graders.cli.common import (
    add_command,
    console,
    emit,
    require_isolation_option,
    whole_number,
)
from graders.errors import UsageError
from graders.sandbox.launch import most_graders
from graders.service import choose_lab, grade, grade_lab, require_isolation
from graders.service.isolation import CLASS_ISOLATION
from graders.spec import Course
from graders.submission import read_submission
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import make_paper
from quizzes.sheet import paper_student, parse_sheet, sheet_student

if TYPE_CHECKING:
    from graders.batch.collect import Item


def _grade(args, *, include_hidden: bool, follow_symlinks: bool) -> int:
    # A check finds the course from the student's file (an installed release holds none).
    course = Course.locate(args.course, near=None if include_hidden else Path(args.file))
    require_isolation(args.require_isolation, course)
    submission = read_submission(Path(args.file), follow_symlinks=follow_symlinks)
    lab = choose_lab(course, submission.path, args.lab)
    outcome = grade_lab(lab, submission, include_hidden=include_hidden)
    if outcome.result is None:  # could not grade: its one-paragraph message, exit 2
        raise outcome.error
    return emit(outcome.result, args)


def cmd_check(args) -> int:
    # A student checks their own file, so a symbolic link to it (a synced folder, an editor's
    # workspace, dotfiles) is followed, as compilers and linters do. A link gains nothing here:
    # `check` runs only the public sets and records no grade, and a file one can link to one
    # can read and copy. `grade`, where files are scored for someone, refuses links.
    return _grade(args, include_hidden=False, follow_symlinks=True)


def cmd_grade(args) -> int:
    paths = [Path(p) for p in args.submissions]
    single = (
        len(paths) == 1
        and not paths[0].is_dir()
        and paths[0].suffix.lower() != ".zip"
        and args.db is None
        and args.feedback is None
        and args.workers is None
    )
    if single:  # one file: exactly the report `seqlab grade FILE` always printed
        args.file = args.submissions[0]
        # Refused like a link in a class folder: `drop/x.py -> solutions/…` is not x's work.
        return _grade(args, include_hidden=True, follow_symlinks=False)
    # Imported here: the batch stack (SQLAlchemy) is for batches only.
    from graders.batch.session import BatchOptions, grade_batch
    from graders.store.record import rules_for

    course = Course.locate(args.course)
    require_isolation(args.require_isolation or CLASS_ISOLATION, course)  # a class's work
    target = _batch_target(course, args.lab)
    options = BatchOptions(
        lang=args.lang,
        workers=args.workers,
        db=args.db,
        feedback=args.feedback,
        assignment=args.assignment,
        regrade=args.regrade,
        cold=args.cold,
        json=args.json,
        calendar=rules_for(course.root).calendar,  # a bad seqlab.toml stops here (exit 2)
    )
    return grade_batch(target, paths, options, console())


def _batch_target(course: Course, target_id: str | None):
    from graders.batch.collect import safe_id
    from graders.batch.session import BatchTarget, lab_target

    quiz_ids = bank_ids(course.banks_dir)
    if target_id is None:
        raise UsageError("batch.need_lab", known=", ".join(course.lab_ids() + quiz_ids))
    if target_id in quiz_ids:
        bank = load_quiz(course.banks_dir, target_id)

        def grade_quiz(item: Item):
            def work():
                # Each student's own shuffled paper; a sheet whose header names another
                # student is refused (quizzes.sheet.paper_student), compared as ids are made
                # safe for folder names.
                text = item.text()
                header = sheet_student(text)
                if header is not None and safe_id(header) == item.student:
                    student = header
                else:
                    student = paper_student(text, item.path, item.student)
                paper = make_paper(bank, student)
                return check_quiz(paper, parse_sheet(text, item.path, paper), item.path)

            return grade(work)

        return BatchTarget(
            bank.id,
            "quiz",
            bank.title,
            course.banks_dir / f"{target_id}.toml",
            None,
            (".txt", ".json", ".toml"),
            bank.max_score,
            grade_one=grade_quiz,
        )
    if target_id not in course.lab_ids():
        raise UsageError(
            "spec.unknown_lab", lab=target_id, known=", ".join(course.lab_ids() + quiz_ids)
        )
    return lab_target(course.lab(target_id))


def _batch_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSIONS",
        help="a file, or several: files, folders, nbgrader submitted/ trees, .zip exports",
    )
    sub.add_argument(
        "--workers",
        type=whole_number(1, most_graders),
        help="submissions graded at once (default: the number of cores; at most 4 per core)",
    )
    sub.add_argument(
        "--db", help="gradebook file or SQLAlchemy URL (default: seqlab-gradebook.sqlite)"
    )
    sub.add_argument("--feedback", metavar="DIR", help="write feedback files into DIR")
    sub.add_argument("--assignment", help="nbgrader assignment name (default: the lab id)")
    sub.add_argument(
        "--regrade", action="store_true", help="grade again what the gradebook already has"
    )
    sub.add_argument(
        "--cold",
        action="store_true",
        help="no warm workers: a fresh sandboxed process per submission (slower)",
    )


def register(commands, common: argparse.ArgumentParser) -> None:
    for name, handler, help_text in (
        ("check", cmd_check, "grade FILE on the public test sets (for students)"),
        (
            "grade",
            cmd_grade,
            "grade FILE, or many (files, folders, nbgrader trees, Moodle/Canvas zips) into a "
            "gradebook, on public and hidden test sets (for instructors)",
        ),
    ):
        sub = add_command(commands, common, name, handler, help_text)
        if name == "check":
            sub.add_argument("file", metavar="FILE")
        else:
            _batch_arguments(sub)
        sub.add_argument("--lab", help="lab (or quiz) id (default: from the file name)")
        sub.add_argument("--json", action="store_true", help="print results as JSON")
        require_isolation_option(sub, "refuse to grade", "a folder or several files")
