"""The reader of a course's scores and calendar: `seqlab.toml` at the course root, with the
instructor's edits on the web (the database's `seqlab_rules`) laid over it setting by
setting — the file is the default, an edit on the web wins until it is cleared there.

    [course]
    timezone = "Asia/Shanghai"           # times without an offset are the course's
    [scores]
    of_record = "best"                   # best | last (record.py)
    [scores.labs]
    quiz-attention = "last"
    [late]
    policy = "penalty"                   # penalty | closed (nothing taken after due)
    per_day = 10                         # percent of the score lost per started day late
    floor = 50                           # percent a late submission keeps at least
    [quizzes]
    attempts = 3                         # per student; absent: no limit
    cooldown_minutes = 10
    answers = "after_due"                # never | after_due (default) | immediately
    [calendar.rnn-numpy]                 # any lab or quiz; any of [late]/[quizzes]'s keys too
    open = 2026-09-01 08:00:00
    due = 2026-09-15 23:59:00
    lock = 2026-09-22 23:59:00
    [extensions.alice]
    rnn-numpy = 2026-09-18 23:59:00      # alice's due time (past the lock: her lock too)
    [unlock]                             # 关卡 unlocking (graders/store/unlock.py)
    mode = "sequential"                  # off (default) | sequential | requires
    pass = 60                            # percent of a lab's points that passes it
    [calendar.seq2seq-attention]
    requires = ["seq2seq"]               # passed first; with unlocking on, `open` locks too

The file itself is read by graders/settings.py (`course_file`), which also gives `[feedback]`
its meaning; `[platform]` is the server's (graders/web/config.py). Anything else is refused
with the file, the line and the fix (exit 2), never guessed at.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graders.errors import SpecError
from graders.messages import Text
from graders.settings import course_file
from graders.store.calendar import ANSWERS, CLOSED, PENALTY, Calendar, LatePolicy, QuizRules, Window
from graders.store.unlock import MODES, OFF, UnlockRules, cycle

TABLES = ("course", "scores", "late", "quizzes", "calendar", "extensions", "feedback", "platform")
TABLES += ("unlock",)
UNLOCK_KEYS = {"unlock": "mode", "pass": "pass"}  # the web's names → [unlock]'s
TIMES = ("open", "due", "lock")
LATE_KEYS = {"policy": "late_policy", "per_day": "per_day", "floor": "floor"}
QUIZ_KEYS = ("attempts", "cooldown_minutes", "answers")
ITEM_KEYS = (*TIMES, "late_policy", "per_day", "floor", *QUIZ_KEYS, "requires")
RULES = ("best", "last")
MAX_ATTEMPTS = 10_000  # per student and quiz
MAX_COOLDOWN = 366 * 24 * 60  # minutes: a year


@dataclass(frozen=True)
class Override:
    """One setting an instructor saved on the web: item "*" is the course's."""

    item: str
    student: str
    name: str
    value: object


def read_table(course_root: Path) -> tuple[dict, str, Path]:
    """The file's TOML as a dict (empty when there is none), its text, its path."""
    return course_file(course_root)


def lay_over(table: dict, overrides: Iterable[Override]) -> dict:
    """The file's settings with the web's laid over them: a deep copy, as the web's values
    go into nested tables ([extensions.<student>], [scores.labs]) that stay the file's."""
    merged = copy.deepcopy(table)
    for o in overrides:
        if o.student:
            merged.setdefault("extensions", {}).setdefault(o.student, {})[o.item] = o.value
        elif o.item == "*" and o.name in UNLOCK_KEYS:
            merged.setdefault("unlock", {})[UNLOCK_KEYS[o.name]] = o.value
        elif o.item == "*":
            where = (
                "scores" if o.name == "of_record" else "quizzes" if o.name in QUIZ_KEYS else "late"
            )
            name = {"late_policy": "policy"}.get(o.name, o.name)
            merged.setdefault(where, {})[name] = o.value
        elif o.name == "of_record":
            merged.setdefault("scores", {}).setdefault("labs", {})[o.item] = o.value
        else:
            item = merged.setdefault("calendar", {}).setdefault(o.item, {})
            value = o.value
            if o.name == "requires" and isinstance(value, str):  # the web's field: "a, b"
                value = [part.strip() for part in value.split(",") if part.strip()]
            if o.name == "late_policy":  # the web's value replaces the file's, by either name
                item = {k: v for k, v in item.items() if k != "policy"}
            merged["calendar"][o.item] = {**item, o.name: value}
    return merged


