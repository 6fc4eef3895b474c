"""Recording named mistakes (`seqlab build --record`), their staleness check (`seqlab
validate`) and their copy in exported grading courses. The format and the matching are
graders/mistakes.py's; this side grades the corpus, so it sits above the engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from graders.course.corpus import CorpusEntry, corpus_path, corpus_program, load_corpus
from graders.engine import Runner, grade_submission
from graders.mistakes import (
    Named,
    Records,
    error_line,
    load_records,
    records_path,
    stdin_digest,
)
from graders.sandbox import run_sets
from graders.spec import LabSpec
from graders.submission import Submission, read_text
from graders.verdict import Verdict


def course_digest(lab: LabSpec) -> str:
    """What the recorded outputs were made from: the spec, the reference, the corpus."""
    digest = hashlib.sha256()
    for path in (lab.spec_path, lab.solution_path, corpus_path(lab)):
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def named_entries(lab: LabSpec) -> list[CorpusEntry]:
    return [entry for entry in load_corpus(lab) if entry.mistake is not None]


def entry_outputs(
    lab: LabSpec, entry: CorpusEntry, runner: Runner = run_sets
) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    """The entry graded on every set: (set → verdict code, set → output where it is a wrong
    answer, set → (output, exception line) where it crashed)."""
    captured: list[tuple[list[str], list]] = []

    def capturing(program, filename, stdins, limits, **options):
        runs = runner(program, filename, stdins, limits, **options)
        captured.append((list(stdins), runs))
        return runs

    text = corpus_program(read_text(lab.solution_path), entry)
    result = grade_submission(
        lab, Submission(Path(lab.entry), text), include_hidden=True, runner=capturing
    )
    stdouts: dict[str, str] = {}
    errors: dict[str, str] = {}
    for group in lab.run_groups(True):
        stdins = [test.stdin for test in group]
        runs = next(runs for given, runs in captured if given == stdins)
        for test, run in zip(group, runs, strict=True):
            stdouts[test.name] = run.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
            errors[test.name] = error_line(run.stderr.decode("utf-8", errors="replace"))
    verdicts = {test.name: test.verdict.code for test in result.tests}
    wrong = {
        test.name: stdouts[test.name]
        for test in result.tests
        if test.verdict is Verdict.WRONG_ANSWER
    }
    crashed = {
        test.name: (stdouts[test.name], errors[test.name])
        for test in result.tests
        if test.verdict is Verdict.RUNTIME_ERROR and errors.get(test.name)
    }
    return verdicts, wrong, crashed


def make_records(lab: LabSpec, runner: Runner = run_sets) -> Records:
    mistakes = []
    for entry in named_entries(lab):
        _, outputs, crashes = entry_outputs(lab, entry, runner)
        hint = entry.hint and dict(entry.hint)
        mistakes.append(Named(entry.name, dict(entry.mistake), hint, outputs, crashes))
    return Records(
        lab=lab.id,
        digest=course_digest(lab),
        sets={test.name: stdin_digest(test) for test in lab.tests},
        mistakes=tuple(mistakes),
    )


def record_mistakes(lab: LabSpec, runner: Runner = run_sets) -> int:
    """Write the lab's records (after its expected outputs are recorded); the number of named
    variants. A lab whose corpus names none has no file (an old one is removed)."""
    path = records_path(lab)
    if not named_entries(lab):
        path.unlink(missing_ok=True)
        return 0
    records = make_records(lab, runner)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(records.to_json())
    return len(records.mistakes)


def records_state(lab: LabSpec) -> tuple[bool, str, int]:
    """(current?, the catalogue key saying so, named variants) — cheap: digests only."""
    named = len(named_entries(lab))
    path = records_path(lab)
    if not named:
        return (not path.is_file(), "validate.mistakes_orphan", 0)
    records = load_records(lab)
    if records is None:
        return (False, "validate.mistakes_missing", named)
    if records.digest != course_digest(lab):
        return (False, "validate.mistakes_stale", named)
    return (True, "validate.mistakes_current", named)
