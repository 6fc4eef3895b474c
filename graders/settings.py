"""The course's own settings: `seqlab.toml` at the course root, read here and nowhere else.

Each table has its reader: `[scores]` the score of record (store/record.py), `[feedback]` what
a student is told beyond the verdict (below). `[platform]` is the web server's, found next to
where it runs (web/config.py), not the course's.

    [feedback]
    blank_pointer = true          # default: name the blank whose fix makes a public set pass
    [feedback.labs.final-exam]    # one lab's own settings: the same keys
    blank_pointer = false         # an exam says nothing beyond the verdicts

Strict like spec.py: an unknown setting or value is an error naming the file and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from graders.errors import SpecError

COURSE_CONFIG = "seqlab.toml"


def course_config(root: Path) -> dict[str, Any]:
    """The whole file as TOML ({} when the course has none). Read afresh each time: a server
    follows an instructor's edit without a restart, and the file is a few lines."""
    path = root / COURSE_CONFIG
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SpecError("spec.config_unreadable", path=path, reason=error) from None


# [feedback]: one line per setting, its allowed values and its default (practice courses:
# everything on; an exam turns a setting off for the course or for its own labs).
FEEDBACK: dict[str, tuple[tuple[Any, ...], Any]] = {
    "blank_pointer": ((True, False), True),  # issue 18 item 2: service/blanks.py
}


def _checked(table: object, path: Path, name: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise SpecError("spec.config_shape", path=path, name=name)
    for key, value in table.items():
        if key == "labs" and name == "feedback":
            continue
        if key not in FEEDBACK:
            known = ", ".join(sorted(FEEDBACK))
            raise SpecError("spec.config_unknown", path=path, name=f"{name}.{key}", known=known)
        allowed = FEEDBACK[key][0]
        if not any(value == a and type(value) is type(a) for a in allowed):
            choices = ", ".join(str(a).lower() if isinstance(a, bool) else repr(a) for a in allowed)
            raise SpecError("spec.config_value", path=path, name=f"{name}.{key}", choices=choices)
    return table


def feedback(root: Path, lab: str) -> dict[str, Any]:
    """Every [feedback] setting for one lab: its own, else the course's, else the default."""
    path = root / COURSE_CONFIG
    table = _checked(course_config(root).get("feedback", {}), path, "feedback")
    labs = table.get("labs", {})
    if not isinstance(labs, dict):
        raise SpecError("spec.config_shape", path=path, name="feedback.labs")
    for name, own in labs.items():  # every lab's, so a typo shows before its lab is graded
        _checked(own, path, f"feedback.labs.{name}")
    settings = {key: default for key, (_allowed, default) in FEEDBACK.items()}
    settings.update({key: value for key, value in table.items() if key != "labs"})
    settings.update(labs.get(lab, {}))
    return settings
