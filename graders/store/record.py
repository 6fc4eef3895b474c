"""The score of record: which of a student's grades for a lab or quiz counts. Decided here
only; the student's pages, the instructor's, the CSV and every export read it.

Per (student, lab), the first that applies:
0. a score staff set with a reason (`ScoreOverride`, not removed; the newest): it replaces the
   score of the grade the rules below pick, which still says which attempt it adjusts; for
   a student with no grade at all it is the grade of record by itself (`why` override, no
   `rule_grade`), so staff can unblock a student who never submitted;
1. the grade an instructor chose (`Gradebook.choose`);
2. among final grades (graded, or the student's file could not be graded: a zero), by the
   course's rule for that lab: `best` (the highest score; the newest of equals) or `last`
   (the newest submission);
3. no final grade (only failures of ours or of the course files, to be graded again): the
   newest grade, which has no score — the student submitted, nothing counts yet.

The course's calendar (calendar.py) is applied here and nowhere else: a grade handed in after
its lock (or after the due time when the late policy is "closed") does not count, and a late
one counts with its penalty — `score` is the penalised score of record, `raw_score` and
`late_days` say what it was before (staff pages show them). "best" compares penalised scores.

The rule is the course's, in `seqlab.toml` at the course root (read by course_config.py):
    [scores]
    of_record = "best"        # best (default) | last
    [scores.labs]
    quiz-attention = "last"   # one lab's or quiz's own rule
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from graders.errors import SpecError
from graders.messages import say
from graders.settings import COURSE_CONFIG
from graders.store.calendar import Calendar
from graders.store.course_config import RULES, Override, read_settings
from graders.store.tables import FINAL, Grade, ScoreOverride

__all__ = [
    "COURSE_CONFIG",
    "Counting",
    "Decision",
    "RecordRules",
    "counting",
    "counting_said",
    "decide",
    "describe",
    "of_record",
    "rules_for",
]


@dataclass(frozen=True)
class RecordRules:
    default: str = "best"
    labs: Mapping[str, str] = field(default_factory=dict)
    calendar: Calendar = field(default_factory=Calendar, compare=False)

    def rule(self, lab: str) -> str:
        return self.labs.get(lab, self.default)


def rules_for(course_root: Path, overrides: Iterable[Override] = ()) -> RecordRules:
    """The course's rules (defaults when its seqlab.toml has none), with the instructor's
    settings saved on the web laid over the file's."""
    table, calendar = read_settings(course_root, overrides)
    path = course_root / COURSE_CONFIG
    unknown = sorted(set(table) - {"of_record", "labs"})
    if unknown:
        raise SpecError("store.rules_unknown", path=path, names=", ".join(unknown))
    default = table.get("of_record", "best")
    labs = table.get("labs", {})
    if not isinstance(labs, dict):
        raise SpecError("store.rules_shape", path=path, name="scores.labs")
    for name, rule in [("of_record", default), *((f"labs.{k}", v) for k, v in labs.items())]:
        if rule not in RULES:
            raise SpecError("store.rule_bad", path=path, name=name, value=rule)
    return RecordRules(default, dict(labs), calendar)


def describe(rules: RecordRules) -> str:
    """'best', or 'best; seq2seq: last' — what an export says it applied."""
    return "; ".join(
        [rules.default, *(f"{lab}: {rule}" for lab, rule in sorted(rules.labs.items()))]
    )


def _submitted(grade: Grade):
    return grade.submitted_at or grade.graded_at


def _newest(grades: list[Grade]) -> Grade:
    return max(grades, key=lambda g: (_submitted(g), g.graded_at, g.id or 0))


@dataclass(frozen=True)
class Counting:
    """How one submission counts under the calendar: the one answer every page, the API, the
    CSV and `gradebook history` give for an attempt (its words: graders/web/scores.py)."""

    raw: float | None  # the score it earned
    score: float | None  # the score that counts (None: it does not count, or no score yet)
    late_days: int = 0
    factor: float = 1.0  # the fraction kept (the late penalty)
    refused: str | None = None  # locked | closed: handed in after it could count


def counting(
    student: str, lab: str, submitted: datetime | None, raw: float | None, calendar: Calendar
) -> Counting:
    """How a submission of `student`'s to `lab` handed in at `submitted` and scoring `raw`
    counts: on time, late with its penalty, or not at all (after the lock; after the due time
    when late answers are closed)."""
    if submitted is None or raw is None:
        return Counting(raw, raw)
    at = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)  # SQLite: naive UTC
    state = calendar.state(student, lab, at)
    if not state.open and state.reason != "not_open":
        return Counting(raw, None, state.late_days, 0.0, state.reason)
    if not state.late_days:
        return Counting(raw, raw)
    return Counting(raw, round(raw * state.factor, 6), state.late_days, state.factor)


