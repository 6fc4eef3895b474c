"""What the instructor sees while and after a batch runs: a progress bar, then a summary.

The progress bar (rich) counts done and failed submissions and shows the ETA; one line per
finished submission names the student. The summary gives the score distribution, the pass
rate per test set, the verdict counts and the slowest submissions. Rows come from fresh
outcomes or, for submissions a rerun skipped, from their gradebook rows, so a resumed batch
summarises the whole class.

Student ids, file and member names and error messages (which quote them) are the students'
text: both renderers take rows through `_shown()`, which makes their control characters
visible (textsafe.py), and put them in rich `Text`, so a `[` in a name is never markup.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from graders.batch.grading import Graded
from graders.messages import read_params, say
from graders.service import Blame
from graders.store.gradebook import stored_result
from graders.textsafe import visible

SLOWEST = 5
STATUS_KEYS = {
    "error": "batch.status_error",
    "author": "batch.status_author",
    "internal": "batch.status_internal",
}
BINS = 10  # score distribution in tenths of the maximum


@dataclass(frozen=True)
class Row:
    student: str
    file: str
    status: str  # graded | error | author | internal (service.Outcome.status)
    score: float | None = None
    max_score: float | None = None
    verdicts: tuple[tuple[str, str], ...] = ()  # (set name, verdict code)
    seconds: float = 0.0
    message: str = ""  # why it could not be graded
    skipped: bool = False  # graded by an earlier run: this row is the gradebook's

    @property
    def has_score(self) -> bool:
        return self.score is not None and self.max_score is not None

    @property
    def full_marks(self) -> bool:
        return self.has_score and self.score == self.max_score

    @property
    def failed(self) -> bool:
        return self.status != "graded"


def row_from_outcome(graded: Graded, lang: str) -> Row:
    item, outcome = graded.item, graded.outcome
    result = outcome.result
    if result is not None:
        verdicts = tuple((t.name, t.verdict.code) for t in result.tests)
        return Row(
            item.student,
            str(item.path),
            "graded",
            result.score,
            result.max_score,
            verdicts,
            outcome.seconds,
        )
    message = outcome.message(lang)
    if outcome.blame is Blame.PLATFORM and outcome.error is not None:
        # Not the student's: say it is graded again (quoting a bug's own words, not twice ours).
        internal = outcome.error.key == "internal"
        message = say(
            "batch.internal", lang, error=outcome.error.params["error"] if internal else message
        )
    elif outcome.blame is Blame.AUTHOR:
        message = say("batch.author", lang, reason=message)
    return Row(
        item.student, str(item.path), outcome.status, seconds=outcome.seconds, message=message
    )


def row_from_stored(student: str, file: str, grade, lang: str) -> Row:
    """A submission the gradebook already had (same file, same spec): its stored result."""
    result = stored_result(grade)
    verdicts = tuple((t.name, t.verdict.code) for t in result.tests) if result else ()
    graded = grade.status == "graded"
    message = ""
    if grade.error_key:
        message = say(grade.error_key, lang, **read_params(grade.error_params))
    return Row(
        student,
        file,
        grade.status,
        grade.score if graded else None,
        grade.max_score if graded else None,
        verdicts,
        grade.grading_seconds,
        message,
        skipped=True,
    )


def _shown(row: Row) -> Row:
    """The row as a terminal may show it: the students' text with its controls visible."""
    return replace(
        row, student=visible(row.student), file=visible(row.file), message=visible(row.message)
    )


def row_line(row: Row, lang: str) -> Text:
    """One finished submission, printed above the progress bar."""
    row = _shown(row)
    if row.has_score:
        style = "green" if row.full_marks else "yellow"
        score = f"{row.score:g}/{row.max_score:g}"
    else:
        style, score = "red", say(STATUS_KEYS[row.status], lang)
    codes = " ".join(code for _, code in row.verdicts)
    line = Text.assemble((f"{row.student:<24} ", "bold"), (f"{score:>9} ", style), codes)
    if row.skipped:
        line.append("  " + say("batch.status_skipped", lang), "dim")
    else:
        line.append(f"  {row.seconds:.1f} s", "dim")
    if row.message:
        line.append("  " + row.message, "red" if row.failed else "dim")
    return line


