"""Warm or cold, decided once: which runner gradings of a lab use.

Warm workers (sandbox/warm.py: sandboxed interpreters that have already imported the lab's
template) pay for a lab that forks at input, and exist only at the strong level (bubblewrap
and seccomp). Everything else runs cold. Two shapes of the same choice:
- `runner_for(lab, gradings)`: for a bounded job (a batch, validate, sweep, mutate);
- `LabPools`: for a long-lived process (the web's queue, a Celery worker), a pool per lab
  started at its first submission, the least recently used closed beyond `max_pools`.
The sandbox itself knows nothing of labs: it is handed a template, limits and a size.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Iterator

from graders.engine import Runner, course_text
from graders.markers import parse
from graders.sandbox import run_sets, warm
from graders.sandbox.launch import cpu_share
from graders.service.preload import learned_modules
from graders.spec import Course, LabSpec


def warm_pays(lab: LabSpec, *, cold: bool = False) -> bool:
    return not cold and lab.fork_at_input and warm.available()


def pool_size(lab: LabSpec, gradings: int) -> int:
    """Workers for `gradings` side by side: one per run of each (public sets, hidden sets),
    so a grading's runs go side by side too."""
    return max(gradings, 1) * len(lab.run_groups(include_hidden=True))


def _template(lab: LabSpec) -> str:
    # What the warm worker preloads (its imports, one optimizer step); parse() refuses a
    # template with broken markers before a worker is started for it.
    template = course_text(lab.starter_path, lab)  # missing: the course's fault (SpecError)
    parse(template, str(lab.starter_path))
    return template


@contextlib.contextmanager
def runner_for(lab: LabSpec, gradings: int, *, cold: bool = False) -> Iterator[Runner]:
    """A runner for many gradings of one lab, `gradings` at a time."""
    runs = pool_size(lab, gradings)
    if gradings < 1 or not warm_pays(lab, cold=cold):
        yield functools.partial(run_sets, cpus=cpu_share(runs))
        return
    with warm.WarmPool(_template(lab), lab.limits, runs, preload=learned_modules(lab)) as pool:
        yield pool.run_sets


class LabPools:
    """A warm pool per lab for a long-lived process, sized for `gradings` of the lab side by
    side (the process's grading threads). Thread-safe; one per process. A pool evicted while a
    thread still runs sets on it is closed when its last run returns, not under that run."""

    def __init__(
        self, course: Course, *, use_warm: bool = True, max_pools: int = 3, gradings: int = 1
    ) -> None:
        self.course = course
        self.gradings = gradings
        self.use_warm = use_warm
        self.max_pools = max_pools
        self.pools: OrderedDict[str, warm.WarmPool] = OrderedDict()
        self.in_use: dict[int, int] = {}  # id(pool) → runs under way
        self.retired: set[int] = set()  # evicted, to be closed when no longer in use
        self.lock = threading.Lock()

    def runner(self, lab_id: str) -> Runner:
        """The lab's runner; its pool is started now (the warm-up), but which pool a run uses
        is decided when it runs: one evicted meanwhile is started again, never run on closed."""
        lab = self.course.lab(lab_id)
        if not (self.use_warm and warm_pays(lab)):
            return run_sets
        with self.lock:
            self._pool(lab)
        return functools.partial(self._run, lab)

    def _pool(self, lab: LabSpec) -> warm.WarmPool:
        """The lab's live pool, started if need be (called with the lock held)."""
        pool = self.pools.get(lab.id)
        if pool is None:
            size = pool_size(lab, self.gradings)
            pool = warm.WarmPool(_template(lab), lab.limits, size, preload=learned_modules(lab))
            self.pools[lab.id] = pool
            while len(self.pools) > self.max_pools:
                _old, evicted = self.pools.popitem(last=False)
                self._retire(evicted)
        self.pools.move_to_end(lab.id)
        return pool

    def _run(self, lab: LabSpec, *args, **kwargs):
        with self.lock:
            pool = self._pool(lab)
            self.in_use[id(pool)] = self.in_use.get(id(pool), 0) + 1
        try:
            return pool.run_sets(*args, **kwargs)
        finally:
            with self.lock:
                left = self.in_use.pop(id(pool)) - 1
                if left:
                    self.in_use[id(pool)] = left
                last_of_retired = not left and id(pool) in self.retired
                if last_of_retired:
                    self.retired.remove(id(pool))
            if last_of_retired:
                with contextlib.suppress(Exception):
                    pool.close()

    def _retire(self, pool: warm.WarmPool) -> None:
        """Close now if idle, else when its last run returns (called with the lock held)."""
        if self.in_use.get(id(pool)):
            self.retired.add(id(pool))
        else:
            with contextlib.suppress(Exception):
                pool.close()

    def close(self) -> None:
        with self.lock:
            pools, self.pools = list(self.pools.values()), OrderedDict()
        for pool in pools:
            with contextlib.suppress(Exception):
                pool.close()
