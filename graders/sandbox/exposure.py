"""Secret files a sandboxed run could read: the check behind "strong" meaning something.

Every run can read the system trees and the interpreter with its packages (bwrap binds them
read-only; Landlock allows them). A file the caller names as secret — for a course, its lab
specs, quiz banks, corpus and solutions (graders/spec.py's `course_secrets`) — lying under one
of them, in a course folder inside the venv or an old wheel that shipped specs as package
data, is readable by every student's program, so no level above weak can be claimed while
one is there. Which files are secret is the caller's knowledge: the sandbox knows no course.
"""

from __future__ import annotations

import functools
from pathlib import Path

from graders.sandbox import bwrap


@functools.cache
def exposed(secrets: tuple[Path, ...]) -> tuple[str, ...]:
    """Each secret file a run could read, as "<file> (under <mounted tree>)"."""
    trees = [Path(tree).resolve() for tree in bwrap.readable_trees()]
    found = []
    for path in secrets:
        real = path.resolve()
        tree = next((tree for tree in trees if real.is_relative_to(tree)), None)
        if tree is not None:
            found.append(f"{path} (under {tree})")
    return tuple(sorted(found))