class _Reader:
    def __init__(
        self,
        path: Path,
        text: str,
        from_web: bool,
        items: frozenset[str] = frozenset(),
        web: frozenset[str] = frozenset(),
    ) -> None:
        self.path, self.text, self.from_web = path, text, from_web
        self.items = items  # the course's lab and quiz ids (empty: not checked)
        self.web = web  # the settings (calendar.X.due, …) the web gave, not the file

    def order(self, full: str, entry: dict, earlier: str, later: str) -> SpecError:
        """Two times out of order: the one the web set is blamed, the other named with where
        it comes from (a due typed on the page past the file's lock is the due's fault)."""
        if self.from_web and f"{full}.{earlier}" in self.web and f"{full}.{later}" not in self.web:
            other = f"{full}.{later}"
            return self.fail(
                f"{full}.{earlier}",
                entry[earlier],
                "course.fix_order_file",
                other=other,
                other_value=entry[later],
                other_where=self._where(other),
            )
        return self.fail(f"{full}.{later}", entry[later], "course.fix_order")

    def item(self, name: str, item: object) -> None:
        """`item` must be one of the course's labs or quizzes: a typo would silently keep a
        calendar from applying, or lock a lab that requires it for good."""
        if self.items and item not in self.items:
            near = difflib.get_close_matches(str(item), sorted(self.items), n=1)
            fix = Text(
                "course.fix_item",
                near=near[0] if near else "—",
                known=", ".join(sorted(self.items)),
            )
            raise SpecError(
                "course.bad_setting", where=self._where_or_web(name), name=name, value=item, fix=fix
            )

    def _where_or_web(self, name: str) -> Text:
        return Text("course.where_web") if self.from_web else self._where(name)

    def fail(self, name: str, value: object, fix: str, **fix_params: object) -> SpecError:
        where = Text("course.where_web") if self.from_web else self._where(name)
        fixed = Text(fix, **fix_params)
        return SpecError("course.bad_setting", where=where, name=name, value=value, fix=fixed)

    def _where(self, name: str) -> Text:
        """The line that sets `name` (a.b.key): the key's first line after its table's header."""
        table, _, key = name.rpartition(".")
        lines = self.text.splitlines()
        path = self.path.name if self.from_web else self.path  # no server path on a page
        header = re.compile(
            r"\s*\[\s*" + r"\.".join(rf'"?{re.escape(p)}"?' for p in table.split("."))
        )
        start = next((n for n, line in enumerate(lines) if table and header.match(line)), 0)
        for number, line in enumerate(lines[start:], start=start + 1):
            if re.match(rf'\s*"?{re.escape(key)}"?\s*=', line):
                return Text("course.where_line", path=path, line=number)
        # A table's own name (`[calendar.rnn-nunpy]`): the line of its header.
        whole = re.compile(
            r"\s*\[\s*" + r"\.".join(rf'"?{re.escape(p)}"?' for p in name.split(".")) + r"\s*\]"
        )
        for number, line in enumerate(lines, start=1):
            if whole.match(line):
                return Text("course.where_line", path=path, line=number)
        return Text("course.where_file", path=path)

    def table(self, parent: dict, name: str, full: str) -> dict:
        value = parent.get(name, {})
        if not isinstance(value, dict):
            raise SpecError("store.rules_shape", path=self.path, name=full)
        return value

    def known(self, table: dict, allowed: Iterable[str], full: str) -> None:
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise self.fail(f"{full}.{unknown[0]}", table[unknown[0]], "course.fix_unknown")

    def time(self, value: object, zone: ZoneInfo, name: str) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(name, value, "course.fix_time") from None
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, 23, 59, 59)
        if not isinstance(value, datetime):
            raise self.fail(name, value, "course.fix_time")
        return value.replace(tzinfo=zone) if value.tzinfo is None else value

    def number(
        self, value: object, name: str, low: float, high: float | None, fix: str = ""
    ) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        # nan passes every comparison and inf overflows a date: neither is a setting.
        ok = ok and math.isfinite(value)
        if not ok or value < low or (high is not None and value > high):
            fix = fix or ("course.fix_percent" if high else "course.fix_count")
            raise self.fail(name, value, fix)
        return float(value)

    def cooldown(self, value: object, name: str) -> float:
        """At most a year: a longer one overflows the date of the next attempt (a 500)."""
        return self.number(value, name, 0, MAX_COOLDOWN, "course.fix_cooldown")

    def late(self, table: dict, base: LatePolicy, full: str, names=LATE_KEYS) -> LatePolicy:
        mode = table.get(names["policy"], base.mode)
        if mode not in (PENALTY, CLOSED):
            raise self.fail(f"{full}.{names['policy']}", mode, "course.fix_policy")
        per_day = table.get("per_day")
        floor = table.get("floor")
        return LatePolicy(
            mode,
            base.per_day
            if per_day is None
            else self.number(per_day, f"{full}.per_day", 0, 100) / 100,
            base.floor if floor is None else self.number(floor, f"{full}.floor", 0, 100) / 100,
        )

    def quiz(self, table: dict, base: QuizRules, full: str) -> QuizRules:
        attempts = table.get("attempts")
        minutes = table.get("cooldown_minutes")
        answers = table.get("answers", base.answers)
        if answers not in ANSWERS:
            raise self.fail(f"{full}.answers", answers, "course.fix_answers")
        whole = isinstance(attempts, int) and not isinstance(attempts, bool)
        if attempts is not None and not (whole and 1 <= attempts <= MAX_ATTEMPTS):
            raise self.fail(f"{full}.attempts", attempts, "course.fix_attempts", most=MAX_ATTEMPTS)
        return QuizRules(
            base.attempts if attempts is None else attempts,
            base.cooldown
            if minutes is None
            else timedelta(minutes=self.cooldown(minutes, f"{full}.cooldown_minutes")),
            answers,
        )


