"""Which blank (issue 18 item 2): for a submission that fails a public set, grade variants of
it with the reference's body in one blank at a time, and name each blank whose fix alone makes
a failing public set pass.

Trusted-side work, bounded:
- only the failing public sets run, never a hidden one (the variant lab holds no other set);
- a blank whose body already is the reference's is not run (its variant is the submission);
- at most MAX_BLANKS blanks, side by side up to the machine's cores (a warm pool queues them
  on its own workers), each run under the lab's own limits, and started only within one
  run's budget (`limits.wall_seconds`) of the first: the extra time is at most two budgets;
- none unless the course turns it on (settings.py `[feedback] blank_pointer`, off by
  default), for a quiz, when every public set passes, or where there is no reference (a
  student's own release).
What the student gets is a BlankPointer: blank numbers and public set names. A variant's
output, time and the reference's code stay here. What remains is the pointer itself: in a
variant the student's other blanks run beside the reference's function, whose compiled code
(`__code__`) they can read, and they choose which sets pass — each grading can spell out a
few bits of the reference (a tester read 2 bits per grading). Hence off by default: a course
turns it on for ungraded practice.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from graders.engine import Runner, course_text, grade_program
from graders.errors import SeqlabError
from graders.markers import Layout, parse
from graders.results import BlankPointer, LabResult
from graders.settings import feedback_rules
from graders.spec import LabSpec
from graders.submission import Submission

MAX_BLANKS = 8


def _same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return [line.rstrip() for line in a if line.strip()] == [
        line.rstrip() for line in b if line.strip()
    ]


def wanted(lab: LabSpec, result: LabResult) -> bool:
    """Is a pointer to be looked for: a lab's failing public set, and the course wants it.
    The setting is read for every grading, so a mistake in it shows at once, not at the
    first failing submission."""
    on = feedback_rules(lab.course_root).pointer(lab.id)
    failing = any(not t.hidden and not t.verdict.passed for t in result.tests)
    return on and result.kind == "lab" and failing


def point(
    lab: LabSpec, submission: Submission, result: LabResult, runner: Runner
) -> BlankPointer | None:
    """The blanks whose reference body alone makes failing public sets pass, or None."""
    if not wanted(lab, result) or not lab.solution_path.is_file():
        return None
    template = parse(course_text(lab.starter_path, lab), str(lab.starter_path))
    reference = parse(course_text(lab.solution_path, lab), str(lab.solution_path))
    theirs = parse(submission.text, str(submission.path))  # spliced already: it parses
    count = len(template.blanks)
    if not (count == len(reference.blanks) == len(theirs.blanks)) or count > MAX_BLANKS:
        return None
    failing = {t.name for t in result.tests if not t.hidden and not t.verdict.passed}
    sets = tuple(t for t in lab.tests if t.name in failing and not t.hidden)
    variant_lab = replace(lab, tests=sets)
    changed = [
        k for k in range(count) if not _same(theirs.blanks[k].body, reference.blanks[k].body)
    ]
    if not changed:
        return None
    deadline = time.monotonic() + lab.limits.wall_seconds

    def variant(k: int) -> tuple[tuple[str, ...], bool]:
        """The failing sets this blank's fix passes, and whether it ran."""
        if time.monotonic() > deadline:
            return (), False
        try:
            outcome = grade_program(
                variant_lab,
                _with_reference(template, theirs, reference, k),
                file=str(submission.path),
                include_hidden=False,
                runner=runner,
            )
        except SeqlabError:  # the sandbox failed on a variant: no pointer from it
            return (), False
        assert all(not t.hidden for t in outcome.tests), "a variant ran a hidden set"
        passed = tuple(t.name for t in outcome.tests if t.verdict.passed)
        return passed, True

    width = max(1, min(len(changed), os.cpu_count() or 1))
    with ThreadPoolExecutor(width, thread_name_prefix="seqlab-blank") as pool:
        found = list(pool.map(variant, changed))
    fixes = tuple(
        (k + 1, passed) for k, (passed, _full) in zip(changed, found, strict=True) if passed
    )
    # "Several": at least two blanks differ from the reference and every one was run without
    # a fix. Anything less (a variant not run, or the sandbox failed) says nothing.
    several = not fixes and len(changed) > 1 and all(full for _passed, full in found)
    return BlankPointer(fixes, several) if fixes or several else None


def _with_reference(template: Layout, theirs: Layout, reference: Layout, k: int) -> str:
    """The template around the student's bodies, with blank k's body the reference's."""
    bodies = [blank.body for blank in theirs.blanks]
    bodies[k] = reference.blanks[k].body
    return template.render(bodies)
