"""Grading many items: concurrency, the runner passed through, and no failure stops a batch."""

import threading
from pathlib import Path

from batch_helpers import REFERENCE, STARTER

from graders.batch.collect import Item
from graders.batch.grading import grade_items, lab_grader
from graders.errors import SandboxError, SubmissionError
from graders.results import NO_CODE, LabResult
from graders.sandbox import RunResult, run_sets
from graders.service import grade, grade_lab

RESULT = LabResult("x", {"zh": "x", "en": "x"}, "x.py", (), NO_CODE, 0.0)


def fake_runner(program, filename, stdins, limits, **kwargs):
    return [RunResult(b"", b"", 0, None, 0.01, 0.01, 1024) for _ in stdins]


def item(student: str, text: str = "x = 1\n") -> Item:
    return Item(student, Path(f"{student}.py"), data=text.encode())


def test_workers_grade_at_the_same_time():
    barrier = threading.Barrier(2, timeout=10)

    def grade_one(item):
        barrier.wait()  # breaks (and fails the item) unless two gradings run at once
        return grade(lambda: RESULT)

    graded = grade_items([item("a"), item("b")], grade_one, workers=2)
    assert [g.outcome.result for g in graded] == [RESULT, RESULT]


def test_the_next_item_starts_before_the_last_one_is_recorded():
    # One worker: the next grading is under way while this thread records the last one (a
    # gradebook commit), so the worker never waits for the database.
    started = {name: threading.Event() for name in "ab"}

    def grade_one(item):
        started[item.student].set()
        return grade(lambda: RESULT)

    seen = []

    def on_graded(graded):
        if graded.item.student == "a":
            seen.append(started["b"].wait(10))

    graded = grade_items([item("a"), item("b")], grade_one, workers=1, on_graded=on_graded)
    assert seen == [True]
    assert [g.item.student for g in graded] == ["a", "b"]


def test_one_failure_of_any_kind_never_stops_the_batch(course):
    lab = course.lab("rnn-numpy")

    def grade_one(item):
        if item.student == "bug":
            return grade(lambda: {}["our own bug"])
        if item.student == "sandbox":
            raise_it = SandboxError("sandbox.start_failed", reason="no memory")
            return grade(lambda: (_ for _ in ()).throw(raise_it))
        return grade_lab(lab, item.submission, include_hidden=False, runner=fake_runner)

    not_utf8 = Item("bad", Path("bad.py"), data=b"x = '\xff'\n")
    items = [item("bug"), item("sandbox"), not_utf8, item("ok", STARTER)]
    unreadable = Item(
        "gone", Path("gone.py"), error=SubmissionError("file.missing", path="g", cwd=".")
    )
    seen = []
    graded = grade_items([*items, unreadable], grade_one, workers=2, on_graded=seen.append)
    statuses = [g.outcome.status for g in graded]
    assert statuses == ["internal", "internal", "error", "graded", "error"]
    assert "KeyError" in graded[0].outcome.message("en")
    assert "no memory" in graded[1].outcome.message("en")
    assert graded[3].outcome.result is not None
    assert sorted(g.item.student for g in seen) == sorted(i.student for i in [*items, unreadable])


def test_the_runner_is_passed_to_the_engine(course):
    lab = course.lab("rnn-numpy")
    calls = []

    def counting_runner(*args, **kwargs):
        calls.append(args[1])
        return run_sets(*args, **kwargs)

    graded = grade_items(
        [item("alice", REFERENCE), item("bob", STARTER)],
        lab_grader(lab, counting_runner),
        workers=2,
    )
    outcomes = [g.outcome for g in graded]
    runs_each = len(lab.run_groups(include_hidden=True))  # public and hidden sets run apart
    # (no blank pointer: a course turns it on; off, no variant runs)
    assert calls == ["rnn_numpy.py"] * (2 * runs_each)
    assert [o.result.score for o in outcomes] == [100, 0]
    assert outcomes[1].result.pointer is None
    assert all(len(o.result.tests) == len(lab.tests) for o in outcomes)  # hidden sets too
