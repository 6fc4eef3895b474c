"""Grading many items: concurrency, the runner passed through, and no failure stops a batch."""

import threading
from pathlib import Path

from batch_helpers import REFERENCE, STARTER

from graders.batch.collect import Item
from graders.batch.grading import grade_items, lab_grader
from graders.errors import SandboxError, SubmissionError
from graders.sandbox import run_sets


def item(student: str, text: str = "x = 1\n") -> Item:
    return Item(student, Path(f"{student}.py"), data=text.encode())


def test_workers_grade_at_the_same_time():
    barrier = threading.Barrier(2, timeout=10)

    def grade_one(item):
        barrier.wait()  # breaks (and fails the item) unless two gradings run at once
        return "done"

    outcomes = grade_items([item("a"), item("b")], grade_one, workers=2)
    assert [o.result for o in outcomes] == ["done", "done"]


def test_one_failure_of_any_kind_never_stops_the_batch():
    def grade_one(item):
        if item.student == "bug":
            raise KeyError("our own bug")
        if item.student == "sandbox":
            raise SandboxError("sandbox.start_failed", reason="no memory")
        if item.student == "bad":
            raise SubmissionError("file.not_utf8", path=item.path, line=1, column=1)
        return item.student

    items = [item("bug"), item("sandbox"), item("bad"), item("ok")]
    unreadable = Item(
        "gone", Path("gone.py"), error=SubmissionError("file.missing", path="g", cwd=".")
    )
    seen = []
    outcomes = grade_items([*items, unreadable], grade_one, workers=2, on_outcome=seen.append)
    assert [o.status for o in outcomes] == ["internal", "internal", "error", "graded", "error"]
    assert "KeyError" in outcomes[0].internal and "no memory" in outcomes[1].internal
    assert outcomes[3].result == "ok"
    assert sorted(o.item.student for o in seen) == sorted(i.student for i in [*items, unreadable])


def test_the_runner_is_passed_to_the_engine(course):
    lab = course.lab("rnn-numpy")
    calls = []

    def counting_runner(*args, **kwargs):
        calls.append(args[1])
        return run_sets(*args, **kwargs)

    outcomes = grade_items(
        [item("alice", REFERENCE), item("bob", STARTER)],
        lab_grader(lab, counting_runner),
        workers=2,
    )
    runs_each = len(lab.run_groups(include_hidden=True))  # public and hidden sets run apart
    assert calls == ["rnn_numpy.py"] * 2 * runs_each
    assert [o.result.score for o in outcomes] == [100, 0]
    assert all(len(o.result.tests) == len(lab.tests) for o in outcomes)  # hidden sets too
