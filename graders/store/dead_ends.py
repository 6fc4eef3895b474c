"""Dead ends of a course's calendar with 关卡 unlocking: an item that requires another whose
lock comes while the item still takes work. A student who has not passed the required item
by its lock can then never open the dependent one by themselves. Pure logic over the
calendar (calendar.py, unlock.py); `seqlab validate` and the web's rules page say each one
with its fixes: a later lock, a score override (it needs no submission), or an extension
for that student (one past the lock moves their lock too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from graders.messages import Text, say
from graders.store.calendar import CLOSED, Calendar

WHAT = {"due": "validate.what_due", "lock": "validate.what_lock", "open": "validate.what_open"}


@dataclass(frozen=True)
class DeadEnd:
    item: str  # the dependent lab or quiz
    needed: str  # the item it requires, which locks first
    lock: datetime  # when `needed` locks
    what: str  # due | lock | open: which of `item`'s times comes after it
    when: datetime | None  # that time (None: `item` has none, it stays open)


def dead_ends(calendar: Calendar, levels: Mapping[str, int | None]) -> list[DeadEnd]:
    """Every (item, required item) pair that can strand a student, in item order."""
    rules = calendar.unlock
    if not rules.active:
        return []
    items = set(levels) | set(rules.requires) | set(calendar.windows)
    found = []
    for item in sorted(items):
        window = calendar.window(item)
        # Until when the item takes work that counts: its lock, else (late answers closed)
        # its due time, else for good.
        end = window.lock or (window.due if calendar.policy(item).mode == CLOSED else None)
        for needed in rules.required(item, levels):
            lock = calendar.window(needed).lock
            if lock is None or (end is not None and end <= lock):
                continue
            what, when = ("due", window.due) if window.due and window.due > lock else ("lock", end)
            if when is None:
                what = "open"
            found.append(DeadEnd(item, needed, lock, what, when))
    return found


def params(end: DeadEnd, calendar: Calendar) -> dict[str, object]:
    """validate.dead_end's parameters (its words in the reader's language)."""

    def shown(moment: datetime) -> str:
        return f"{moment.astimezone(calendar.zone):%Y-%m-%d %H:%M} ({calendar.zone.key})"

    return {
        "item": end.item,
        "needed": end.needed,
        "lock": shown(end.lock),
        "what": Text(WHAT[end.what]),
        "when": shown(end.when) if end.when is not None else "",
    }


def said(end: DeadEnd, calendar: Calendar, lang: str) -> str:
    return say("validate.dead_end", lang, **params(end, calendar))
