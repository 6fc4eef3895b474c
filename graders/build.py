"""Generated course files: starters made from solutions, expected outputs recorded from the
reference. `seqlab build` writes them; `seqlab validate` checks they are in sync.
"""

from __future__ import annotations

from pathlib import Path

import tomlkit

from graders.engine import Runner, course_text, grade_program
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

    Returns the names of the sets whose expected output changed. The spec file keeps its
    comments and layout (tomlkit edits it in place).
    """
    reference = course_text(lab.solution_path, lab)
    runs = runner(
        reference,
        lab.entry,
        [test.stdin for test in lab.tests],
        lab.limits,
        fork_at_input=lab.fork_at_input,
    )
    document = tomlkit.parse(lab.spec_path.read_text(encoding="utf-8"))
    changed = []
    for table, run in zip(document["tests"], runs, strict=True):
        output = run.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
        if table["expected"] != output:
            table["expected"] = output
            changed.append(str(table["name"]))
    if changed:
        Path(lab.spec_path).write_text(tomlkit.dumps(document), encoding="utf-8")
    # Recording a broken reference would bake its crash into the spec: check it ran cleanly.
    grade_program(lab, reference, file=str(lab.solution_path), include_hidden=True, runner=runner)
    return changed
