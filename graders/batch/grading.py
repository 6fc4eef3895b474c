"""Grade many collected items concurrently; one bad submission never stops the batch.

Each grading already runs the student's code in its own sandboxed processes (through
`graders.engine`), so the parallelism here is a thread pool that waits on them: N threads,
N submissions at once. The engine's `runner` is passed through, so warm worker pools plug in
without changing this module. Quizzes are graded by a `grade_one` callable handed in by the
CLI (the composition root): this package never imports `quizzes`.

Every item ends as exactly one Outcome, delivered to `on_outcome` in the calling thread as it
completes (so the gradebook commits each one at once, from one thread):
- graded: a LabResult (whatever the verdicts: a crash, a hang or an attack is a verdict);
- could not be graded: a SeqlabError whose message says why (unreadable, broken markers…);
- internal: our own failure (a bug, the sandbox failing), recorded as such, never blamed
  on the student;
- skipped: already in the gradebook with the same file hash and spec version.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from graders.batch.collect import Item
from graders.engine import Runner, grade_submission
from graders.errors import SandboxError, SeqlabError
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import LabSpec

GradeOne = Callable[[Item], LabResult]


@dataclass(frozen=True)
class Outcome:
    item: Item
    result: LabResult | None = None
    error: SeqlabError | None = None  # could not grade this file (the message says why)
    internal: str | None = None  # our own failure: "ExceptionType: message"
    seconds: float = 0.0  # wall time of this grading, queue wait excluded
    skipped: bool = False  # already graded (same hash and spec version): not run again

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.result is not None:
            return "graded"
        return "internal" if self.internal is not None else "error"


def lab_grader(lab: LabSpec, runner: Runner = run_sets) -> GradeOne:
    """Grade an item on the lab's public and hidden sets through the engine."""

    def grade_one(item: Item) -> LabResult:
        return grade_submission(lab, item.submission(), include_hidden=True, runner=runner)

    return grade_one


def grade_one_safely(item: Item, grade_one: GradeOne) -> Outcome:
    started = time.monotonic()
    if item.error is not None:
        return Outcome(item, error=item.error)
    try:
        result = grade_one(item)
    except SandboxError as error:  # our infrastructure, not the student's file
        internal = error.render("en")
        return Outcome(item, internal=internal, seconds=time.monotonic() - started)
    except SeqlabError as error:  # kept until the batch ends: detached from the file's frames
        return Outcome(item, error=error.detached(), seconds=time.monotonic() - started)
    except Exception as error:  # a bug of ours must cost one submission, not the batch
        internal = f"{type(error).__name__}: {error}"
        return Outcome(item, internal=internal, seconds=time.monotonic() - started)
    return Outcome(item, result=result, seconds=time.monotonic() - started)


def grade_items(
    items: Iterable[Item],
    grade_one: GradeOne,
    *,
    workers: int,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Grade every item, `workers` at a time; outcomes in the items' order."""
    items = list(items)
    outcomes: dict[int, Outcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade") as pool:
        # Submitted lazily, `workers` ahead: an interrupted batch has not queued the rest.
        pending: dict[Future[Outcome], int] = {}
        queue = iter(enumerate(items))
        try:
            while True:
                while len(pending) < max(1, workers):
                    nxt = next(queue, None)
                    if nxt is None:
                        break
                    pending[pool.submit(grade_one_safely, nxt[1], grade_one)] = nxt[0]
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    outcomes[index] = future.result()
                    on_outcome(outcomes[index])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [outcomes[i] for i in range(len(items))]
