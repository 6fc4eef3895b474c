"""HTML through one autoescaping Jinja configuration: every page seqlab writes or serves.

`environment(*folders)` is that configuration (autoescape on, our templates under the
`present/` prefix, the same filters); the web's pages use it with their own folder added, so
`{% include "present/result.html" %}` is the same partial there as in a feedback file and the
notebook check; the class report's page and charts are templates here too. Text a student's
program printed, and a student id, is data: autoescape keeps it text. CSS lives in
present/static/; pages that must open offline inline it, and a page served under a
Content-Security-Policy allows exactly that text by its hash (`style_source`), so no policy
needs 'unsafe-inline'.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

from graders.messages import say
from graders.present.view import ResultView, SetView

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CLASS_REPORT_CSS = "class_report.css"


def environment(*folders: Path) -> Environment:
    """The one configuration: `folders`' templates by name, ours as `present/…`."""
    loaders = [FileSystemLoader(folder) for folder in folders]
    return Environment(
        loader=ChoiceLoader([*loaders, PrefixLoader({"present": FileSystemLoader(TEMPLATES)})]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


ENV = environment()


@lru_cache(maxsize=4)
def css(name: str = "result.css") -> str:
    """A stylesheet's text, for a page that must open offline (ours: trusted)."""
    return (STATIC / name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly `text`: an inline <style> element's content (or a
    style attribute's, with 'unsafe-hashes')."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def style_source(name: str) -> str:
    """The CSP source of stylesheet `name` inlined by our templates (`<style>{{ css|safe }}`
    puts the text in the element as it is, so this is its hash)."""
    return csp_hash(css(name))


def result_html(view: ResultView) -> str:
    return ENV.get_template("present/result.html").render(view=view)


def notebook_html(view: ResultView) -> str:
    """The notebook check's output: the result with its style, in one fragment."""
    label = say("report.file", view.lang)
    return ENV.get_template("present/notebook.html").render(view=view, css=css(), file_label=label)


def error_html(message: str) -> str:
    return ENV.get_template("present/error.html").render(message=message, css=css())


def feedback_html(
    view: ResultView | None, *, title: str, student: str, error: str, lang: str
) -> str:
    return ENV.get_template("present/feedback.html").render(
        view=view,
        title=title,
        student=student,
        error=error,
        lang=lang,
        css=css(),
        not_graded=say("batch.feedback_not_graded", lang),
    )


def set_block_html(view: SetView) -> str:
    """One set's block as result.html draws it (set.html), for a page that already has the
    style: the web's sets done so far, shown while the others still run."""
    return ENV.get_template("present/set.html").render(s=view)


def set_html(view: SetView) -> str:
    """One set's box with its style (nbgrader shows each set in its own grade cell)."""
    return ENV.get_template("present/set_alone.html").render(s=view, css=css())


def class_report_html(view: object) -> str:
    """The class report: one page that loads nothing (its style inlined, its charts SVG).
    `view` is batch/class_report.py's ClassReportView, built above this layer: named here
    only in words, so no import runs up the layers."""
    css_text = css(CLASS_REPORT_CSS)
    return ENV.get_template("present/class_report.html").render(r=view, css=css_text)
