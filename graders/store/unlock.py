"""关卡 unlocking as pure logic: which labs and quizzes a student may open, given what they
have passed. No file and no database here: course_config.py reads the rules, the web
(graders/web/unlock.py) enforces them with the score of record.

    [unlock]
    mode = "sequential"    # off (default) | sequential: a lab with a level opens when every
                           # lab of the level below it is passed | requires: only the lists
    pass = 60              # percent of a lab's points its score of record must reach
    [calendar.seq2seq-attention]
    requires = ["seq2seq"] # any lab or quiz, in either mode (the sequential ones added)
    open = 2026-09-01 08:00:00   # with unlocking on, also the date before which it is locked

"Passed" is the score of record (late penalty applied, a staff override counting) reaching
`pass` percent of the item's points: a staff override is how an instructor opens the next
关卡 for one student by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

OFF, SEQUENTIAL, REQUIRES = "off", "sequential", "requires"
MODES = (OFF, SEQUENTIAL, REQUIRES)


@dataclass(frozen=True)
class Lock:
    """Why an item is locked: labs not passed yet, and the date before which it stays shut."""

    item: str
    missing: tuple[str, ...] = ()
    opens: datetime | None = None


@dataclass(frozen=True)
class UnlockRules:
    mode: str = OFF
    share: float = 0.6  # of an item's points, for it to count as passed
    requires: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.mode != OFF

    def required(self, item: str, levels: Mapping[str, int | None]) -> tuple[str, ...]:
        """What must be passed before `item` opens: its own list, then (sequential) every lab
        of the nearest lower level."""
        own = tuple(self.requires.get(item, ()))
        level = levels.get(item)
        if self.mode != SEQUENTIAL or level is None:
            return own
        below = [n for n in levels.values() if n is not None and n < level]
        if not below:
            return own
        previous = max(below)
        return own + tuple(sorted(i for i, n in levels.items() if n == previous and i not in own))

    def passed(self, score: float | None, max_score: float) -> bool:
        return score is not None and max_score > 0 and score >= self.share * max_score - 1e-9

    def lock(
        self,
        item: str,
        levels: Mapping[str, int | None],
        passed: Collection[str],
        opens: datetime | None,
        at: datetime,
    ) -> Lock | None:
        """None when `item` is open to a student who has passed `passed` at `at`."""
        if not self.active:
            return None
        missing = tuple(r for r in self.required(item, levels) if r not in passed)
        shut = opens if opens is not None and at < opens else None
        if missing or shut is not None:
            return Lock(item, missing, shut)
        return None


def cycle(requires: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A chain of items that require one another (it would never open), else []."""
    done: set[str] = set()

    def visit(item: str, path: list[str]) -> list[str]:
        if item in path:
            return [*path[path.index(item) :], item]
        if item in done:
            return []
        for needed in requires.get(item, ()):
            found = visit(needed, [*path, item])
            if found:
                return found
        done.add(item)
        return []

    for item in sorted(requires):
        found = visit(item, [])
        if found:
            return found
    return []
