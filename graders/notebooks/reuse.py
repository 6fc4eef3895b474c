"""The kernel's last public check, reused by the grade cells that follow it.

`nbgrader validate` runs a training lab's notebook (it trains), then the `%seqlab check`
cell (it trains again, in the sandbox), then the public sets' grade cells: without this
each would grade once more. The check and every grade cell record their result here, keyed
by exactly what was graded: the course folder, the lab, its spec file's bytes and the
*spliced* program (the template with the notebook's blanks in it, which is what runs: a
cell of the student's own or an edit outside the blanks changes nothing that is run). A
grade cell whose key matches reads the result; any difference (a blank edited between the
check and the grade cell, the spec changed) grades again, so a pass is never stale.

Only the last result is kept, in this module rather than magic.py: `%reload_ext` reloads
magic.py, and the check and the grade cells must share one record. A program that cannot
be spliced has no key; grading it says why, every time. Nothing here counts towards a score:
autograde grades in seqlab's sandbox (nbgrader_grade.py), never reading this kernel.
"""

from __future__ import annotations

import hashlib

from graders.engine import course_text
from graders.errors import SeqlabError
from graders.markers import splice
from graders.results import LabResult
from graders.spec import Course, LabSpec
from graders.submission import Submission

Key = tuple[str, str, str, str]

_last: dict[Key, LabResult] = {}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_of(lab: LabSpec, submission: Submission, course: Course) -> Key | None:
    """What a public check of `submission` grades; None if it cannot be said (the program
    cannot be spliced, the spec cannot be read): then nothing is reused."""
    try:
        template = course_text(lab.starter_path, lab)
        program = splice(
            template,
            submission.text,
            template_path=str(lab.starter_path),
            path=str(submission.path),
            lab=lab.id,
        ).program
        spec = lab.spec_path.read_bytes()
    except (SeqlabError, OSError):
        return None
    return (str(course.root), lab.id, _digest(spec), _digest(program.encode("utf-8")))


def recall(key: Key | None) -> LabResult | None:
    return None if key is None else _last.get(key)


def remember(key: Key | None, result: LabResult) -> None:
    _last.clear()
    if key is not None:
        _last[key] = result
