"""Which waiting attempt is graded next: round-robin over students, not first come first served.

A student who presses 评测 ten times must not make a classmate wait behind all ten. Each
student's waiting attempts keep their own order (oldest first); across students, the k-th
attempt of everyone goes before anyone's (k+1)-th, where the attempts a student has had graded
since the oldest waiting attempt arrived (and any being graded now) count as turns already
had. Ties (the same round) go by attempt id, i.e. by arrival. Pure: the queues (queue.py,
tasks.py) read the database and ask this module for the order, and the page's queue position
is the same order, so what a student is told is what happens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


def fair_order(waiting: Iterable[tuple[int, str]], busy: Mapping[str, int]) -> list[int]:
    """Attempt ids of `waiting` ((attempt id, student) pairs) in grading order, given how many
    turns each student has had meanwhile (`busy`)."""
    rounds = Counter(busy)
    keyed = []
    for attempt_id, student in sorted(waiting):
        keyed.append((rounds[student], attempt_id))
        rounds[student] += 1
    return [attempt_id for _round, attempt_id in sorted(keyed)]
