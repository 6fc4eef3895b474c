"""The grading service: one outcome per grading, and whose fault a missing result is."""

from pathlib import Path

import pytest

from graders.errors import SandboxError, SpecError, SubmissionError, UsageError
from graders.sandbox import run_sets
from graders.service import Blame, choose_lab, grade, grade_lab
from graders.submission import Submission


def raising(error: BaseException):
    def work():
        raise error

    return work


@pytest.mark.parametrize(
    ("error", "blame", "status", "final"),
    [
        (SubmissionError("file.missing", path="a.py", cwd="."), Blame.STUDENT, "error", True),
        (SpecError("spec.no_course", path="/c"), Blame.AUTHOR, "author", False),
        (
            SandboxError("sandbox.start_failed", reason="no memory"),
            Blame.PLATFORM,
            "internal",
            False,
        ),
        (KeyError("a bug of ours"), Blame.PLATFORM, "internal", False),
    ],
)
def test_every_failure_is_blamed_once(error, blame, status, final):
    outcome = grade(raising(error))
    assert outcome.result is None and outcome.blame is blame
    assert (outcome.status, outcome.final) == (status, final)
    assert outcome.message("zh") and outcome.message("en")  # said in both languages
    # Only a bug of ours keeps a traceback, for the operator's log.
    assert (outcome.trace is not None) == isinstance(error, KeyError)


def test_a_request_for_what_does_not_exist_goes_back_to_the_caller(course):
    with pytest.raises(UsageError):
        grade(raising(UsageError("spec.unknown_lab", lab="x", known="")))
    with pytest.raises(UsageError):
        choose_lab(course, Path("nobody_knows.py"), None)


def test_a_lab_grading_keeps_the_code_it_read(course):
    lab = course.lab("rnn-numpy")
    text = lab.solution_path.read_text(encoding="utf-8")
    outcome = grade_lab(lab, Submission(Path(lab.entry), text), include_hidden=False)
    assert outcome.result is not None and outcome.result.full_marks
    assert outcome.code == text and outcome.final and outcome.blame is None


def test_an_unreadable_file_is_the_students_outcome_not_an_exception(course, tmp_path):
    lab = course.lab("rnn-numpy")
    from graders.submission import read_submission

    outcome = grade_lab(lab, lambda: read_submission(tmp_path / "missing.py"), include_hidden=True)
    assert outcome.blame is Blame.STUDENT and outcome.code is None and outcome.final


def test_a_sandbox_that_failed_to_start_is_tried_once_more(course):
    lab = course.lab("rnn-numpy")
    text = lab.solution_path.read_text(encoding="utf-8")
    calls = []

    def flaky_runner(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SandboxError("sandbox.start_failed", reason="no memory")
        return run_sets(*args, **kwargs)

    submission = Submission(Path(lab.entry), text)
    outcome = grade_lab(lab, submission, include_hidden=False, runner=flaky_runner)
    assert outcome.result is not None and outcome.result.full_marks and len(calls) == 2

    def broken_runner(*args, **kwargs):
        raise SandboxError("sandbox.start_failed", reason="no memory")

    outcome = grade_lab(lab, submission, include_hidden=False, runner=broken_runner)
    assert outcome.blame is Blame.PLATFORM  # still ours after the second try, never a zero
