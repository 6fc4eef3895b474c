"""A course's calendar and its rules, as pure logic: when a lab or quiz opens, is due and locks
(per student, with extensions), what a late submission loses, how often a quiz may be taken,
and when its answers are shown. No file and no database here: course_config.py reads them.

Late days are counted on the course's wall clock: due at 23:59, a submission is one day late
until 23:59 the next day, whether that day has 23, 24 or 25 hours (a DST change). A started
day counts whole. A student's extension replaces the due time; one that ends after the lock
moves that student's lock to the extension's end too (as an LMS's per-student override does),
so an extension can always be used. Nothing is taken after a student's lock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from graders.store.unlock import UnlockRules

PENALTY, CLOSED = "penalty", "closed"  # late policies
NEVER, AFTER_DUE, IMMEDIATELY = "never", "after_due", "immediately"  # quiz answers shown
ANSWERS = (NEVER, AFTER_DUE, IMMEDIATELY)
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Window:
    """One lab's or quiz's times (aware datetimes; None: no such limit)."""

    open: datetime | None = None
    due: datetime | None = None
    lock: datetime | None = None


@dataclass(frozen=True)
class LatePolicy:
    mode: str = PENALTY  # penalty | closed (nothing is taken after the due time)
    per_day: float = 0.0  # the fraction of the score lost per started day late
    floor: float = 0.0  # the lowest fraction of the score a late submission keeps

    def factor(self, days: int) -> float:
        """The fraction of the score kept when `days` late."""
        if days <= 0:
            return 1.0
        return max(self.floor, 1.0 - self.per_day * days, 0.0)


@dataclass(frozen=True)
class QuizRules:
    attempts: int | None = None  # None: no limit
    cooldown: timedelta = timedelta(0)
    answers: str = AFTER_DUE  # never | after_due | immediately


@dataclass(frozen=True)
class State:
    """Where a student stands with one lab or quiz at a moment."""

    open: bool  # a submission is taken now
    reason: str | None  # why not: not_open | locked | closed
    due: datetime | None  # this student's (the extension's when there is one)
    lock: datetime | None
    late_days: int  # > 0: taken, late by that many started days
    factor: float  # the fraction of the score kept


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo = UTC_ZONE
    windows: Mapping[str, Window] = field(default_factory=dict)
    late: LatePolicy = LatePolicy()
    late_items: Mapping[str, LatePolicy] = field(default_factory=dict)
    quizzes: QuizRules = QuizRules()
    quiz_items: Mapping[str, QuizRules] = field(default_factory=dict)
    extensions: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    unlock: UnlockRules = field(default_factory=UnlockRules)  # 关卡 unlocking (unlock.py)

    def window(self, item: str) -> Window:
        return self.windows.get(item, Window())

    def policy(self, item: str) -> LatePolicy:
        return self.late_items.get(item, self.late)

    def quiz(self, item: str) -> QuizRules:
        return self.quiz_items.get(item, self.quizzes)

    def due_for(self, student: str, item: str) -> datetime | None:
        """The student's due time: an extension never shortens one — the later of the class's
        and theirs (an "extension" earlier than the class's, or a class due moved past it,
        would cut the student's deadline while their page says "extended")."""
        due, extended = self.window(item).due, self.extensions.get((student, item))
        if due is None or extended is None:
            return due if extended is None else extended
        return max(due, extended)

    def idle_extensions(self) -> list[dict[str, str]]:
        """The message parameters (student, item, when, due) of each extension not later than
        the class's due time: it has no effect, said on the rules page and by `seqlab
        validate` (rules.extension_idle)."""
        return [
            {
                "student": s,
                "item": i,
                "when": local_time(e, self.zone),
                "due": local_time(d, self.zone),
            }
            for (s, i), e in sorted(self.extensions.items())
            if (d := self.window(i).due) is not None and e <= d
        ]

    def lock_for(self, student: str, item: str) -> datetime | None:
        """The student's lock: the item's, or their extension's end when that is later."""
        lock, extended = self.window(item).lock, self.extensions.get((student, item))
        if lock is not None and extended is not None and extended > lock:
            return extended
        return lock

    def state(self, student: str, item: str, at: datetime) -> State:
        window, policy = self.window(item), self.policy(item)
        due, lock = self.due_for(student, item), self.lock_for(student, item)
        if window.open is not None and at < window.open:
            return State(False, "not_open", due, lock, 0, 1.0)
        if lock is not None and at > lock:
            return State(False, "locked", due, lock, 0, 1.0)
        days = late_days(due, at, self.zone)
        if days and policy.mode == CLOSED:
            return State(False, "closed", due, lock, days, 0.0)
        return State(True, None, due, lock, days, policy.factor(days))

    def closes_at(self, item: str) -> datetime | None:
        """When the item takes no more answers from anyone that count: with late answers
        closed, the last due time (extensions included), even before a later lock (README);
        else its lock; None while a late answer still counts for someone (no lock under a
        penalty policy)."""
        window = self.window(item)
        extended = [due for (_student, of), due in self.extensions.items() if of == item]
        if self.policy(item).mode == CLOSED and window.due is not None:
            return max([window.due, *extended])
        if window.lock is not None:  # an extension past the lock moves its student's lock
            return max([window.lock, *extended])
        return None

    def answers_shown(self, student: str, item: str, at: datetime) -> bool:
        """Whether the quiz's key (correct options, explanations) may be shown now: "after
        the deadline" means once no one's answer can count any more — a key shown at one
        student's due time would serve a late retake, or a classmate's extension."""
        rule = self.quiz(item).answers
        if rule == IMMEDIATELY:
            return True
        if rule == NEVER:
            return False
        closes = self.closes_at(item)
        return closes is not None and at > closes


def local_time(moment: datetime, zone: ZoneInfo, seconds: bool = False, label: bool = True) -> str:
    """Any time a person reads — a deadline, a submission, a draft, an override — on the
    course's clock with its zone's name (`label=False`: a table that names it once); a naive
    time is UTC (SQLite keeps times naive)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC_ZONE)
    shown = aware.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{shown} ({zone.key})" if label else shown


def late_days(due: datetime | None, at: datetime, zone: ZoneInfo) -> int:
    """Started days after `due`, counted on the course's wall clock (0: on time)."""
    if due is None or at <= due:
        return 0
    local_due = due.astimezone(zone).replace(tzinfo=None)
    local_at = at.astimezone(zone).replace(tzinfo=None)
    # The wall-clock difference: a DST day is still one day.
    days = math.ceil((local_at - local_due) / timedelta(days=1))
    return max(days, 1)


def cooldown_left(last: datetime | None, rules: QuizRules, at: datetime) -> timedelta:
    if last is None or not rules.cooldown:
        return timedelta(0)
    return max(last + rules.cooldown - at, timedelta(0))
