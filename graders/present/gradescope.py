"""A result as Gradescope's results.json lists it: one test per set.

Hidden sets are listed like the others, with visibility "visible" and only their verdict and
points (the result holds no data of theirs), because per Gradescope's documentation one test
with visibility "hidden" hides the submission's total score from the student.
"""

from __future__ import annotations

from graders.messages import say
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
    tests = []
    for number, test in enumerate(result.tests, start=1):
        shown = test.to_json(lang)  # a hidden set's holds no input, expected or actual
        output = [str(shown["output"])]
        if "mistake" in shown:  # a name and a hint, never data: hidden sets have it too
            output.append(str(shown["mistake"]))
        for key, label in (
            ("input", "report.input"),
            ("expected", "report.expected"),
            ("actual", "report.actual"),
        ):
            if key in shown:
                output.append(f"{say(label, lang)}:\n{shown[key]}")
        name = f"{test.name} ({say('report.class_hidden', lang)})" if test.hidden else test.name
        tests.append(
            {
                "name": name,
                "number": str(number),
                "score": test.score,
                "max_score": test.max_score,
                "status": shown["status"],
                "output": "\n".join(output),
                "visibility": "visible",
            }
        )
    return tests