class BatchProgress:
    """The rich progress bar: done/total, failed, elapsed and remaining time."""

    def __init__(self, total: int, lang: str, console: Console) -> None:
        self.lang, self.console = lang, console
        self.failed = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(
            say("batch.progress", lang), total=total, failed=self._failed_text()
        )

    def _failed_text(self) -> str:
        return say("batch.progress_failed", self.lang, failed=self.failed)

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, row: Row) -> None:
        self.failed += row.failed or (row.has_score and not row.full_marks)
        self.progress.console.print(row_line(row, self.lang))
        self.progress.update(self.task, advance=1, failed=self._failed_text())


def distribution(rows: list[Row]) -> list[int]:
    """How many scores fall in each tenth of the maximum; full marks have their own bin."""
    bins = [0] * (BINS + 1)
    for row in rows:
        if row.has_score and row.max_score:
            fraction = row.score / row.max_score
            bins[BINS if fraction >= 1 else int(fraction * BINS)] += 1
    return bins


def pass_rates(rows: list[Row]) -> dict[str, tuple[int, int]]:
    """Per test set (in first-seen order): (accepted, graded)."""
    rates: dict[str, list[int]] = {}
    for row in rows:
        for name, code in row.verdicts:
            counts = rates.setdefault(name, [0, 0])
            counts[0] += code == "AC"
            counts[1] += 1
    return {name: (a, n) for name, (a, n) in rates.items()}


def verdict_counts(rows: list[Row]) -> Counter[str]:
    return Counter(code for row in rows for _, code in row.verdicts)


def render_summary(rows: list[Row], lang: str, console: Console) -> None:
    rows = [_shown(row) for row in rows]
    scored = [r for r in rows if r.has_score]
    counts = Counter(r.status for r in rows if not r.skipped)
    console.print(
        say(
            "batch.summary_counts",
            lang,
            total=len(rows),
            graded=counts["graded"],
            skipped=sum(r.skipped for r in rows),
            errors=counts["error"],
            internal=counts["internal"],
            full=sum(r.full_marks for r in rows),
        ),
        style="bold",
    )
    if scored:
        table = Table(title=say("batch.summary_distribution", lang), title_justify="left")
        table.add_column(say("batch.summary_score", lang))
        table.add_column("#", justify="right")
        table.add_column("")
        bins = distribution(scored)
        widest = max(bins) or 1
        for index, count in enumerate(bins):
            label = "100%" if index == BINS else f"{index * 10}–{index * 10 + 9}%"
            table.add_row(label, str(count), "█" * round(20 * count / widest))
        console.print(table)
    rates = pass_rates(rows)
    if rates:
        table = Table(title=say("batch.summary_pass_rate", lang), title_justify="left")
        table.add_column(say("batch.summary_set", lang))
        table.add_column(say("batch.summary_passed", lang), justify="right")
        for name, (accepted, total) in rates.items():
            table.add_row(name, f"{accepted}/{total} ({accepted / total:.0%})")
        console.print(table)
    verdicts = verdict_counts(rows)
    if verdicts:
        line = "  ".join(f"{code} {count}" for code, count in verdicts.most_common())
        console.print(say("batch.summary_verdicts", lang, verdicts=line))
    timed = sorted((r for r in rows if not r.skipped), key=lambda r: -r.seconds)
    if timed:
        table = Table(title=say("batch.summary_slowest", lang), title_justify="left")
        table.add_column(say("batch.summary_student", lang))
        table.add_column(say("batch.summary_seconds", lang), justify="right")
        table.add_column(say("batch.summary_file", lang))
        for row in timed[:SLOWEST]:
            table.add_row(Text(row.student), f"{row.seconds:.2f}", Text(row.file))
        console.print(table)
    problems = [r for r in rows if r.failed and not r.skipped]
    for row in problems:
        console.print(Text(f"{row.student}: {row.message}", style="red"))