def counting_said(how: Counting, lang: str) -> str:
    """The words for how a submission counts, "" when on time (its score says it all)."""
    if how.refused is not None:
        key = {"locked": "rules.not_counted_locked", "closed": "rules.not_counted_closed"}
        return say(key[how.refused], lang, raw=f"{how.raw:g}")
    if not how.late_days or how.score is None or how.raw is None:
        return ""
    percent = f"{(1 - how.factor) * 100:g}"
    return say(
        "rules.counted_late", lang, days=how.late_days, raw=f"{how.raw:g}", percent=percent,
        score=f"{how.score:g}",
    )  # fmt: skip


def _counted(grade: Grade, calendar: Calendar) -> Grade | None:
    """The grade as it counts under the calendar: None when handed in after it could be (the
    lock, or the due time of a closed policy); a copy with the penalised score when late."""
    if grade.chosen:  # an instructor's choice stands
        return grade
    how = counting(grade.student, grade.lab, grade.submitted_at, grade.score, calendar)
    if how.refused is not None:
        return None
    if not how.late_days:
        return grade
    columns = {c.key: getattr(grade, c.key) for c in Grade.__table__.columns}
    counted = Grade(**columns)  # never added to a session: the stored row keeps its raw score
    counted.score = how.score
    counted.raw_score, counted.late_days = grade.score, how.late_days
    return counted


@dataclass(frozen=True)
class Decision:
    """A score of record and why: `why` is override | chosen | best | last | pending."""

    grade: Grade  # with an override: a copy (never stored) carrying the override's score
    why: str
    override: ScoreOverride | None = None
    rule_grade: Grade | None = None  # the grade the rules picked (the override adjusts it)


def _adjusted(grade: Grade, override: ScoreOverride) -> Grade:
    """A transient copy of the grade with the override's score: what every reader of the
    score of record sees (pages, CSV, exports, the class report); the stored row is intact."""
    copy = Grade(**{column.key: getattr(grade, column.key) for column in Grade.__table__.columns})
    copy.score = override.score
    return copy


def decide(
    grades: Iterable[Grade], rules: RecordRules, overrides: Iterable[ScoreOverride] = ()
) -> dict[tuple[str, str], Decision]:
    """(student, lab) → its score of record and why (the module docstring's order)."""
    by_key: dict[tuple[str, str], list[Grade]] = {}
    handed_in: dict[tuple[str, str], list[Grade]] = {}  # counting or not
    for grade in grades:
        handed_in.setdefault((grade.student, grade.lab), []).append(grade)
        counted = _counted(grade, rules.calendar)
        if counted is not None:
            by_key.setdefault((grade.student, grade.lab), []).append(counted)
    newest_override: dict[tuple[str, str], ScoreOverride] = {}
    for override in overrides:
        key = (override.student, override.lab)
        if override.removed_at is None and (
            key not in newest_override or override.id > newest_override[key].id
        ):
            newest_override[key] = override
    decided: dict[tuple[str, str], Decision] = {}
    for key, group in by_key.items():
        picked = [g for g in group if g.chosen]
        final = [g for g in group if g.status in FINAL]
        if picked:
            decision = Decision(_newest(picked), "chosen")
        elif not final:
            decision = Decision(_newest(group), "pending")
        elif rules.rule(key[1]) == "last":
            decision = Decision(_newest(final), "last")
        else:
            top = max(g.score or 0.0 for g in final)
            decision = Decision(_newest([g for g in final if (g.score or 0.0) == top]), "best")
        override = newest_override.get(key)
        if override is not None:
            adjusted = _adjusted(decision.grade, override)
            decision = Decision(adjusted, "override", override, decision.grade)
        decided[key] = decision
    for key, override in newest_override.items():
        if key in decided:
            continue
        if key in handed_in:  # no attempt counts (late answers closed): the override still
            # is the score of record, out of the lab's points as its attempts are
            adjusted = _adjusted(_newest(handed_in[key]), override)
            decided[key] = Decision(adjusted, "override", override, None)
        else:  # no grade at all: the override is the grade of record
            decided[key] = Decision(_standalone(override), "override", override, None)
    return decided


def _standalone(override: ScoreOverride) -> Grade:
    """A transient grade made of an override for a student who never submitted (staff
    unblocking a 关卡, an oral exam): no file, no attempt; its source says it was set."""
    return Grade(
        student=override.student, lab=override.lab, kind=override.kind or "lab", sha256="",
        spec_version="", engine_version="", source=f"override/{override.id}", status="graded",
        score=override.score, max_score=override.max_score, grading_seconds=0.0,
        graded_at=override.at, submitted_at=None, chosen=False,
    )  # fmt: skip


def of_record(
    grades: Iterable[Grade], rules: RecordRules, overrides: Iterable[ScoreOverride] = ()
) -> dict[tuple[str, str], Grade]:
    """(student, lab) → the grade of record."""
    return {key: d.grade for key, d in decide(grades, rules, overrides).items()}
