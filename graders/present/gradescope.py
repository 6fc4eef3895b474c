"""A result as Gradescope's results.json lists it: one test per set.

Hidden sets are listed like the others, with visibility "visible" and only their verdict and
points (the result holds no data of theirs), because per Gradescope's documentation one test
with visibility "hidden" hides the submission's total score from the student.
"""

from __future__ import annotations

from graders.messages import say
from graders.present.view import build
from graders.results import LabResult

# Gradescope's results.json, as ANCHORS.md describes it (the fields we write).
RESULTS_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["score", "execution_time", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"$ref": "#/$defs/visibility"},
        "stdout_visibility": {"$ref": "#/$defs/visibility"},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "number": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": {"$ref": "#/$defs/visibility"},
                },
                "additionalProperties": False,
            },
        },
        "leaderboard": {"type": "array"},
    },
    "additionalProperties": False,
    "$defs": {"visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]}},
}


def gradescope_tests(result: LabResult, lang: str) -> list[dict[str, object]]:
    """One entry per set. A public set's output is the view's (present/view.py), as the
    terminal and Markdown show it: the verdict, the named mistake, the diff's findings, and
    each field — input, expected, actual and the error output (a traceback, "cell 7, line
    20 … SyntaxError"). A hidden set's is its verdict and named mistake only."""
    tests = []
    view = build(result, lang)
    for number, (shown, test) in enumerate(zip(view.sets, result.tests, strict=True), start=1):
        output = [str(test.to_json(lang)["output"])]  # the verdict and its sentence
        if test.mistake is not None:  # a name and a hint, never data: hidden sets have it too
            output.append(test.mistake_text(lang))
        if not test.hidden:
            output += shown.findings
            output += [f"{field.label}:\n{field.text}" for field in shown.fields]
        name = f"{test.name} ({say('report.class_hidden', lang)})" if test.hidden else test.name
        tests.append(
            {
                "name": name,
                "number": str(number),
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.verdict.passed else "failed",
                "output": "\n".join(output),
                "visibility": "visible",
            }
        )
    return tests
