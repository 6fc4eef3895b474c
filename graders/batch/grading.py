"""Grade many collected items concurrently; one bad submission never stops the batch.

Each grading already runs the student's code in its own sandboxed processes (through the
grading service), so the parallelism here is a thread pool that waits on them: N threads,
N submissions at once. How one item is graded is the target's `grade_one` (a lab through
the service with the batch's runner, or a quiz's checker handed in by the CLI: this package
never imports `quizzes`); every item ends as exactly one service Outcome (graded, or why not
and whose fault), delivered to `on_graded` in the calling thread as it completes, so the
gradebook commits each one at once, from one thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from graders.batch.collect import Item
from graders.engine import Runner
from graders.service import Outcome, grade_lab
from graders.spec import LabSpec

GradeOne = Callable[[Item], Outcome]


@dataclass(frozen=True)
class Graded:
    """One collected item and the outcome of grading it."""

    item: Item
    outcome: Outcome


def lab_grader(lab: LabSpec, runner: Runner) -> GradeOne:
    """Grade an item on the lab's public and hidden sets through the service."""

    def grade_one(item: Item) -> Outcome:
        return grade_lab(lab, item.submission, include_hidden=True, runner=runner)

    return grade_one


def grade_items(
    items: Iterable[Item],
    grade_one: GradeOne,
    *,
    workers: int,
    on_graded: Callable[[Graded], None] = lambda graded: None,
) -> list[Graded]:
    """Grade every item, `workers` at a time; results in the items' order."""
    items = list(items)
    graded: dict[int, Graded] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade") as pool:
        # Submitted lazily, `workers` ahead: an interrupted batch has not queued the rest.
        pending: dict[Future[Outcome], int] = {}
        queue = iter(enumerate(items))

        def fill() -> None:
            while len(pending) < max(1, workers):
                nxt = next(queue, None)
                if nxt is None:
                    break
                pending[pool.submit(grade_one, nxt[1])] = nxt[0]

        try:
            fill()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                finished = [(pending.pop(future), future) for future in done]
                # The next ones start before this thread records these (a gradebook commit):
                # the workers never wait for the database.
                fill()
                for index, future in finished:
                    graded[index] = Graded(items[index], future.result())
                    on_graded(graded[index])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [graded[i] for i in range(len(items))]
