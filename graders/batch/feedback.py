"""Feedback files: one Markdown and one HTML page per student and lab, 头歌 style.

Both drawn from the one view of the result (graders/present/): per public set 测试输入 /
预期输出 / 实际输出 (and the error output when it failed); per hidden set its verdict only. A
hidden set's TestResult holds no input, expected or actual output (the engine leaves them
out), so no page can leak them; a test searches every written file for the hidden sets' data.
The HTML is autoescaped (present/html.py): the student's program's output is hostile too.
"""

from __future__ import annotations

from pathlib import Path

from graders.errors import SeqlabError
from graders.messages import say
from graders.present.html import feedback_html
from graders.present.markdown import feedback_markdown
from graders.present.view import build
from graders.results import LabResult


def feedback_paths(folder: Path, student: str, lab: str) -> tuple[Path, Path]:
    return folder / student / f"{lab}.md", folder / student / f"{lab}.html"


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
    view = build(result, lang) if result is not None else None
    page = {
        "title": f"{lab} · {title}",
        "student": say("batch.feedback_student", lang, student=student),
        "error": error.render(lang) if error is not None else "",
    }
    markdown_path, html_path = feedback_paths(folder, student, lab)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    not_graded = say("batch.feedback_not_graded", lang)
    markdown_path.write_text(
        feedback_markdown(view, not_graded=not_graded, **page), encoding="utf-8"
    )
    html_path.write_text(feedback_html(view, lang=lang, **page), encoding="utf-8")
    return markdown_path, html_path
