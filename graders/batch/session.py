"""One batch: many submissions of one lab or quiz graded into the gradebook.

`seqlab grade SUBMISSIONS...` comes here: collect the items, skip what the gradebook already
holds for the same file and spec version, grade the rest in parallel (through warm workers
where they pay), commit each result as it completes, write feedback, and print the summary.
The caller (graders/cli/grading.py) builds the `BatchTarget`: a lab, or a quiz through the
quiz checker, which this package must not import.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from graders.batch.collect import Collection, Item, collect
from graders.batch.feedback import write_feedback
from graders.batch.grading import Graded, GradeOne, grade_items, lab_grader
from graders.batch.summary import (
    BatchProgress,
    Row,
    render_summary,
    row_from_outcome,
    row_from_stored,
)
from graders.errors import UsageError
from graders.messages import say
from graders.service.pools import runner_for
from graders.spec import LabSpec
from graders.store.calendar import Calendar
from graders.store.database import shown_url
from graders.store.gradebook import Entry, Gradebook, Key, file_version, stored_result
from graders.textsafe import json_text, visible


@dataclass(frozen=True)
class BatchTarget:
    """What a batch grades against: a lab through the engine, or a quiz bank's checker."""

    id: str
    kind: str
    title: dict[str, str]
    spec_path: Path
    entry: str | None
    suffixes: tuple[str, ...]
    max_score: float
    grade_one: GradeOne | None = None  # a quiz's grading (a lab's is the service's)
    lab: LabSpec | None = None  # a lab target: what warm workers preload


@contextlib.contextmanager
def _warm_grader(target: BatchTarget, workers: int, *, cold: bool):
    """The target's grader; a lab's through warm workers where they pay (service.pools)."""
    if target.lab is None:
        yield target.grade_one
        return
    with runner_for(target.lab, workers, cold=cold) as runner:
        yield lab_grader(target.lab, runner)


