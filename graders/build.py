"""Generated course files: starters made from solutions, expected outputs recorded from the
reference. `seqlab build` writes them; `seqlab validate` checks they are in sync.
"""

from __future__ import annotations

from dataclasses import replace

import tomlkit

from graders.engine import Runner, course_text, judge
from graders.errors import SpecError
from graders.markers import make_starter
from graders.sandbox import run_sets
from graders.spec import LabSpec


def expected_starter(lab: LabSpec) -> str:
    return make_starter(course_text(lab.solution_path, lab), str(lab.solution_path))


def starter_in_sync(lab: LabSpec) -> bool:
    path = lab.starter_path
    return path.is_file() and path.read_bytes() == expected_starter(lab).encode("utf-8")


def write_starter(lab: LabSpec) -> bool:
    """Regenerate the starter; True if the file changed."""
    if starter_in_sync(lab):
        return False
    lab.starter_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lab.starter_path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(expected_starter(lab))
    return True


def record_expected(lab: LabSpec, runner: Runner = run_sets) -> list[str]:
    """Run the reference on every set and store its output as `expected` in the spec.

    Returns the names of the sets whose expected output changed. The spec keeps its comments
    and layout (tomlkit edits it in place). A reference that does not run cleanly on every
    set (crash, limit) records nothing: its failure must not become the expected output.
    """
    reference = course_text(lab.solution_path, lab)
    runs = runner(
        reference,
        lab.entry,
        [test.stdin for test in lab.tests],
        lab.limits,
        fork_at_input=lab.fork_at_input,
    )
    outputs = [run.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n") for run in runs]
    for test, run, output in zip(lab.tests, runs, outputs, strict=True):
        verdict = judge(replace(test, expected=output), run, lab.limits).verdict
        if not verdict.passed:
            raise SpecError(
                "spec.reference_failed", lab=lab.id, test=test.name, verdict=verdict.code
            )
    document = tomlkit.parse(lab.spec_path.read_text(encoding="utf-8"))
    changed = []
    for table, output in zip(document["tests"], outputs, strict=True):
        if table["expected"] != output:
            table["expected"] = output
            changed.append(str(table["name"]))
    if changed:
        lab.spec_path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return changed
