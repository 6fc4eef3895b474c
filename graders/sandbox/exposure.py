"""Course secrets a sandboxed run could read: the check behind "strong" meaning something.

Every run can read the system trees and the interpreter with its packages (bwrap binds them
read-only; Landlock allows them). A lab spec (hidden sets, expected outputs), a quiz bank (its
key), a corpus or a solution lying under one of them — a course folder inside the venv, an old
seqlab wheel that shipped specs as package data — is readable by every student's program, so no
level above weak can be claimed while one is there. Found once per course folder and process.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from graders.sandbox import bwrap

# Course data, relative to the course folder (what `seqlab release` never gives students).
SECRET_PATTERNS = (
    "graders/labs/*.toml",
    "quizzes/banks/*.toml",
    "tests/corpus/*.toml",
    "solutions/**/*.py",
)
# Where an installed package would have carried course data.
PACKAGE_PATTERNS = {"graders": "labs/*.toml", "quizzes": "banks/*.toml"}


def secret_files(course_root: Path) -> list[Path]:
    found = [path for pattern in SECRET_PATTERNS for path in course_root.glob(pattern)]
    for package, pattern in PACKAGE_PATTERNS.items():
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            found += Path(spec.origin).parent.glob(pattern)
    return found


@functools.cache
def exposed(course_root: Path) -> tuple[str, ...]:
    """Each secret file a run could read, as "<file> (under <mounted tree>)"."""
    trees = [Path(tree).resolve() for tree in bwrap.readable_trees()]
    found = []
    for path in secret_files(course_root):
        real = path.resolve()
        tree = next((tree for tree in trees if real.is_relative_to(tree)), None)
        if tree is not None:
            found.append(f"{path} (under {tree})")
    return tuple(sorted(found))
