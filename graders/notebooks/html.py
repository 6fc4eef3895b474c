"""A LabResult as one HTML fragment, 头歌-style, for the notebook: a header with the score,
then one box per test set (verdict, input, expected and actual output, the error's last
lines). Hidden sets show their verdict only — their results hold no data to show anyway.
Every word comes from the catalogue, so `--lang` switches the whole fragment.
"""

from __future__ import annotations

from html import escape

from graders.messages import say
from graders.results import LabResult, TestResult

MAX_LINES = 20
MAX_CHARS = 2000
GREEN, RED, GREY = "#2e7d32", "#c62828", "#757575"
BOX = (
    "border:1px solid {c};border-left:6px solid {c};border-radius:4px;padding:6px 10px;margin:6px 0"
)
PRE = "margin:2px 0;padding:4px 6px;background:#f6f8fa;white-space:pre-wrap;font-size:90%"


def _shorten(text: str, lang: str, *, tail: bool) -> str:
    lines = text.rstrip("\n").split("\n")
    cut = len(lines) > MAX_LINES or len(text) > MAX_CHARS
    lines = lines[-MAX_LINES:] if tail else lines[:MAX_LINES]
    shown = "\n".join(lines)
    shown = shown[-MAX_CHARS:] if tail else shown[:MAX_CHARS]
    if cut:
        marker = say("report.truncated", lang)
        shown = f"{marker}\n{shown}" if tail else f"{shown}\n{marker}"
    return shown


def _field(label: str, value: str | None, lang: str, *, tail: bool = False) -> str:
    if value is None:
        return ""
    body = _shorten(value, lang, tail=tail) if value.strip() else say("report.empty", lang)
    return (
        f'<div><span style="color:{GREY}">{escape(label)}</span>'
        f'<pre style="{PRE}">{escape(body)}</pre></div>'
    )


def test_box(index: int, test: TestResult, lang: str, kind: str) -> str:
    passed = test.verdict.passed
    colour = GREEN if passed else RED
    if kind == "quiz":
        heading = say("report.question", lang, number=test.number)
    else:
        heading = f"{say('report.test_set', lang, index=index)} · {test.name}"
    mark = "✔" if passed else "✘"
    parts = [
        f'<div class="seqlab-test" data-verdict="{test.verdict.code}" '
        f'style="{BOX.format(c=colour)}">',
        f"<b>{escape(heading)}</b> &nbsp; "
        f'<b style="color:{colour}">{mark} {escape(test.verdict.label(lang))}</b> &nbsp; '
        f"{test.score:g}/{test.max_score:g}",
    ]
    parts.append(_field(say("report.input", lang), test.input, lang))
    parts.append(_field(say("report.expected", lang), test.expected, lang))
    parts.append(_field(say("report.actual", lang), test.actual, lang))
    detail = test.detail_text(lang)
    if detail and (not passed or test.input is None):
        parts.append(f'<div style="color:{GREY if passed else RED}">{escape(detail)}</div>')
    if test.stderr and not passed:
        parts.append(_field(say("report.stderr", lang), test.stderr, lang, tail=True))
    parts.append("</div>")
    return "".join(parts)


def render_html(result: LabResult, lang: str) -> str:
    failed = sum(1 for t in result.tests if not t.verdict.passed)
    colour = RED if failed else GREEN
    score = say("report.score", lang, score=f"{result.score:g}", max_score=f"{result.max_score:g}")
    summary = (
        say("report.all_passed", lang)
        if not failed
        else say("report.some_failed_" + result.kind, lang, failed=failed)
    )
    parts = [
        f'<div class="seqlab-result" data-score="{result.score:g}" '
        f'data-max-score="{result.max_score:g}">',
        f'<div style="font-size:110%"><b>{escape(result.lab)} · '
        f"{escape(result.title[lang])}</b></div>",
        f'<div style="color:{GREY}">{escape(say("report.file", lang))} {escape(result.file)}</div>',
    ]
    if result.ignored_lines:
        lines = ", ".join(map(str, result.ignored_lines))
        note = say("report.ignored_edit", lang, lines=lines)
        parts.append(f'<div style="color:#b26a00">⚠ {escape(note)}</div>')
    for index, test in enumerate(result.tests, start=1):
        parts.append(test_box(index, test, lang, result.kind))
    parts.append(
        f'<div style="margin-top:6px"><b style="color:{colour}">{escape(score)}</b> '
        f"&nbsp; {escape(summary)}</div></div>"
    )
    return "\n".join(parts)


def error_html(message: str) -> str:
    """A could-not-grade message (exit 2 on the command line), as a red box."""
    return (
        f'<div class="seqlab-error" style="{BOX.format(c=RED)}">'
        f'<pre style="{PRE};background:none">{escape(message)}</pre></div>'
    )
