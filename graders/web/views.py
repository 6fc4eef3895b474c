"""What the pages show, built from results and course files (no I/O beyond reading them).

`result_view` turns a LabResult (read back from an attempt's stored shape when a page is
rendered) into what the results template shows: per set its verdict, score
and, for public sets only, input / expected / actual / error output (shortened as in the
terminal report), with every sentence in zh and en. A hidden set's TestResult holds no data,
so its view cannot hold any either. `task_page` cuts a lab's README into its Chinese and
English halves and renders them from Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from graders.messages import LANGS, say
from graders.report import line_ranges, shorten
from graders.results import LabResult
from graders.web.models import Attempt

LANG_HEADINGS = {"zh": "中文", "en": "English"}
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def result_view(result: LabResult) -> dict[str, object]:
    tests = []
    for index, test in enumerate(result.tests, start=1):
        entry: dict[str, object] = {
            "index": index,
            "number": test.number,
            "name": test.name,
            "verdict": test.verdict.code,
            "passed": test.verdict.passed,
            "score": test.score,
            "max_score": test.max_score,
            "hidden": test.hidden,
            "label": {lang: test.verdict.label(lang) for lang in LANGS},
            "detail": {lang: test.detail_text(lang) for lang in LANGS},
        }
        if test.wall_seconds is not None:
            entry["seconds"] = round(test.wall_seconds, 3)
        if test.peak_memory_mb is not None:
            entry["memory_mb"] = test.peak_memory_mb
        if not test.hidden:
            for key in ("input", "expected", "actual", "stderr"):
                value = getattr(test, key)
                if value is not None:
                    entry[key] = shorten(value, "en", tail=key == "stderr")
        tests.append(entry)
    view: dict[str, object] = {
        "lab": result.lab,
        "kind": result.kind,
        "score": result.score,
        "max_score": result.max_score,
        "isolation": result.isolation.level,
        "execution_time": round(result.execution_time, 3),
        "tests": tests,
    }
    if result.shared_seconds is not None:
        view["shared_seconds"] = round(result.shared_seconds, 3)
    if result.ignored_lines:
        lines = line_ranges(result.ignored_lines)
        view["ignored"] = {lang: say("report.ignored_edit", lang, lines=lines) for lang in LANGS}
    return view


def attempt_view(attempt: Attempt) -> dict[str, object] | None:
    """The page's view of an attempt's stored result (None: it has none)."""
    return result_view(LabResult.from_dict(attempt.results)) if attempt.results else None


def attempt_message(attempt: Attempt, lang: str) -> str:
    """Why an attempt has no result, in the reader's language ("" when it has one)."""
    message = attempt.message
    return say(message["key"], lang, **message.get("params", {})) if message else ""


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
