"""`seqlab doctor`: which sandbox layers work on this machine, and why the others do not."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from graders import sandbox
from graders.cli.common import EXIT_OK, add_command, console
from graders.messages import say
from graders.sandbox.probe import doctor_rows, files_confined
from graders.spec import Course, course_secrets


def cmd_doctor(args) -> int:
    course = Course.locate(args.course)
    isolation = sandbox.current(course_secrets(course.root))
    out = console()
    out.print(say("sandbox.doctor_level", args.lang, level=isolation.level), style="bold")
    table = Table(show_header=False)
    rows = doctor_rows(isolation, args.lang)
    confined = files_confined(isolation)
    if not confined:
        detail = say("sandbox.doctor_course_unconfined", args.lang, course=course.root)
    elif isolation.exposed:
        detail = say("sandbox.exposed", args.lang, files="; ".join(isolation.exposed))
    else:
        detail = say("sandbox.doctor_course_safe", args.lang, course=course.root)
    safe = confined and not isolation.exposed
    rows.append((say("sandbox.doctor_course", args.lang), safe, detail))
    for layer, works, detail in rows:
        mark = say("sandbox.doctor_works" if works else "sandbox.doctor_missing", args.lang)
        # fold: a long run of CJK text (no spaces) wraps instead of ending in "…"
        cell = Text(detail, overflow="fold")
        table.add_row(f"[{'green' if works else 'yellow'}]{mark}", layer, cell)
    out.print(table)
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    add_command(
        commands,
        common,
        "doctor",
        cmd_doctor,
        "show which sandbox layers work on this machine, and why not",
    )