def read_settings(course_root: Path, overrides: Iterable[Override] = ()) -> tuple[dict, Calendar]:
    """The course's [scores] table (record.py makes its rules) and its calendar."""
    table, text, path = read_table(course_root)
    items = course_items(course_root)
    from_file = _parse(lay_over(table, []), _Reader(path, text, False, items))
    overrides = list(overrides)
    if not overrides:
        return from_file
    # The file alone is sound, so whatever is wrong now came from the web: say so.
    web = frozenset(_web_name(o) for o in overrides)
    return _parse(lay_over(table, overrides), _Reader(path, text, True, items, web))


def _web_name(o: Override) -> str:
    """The setting's name in the file's terms, as errors name it (calendar.rnn-numpy.due)."""
    if o.student:
        return f"extensions.{o.student}.{o.item}"
    if o.item == "*":
        return o.name
    return f"calendar.{o.item}.{o.name}"


def course_items(course_root: Path) -> frozenset[str]:
    """The ids a calendar may name: every lab spec's and every quiz bank's."""
    folders = (course_root / "graders" / "labs", course_root / "quizzes" / "banks")
    return frozenset(path.stem for folder in folders for path in folder.glob("*.toml"))


def _parse(merged: dict, reader: _Reader) -> tuple[dict, Calendar]:
    unknown = sorted(set(merged) - set(TABLES))
    if unknown:
        raise reader.fail(unknown[0], "[…]", "course.fix_table")
    course = reader.table(merged, "course", "course")
    reader.known(course, ("timezone",), "course")
    name = course.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.fail("timezone", name, "course.fix_timezone") from None
    late_table = reader.table(merged, "late", "late")
    reader.known(late_table, ("policy", "per_day", "floor"), "late")
    late = reader.late(late_table, LatePolicy(), "late", {"policy": "policy"})  # [late]'s name
    quiz_table = reader.table(merged, "quizzes", "quizzes")
    reader.known(quiz_table, QUIZ_KEYS, "quizzes")
    quizzes = reader.quiz(quiz_table, QuizRules(), "quizzes")
    windows, late_items, quiz_items = {}, {}, {}
    for item in reader.table(merged, "calendar", "calendar"):
        full = f"calendar.{item}"
        reader.item(full, item)
        entry = reader.table(merged["calendar"], item, full)
        if "policy" in entry and "late_policy" not in entry:  # [late]'s own name, said here
            entry = {("late_policy" if k == "policy" else k): v for k, v in entry.items()}
        reader.known(entry, ITEM_KEYS, full)
        times = {
            k: reader.time(entry[k], zone, f"{full}.{k}") if entry.get(k) else None for k in TIMES
        }
        window = Window(**times)
        if window.open and window.due and window.due < window.open:
            raise reader.order(full, entry, "open", "due")
        if window.due and window.lock and window.lock < window.due:
            raise reader.order(full, entry, "due", "lock")
        windows[item] = window
        names = {"policy": "late_policy"}
        if any(k in entry for k in ("late_policy", "per_day", "floor")):
            late_items[item] = reader.late(entry, late, full, names)
        if any(k in entry for k in QUIZ_KEYS):
            quiz_items[item] = reader.quiz(entry, quizzes, full)
    extensions = {}
    for student in reader.table(merged, "extensions", "extensions"):
        for item, value in reader.table(
            merged["extensions"], student, f"extensions.{student}"
        ).items():
            full = f"extensions.{student}.{item}"
            reader.item(full, item)
            # Past the item's lock, it moves this student's lock too (calendar.lock_for).
            extensions[(student, item)] = reader.time(value, zone, full)
    scores = reader.table(merged, "scores", "scores")
    labs = scores.get("labs", {})
    rules = [("scores.of_record", scores.get("of_record", "best"))]
    rules += [(f"scores.labs.{k}", v) for k, v in labs.items()] if isinstance(labs, dict) else []
    for name, rule in rules:  # said here, where a value the web gave is said to be the web's
        if rule not in RULES:
            raise reader.fail(name, rule, "course.fix_rule")
    unlock = _unlock(merged, reader)
    calendar = Calendar(zone, windows, late, late_items, quizzes, quiz_items, extensions, unlock)
    return scores, calendar


