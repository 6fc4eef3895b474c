"""Extensions in seqlab.toml for a student not on the roster: a typo gives no one the extension,
and nothing would say so. `serve` and the gradebook commands warn of each (the file's line,
the nearest roster id) when they know the roster; the web's rules form refuses such an entry
itself (routes/rules.py)."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

from graders.messages import say
from graders.store.course_config import read_table, where_in_file


def nearest(student: str, roster: Collection[str]) -> str:
    """The nearest roster id to a mistyped one, "" when none is near."""
    near = difflib.get_close_matches(student, sorted(roster), n=1)
    return near[0] if near else ""


def off_roster(course_root: Path, roster: Collection[str], lang: str) -> list[str]:
    """One warning per [extensions.<student>] entry of the file whose student is not on the
    roster; none when the roster is empty (not imported yet: nothing to compare with)."""
    if not roster:
        return []
    table, text, path = read_table(course_root)
    extensions = table.get("extensions", {})
    warnings = []
    for student, items in sorted(extensions.items() if isinstance(extensions, dict) else ()):
        if student in roster or not isinstance(items, dict):
            continue
        for item in sorted(items):
            near = nearest(student, roster)
            warnings.append(
                say(
                    "course.extension_off_roster",
                    lang,
                    student=student,
                    item=item,
                    where=where_in_file(path, text, f"extensions.{student}.{item}"),
                    near=say("course.nearest_id", lang, near=near) if near else "",
                )
            )
    return warnings
