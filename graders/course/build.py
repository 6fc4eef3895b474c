"""Generated course files: starters made from solutions, notebooks made from starters and
task pages, expected outputs recorded from the reference. `seqlab build` writes them;
`seqlab validate` checks they are in sync.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import replace
from pathlib import Path

import tomlkit

from graders.comparators import COMPARATORS
from graders.engine import Runner, course_text, judge
from graders.errors import SpecError
from graders.markers import make_starter
from graders.notebooks.build import make_notebook, notebook_path, notebook_text
from graders.sandbox import run_sets
from graders.spec import LabSpec, TestSet


def expected_starter(lab: LabSpec) -> str:
    return make_starter(course_text(lab.solution_path, lab), str(lab.solution_path))


def generated_in_sync(path: Path, text: str) -> bool:
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def write_generated(path: Path, text: str) -> bool:
    """Write a generated file (LF line ends) unless it already says `text`; True if changed."""
    if generated_in_sync(path, text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return True


def starter_in_sync(lab: LabSpec) -> bool:
    return generated_in_sync(lab.starter_path, expected_starter(lab))


def write_starter(lab: LabSpec) -> bool:
    """Regenerate the starter; True if the file changed."""
    return write_generated(lab.starter_path, expected_starter(lab))


def expected_notebook(lab: LabSpec) -> str:
    """The lab's notebook as `seqlab build` writes it (JupyterMissing without nbformat)."""
    readme = lab.starter_path.parent / "README.md"
    task = course_text(readme, lab) if readme.is_file() else None
    return notebook_text(make_notebook(lab, expected_starter(lab), task))


def notebook_in_sync(lab: LabSpec) -> bool:
    return generated_in_sync(notebook_path(lab), expected_notebook(lab))


def write_notebook(lab: LabSpec) -> bool:
    """Regenerate the lab's notebook; True if the file changed."""
    return write_generated(notebook_path(lab), expected_notebook(lab))


def record_expected(lab: LabSpec, runner: Runner = run_sets) -> list[str]:
    """Run the reference on every set and store its output as `expected` in the spec.

    Returns the names of the sets whose expected output changed. The spec keeps its comments
    and layout (tomlkit edits it in place). A reference that does not run cleanly on every
    set (crash, limit) records nothing: its failure must not become the expected output.
    """
    reference = course_text(lab.solution_path, lab)
    tests = lab.output_tests  # the code-rules set has no output to record
    runs = runner(
        reference,
        lab.entry,
        [test.stdin for test in tests],
        lab.limits,
        fork_at_input=lab.fork_at_input,
    )
    outputs = [run.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n") for run in runs]
    for test, run, output in zip(tests, runs, outputs, strict=True):
        verdict = judge(replace(test, expected=output), run, lab.limits).verdict
        if not verdict.passed:
            raise SpecError(
                "spec.reference_failed", lab=lab.id, test=test.name, verdict=verdict.code
            )
    for test, output in zip(tests, outputs, strict=True):
        check_rounding(lab, test, output)
    document = tomlkit.parse(lab.spec_path.read_text(encoding="utf-8"))
    changed = []
    for table, output in zip(document["tests"], outputs, strict=True):
        if table["expected"] != output:
            table["expected"] = output
            changed.append(str(table["name"]))
    if changed:
        lab.spec_path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return changed


NEGATIVE_ZERO = re.compile(r"^-0+(\.0*)?([eE][-+]?\d+)?$")
DECIMAL = re.compile(r"^[-+]?(\d*)\.?(\d*)(?:[eE]([-+]?\d+))?$")


def last_decimal_unit(token: str) -> float | None:
    """One unit of the token's last printed digit (0.001 for "1.234"); None if not a decimal."""
    match = DECIMAL.match(token)
    if not match or not (match[1] or match[2]) or ("." not in token and match[3] is None):
        return None
    return 10.0 ** (int(match[3] or 0) - len(match[2]))


def _tolerance(test: TestSet, value: float) -> float:
    defaults = inspect.signature(COMPARATORS["floats"]).parameters
    atol = test.options.get("atol", defaults["atol"].default)
    rtol = test.options.get("rtol", defaults["rtol"].default)
    return atol + rtol * abs(value)


def check_rounding(lab: LabSpec, test: TestSet, output: str) -> None:
    """Refuse output that could flip a verdict at a rounding boundary.

    A correct program whose value lies near a rounding boundary may print the neighbouring
    last digit, one unit away; a "floats" tolerance not above that unit would fail it. A
    printed "-0.000" is a tiny negative that a correct program may equally print as "0.000".
    """
    for token in output.split():
        if NEGATIVE_ZERO.match(token):
            raise SpecError("spec.negative_zero", lab=lab.id, test=test.name, value=token)
        if test.comparator != "floats":
            continue
        unit = last_decimal_unit(token)
        if unit is None:
            continue
        value = float(token)
        if math.isfinite(value) and _tolerance(test, value) < unit * (1 + 1e-6):
            raise SpecError(
                "spec.rounding_boundary",
                path=lab.spec_path,
                test=test.name,
                value=token,
                tolerance=f"{_tolerance(test, value):.3g}",
                unit=f"{unit:g}",
            )
