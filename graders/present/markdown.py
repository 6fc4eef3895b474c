"""A result as Markdown (the feedback file read in an editor, an LMS, a terminal).

Draws a ResultView. Program output goes in code fences longer than any run of backticks in
it, so it cannot end its fence; the whole text shows escape sequences instead of carrying
them (textsafe.py), because Markdown files are read raw as often as rendered.
"""

from __future__ import annotations

import re

from graders.present.view import ResultView
from graders.textsafe import visible


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in the text, so output cannot end it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def result_markdown(view: ResultView) -> list[str]:
    lines = [f"**{view.score_text}** · {view.summary}", ""]
    if view.ignored:
        lines += [f"> ⚠ {view.ignored}", ""]
    for s in view.sets:
        tag = f" [{s.tag}]" if s.tag else ""
        lines += [f"## {s.heading}{tag} — {s.mark} {s.label} ({s.points})", ""]
        for field in s.fields:
            fence = _fence(field.text)
            lines += [f"**{field.label}**", "", fence + "text", field.text, fence, ""]
        if s.detail:
            lines += [s.detail, ""]
        if s.mistake:
            lines += [f"> 💡 {s.mistake}", ""]
        # A code fence cannot mark a value: the differing ones are listed, in bold. No picture
        # either (s.pictures): Gradescope and nbgrader show Markdown without SVG, and block
        # shades in a fence misalign in proportional and CJK fonts; the bold list says which
        # weights differ, and the HTML pages (feedback file, web, notebook) draw them.
        if s.differences:
            lines += [*(f"- **{difference}**" for difference in s.differences), ""]
        if s.findings:
            lines += [*s.findings, ""]
    return lines


def feedback_markdown(
    view: ResultView | None, *, title: str, student: str, error: str, not_graded: str
) -> str:
    lines = [f"# {title}", "", student, ""]
    if error:
        lines += [f"> {error}", ""]
    lines += result_markdown(view) if view is not None else [f"**{not_graded}**", ""]
    return visible("\n".join(lines))
