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
# Why the required item strands a student: it locks | it closes at its due time (late answers
# closed, no lock) | it opens only after the dependent item's end | it is a dead end itself.
KEYS = {
    "lock": "validate.dead_end",
    "closed": "validate.dead_end_closed",
    "opens": "validate.dead_end_opens",
    "chain": "validate.dead_end_chain",
}


@dataclass(frozen=True)
class DeadEnd:
    item: str  # the dependent lab or quiz
    needed: str  # the item it requires, which closes first (or opens too late)
    lock: datetime | None  # when `needed` closes (opens, for "opens"; None for "chain")
    what: str  # due | lock | open: which of `item`'s times comes after it
    when: datetime | None  # that time (None: `item` has none, it stays open)
    kind: str = "lock"  # lock | closed | opens | chain (KEYS)
    via: str = ""  # chain: the item that strands `needed`


def _closes(calendar: Calendar, needed: str) -> tuple[datetime | None, str]:
    """When `needed` stops taking work that counts, and how: its lock, else its due time when
    late answers are closed."""
    window = calendar.window(needed)
    if window.lock is not None:
        return window.lock, "lock"
    if window.due is not None and calendar.policy(needed).mode == CLOSED:
        return window.due, "closed"
    return None, "lock"


def dead_ends(calendar: Calendar, levels: Mapping[str, int | None]) -> list[DeadEnd]:
    """Every (item, required item) pair that can strand a student, in item order; an item
    requiring a dead end is one too (A requires B requires a locked C: A and B)."""
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
            opens = calendar.window(needed).open
            if (
                opens is not None
                and (end or window.due) is not None
                and opens >= (end or window.due)
            ):
                what, when = ("lock", end) if end is not None else ("due", window.due)
                found.append(DeadEnd(item, needed, opens, what, when, "opens"))
                continue
            lock, kind = _closes(calendar, needed)
            if lock is None or (end is not None and end <= lock):
                continue
            what, when = ("due", window.due) if window.due and window.due > lock else ("lock", end)
            if when is None:
                what = "open"
            found.append(DeadEnd(item, needed, lock, what, when, kind))
    stranded = {end.item: end.needed for end in found}
    grown = True
    while grown:  # through chains, until nothing more is stranded
        grown = False
        for item in sorted(items - set(stranded)):
            needed = next((n for n in rules.required(item, levels) if n in stranded), None)
            if needed is not None:
                found.append(DeadEnd(item, needed, None, "open", None, "chain", stranded[needed]))
                stranded[item] = needed
                grown = True
    return sorted(found, key=lambda end: (end.item, end.needed))


def params(end: DeadEnd, calendar: Calendar) -> dict[str, object]:
    """The parameters of the dead end's message (KEYS), in the reader's language."""

    def shown(moment: datetime) -> str:
        return f"{moment.astimezone(calendar.zone):%Y-%m-%d %H:%M} ({calendar.zone.key})"

    return {
        "item": end.item,
        "needed": end.needed,
        "lock": shown(end.lock) if end.lock is not None else "",
        "what": Text(WHAT[end.what]),
        "when": shown(end.when) if end.when is not None else "",
        "via": end.via,
    }


def said(end: DeadEnd, calendar: Calendar, lang: str) -> str:
    return say(KEYS[end.kind], lang, **params(end, calendar))
