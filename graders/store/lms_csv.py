"""Gradebook CSVs for an LMS, made from the score of record (record.py, read through
Gradebook.decisions: late penalty, overrides, staff left out) and the roster:

- seqlab's scores CSV: student, name, every lab and quiz, total;
- Canvas's gradebook import: Canvas's own export layout — Student, ID, SIS User ID,
  SIS Login ID, Section, one column per assignment, then a "Points Possible" row
  (Canvas Community, Instructor Guide, "How do I import grades in the Gradebook?";
  https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807).
  seqlab knows no Canvas ids: ID and SIS User ID are left empty and SIS Login ID holds the
  username, which Canvas matches students by when ID is empty;
- Moodle's "CSV file" grade import (Moodle Docs, "Grade import";
  https://docs.moodle.org/en/Grade_import): a header row, one row per student, a column that
  identifies the user (here "Username", mapped to username on the import form) and one
  column per grade item, mapped to the items on the import form.

Every roster student has a row, also one who submitted nothing: their cells are empty (no
grade — the LMS leaves the item ungraded rather than recording a zero nobody gave), and
their total counts nothing. Totals add the scores of record of the items in the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graders.store import csvcells
from graders.store.tables import Grade


@dataclass(frozen=True)
class ScoreTable:
    students: list[tuple[str, str]]  # (username, name), in username order
    items: list[str]  # labs then quizzes, in course order
    points: dict[str, float]  # item → its points
    scores: dict[tuple[str, str], float | None]  # (student, item) → score of record

    def cell(self, student: str, item: str) -> str:
        score = self.scores.get((student, item))
        return "" if score is None else f"{score:g}"

    def total(self, student: str) -> str:
        return f"{sum(self.scores.get((student, i)) or 0.0 for i in self.items):g}"


def score_table(
    grades: Iterable[Grade],
    roster: Iterable[tuple[str, str]],
    items: Sequence[str],
    points: dict[str, float] | None = None,
) -> ScoreTable:
    """The roster's students (and anyone else with a grade of record) × the items (and any
    other item graded)."""
    grades = list(grades)
    names = dict(roster)
    for g in grades:
        names.setdefault(g.student, "")
    columns = list(items) + sorted({g.lab for g in grades} - set(items))
    found = dict(points or {})
    for g in grades:
        found.setdefault(g.lab, g.max_score or 0.0)
    scores = {(g.student, g.lab): g.score for g in grades}
    return ScoreTable(sorted(names.items()), columns, found, scores)


def _text(rows: Iterable[Sequence[str]]) -> str:
    stream = io.StringIO(newline="")
    writer = csvcells.writer(stream)
    for row in rows:
        writer.writerow(row)
    return stream.getvalue()


def scores_csv(table: ScoreTable) -> str:
    rows = [["student", "name", *table.items, "total"]]
    for student, name in table.students:
        cells = [table.cell(student, item) for item in table.items]
        rows.append([student, name, *cells, table.total(student)])
    return _text(rows)


CANVAS_HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def canvas_csv(table: ScoreTable) -> str:
    rows = [[*CANVAS_HEAD, *table.items, "Final Points"]]
    top = sum(table.points.get(i, 0.0) for i in table.items)
    possible = [f"{table.points.get(i, 0.0):g}" for i in table.items]
    rows.append(["    Points Possible", "", "", "", "", *possible, f"{top:g}"])
    for student, name in table.students:
        cells = [table.cell(student, item) for item in table.items]
        rows.append([name or student, "", "", student, "", *cells, table.total(student)])
    return _text(rows)


def moodle_csv(table: ScoreTable) -> str:
    rows = [["Username", "Full name", *table.items, "Course total"]]
    for student, name in table.students:
        cells = [table.cell(student, item) for item in table.items]
        rows.append([student, name, *cells, table.total(student)])
    return _text(rows)


FORMATS = {"scores": scores_csv, "canvas": canvas_csv, "moodle": moodle_csv}
