"""The score of record: which of a student's grades for a lab or quiz counts. Decided here
only; the student's pages, the instructor's, the CSV and every export read it.

Per (student, lab), the first that applies:
1. the grade an instructor chose (`Gradebook.choose`);
2. among final grades (graded, or the student's file could not be graded: a zero), by the
   course's rule for that lab: `best` (the highest score; the newest of equals) or `last`
   (the newest submission);
3. no final grade (only failures of ours or of the course files, to be graded again): the
   newest grade, which has no score — the student submitted, nothing counts yet.

The rule is the course's, in `seqlab.toml` at the course root:
    [scores]
    of_record = "best"        # best (default) | last
    [scores.labs]
    quiz-attention = "last"   # one lab's or quiz's own rule
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import SpecError
from graders.settings import COURSE_CONFIG, course_config
from graders.store.tables import FINAL, Grade

RULES = ("best", "last")


@dataclass(frozen=True)
class RecordRules:
    default: str = "best"
    labs: Mapping[str, str] = field(default_factory=dict)

    def rule(self, lab: str) -> str:
        return self.labs.get(lab, self.default)


def rules_for(course_root: Path) -> RecordRules:
    """The course's rules (defaults when its seqlab.toml has no [scores] table)."""
    path = course_root / COURSE_CONFIG
    table = course_config(course_root).get("scores", {})
    if not isinstance(table, dict):
        raise SpecError("store.rules_shape", path=path, name="scores")
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
    return RecordRules(default, dict(labs))


def describe(rules: RecordRules) -> str:
    """'best', or 'best; seq2seq: last' — what an export says it applied."""
    return "; ".join(
        [rules.default, *(f"{lab}: {rule}" for lab, rule in sorted(rules.labs.items()))]
    )


def _submitted(grade: Grade):
    return grade.submitted_at or grade.graded_at


def _newest(grades: list[Grade]) -> Grade:
    return max(grades, key=lambda g: (_submitted(g), g.graded_at, g.id or 0))


def of_record(grades: Iterable[Grade], rules: RecordRules) -> dict[tuple[str, str], Grade]:
    """(student, lab) → the grade of record."""
    by_key: dict[tuple[str, str], list[Grade]] = {}
    for grade in grades:
        by_key.setdefault((grade.student, grade.lab), []).append(grade)
    chosen: dict[tuple[str, str], Grade] = {}
    for key, group in by_key.items():
        picked = [g for g in group if g.chosen]
        final = [g for g in group if g.status in FINAL]
        if picked:
            chosen[key] = _newest(picked)
        elif not final:
            chosen[key] = _newest(group)
        elif rules.rule(key[1]) == "last":
            chosen[key] = _newest(final)
        else:
            top = max(g.score or 0.0 for g in final)
            chosen[key] = _newest([g for g in final if (g.score or 0.0) == top])
    return chosen
