"""`seqlab new LAB_ID`: scaffold a lab (solution, spec, task page), never overwriting."""

from __future__ import annotations

import argparse

from graders.cli.common import EXIT_OK, add_command, console
from graders.messages import say
from graders.spec import Course


def cmd_new(args) -> int:
    from graders.course.scaffold import new_lab

    course = Course.locate(args.course)
    written = new_lab(course, args.lab_id)
    out = console()
    for path in written:
        out.print(say("course.new_written", args.lang, path=path), markup=False)
    out.print(say("course.new_next", args.lang, lab=args.lab_id), markup=False)
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    sub = add_command(
        commands, common, "new", cmd_new, "scaffold a new lab: solution, spec and task page"
    )
    sub.add_argument("lab_id", metavar="LAB_ID")
