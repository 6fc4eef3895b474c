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


def validate_lab(lab: LabSpec, runner: Runner = run_sets) -> list[Check]:
    in_sync = starter_in_sync(lab)
    checks = [
        Check(
            lab.id,
            "starter generated from the solution",
            in_sync,
            "" if in_sync else "run `seqlab build`",
        )
    ]
    reference = grade_submission(
        lab, read_submission(lab.solution_path), include_hidden=True, runner=runner
    )
    checks.append(
        Check(
            lab.id,
            "reference scores full marks on every set",
            reference.full_marks,
            f"{reference.score:g}/{reference.max_score:g}: {_verdicts(reference)}",
        )
    )
    starter = grade_submission(
        lab, read_submission(lab.starter_path), include_hidden=True, runner=runner
    )
    checks.append(
        Check(
            lab.id,
            "starter scores zero",
            starter.score == 0,
            f"{starter.score:g}/{starter.max_score:g}: {_verdicts(starter)}",
        )
    )
    return checks
