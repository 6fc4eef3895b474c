"""One grading: submission in → graded through the sandbox → one Outcome, blame decided once.

Why a grading may end without a result, and what every front end then does with it:
- the student's: the file cannot be read, parsed or spliced (SubmissionError). Zero marks,
  stored as the student's final grade, with the reason in their language;
- the author's: a lab spec, template or quiz bank is broken (SpecError). Never the student's
  zero: not a score of record, graded again once the course file is fixed;
- the platform's: the sandbox or a worker failed, or a bug of ours (SandboxError, any other
  exception). Not the student's either: retried.
A verdict (wrong answer, crash, time limit, an attack) is never an exception: it is a result.
A UsageError is not an outcome at all — the request itself names something that does not
exist (an unknown lab) — and goes back to the caller.
"""

from __future__ import annotations

import enum
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from graders.cells import notebook_lab
from graders.engine import Progress, Runner, grade_submission
from graders.errors import SandboxError, SeqlabError, SpecError, SubmissionError, UsageError
from graders.results import LabResult, TestResult
from graders.sandbox import run_sets
from graders.service import blanks
from graders.spec import Course, LabSpec
from graders.submission import Submission, read_text

SANDBOX_RETRIES = 1


class Blame(enum.StrEnum):
    STUDENT = "student"
    AUTHOR = "author"
    PLATFORM = "platform"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """Exactly one of: a result, or an error with its blame."""

    result: LabResult | None = None
    error: SeqlabError | None = None  # rendered in any language; "internal" for our bugs
    blame: Blame | None = None
    seconds: float = 0.0  # wall time of this grading, queue wait excluded
    code: str | None = None  # the submission's text, when it could be read
    trace: str | None = None  # a bug of ours: its traceback, for the operator's log only

    @property
    def status(self) -> str:
        """graded | error (the student's) | author | internal (the platform's): the
        gradebook's status column and the batch summary's."""
        if self.result is not None:
            return "graded"
        return {Blame.STUDENT: "error", Blame.AUTHOR: "author"}.get(self.blame, "internal")

    @property
    def final(self) -> bool:
        """Does this grading stand (a score of record), or is it to be graded again?"""
        return self.result is not None or self.blame is Blame.STUDENT

    def message(self, lang: str) -> str:
        return self.error.render(lang) if self.error is not None else ""


def blame_of(error: BaseException) -> tuple[Blame, SeqlabError]:
    """Whose fault an exception raised while grading is, as a renderable error."""
    if isinstance(error, SubmissionError):
        return Blame.STUDENT, error
    if isinstance(error, SpecError):
        return Blame.AUTHOR, error
    if isinstance(error, SandboxError):
        return Blame.PLATFORM, error
    if isinstance(error, SeqlabError):  # any other of ours raised mid-grading is our fault
        return Blame.PLATFORM, error
    return Blame.PLATFORM, SeqlabError("internal", error=f"{type(error).__name__}: {error}")


def grade(work: Callable[[], LabResult], *, code: str | None = None) -> Outcome:
    """Run one grading (`work`: read, grade, return the result) and classify how it ended.
    Never raises but for a UsageError or an interrupt. `code` is kept with the outcome: the
    submission's text, which the store holds for the similarity check."""
    started = time.monotonic()
    try:
        result = work()
    except UsageError:
        raise
    except Exception as error:  # a bug of ours must cost one submission, not the batch
        blame, reason = blame_of(error)
        trace = None if isinstance(error, SeqlabError) else traceback.format_exc()
        # Kept until a batch ends: detached from the frames that hold the student's file.
        seconds = time.monotonic() - started
        return Outcome(
            error=reason.detached(), blame=blame, seconds=seconds, code=code, trace=trace
        )
    return Outcome(result=result, seconds=time.monotonic() - started, code=code)


def grade_lab(
    lab: LabSpec,
    source: Submission | Callable[[], Submission],
    *,
    include_hidden: bool,
    runner: Runner = run_sets,
    staff: list[TestResult] | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Grade a submission of a lab: splice → run → compare, through the engine and the runner
    given. `source` may be a callable that reads the submission, so a file that cannot be
    read is an outcome (the student's) like any other. `staff` receives the hidden sets'
    full results (engine.grade_program), for the staff's store only; `progress` each public
    set's result as it ends (a preview: engine.py; the blank pointer's variant runs tell it
    nothing)."""
    read: list[Submission] = []

    def work() -> LabResult:
        if not read:
            read.append(source() if callable(source) else source)
        if staff is not None:
            staff.clear()  # a retried grading's, not the failed one's
        result = grade_submission(
            lab,
            read[0],
            include_hidden=include_hidden,
            runner=runner,
            staff=staff,
            progress=progress,
        )
        # A failing public set: which blank to look at (blanks.py), stored with the result.
        return replace(result, pointer=blanks.point(lab, read[0], result, runner))

    outcome = grade(work)
    for _retry in range(SANDBOX_RETRIES):
        # The sandbox failed before the student's code ran (a process that could not start
        # on a loaded machine): ours, and worth one more try before the grading is lost.
        if not isinstance(outcome.error, SandboxError):
            break
        outcome = grade(work)
    return replace(outcome, code=read[0].text) if read else outcome


def choose_lab(course: Course, path: Path, lab_id: str | None) -> LabSpec:
    """The lab a submission is for: the one named, else a notebook's own metadata
    (`seqlab.lab`: a renamed copy of the starter notebook keeps it), else its file name (a
    notebook may also be named for the lab id, as nbgrader's are)."""
    if lab_id:
        return course.lab(lab_id)
    if path.suffix.lower() == ".ipynb":
        try:
            named = notebook_lab(read_text(path))
        except SeqlabError:
            named = None  # unreadable: grading it says why
        if named not in course.lab_ids() and path.stem in course.lab_ids():
            named = path.stem
        if named in course.lab_ids():
            return course.lab(named)
    return course.lab_for_file(path)
