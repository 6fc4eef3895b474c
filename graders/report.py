"""Render results for people (rich terminal, 头歌 style) and machines (JSON).

The only module that prints results. Hidden sets show their verdict and nothing else.
Text that comes from the student (the program's output and stderr, the file name, a quiz
answer, a comparator's quote of a line) enters the terminal report through `_untrusted()`,
which shows control characters instead of letting the terminal obey them (textsafe.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from graders.messages import say
from graders.results import LabResult, TestResult
from graders.textsafe import json_text, visible
from graders.verdict import Verdict

SOME_FAILED = {"lab": "report.some_failed_lab", "quiz": "report.some_failed_quiz"}
MAX_SHOWN_LINES = 20
MAX_SHOWN_CHARS = 2000


def line_ranges(numbers: Iterable[int]) -> str:
    """'3-5, 9' for [3, 4, 5, 9]."""
    ranges: list[list[int]] = []
    for number in sorted(set(numbers)):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def shorten(text: str, lang: str, *, tail: bool = False) -> str:
    """At most MAX_SHOWN_LINES lines (the last ones for error output, where the cause is)."""
    lines = text.rstrip("\n").split("\n")
    truncated = len(lines) > MAX_SHOWN_LINES or len(text) > MAX_SHOWN_CHARS
    lines = lines[-MAX_SHOWN_LINES:] if tail else lines[:MAX_SHOWN_LINES]
    shown = "\n".join(lines)
    shown = shown[-MAX_SHOWN_CHARS:] if tail else shown[:MAX_SHOWN_CHARS]
    if not truncated:
        return shown
    marker = say("report.truncated", lang)
    return f"{marker}\n{shown}" if tail else f"{shown}\n{marker}"


def _untrusted(text: str, style: str = "") -> Text:
    """Text from the student as a rich Text, its control characters shown, not obeyed."""
    return Text(visible(text), style=style)


def _field(value: str | None, lang: str, *, tail: bool = False) -> Text:
    if value is None or value.strip() == "":
        return Text(say("report.empty", lang), style="dim")
    return _untrusted(shorten(value, lang, tail=tail))


def _test_panel(index: int, test: TestResult, lang: str, kind: str) -> Panel:
    passed = test.verdict.passed
    mark = "✔" if passed else "✘"
    style = "green" if passed else "red"
    heading = Text.assemble(
        (_row_heading(index, test, lang, kind) + "  ", "bold"),
        (f"{mark} {test.verdict.label(lang)}", f"bold {style}"),
        f"  {test.score:g}/{test.max_score:g}",
    )
    if test.wall_seconds is not None and test.peak_memory_mb is not None:
        heading.append(
            "  "
            + say("report.time_memory", lang, seconds=test.wall_seconds, mb=test.peak_memory_mb),
            style="dim",
        )
    body = Table.grid(padding=(0, 2))
    body.add_column(style="cyan", no_wrap=True)
    body.add_column()
    if test.input is not None:
        body.add_row(say("report.input", lang), _field(test.input, lang))
    if test.expected is not None:
        body.add_row(say("report.expected", lang), _field(test.expected, lang))
    if test.actual is not None:
        body.add_row(say("report.actual", lang), _field(test.actual, lang))
    detail = test.detail_text(lang)
    # Hidden sets and quiz questions have no input to show: their detail line is the body.
    if detail and (not passed or test.input is None):
        body.add_row("", _untrusted(detail, "yellow" if not passed else "dim"))
    if test.stderr and not passed:
        body.add_row(say("report.stderr", lang), _field(test.stderr, lang, tail=True))
    return Panel(Group(heading, body), border_style=style, expand=True)


VERDICT_STYLE = {"AC": "green", "PC": "yellow"}


def _question_rows(tests: Iterable[TestResult], lang: str) -> Table:
    """A quiz at a glance: one row per question, not a panel each."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column(say("report.question_column", lang), justify="right")
    table.add_column(say("report.verdict_column", lang))
    table.add_column(say("report.score_column", lang), justify="right")
    table.add_column(say("report.answer_column", lang))
    for test in tests:
        style = VERDICT_STYLE.get(test.verdict.code, "red")
        mark = {"AC": "✔", "PC": "◐"}.get(test.verdict.code, "✘")
        answer = test.detail.get("answer", "") if test.detail_key == "quiz.your_answer" else ""
        answer = str(answer)
        table.add_row(
            str(test.number if test.number is not None else test.name),
            Text(f"{mark} {test.verdict.label(lang)}", style=style),
            f"{test.score:g}/{test.max_score:g}",
            _untrusted(answer) if answer else say("report.empty", lang),
        )
    return table


def _row_heading(index: int, test: TestResult, lang: str, kind: str) -> str:
    if kind == "quiz":
        return say("report.question", lang, number=test.number)
    return f"{say('report.test_set', lang, index=index)} · {test.name}"


def render_terminal(result: LabResult, lang: str, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    title = f"{result.lab} · {result.title[lang]}"
    meta = Text.assemble(
        (say("report.file", lang) + " ", "dim"),
        _untrusted(result.file),
        ("   " + say("report.isolation", lang) + " ", "dim"),
        _isolation_text(result),
    )
    if result.shared_seconds is not None:
        meta.append("   " + say("report.shared_time", lang, seconds=result.shared_seconds), "dim")
    console.print(Panel(meta, title=title, title_align="left", border_style="blue"))
    if result.ignored_lines:
        note = say("report.ignored_edit", lang, lines=line_ranges(result.ignored_lines))
        console.print(Text("⚠ " + note, style="yellow"))
    if result.kind == "quiz":
        console.print(_question_rows(result.tests, lang))
    else:
        for index, test in enumerate(result.tests, start=1):
            console.print(_test_panel(index, test, lang, result.kind))
    partial = sum(1 for t in result.tests if t.verdict is Verdict.PARTIAL)
    failed = sum(1 for t in result.tests if not t.verdict.passed) - partial
    score = say("report.score", lang, score=f"{result.score:g}", max_score=f"{result.max_score:g}")
    parts = [say(SOME_FAILED[result.kind], lang, failed=failed)] if failed else []
    if partial:
        parts.append(say("report.some_partial", lang, partial=partial))
    summary = " ".join(parts) or say("report.all_passed", lang)
    colour = "bold green" if not (failed or partial) else "bold red" if failed else "bold yellow"
    console.print(Text.assemble((score, colour), "  ", summary))


def _isolation_text(result: LabResult) -> str:
    layers = [layer for layer in result.isolation.layers if layer != "process"]
    return f"{result.isolation.level} ({', '.join(layers)})" if layers else result.isolation.level


def render_json(result: LabResult, lang: str) -> str:
    return json_text(result.to_json(lang))
