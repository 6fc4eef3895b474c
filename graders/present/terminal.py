"""A result in the terminal (rich, 头歌 style), and as JSON for machines.

Draws a ResultView (present/view.py). Text that comes from the student (the program's output
and stderr, the file name, a quiz answer, a comparator's quote of a line) goes through
`_untrusted()`, which shows control characters instead of letting the terminal obey them
(textsafe.py), and into rich `Text`, so a `[` is never markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from graders.messages import say
from graders.present.curve import Curve
from graders.present.heatmap import SHADES, Grid, Heatmap
from graders.present.view import Field, ResultView, SetView, build
from graders.results import LabResult
from graders.textsafe import json_text, visible

STYLE = {"passed": "green", "partial": "yellow", "failed": "red"}


def _untrusted(text: str, style: str = "") -> Text:
    """Text from the student as a rich Text, its control characters shown, not obeyed."""
    return Text(visible(text), style=style)


def _field_text(field: Field) -> Text:
    """A field's text; a diffed output with the values its comparator refused in colour."""
    if field.marked is None:
        return _untrusted(field.text, "dim" if field.empty else "")
    text = Text()
    for number, line in enumerate(field.marked):
        if number:
            text.append("\n")
        for piece, differs in line:
            text.append(visible(piece), style="bold red reverse" if differs else "")
    return text


def _set_panel(view: SetView) -> Panel:
    style = STYLE[view.state]
    heading = Text.assemble(
        (view.heading + "  ", "bold"), (f"{view.mark} {view.label}", f"bold {style}")
    )
    heading.append(f"  {view.points}")
    if view.tag:
        heading.append(f"  [{view.tag}]", style="dim")
    if view.timing:
        heading.append("  " + view.timing, style="dim")
    body = Table.grid(padding=(0, 2))
    body.add_column(style="cyan", no_wrap=True)
    body.add_column(overflow="fold")  # a CJK run is one long word: folded, never cut to "…"
    for field in view.fields:
        body.add_row(field.label, _field_text(field))
    if view.detail:
        body.add_row("", _untrusted(view.detail, "dim" if view.passed else "yellow"))
    if view.mistake:  # the course's words, but through textsafe like every sentence here
        body.add_row("", _untrusted(view.mistake, "bold magenta"))
    for picture in view.pictures:
        body.add_row("", _heatmap_text(picture))
    for curve in view.curves:
        body.add_row("", _curve_text(curve))
    for finding in view.findings:
        body.add_row("", _untrusted(finding, "yellow"))
    return Panel(Group(heading, body), border_style=style, expand=True)


# --- a heatmap in block shades: expected and yours side by side (one above the other when
# they would not fit 76 columns), each cell two characters, a differing one red with a "!"
# (marked without colour too). Only our words and numbers: nothing here is the student's text.
def _grid_lines(grid: Grid) -> list[Text]:
    lines = []
    for row in grid.rows:
        line = Text(f"{row[0].row:>2} ")
        for cell in row:
            if cell.differs:
                line.append(cell.shade + "!", style="bold red")
            else:
                line.append(cell.shade * 2)
        lines.append(line)
    return lines


def _heatmap_text(picture: Heatmap) -> Text:
    out = Text.assemble((picture.title, "bold"), ("  " + picture.axes, "dim"), "\n")
    grids = list(picture.grids)
    wide = max(len(row) for grid in grids for row in grid.rows) * 2 + 3
    wide = max(wide, *(cell_len(grid.caption) for grid in grids))
    pairs = [grids[i : i + 2] for i in range(0, len(grids), 2)]
    for pair in pairs:
        together = len(pair) == 2 and 2 * wide + 3 <= 76
        blocks = [pair] if together else [[grid] for grid in pair]
        for block in blocks:
            captions = (g.caption + " " * max(0, wide - cell_len(g.caption)) for g in block)
            out.append("   ".join(captions).rstrip() + "\n", "dim")
            columns = [_grid_lines(g) for g in block]
            for n in range(max(len(c) for c in columns)):
                for k, lines in enumerate(columns):
                    if k:
                        out.append("   ")
                    line = lines[n] if n < len(lines) else Text("")
                    out.append_text(line)
                    if k < len(columns) - 1:
                        out.append(" " * (wide - len(line)))
                out.append("\n")
    out.append(f"{' '.join(SHADES)}  {picture.scale}", "dim")
    if picture.differing:
        out.append("   " + say("report.picture_mark", picture.lang), "bold red")
    out.append("   " + picture.note, "yellow" if picture.differing else "dim")
    return out


# --- a loss curve as two sparklines on one log scale: yours, and the middle of the reference's
# band, each with its first and last values. Numbers only: nothing here is the student's text.
def _curve_text(curve: Curve) -> Text:
    out = Text.assemble((curve.title, "bold"), "\n", overflow="fold")  # CJK: no spaces to wrap at
    names = [say(key, curve.lang) for key in ("report.picture_actual", "report.curve_reference")]
    width = max(cell_len(name) for name in names)  # CJK characters are two cells wide
    mine, theirs = (name + " " * (width - cell_len(name)) for name in names)
    out.append(f"{mine} ")
    out.append(curve.spark, "bold red" if curve.outside else "bold")
    out.append(f" {curve.summary}\n")
    if curve.band_spark:
        out.append(f"{theirs} ", "dim")
        out.append(curve.band_spark, "blue")
        out.append(f" {curve.band_summary}\n", "dim")
    out.append(curve.note, "yellow" if curve.outside else "dim")
    return out


def _question_rows(view: ResultView) -> Table:
    """A quiz at a glance: one row per question, not a panel each."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column(say("report.question_column", view.lang), justify="right")
    table.add_column(say("report.verdict_column", view.lang))
    table.add_column(say("report.score_column", view.lang), justify="right")
    table.add_column(say("report.answer_column", view.lang))
    for s in view.sets:
        table.add_row(
            str(s.number if s.number is not None else s.name),
            Text(f"{s.mark} {s.label}", style=STYLE[s.state]),
            s.points,
            _untrusted(s.answer) if s.answer else say("report.empty", view.lang),
        )
    return table


def render_terminal(result: LabResult, lang: str, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    view = build(result, lang)
    meta = Text.assemble(
        (say("report.file", lang) + " ", "dim"),
        _untrusted(view.file),
        ("   " + say("report.isolation", lang) + " ", "dim"),
        view.isolation,
    )
    if view.shared:
        meta.append("   " + view.shared, "dim")
    console.print(Panel(meta, title=view.heading, title_align="left", border_style="blue"))
    if view.ignored:
        console.print(Text("⚠ " + view.ignored, style="yellow"))
    if view.kind == "quiz":
        console.print(_question_rows(view))
    else:
        for s in view.sets:
            console.print(_set_panel(s))
    for sentence in view.pointer:  # last but the score: what to do next
        console.print(Text("➜ " + sentence, style="bold cyan"))
    colour = {"passed": "bold green", "partial": "bold yellow", "failed": "bold red"}[view.state]
    console.print(Text.assemble((view.score_text, colour), "  ", view.summary))


def render_json(result: LabResult, lang: str) -> str:
    return json_text(result.to_json(lang))
