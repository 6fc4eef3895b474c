"""The isolation floor: student code is refused, not run, below the level a caller asks for."""

from __future__ import annotations

from graders import sandbox
from graders.errors import UsageError
from graders.messages import Text
from graders.results import LEVELS
from graders.spec import Course, course_secrets


def require_isolation(required: str | None, course: Course) -> None:
    """Refuse to run student code below the isolation level an instructor asked for."""
    if required and required not in LEVELS:  # run_autograder's SEQLAB_REQUIRE_ISOLATION
        raise UsageError("sandbox.unknown_level", level=required, allowed=", ".join(LEVELS[1:]))
    isolation = sandbox.current(course_secrets(course.root))
    if required and not isolation.at_least(required):
        missing = ", ".join(f"{layer} ({why})" for layer, why in isolation.inactive.items())
        # Said in the language of the message it fills (messages.Text), not in English.
        files = "; ".join(isolation.exposed)
        exposed = Text("sandbox.exposed", files=files) if isolation.exposed else ""
        raise UsageError(
            "sandbox.too_weak",
            level=isolation.level,
            required=required,
            missing=missing or "—",
            exposed=exposed,
        )