def _unlock(merged: dict, reader: _Reader) -> UnlockRules:
    """[unlock] and each item's `requires` (a list of lab or quiz ids)."""
    table = reader.table(merged, "unlock", "unlock")
    reader.known(table, ("mode", "pass"), "unlock")
    mode = table.get("mode", OFF)
    if mode not in MODES:
        raise reader.fail("unlock.mode", mode, "course.fix_unlock_mode")
    share = reader.number(table.get("pass", 60), "unlock.pass", 0, 100, "course.fix_pass") / 100
    if 0 < share < 0.01:  # 0.6 meant as a fraction: a pass mark of 0.6 % opens every level
        given = table["pass"]
        raise reader.fail(
            "unlock.pass", given, "course.fix_pass_fraction", percent=f"{given * 100:g}"
        )
    requires = {}
    for item, entry in merged.get("calendar", {}).items():
        needed = entry.get("requires")
        if needed is None:
            continue
        ok = isinstance(needed, list) and all(isinstance(n, str) and n for n in needed)
        if not ok or item in needed:
            raise reader.fail(f"calendar.{item}.requires", needed, "course.fix_requires")
        for other in needed:
            reader.item(f"calendar.{item}.requires", other)
        requires[item] = tuple(needed)
    chain = cycle(requires)
    if chain:
        raise reader.fail(f"calendar.{chain[0]}.requires", " → ".join(chain), "course.fix_cycle")
    return UnlockRules(mode, share, requires)


def where_in_file(path: Path, text: str, name: str) -> Text:
    """The file and line that set `name` (a.b.key), as a setting's error names them."""
    return _Reader(path, text, from_web=False)._where(name)
