"""`seqlab list`: the course's labs and quizzes, each id whole at any terminal width.

Ids are what people type next (`seqlab check --lab ID`), so they are never cut: in the table
only the title and file columns wrap. When the terminal is too narrow for that table to keep
them readable, each entry becomes a short block of lines instead, its id on a line of its own.
"""

from __future__ import annotations

import argparse

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from graders.cli.common import EXIT_CANNOT, EXIT_OK, add_command, console, status
from graders.errors import SpecError
from graders.messages import say
from graders.spec import Course
from graders.textsafe import visible
from quizzes.bank import bank_ids, load_quiz

COLUMNS = (
    "course.list_level",
    "course.list_id",
    "course.list_kind",
    "course.list_title",
    "course.list_file",
    "course.list_public",
    "course.list_hidden",
    "course.list_points",
)
ID, TITLE, FILE = 1, 3, 4
WRAPPING = (TITLE, FILE)
# Below this many cells a title or file name wraps into a ribbon: blocks read better then.
MIN_TEXT = 12
INDENT = 2  # an entry's lines under its id, in the narrow layout


def rows(course: Course, lang: str) -> tuple[list[tuple[str, ...]], list[SpecError]]:
    """One row of texts per lab (in course order: by level, then id), then per quiz; and why
    a lab or quiz whose file is broken is left out (the others are still listed)."""
    found = []
    labs, broken = course.readable_labs()
    problems = list(broken.values())
    for lab in labs:
        public = [t for t in lab.output_tests if not t.hidden]  # the rules set is no test set
        hidden = [t for t in lab.tests if t.hidden]
        points = sum(t.points for t in lab.tests)
        level = "" if lab.level is None else lab.level
        kind = say("course.list_lab", lang)
        row = (level, lab.id, kind, lab.title[lang], lab.entry, len(public), len(hidden), points)
        found.append(tuple(map(str, row)))
    for quiz_id in bank_ids(course.banks_dir):
        try:
            bank = load_quiz(course.banks_dir, quiz_id)
        except SpecError as error:
            problems.append(error)
            continue
        kind = say("course.list_quiz", lang)
        row = ("", bank.id, kind, bank.title[lang], len(bank.questions), "", "", bank.max_score)
        found.append(tuple(f"{v:g}" if isinstance(v, float) else str(v) for v in row))
    return found, problems


def _table(entries: list[tuple[str, ...]], lang: str, text_width: int | None = None) -> Table:
    table = Table(title="seqlab", title_justify="left")
    for index, key in enumerate(COLUMNS):
        if index in WRAPPING:
            table.add_column(say(key, lang), overflow="fold", max_width=text_width)
        else:  # never narrowed by rich: only wrapping columns give up width
            table.add_column(say(key, lang), no_wrap=True)
    for row in entries:
        table.add_row(*map(Text, row))
    return table


def table_fits(out: Console, entries: list[tuple[str, ...]], lang: str) -> bool:
    """Whether the table fits `out` with its title and file columns at least MIN_TEXT wide."""
    narrowest = _table(entries, lang, text_width=MIN_TEXT)
    unbounded = out.options.update_width(10_000)
    return Measurement.get(out, unbounded, narrowest).maximum <= out.width


def _pack(parts: list[str], width: int) -> list[str]:
    """Parts joined by " · " into lines of at most `width` cells, never splitting a part
    (a label stays with its value); a part wider than a line gets one of its own."""
    lines = [parts[0]]
    for part in parts[1:]:
        joined = f"{lines[-1]} · {part}"
        if cell_len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return lines


def _print_blocks(out: Console, entries: list[tuple[str, ...]], lang: str) -> None:
    headers = [say(key, lang) for key in COLUMNS]
    out.print("seqlab", markup=False)
    for row in entries:
        out.print(Text(row[ID], style="bold"), soft_wrap=True)  # never wrapped nor cropped
        facts = [
            say("course.list_fact", lang, name=name, value=value)
            for index, (name, value) in enumerate(zip(headers, row, strict=True))
            if index not in (ID, TITLE) and value
        ]
        for line in [row[TITLE], *_pack(facts, out.width - INDENT)]:
            out.print(Padding(Text(line, overflow="fold"), (0, 0, 0, INDENT), expand=False))


def cmd_list(args) -> int:
    course = Course.locate(args.course)
    entries, problems = rows(course, args.lang)
    out = console()
    if table_fits(out, entries, args.lang):
        out.print(_table(entries, args.lang))
    else:
        _print_blocks(out, entries, args.lang)
    for problem in problems:  # the course's files, for whoever can fix them: exit 2
        status().print(visible(problem.render(args.lang)), style="red", markup=False)
    return EXIT_CANNOT if problems else EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    add_command(commands, common, "list", cmd_list, "list the labs and quizzes")