def _feedback_folder(text: str | None) -> Path | None:
    if text is None:
        return None
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError("file.exists", path=folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class BatchOptions:
    """What `seqlab grade SUBMISSIONS...` was asked for."""

    lang: str
    workers: int | None = None
    db: str | None = None
    feedback: str | None = None
    assignment: str | None = None
    regrade: bool = False
    cold: bool = False
    json: bool = False
    calendar: Calendar | None = None  # the course's: files' times said against it


def _calendar_notes(calendar: Calendar | None, target_id: str, items, lang: str) -> list[str]:
    """Each file changed after its student's deadline, said with the rule: graded and kept,
    but a late one counts with its penalty and one after the lock not at all (record.py
    decides the score of record; a file's modification time is its submission time here)."""
    said = []
    for item in items if calendar is not None else ():
        if not item.modified:
            continue
        at = datetime.fromtimestamp(item.modified, UTC)
        state = calendar.state(item.student, target_id, at)
        shown = f"{at.astimezone(calendar.zone):%Y-%m-%d %H:%M} ({calendar.zone.key})"
        if not state.open and state.reason in ("locked", "closed"):
            rule = say("rules.late_closed", lang)
            if state.reason == "locked":
                lock = state.lock.astimezone(calendar.zone) if state.lock else at
                rule = say("rules.locked", lang, when=f"{lock:%Y-%m-%d %H:%M}")
            said.append(
                say(
                    "batch.not_counted",
                    lang,
                    student=item.student,
                    when=shown,
                    item=target_id,
                    rule=rule,
                )
            )
        elif state.late_days:
            percent = f"{state.factor * 100:g}"
            said.append(
                say("batch.late", lang, student=item.student, days=state.late_days, percent=percent)
            )
    return said


def grade_batch(target: BatchTarget, paths: list[Path], options: BatchOptions, out: Console) -> int:
    """Collect, grade (skipping what the gradebook has), record, give feedback, summarise.

    Returns the exit code: 0 everyone full marks, 1 below, 2 nothing could be graded."""
    lang = options.lang
    workers = options.workers if options.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("course.bad_number", option="--workers", value=workers)
    feedback = _feedback_folder(options.feedback)
    collection = collect(
        paths,
        entry=target.entry,
        suffixes=target.suffixes,
        assignment=options.assignment or target.id,
    )
    if not collection.items:
        raise UsageError("batch.nothing_found", paths=", ".join(map(str, paths)))
    book = Gradebook(options.db)
    spec_version = file_version(target.spec_path)
    done = {} if options.regrade else book.done(target.id, spec_version)
    status = Console(stderr=True, highlight=False) if options.json else out
    status.print(say("batch.db_used", lang, url=shown_url(book.url)), style="dim", markup=False)
    for note in collection.notes:  # they name the students' files: controls shown, not obeyed
        status.print(visible(say(note.key, lang, **note.params)), style="yellow", markup=False)
    for note in _calendar_notes(options.calendar, target.id, collection.items, lang):
        status.print(visible(note), style="yellow", markup=False)

    rows: dict[str, Row] = {}
    results: dict[str, dict] = {}
    fresh: list[Item] = []
    stored = {}
    for item in collection.items:
        grade = done.get(Key(item.student, item.sha256)) if item.sha256 else None
        if grade is None:
            fresh.append(item)
        else:
            stored[item.student] = grade

    def finished(graded: Graded) -> None:
        # Called in this thread as each submission completes: commit it, then tell the user.
        item, outcome = graded.item, graded.outcome
        if item.sha256 is not None:  # an unreadable file has no hash: reported, not stored
            book.record(_entry(target, item, spec_version), outcome)
        if feedback is not None and outcome.final:
            write_feedback(
                feedback,
                item.student,
                lab=target.id,
                title=target.title[lang],
                lang=lang,
                result=outcome.result,
                error=outcome.error,
            )
        if outcome.result is not None:
            results[item.student] = outcome.result.to_json(lang)
        rows[item.student] = row_from_outcome(graded, lang)
        progress.advance(rows[item.student])

    with BatchProgress(len(collection.items), lang, status) as progress:
        for item in collection.items:
            if item.student in stored:
                grade = stored[item.student]
                rows[item.student] = row_from_stored(item.student, str(item.path), grade, lang)
                result = stored_result(grade)
                if result is not None:
                    results[item.student] = result.to_json(lang)
                progress.advance(rows[item.student])
        with _warm_grader(target, min(workers, len(fresh)), cold=options.cold) as grade_one:
            grade_items(fresh, grade_one, workers=workers, on_graded=finished)
    book.close()
    ordered = [rows[item.student] for item in collection.items]
    if options.json:
        print(_batch_json(target, spec_version, book.url, collection, ordered, results, lang))
    else:
        render_summary(ordered, lang, out)
    if feedback is not None:
        status.print(say("batch.feedback_written", lang, path=feedback), markup=False)
    if not any(row.has_score for row in ordered):
        return 2
    return 0 if all(row.full_marks for row in ordered) else 1


def _entry(target: BatchTarget, item: Item, spec_version: str) -> Entry:
    assert item.sha256 is not None
    return Entry(
        student=item.student,
        lab=target.id,
        kind=target.kind,
        sha256=item.sha256,
        source=str(item.path),
        spec_version=spec_version,
        max_score=target.max_score,
        submitted_at=datetime.fromtimestamp(item.modified, UTC) if item.modified else None,
    )


def _batch_json(target, spec_version, url, collection: Collection, rows, results, lang) -> str:
    items = {item.student: item for item in collection.items}
    submissions = []
    for row in rows:
        item = items[row.student]
        entry: dict[str, object] = {
            "student": row.student,
            "file": row.file,
            "status": row.status,
            "skipped": row.skipped,
            "sha256": item.sha256,
            "score": row.score,
            "max_score": row.max_score,
            "seconds": round(row.seconds, 3),
        }
        if row.message:
            entry["message"] = row.message
        if results.get(row.student) is not None:
            entry["result"] = results[row.student]
        submissions.append(entry)
    document = {
        "lab": target.id,
        "kind": target.kind,
        "spec_version": spec_version,
        "gradebook": shown_url(url),
        "notes": [say(note.key, lang, **note.params) for note in collection.notes],
        "submissions": submissions,
    }
    return json_text(document)


def lab_target(lab: LabSpec) -> BatchTarget:
    return BatchTarget(
        lab.id,
        "lab",
        lab.title,
        lab.spec_path,
        lab.entry,
        (".py", ".ipynb"),
        sum(t.points for t in lab.tests),
        lab=lab,
    )
