"""The CI gate for labs: starters in sync, references full marks, starters zero, every corpus
entry its verdict, references full marks on every seed, the course index in sync.

Each check is a small record so the CLI can print a table, CI can count failures and the
pytest plugin can make one test item per check. Its words are catalogue keys, rendered in
the reader's language; `detail` holds data only (scores, verdict codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graders.course.build import notebook_in_sync, starter_in_sync
from graders.course.corpus import grade_entry, load_corpus
from graders.course.curves import band_state
from graders.course.index import index_in_sync
from graders.course.records import records_state
from graders.course.sweep import sweep
from graders.engine import Runner, grade_submission
from graders.messages import say
from graders.notebooks.build import JupyterMissing
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import Course, LabSpec
from graders.submission import read_submission, read_text

Note = tuple[str, dict[str, object]]


@dataclass(frozen=True)
class Check:
    subject: str
    what: str  # a catalogue key naming the check
    ok: bool
    detail: str = ""  # data: scores, verdict codes, counts
    notes: tuple[Note, ...] = ()  # words for the detail, as catalogue keys
    params: dict[str, object] = field(default_factory=dict)  # for `what`
    warning: bool = False  # not ok: said, fails CI only under `seqlab validate --strict`

    def title(self, lang: str) -> str:
        return say(self.what, lang, **self.params)

    def describe(self, lang: str) -> str:
        words = [say(key, lang, **params) for key, params in self.notes]
        return "; ".join(part for part in (self.detail, *words) if part)


def _verdicts(result: LabResult) -> str:
    return ", ".join(f"{t.name}={t.verdict.code}" for t in result.tests)


def _graded(lab: LabSpec, what: str, result: LabResult, ok: bool) -> Check:
    return Check(lab.id, what, ok, f"{result.score:g}/{result.max_score:g}: {_verdicts(result)}")


def check_starter_sync(lab: LabSpec) -> Check:
    in_sync = starter_in_sync(lab)
    notes: tuple[Note, ...] = () if in_sync else (("validate.run_build", {}),)
    return Check(lab.id, "validate.starter_sync", in_sync, notes=notes)


def check_notebook_sync(lab: LabSpec) -> Check:
    try:
        in_sync = notebook_in_sync(lab)
    except JupyterMissing:  # not checked is not in sync: the gate passes nothing unseen
        return Check(lab.id, "validate.notebook_sync", False, notes=(("validate.no_jupyter", {}),))
    notes: tuple[Note, ...] = () if in_sync else (("validate.run_build", {}),)
    return Check(lab.id, "validate.notebook_sync", in_sync, notes=notes)


def check_reference(lab: LabSpec, runner: Runner = run_sets) -> Check:
    result = grade_submission(
        lab, read_submission(lab.solution_path), include_hidden=True, runner=runner, trusted=True
    )
    return _graded(lab, "validate.reference_full", result, result.full_marks)


def check_starter(lab: LabSpec, runner: Runner = run_sets) -> Check:
    result = grade_submission(
        lab, read_submission(lab.starter_path), include_hidden=True, runner=runner, trusted=True
    )
    return _graded(lab, "validate.starter_zero", result, result.score == 0)


def check_corpus(lab: LabSpec, runner: Runner = run_sets) -> list[Check]:
    """One row per corpus entry; one informative row when the lab has no corpus yet."""
    entries = load_corpus(lab)
    if not entries:
        return [Check(lab.id, "validate.corpus_none", True, params={"lab": lab.id})]
    return [check_corpus_entry(lab, entry, runner) for entry in entries]


def check_corpus_entry(lab: LabSpec, entry, runner: Runner = run_sets) -> Check:
    outcome = grade_entry(lab, entry, runner)
    return Check(
        lab.id,
        "validate.corpus_entry",
        outcome.ok,
        f"{outcome.result.score:g}/{outcome.result.max_score:g}: "
        + " ".join(t.verdict.code for t in outcome.result.tests),
        outcome.problems,
        {"name": entry.name},
    )


def check_mistake_records(lab: LabSpec) -> Check:
    """The recorded outputs of named mistakes follow the spec, reference and corpus."""
    ok, key, count = records_state(lab)
    params = {"lab": lab.id, "count": count}
    return Check(lab.id, "validate.mistakes", ok, notes=((key, params),))


def check_band(lab: LabSpec) -> Check:
    """The reference's loss band (a lab with `[curve]`) follows the reference."""
    ok, key = band_state(lab)
    return Check(lab.id, "validate.band", ok, notes=((key, {"lab": lab.id}),))


