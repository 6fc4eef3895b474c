"""Seed sweeps: grade one program under many seeds, so a correct student never fails by luck.

A lab names the locked line that seeds it (`seed_variable = "SEED"` → `SEED = 2024`); the
sweep rewrites that one line and grades every test set, hidden ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graders.engine import Runner, grade_program
from graders.errors import SpecError
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import LabSpec


@dataclass(frozen=True)
class SeedOutcome:
    seed: int
    result: LabResult


def with_seed(program: str, variable: str, seed: int, *, path: str) -> str:
    pattern = re.compile(rf"^{re.escape(variable)}\s*=\s*\d+[ \t]*$", re.MULTILINE)
    rewritten, count = pattern.subn(f"{variable} = {seed}", program)
    if count != 1:
        raise SpecError(
            "spec.field",
            path=path,
            field="seed_variable",
            problem=f"names {variable!r}, but the program has {count} lines `{variable} = <int>`",
        )
    return rewritten


def sweep(
    lab: LabSpec, program: str, seeds: range | list[int], *, runner: Runner = run_sets
) -> list[SeedOutcome]:
    if lab.seed_variable is None:
        raise SpecError(
            "spec.field", path=lab.spec_path, field="seed_variable", problem="is missing"
        )
    return [
        SeedOutcome(
            seed,
            grade_program(
                lab,
                with_seed(program, lab.seed_variable, seed, path=str(lab.spec_path)),
                file=f"{lab.entry} (seed {seed})",
                include_hidden=True,
                runner=runner,
                trusted=True,
            ),
        )
        for seed in seeds
    ]
