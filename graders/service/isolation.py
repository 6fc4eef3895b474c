"""The isolation floor: student code is refused, not run, below the level a caller asks for."""

from __future__ import annotations

from graders import sandbox
from graders.errors import UsageError
from graders.messages import Joined, Text
from graders.results import LEVELS
from graders.sandbox.probe import said
from graders.spec import Course, course_secrets

# What grading a class needs unless its staff knowingly ask for less (weak): below it a run can
# read and change the course and signal the runs beside it (ARCHITECTURE.md, "Neighbours").
# `seqlab serve`, `seqlab worker`, a batch and the Gradescope export's run_autograder hold it.
CLASS_ISOLATION = "medium"


def require_isolation(required: str | None, course: Course) -> None:
    """Refuse to run student code below the isolation level an instructor asked for."""
    if required and required not in LEVELS:  # run_autograder's SEQLAB_REQUIRE_ISOLATION
        raise UsageError("sandbox.unknown_level", level=required, allowed=", ".join(LEVELS[1:]))
    isolation = sandbox.current(course_secrets(course.root))
    if required and not isolation.at_least(required):
        reasons = isolation.inactive.items()
        missing = Joined([Text("sandbox.inactive_layer", layer=k, why=said(v)) for k, v in reasons])
        # Said in the language of the message it fills (messages.Text), not in English.
        files = "; ".join(isolation.exposed)
        exposed = Text("sandbox.exposed", files=files) if isolation.exposed else ""
        raise UsageError(
            "sandbox.too_weak",
            level=isolation.level,
            required=required,
            missing=missing if reasons else "—",
            exposed=exposed,
        )
