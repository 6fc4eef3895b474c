"""The CI gate for labs: starters in sync, references full marks, starters zero.

Each check is a small record so the CLI can print a table and CI can count failures.
"""

from __future__ import annotations

from dataclasses import dataclass

from graders.build import starter_in_sync
from graders.engine import Runner, grade_submission
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import LabSpec
from graders.submission import read_submission


@dataclass(frozen=True)
class Check:
    subject: str
    what: str
    ok: bool
    detail: str = ""


def _verdicts(result: LabResult) -> str:
    return ", ".join(f"{t.name}={t.verdict.code}" for t in result.tests)


def _graded_check(lab: LabSpec, what: str, result: LabResult, ok: bool) -> Check:
    return Check(lab.id, what, ok, f"{result.score:g}/{result.max_score:g}: {_verdicts(result)}")


def validate_lab(lab: LabSpec, runner: Runner = run_sets) -> list[Check]:
    in_sync = starter_in_sync(lab)
    reference, starter = (
        grade_submission(lab, read_submission(path), include_hidden=True, runner=runner)
        for path in (lab.solution_path, lab.starter_path)
    )
    return [
        Check(
            lab.id,
            "starter generated from the solution",
            in_sync,
            "" if in_sync else "run `seqlab build`",
        ),
        _graded_check(
            lab, "reference scores full marks on every set", reference, reference.full_marks
        ),
        _graded_check(lab, "starter scores zero", starter, starter.score == 0),
    ]
