"""Feedback files: one Markdown and one HTML page per student and lab, 头歌 style.

Built from the LabResult alone: per public set 测试输入 / 预期输出 / 实际输出 (and the error
output when it failed); per hidden set its verdict only. A hidden set's TestResult holds no
input, expected or actual output (the engine leaves them out), so no page can leak them;
a test searches every written file for the hidden sets' data. The HTML escapes everything
the student's program printed (jinja2 autoescape): its output is hostile too.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment

from graders.errors import SeqlabError
from graders.messages import say
from graders.report import line_ranges, shorten
from graders.results import LabResult, TestResult
from graders.textsafe import visible

SOME_FAILED = {"lab": "report.some_failed_lab", "quiz": "report.some_failed_quiz"}


def feedback_paths(folder: Path, student: str, lab: str) -> tuple[Path, Path]:
    return folder / student / f"{lab}.md", folder / student / f"{lab}.html"


def _sections(test: TestResult, lang: str) -> list[tuple[str, str]]:
    """(heading, text) blocks shown for one set: data for public sets, nothing for hidden."""
    blocks = []
    if test.input is not None:
        blocks.append((say("report.input", lang), shorten(test.input, lang)))
    if test.expected is not None:
        blocks.append((say("report.expected", lang), shorten(test.expected, lang)))
    if test.actual is not None:
        actual = test.actual if test.actual.strip() else say("report.empty", lang)
        blocks.append((say("report.actual", lang), shorten(actual, lang)))
    if test.stderr and not test.verdict.passed:
        blocks.append((say("report.stderr", lang), shorten(test.stderr, lang, tail=True)))
    return blocks


def _heading(index: int, test: TestResult, lang: str, kind: str) -> str:
    if kind == "quiz":
        return say("report.question", lang, number=test.number)
    return f"{say('report.test_set', lang, index=index)} · {test.name}"


def _page(student: str, result: LabResult | None, lang: str, lab: str, title: str, error: str):
    """Everything both formats show, as plain data."""
    page: dict[str, object] = {
        "title": f"{lab} · {title}",
        "student": say("batch.feedback_student", lang, student=student),
        "error": error,
        "tests": [],
        "summary": "",
        "score": "",
        "ignored": "",
        "lang": lang,
    }
    if result is None:
        page["score"] = say("batch.feedback_not_graded", lang)
        return page
    failed = sum(1 for t in result.tests if not t.verdict.passed)
    page["score"] = say(
        "report.score", lang, score=f"{result.score:g}", max_score=f"{result.max_score:g}"
    )
    page["summary"] = (
        say("report.all_passed", lang)
        if not failed
        else say(SOME_FAILED[result.kind], lang, failed=failed)
    )
    if result.ignored_lines:
        page["ignored"] = say("report.ignored_edit", lang, lines=line_ranges(result.ignored_lines))
    page["tests"] = [
        {
            "heading": _heading(index, test, lang, result.kind),
            "passed": test.verdict.passed,
            "verdict": test.verdict.label(lang),
            "points": f"{test.score:g}/{test.max_score:g}",
            "detail": test.detail_text(lang)
            if (not test.verdict.passed or test.hidden or test.input is None)
            else "",
            "blocks": _sections(test, lang),
        }
        for index, test in enumerate(result.tests, start=1)
    ]
    return page


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in the text, so output cannot end it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(page: dict) -> str:
    lines = [f"# {page['title']}", "", f"{page['student']} · **{page['score']}**", ""]
    if page["error"]:
        lines += [f"> {page['error']}", ""]
    if page["ignored"]:
        lines += [f"> ⚠ {page['ignored']}", ""]
    for test in page["tests"]:
        mark = "✔" if test["passed"] else "✘"
        lines += [f"## {test['heading']} — {mark} {test['verdict']} ({test['points']})", ""]
        if test["detail"]:
            lines += [test["detail"], ""]
        for heading, text in test["blocks"]:
            fence = _fence(text)
            lines += [f"**{heading}**", "", fence + "text", text.rstrip("\n"), fence, ""]
    if page["summary"]:
        lines += [page["summary"], ""]
    # Read in terminals and editors as often as rendered: a program's escape sequences are
    # shown, not obeyed (textsafe.py).
    return visible("\n".join(lines))


HTML = Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ page.lang }}"><head><meta charset="utf-8">
<title>{{ page.title }}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1f2328}
.set{border:1px solid #d0d7de;border-left:6px solid #cf222e;border-radius:6px;margin:1rem 0;
padding:.5rem 1rem}
.set.passed{border-left-color:#1a7f37}
.verdict{font-weight:bold;color:#cf222e}.passed .verdict{color:#1a7f37}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap}
.note{background:#fff8c5;padding:.5rem}
</style></head><body>
<h1>{{ page.title }}</h1>
<p>{{ page.student }} · <strong>{{ page.score }}</strong></p>
{% if page.error %}<p class="note">{{ page.error }}</p>{% endif %}
{% if page.ignored %}<p class="note">⚠ {{ page.ignored }}</p>{% endif %}
{% for test in page.tests %}
<section class="set{% if test.passed %} passed{% endif %}">
<h2>{{ test.heading }} — <span class="verdict">{{ '✔' if test.passed else '✘' }}
{{ test.verdict }}</span> ({{ test.points }})</h2>
{% if test.detail %}<p>{{ test.detail }}</p>{% endif %}
{% for heading, text in test.blocks %}<h3>{{ heading }}</h3><pre>{{ text }}</pre>{% endfor %}
</section>
{% endfor %}
{% if page.summary %}<p><strong>{{ page.summary }}</strong></p>{% endif %}
</body></html>
"""
)


def write_feedback(
    folder: Path,
    student: str,
    *,
    lab: str,
    title: str,
    lang: str,
    result: LabResult | None = None,
    error: SeqlabError | None = None,
) -> tuple[Path, Path]:
    """Write (or replace) the student's two feedback files for this lab."""
    message = error.render(lang) if error is not None else ""
    page = _page(student, result, lang, lab, title, message)
    markdown_path, html_path = feedback_paths(folder, student, lab)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(render_markdown(page), encoding="utf-8")
    html_path.write_text(HTML.render(page=page), encoding="utf-8")
    return markdown_path, html_path
