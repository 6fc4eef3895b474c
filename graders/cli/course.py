"""The course author's commands: validate (the CI gate), build, release, export.

Each imports its course machinery (nbformat's schema validation, the exporters) inside its
handler, so the students' commands start in a blink.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from graders.cli.common import (
    EXIT_BELOW,
    EXIT_OK,
    add_command,
    console,
    empty_folder,
    status,
    whole_number,
)
from graders.cli.quality import MOST_SEEDS
from graders.errors import SeqlabError, UsageError
from graders.messages import LANGS, say
from graders.service.pools import runner_for
from graders.spec import Course
from quizzes.bank import bank_ids, keyless_bank, load_quiz
from quizzes.paper import make_paper
from quizzes.present import paper_markdown

if TYPE_CHECKING:
    from graders.course.validate import Check


def _print_checks(checks: list[Check], lang: str, strict: bool = False) -> int:
    out = console()
    if not out.is_terminal:  # a CI log: one whole line per check, never cut to 80 columns
        for item in checks:
            mark = say(_mark(item, strict), lang)
            detail = item.describe(lang)
            line = f"{item.subject}: {mark} — {item.title(lang)}" + (
                f": {detail}" if detail else ""
            )
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        return _exit(checks, strict)
    table = Table(show_header=True)
    for column in ("", "subject", "check", "detail"):
        table.add_column(column)
    colours = {"validate.ok": "green", "validate.warning": "yellow", "validate.fail": "red"}
    for item in checks:
        key = _mark(item, strict)
        mark = f"[{colours[key]}]{say(key, lang)}"
        # Words and data are plain text: "seqlab[jupyter]" is no markup tag.
        words = (item.subject, item.title(lang), item.describe(lang))
        table.add_row(mark, *(Text(word) for word in words))
    out.print(table)
    return _exit(checks, strict)


def _mark(item: Check, strict: bool) -> str:
    if item.ok:
        return "validate.ok"
    return "validate.warning" if item.warning and not strict else "validate.fail"


def _exit(checks: list[Check], strict: bool) -> int:
    failed = [item for item in checks if not item.ok and (strict or not item.warning)]
    return EXIT_BELOW if failed else EXIT_OK


def cmd_validate(args) -> int:
    from graders.course.validate import (
        Check,
        check_dead_ends,
        check_idle_extensions,
        check_index,
        check_leaks,
        validate_lab,
    )

    course = Course.locate(args.course)
    labs = [course.lab(lab_id) for lab_id in args.lab] if args.lab else course.labs()
    checks = []
    for lab in labs:
        with runner_for(lab, 1) as runner:
            checks += validate_lab(lab, runner=runner, seeds=args.seeds)
    if not args.lab:
        checks.append(check_index(course))
        checks += check_leaks(course)  # warnings: an earlier lab's answer in a later starter
        checks += check_dead_ends(course)  # warnings: a 关卡 that can never open for someone
        checks += check_idle_extensions(course)  # warnings: an extension that extends nothing
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)  # raises if malformed
        topics = ", ".join(f"{topic} {count}" for topic, count in bank.topics().items())
        detail = f"{len(bank.questions)} questions ({topics})"
        checks.append(Check(bank.id, "validate.bank", True, detail))
    if args.db:  # with the roster at hand: extensions for someone not on it (off_roster.py)
        from graders.cli.gradebook import existing_database, warn_off_roster

        warn_off_roster(course.root, existing_database(args.db), args.lang)
    return _print_checks(checks, args.lang, args.strict)


def cmd_build(args) -> int:
    from graders.course import build
    from graders.course.curves import record_band
    from graders.course.index import write_index
    from graders.course.records import record_mistakes
    from graders.mistakes import records_path
    from graders.notebooks.build import JupyterMissing, notebook_path

    course = Course.locate(args.course)
    out = console()
    labs = [course.lab(lab_id) for lab_id in args.lab] if args.lab else course.labs()
    missing: JupyterMissing | None = None  # nbformat absent: every other file is still built
    for lab in labs:
        changed = build.write_starter(lab)
        key = "course.starter_written" if changed else "course.starter_current"
        out.print(say(key, args.lang, lab=lab.id, path=lab.starter_path), markup=False)
        try:
            changed = build.write_notebook(lab)
            key = "course.notebook_written" if changed else "course.notebook_current"
        except JupyterMissing as error:
            missing, key = missing or error, "course.notebook_skipped"
        out.print(say(key, args.lang, lab=lab.id, path=notebook_path(lab)), markup=False)
        if args.record:
            names = build.record_expected(lab)
            key = "course.recorded" if names else "course.recorded_current"
            out.print(say(key, args.lang, lab=lab.id, sets=", ".join(names)), markup=False)
            with runner_for(lab, 1) as runner:
                count = record_mistakes(lab, runner)
            key = "course.mistakes_recorded" if count else "course.mistakes_none"
            path = records_path(lab)
            out.print(say(key, args.lang, lab=lab.id, count=count, path=path), markup=False)
            band = record_band(lab)  # a lab with a loss curve: the reference's band
            if band is not None:
                out.print(say("course.band_recorded", args.lang, lab=lab.id, path=band))
    try:
        changed = write_index(course)
    except SeqlabError as error:
        if not args.lab:
            raise
        # Another lab's spec is broken: the labs asked for are built; say why the index is not.
        out.print(say("course.index_skipped", args.lang, reason=error.render(args.lang)))
    else:
        key = "course.index_written" if changed else "course.index_current"
        path = course.root / "exercises" / "README.md"
        out.print(say(key, args.lang, path=path), markup=False)
    if missing is not None:
        raise missing  # exit 2, naming the extra to install
    return EXIT_OK


def cmd_export(args) -> int:
    from graders.course.gradescope import export_bundle as export_gradescope_bundle

    course = Course.locate(args.course)
    if args.format == "nbgrader":
        from graders.notebooks.build import require_jupyter

        require_jupyter(Path(args.dir))  # before the folder is made: nbformat is an extra
        from graders.notebooks.nbgrader import export_course as export_nbgrader

        written = export_nbgrader(course, empty_folder(args.dir), args.lang)
    else:
        folder = empty_folder(args.dir)
        written = export_gradescope_bundle(course.lab(args.lab), folder, args.lang)
    message = say("notebook.exported", args.lang, count=len(written), path=args.dir)
    console().print(message, markup=False)
    return EXIT_OK


def cmd_release(args) -> int:
    from graders.course.release import released_labs, write_release

    course = Course.locate(args.course)
    # A stage may hold quizzes only (the attention quiz is 第1关): refused only when it
    # would hand out nothing at all.
    empty = not released_labs(course, args.upto) and not bank_ids(course.banks_dir)
    if args.upto is not None and (args.upto < 1 or empty):
        raise UsageError("course.release_no_stage", upto=args.upto)
    folder = empty_folder(args.dir)
    papers, banks = {}, {}
    for quiz_id in bank_ids(course.banks_dir):  # papers and banks without keys
        bank = load_quiz(course.banks_dir, quiz_id)
        paper = make_paper(bank)
        for lang in LANGS:
            papers[f"{quiz_id}.{lang}.md"] = paper_markdown(paper, lang, key=False) + "\n"
        banks[bank.path.name] = keyless_bank(bank.path.read_text(encoding="utf-8"))
    written = write_release(course, folder, papers, banks, args.upto)
    # A release hands out all its starters at once, whatever the web's unlocking: say which
    # of them holds an earlier lab's answers, and how to hand out stages instead.
    from graders.course.leaks import held_answers

    for later, earlier, lines in held_answers(released_labs(course, args.upto)):
        upto = (later.level or 1) - 1
        warning = say(
            "course.release_holds_answers",
            args.lang,
            later=later.id,
            earlier=earlier.id,
            count=len(lines),
            line=lines[0],
            upto=upto,
        )
        status().print(warning, markup=False, style="yellow")
    message = say("notebook.exported", args.lang, count=len(written), path=folder)
    console().print(message, markup=False)
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    sub = add_command(
        commands,
        common,
        "validate",
        cmd_validate,
        "CI gate: references pass, starters fail, files in sync",
    )
    sub.add_argument("--lab", action="append", help="only this lab (repeatable)")
    sub.add_argument(
        "--seeds",
        type=whole_number(0, MOST_SEEDS),  # as `seqlab sweep --seeds`; 0: no seed check
        default=0,
        help=f"also grade every reference under N seeds (0 to {MOST_SEEDS})",
    )
    sub.add_argument("--strict", action="store_true", help="warnings fail too")
    sub.add_argument(
        "--db", help="gradebook file or URL: also check seqlab.toml's extensions against its roster"
    )
    sub = add_command(commands, common, "build", cmd_build, "regenerate starters from solutions")
    sub.add_argument(
        "--record",
        action="store_true",
        help="also record expected outputs and the named mistakes' outputs",
    )
    sub.add_argument("--lab", action="append", help="only this lab (repeatable)")
    sub = add_command(
        commands,
        common,
        "release",
        cmd_release,
        "write the student release: task pages, starters, notebooks, public sets, the engine, "
        "quiz papers without keys (no solutions, hidden sets, corpus or keys)",
    )
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
    sub.add_argument(
        "--upto",
        type=int,
        metavar="LEVEL",
        help="one stage of a 闯关 course: only the labs up to this 关卡",
    )
    export = commands.add_parser("export", help="the course for nbgrader or Gradescope")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    sub = export_commands.add_parser(
        "nbgrader",
        parents=[common],
        help="write an nbgrader course: source/<lab>/<lab>.ipynb with solutions and tests",
    )
    sub.set_defaults(handler=cmd_export, format="nbgrader")
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
    sub = export_commands.add_parser(
        "gradescope",
        parents=[common],
        help="write a Gradescope autograder zip (setup.sh, run_autograder) for one lab",
    )
    sub.set_defaults(handler=cmd_export, format="gradescope")
    sub.add_argument("--lab", required=True, help="lab id")
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