def check_seeds(lab: LabSpec, seeds: int, runner: Runner = run_sets) -> Check:
    """The reference under `seeds` seeds (0 … seeds-1): full marks on every one."""
    if lab.seed_variable is None:
        return Check(lab.id, "validate.seeds", False, notes=(("validate.no_seed", {}),))
    outcomes = sweep(lab, read_text(lab.solution_path), range(seeds), runner=runner)
    failed = [o.seed for o in outcomes if not o.result.full_marks]
    passed = len(outcomes) - len(failed)
    notes: tuple[Note, ...] = (("validate.seeds_passed", {"passed": passed, "total": seeds}),)
    if failed:
        notes += (("validate.seeds_failed", {"seeds": ", ".join(map(str, failed))}),)
    return Check(lab.id, "validate.seeds", not failed, notes=notes)


def check_index(course: Course) -> Check:
    ok = index_in_sync(course)
    notes: tuple[Note, ...] = () if ok else (("validate.run_build", {}),)
    return Check("exercises/README.md", "validate.index_sync", ok, notes=notes)


def check_leaks(course: Course) -> list[Check]:
    """A later starter holding an earlier lab's blanks in a course that does not lock the
    order (course/leaks.py): a warning each."""
    from graders.course.leaks import SHOWN, leaks

    checks = []
    for later, earlier, lines in leaks(course):
        shown = " | ".join(lines[:SHOWN]) + (" …" if len(lines) > SHOWN else "")
        params = {"lab": later.id, "earlier": earlier.id, "lines": shown}
        notes: tuple[Note, ...] = (("validate.unlock_leak", params),)
        checks.append(Check(later.id, "validate.unlock_order", False, notes=notes, warning=True))
    return checks


def check_dead_ends(course: Course) -> list[Check]:
    """An item requiring another that locks while it still takes work (store/dead_ends.py):
    a warning each, with the fixes."""
    from graders.store.dead_ends import KEYS, dead_ends, params
    from graders.store.record import rules_for

    calendar = rules_for(course.root).calendar
    levels = {lab.id: lab.level for lab in course.labs()}
    return [
        Check(
            end.item,
            "validate.dead_end_check",
            False,
            notes=((KEYS[end.kind], params(end, calendar)),),
            warning=True,
        )
        for end in dead_ends(calendar, levels)
    ]


def check_idle_extensions(course: Course) -> list[Check]:
    """An extension not later than the class's due time has no effect (an extension never
    shortens a due time: calendar.py): a warning each."""
    from graders.store.record import rules_for

    return [
        Check(
            f"{idle['student']} · {idle['item']}",
            "validate.extension_idle_check",
            False,
            notes=(("rules.extension_idle", idle),),
            warning=True,
        )
        for idle in rules_for(course.root).calendar.idle_extensions()
    ]


def validate_lab(lab: LabSpec, runner: Runner = run_sets, *, seeds: int = 0) -> list[Check]:
    checks = [
        check_starter_sync(lab),
        check_notebook_sync(lab),
        check_reference(lab, runner),
        check_starter(lab, runner),
        *check_corpus(lab, runner),
        check_mistake_records(lab),
        *([check_band(lab)] if lab.curve is not None else []),
    ]
    if seeds:
        checks.append(check_seeds(lab, seeds, runner))
    return checks
