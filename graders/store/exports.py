"""Files made from the score of record: a CSV of student × lab scores, a CSV of student × lab
× set verdicts, and one Gradescope results.json per student and lab."""

from __future__ import annotations

import json
from pathlib import Path

from graders.errors import UsageError
from graders.messages import read_params, say
from graders.present.gradescope import gradescope_tests
from graders.store import csvcells
from graders.store.gradebook import stored_result
from graders.store.tables import GRADED, Grade


def _new_file(path: Path) -> None:
    if path.exists():
        raise UsageError("file.exists", path=path)


def _score(grade: Grade) -> str:
    return "" if grade.score is None else f"{grade.score:g}"


def export_scores_csv(grades: list[Grade], path: Path) -> int:
    """student × lab scores (empty: not graded yet); returns the row count."""
    _new_file(path)
    labs = sorted({g.lab for g in grades})
    table: dict[str, dict[str, str]] = {}
    for g in grades:
        table.setdefault(g.student, {})[g.lab] = _score(g)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csvcells.writer(stream)
        writer.writerow(["student", *labs])
        for student in sorted(table):
            writer.writerow([student, *(table[student].get(lab, "") for lab in labs)])
    return len(table)


def export_sets_csv(grades: list[Grade], path: Path) -> int:
    """student × lab × set: verdict code and points, one line per test set."""
    _new_file(path)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csvcells.writer(stream)
        writer.writerow(["student", "lab", "set", "verdict", "score", "max_score"])
        for g in sorted(grades, key=lambda g: (g.student, g.lab)):
            result = stored_result(g)
            if result is None:  # could not be graded: one line says so
                writer.writerow([g.student, g.lab, "", g.status, _score(g), f"{g.max_score:g}"])
                count += 1
                continue
            for test in result.tests:
                row = [g.student, g.lab, test.name, test.verdict.code]
                writer.writerow([*row, f"{test.score:g}", f"{test.max_score:g}"])
                count += 1
    return count


def gradescope_json(grade: Grade, lang: str) -> dict[str, object]:
    """Gradescope's results.json for one submission (the fields it defines, nothing else)."""
    result = stored_result(grade)
    tests = gradescope_tests(result, lang) if result is not None else []
    if grade.status == GRADED:
        output = f"{grade.lab}: {grade.score:g}/{grade.max_score:g}"
    elif grade.error_key:
        output = say(grade.error_key, lang, **read_params(grade.error_params))
    else:
        output = grade.status
    return {
        "score": grade.score or 0,
        "execution_time": grade.execution_time or grade.grading_seconds,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def export_gradescope(grades: list[Grade], folder: Path, lang: str) -> int:
    """One results.json per submission: FOLDER/<lab>/<student>/results.json."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError("batch.export_not_empty", path=folder)
    for g in grades:
        target = folder / g.lab / g.student
        target.mkdir(parents=True, exist_ok=True)
        text = json.dumps(gradescope_json(g, lang), ensure_ascii=False, indent=2)
        (target / "results.json").write_text(text + "\n", encoding="utf-8")
    return len(grades)
