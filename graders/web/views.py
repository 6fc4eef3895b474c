"""What the pages show, built from results and course files (no I/O beyond reading them).

`attempt_view` reads an attempt's stored result back and builds the one view of it that
every page draws (graders/present/), in the reader's language: per set its verdict, score
and, for public sets only, input / expected / actual / error output (shortened as in the
terminal report), with every sentence in zh and en. A hidden set's TestResult holds no data,
so its view cannot hold any either. `task_page` cuts a lab's README into its Chinese and
English halves and renders them from Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from graders.messages import Text, read_params, say
from graders.present.html import set_block_html
from graders.present.view import ResultView, build, set_views
from graders.results import LabResult, TestResult
from graders.web.models import Attempt

LANG_HEADINGS = {"zh": "中文", "en": "English"}
BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _line_break(state, silent: bool) -> bool:
    """`<br>` in a README's text (the one way to break a line in a table cell) becomes a line
    break; every other tag stays escaped text, as html=False makes it."""
    found = BR.match(state.src, state.pos)
    if not found:
        return False
    if not silent:
        state.push("hardbreak", "br", 0)
    state.pos = found.end()
    return True


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_markdown.inline.ruler.before("html_inline", "line_break", _line_break)


def attempt_view(attempt: Attempt, lang: str) -> ResultView | None:
    """The attempt's stored result as the one presentation draws it (None: it has none)."""
    return build(LabResult.from_dict(attempt.results), lang) if attempt.results else None


def sets_so_far(attempt: Attempt, lang: str) -> list[dict[str, object]]:
    """The public sets of an attempt being graded that are done, each as its block of the
    final result (the one presentation, set.html), in the reader's language: [{number, name,
    html}, …] by number. Empty once finished: the final result is the one to show."""
    rows = attempt.progress or []
    numbered = [(row["number"], TestResult.from_dict(row["test"])) for row in rows]
    views = set_views(numbered, lang, "lab")
    return [{"number": v.index, "name": v.name, "html": set_block_html(v)} for v in views]


def attempt_message(attempt: Attempt, lang: str) -> str:
    """Why an attempt has no result, in the reader's language ("" when it has one)."""
    message = attempt.message
    if not message:
        return ""
    params = read_params(message.get("params"))
    for name, value in params.items():  # never a path on the server (the lab's template)
        if isinstance(value, str) and value.startswith("/"):
            params[name] = Text("web.the_starter") if name == "template" else Path(value).name
    return say(message["key"], lang, **params)


def split_languages(text: str) -> dict[str, str]:
    """The README's `## 中文` and `## English` halves (the title and link line dropped)."""
    parts: dict[str, list[str]] = {}
    current: str | None = None
    headings = {f"## {heading}": lang for lang, heading in LANG_HEADINGS.items()}
    for line in text.splitlines(keepends=True):
        if line.rstrip() in headings:
            current = headings[line.rstrip()]
            parts[current] = []
        elif line.startswith("## "):
            current = None
        elif current is not None:
            parts[current].append(line)
    return {lang: "".join(lines).strip() + "\n" for lang, lines in parts.items()}


def task_page(readme: Path, lang: str) -> str:
    """The lab's four sections in `lang` as HTML (raw HTML in the Markdown is escaped)."""
    if not readme.is_file():
        return ""
    halves = split_languages(readme.read_text(encoding="utf-8"))
    text = halves.get(lang) or next(iter(halves.values()), "")
    # Section headings are ### in the README; one level up on the page.
    text = re.sub(r"^### ", "## ", text, flags=re.MULTILINE)
    return _markdown.render(text)
