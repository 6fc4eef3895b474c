"""Each public set's result handed on as it ends (issue 17 item 2): the runner's `on_set` and
the engine's `progress`, cold (forked and fresh) and on a warm pool, against a lab whose
second set sleeps. Hidden sets are never told; the final result holds the same set results."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from slow_lab import LAB, slow_course

from graders.results import TestResult as SetResult
from graders.sandbox import run_sets
from graders.sandbox.warm import WarmPool, available
from graders.service import grade_lab
from graders.submission import Submission

SLOW = 1.5


class Told:
    """What `progress` was told, when, and on which thread."""

    def __init__(self) -> None:
        self.sets: list[tuple[int, SetResult, float]] = []
        self.threads: set[str] = set()

    def __call__(self, number: int, test: SetResult) -> None:
        self.sets.append((number, test, time.monotonic()))
        self.threads.add(threading.current_thread().name)


def graded(lab, runner) -> tuple[Told, object, float]:
    told = Told()
    text = lab.solution_path.read_text(encoding="utf-8")
    outcome = grade_lab(
        lab, Submission(Path(lab.entry), text), include_hidden=True, runner=runner, progress=told
    )
    return told, outcome, time.monotonic()


def check(told: Told, outcome, ended: float) -> None:
    assert outcome.result is not None, outcome.message("en")
    final = outcome.result.tests
    assert [t.name for t in final] == ["quick", "slow", "secret-large"]
    assert outcome.result.score == 100
    # Once per public set, in the order they ended, numbered as the final result numbers them.
    assert [(number, test.name) for number, test, _ in told.sets] == [(1, "quick"), (2, "slow")]
    assert all(not test.hidden for _, test, _ in told.sets)
    # The first is told while the slow set still sleeps, long before the grading ends.
    (_, _, first), (_, _, second) = told.sets[0], told.sets[1]
    assert second - first > SLOW * 0.6, (first, second)
    assert ended - first > SLOW * 0.6
    # The same judging as the final result's: a preview the final replaces, never contradicts.
    for number, test, _ in told.sets:
        assert test == final[number - 1]
        assert test.input is not None and test.actual == test.expected
    assert told.threads == {"seqlab-progress_0"}  # never the thread that watches the run


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh"])
def test_each_public_set_is_told_as_it_ends_cold(tmp_path, fork):
    lab = slow_course(tmp_path / "course", SLOW, fork=fork).lab(LAB)
    check(*graded(lab, run_sets))


def test_each_public_set_is_told_as_it_ends_on_a_warm_pool(tmp_path):
    if not available():
        pytest.skip("warm workers need bubblewrap and seccomp")
    lab = slow_course(tmp_path / "course", SLOW).lab(LAB)
    template = lab.starter_path.read_text(encoding="utf-8")
    with WarmPool(template, lab.limits, 1) as pool:
        check(*graded(lab, pool.run_sets))


def test_the_runner_hands_each_set_over_once_as_it_ends(tmp_path):
    """Below the engine: the forked runner's `on_set` for a run of the slow lab's inputs."""
    lab = slow_course(tmp_path / "course", SLOW).lab(LAB)
    program = lab.solution_path.read_text(encoding="utf-8")
    handed: list[tuple[int, bytes, float]] = []
    stdins = [t.stdin for t in lab.tests if not t.hidden]
    results = run_sets(
        program,
        lab.entry,
        stdins,
        lab.limits,
        fork_at_input=True,
        on_set=lambda index, run: handed.append((index, run.stdout, time.monotonic())),
    )
    ended = time.monotonic()
    assert [(index, out) for index, out, _ in handed] == [(0, b"4\n"), (1, b"6\n")]
    assert ended - handed[0][2] > SLOW * 0.6
    assert [r.stdout for r in results] == [b"4\n", b"6\n"]


def test_a_wrong_answer_is_told_with_its_verdict_and_nothing_of_the_hidden_set(tmp_path):
    lab = slow_course(tmp_path / "course", 0.2).lab(LAB)
    text = lab.solution_path.read_text(encoding="utf-8").replace("n * 2", "n * 3")
    told = Told()
    outcome = grade_lab(lab, Submission(Path(lab.entry), text), include_hidden=True, progress=told)
    assert outcome.result.score == 0
    assert [(n, t.verdict.code) for n, t, _ in told.sets] == [(1, "WA"), (2, "WA")]
    assert all("14" not in (t.expected or "") + (t.actual or "") for _, t, _ in told.sets)
