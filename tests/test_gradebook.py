"""The gradebook on SQLite and on a real PostgreSQL server: rows, reruns, exports, kill -9."""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_helpers import REFERENCE, RIGHT, STARTER, WRONG
from sqlalchemy import create_engine, text

from graders.batch.collect import Item
from graders.batch.gradebook import (
    Gradebook,
    Key,
    database_url,
    export_gradescope,
    export_scores_csv,
    export_sets_csv,
    file_version,
)
from graders.batch.grading import Outcome, grade_items, lab_grader
from graders.cli import main
from graders.errors import SubmissionError, UsageError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lab(course):
    return course.lab("rnn-numpy")


def item(student: str, text_: str) -> Item:
    return Item(student, Path(f"{student}/rnn_numpy.py"), data=text_.encode())


def record(book, outcome, lab):
    return book.record(
        outcome, lab=lab.id, kind="lab", spec_version=file_version(lab.spec_path), max_score=100
    )


def test_rows_hold_results_and_a_rerun_skips_the_same_hash_and_spec(db_url, lab):
    book = Gradebook(db_url)
    items = [item("alice", REFERENCE), item("bob", STARTER)]
    outcomes = grade_items(items, lab_grader(lab), workers=2)
    for outcome in outcomes:
        record(book, outcome, lab)
    spec = file_version(lab.spec_path)
    done = book.done(lab.id, spec)
    assert set(done) == {Key("alice", items[0].sha256), Key("bob", items[1].sha256)}
    alice = done[Key("alice", items[0].sha256)]
    assert (alice.score, alice.max_score, alice.status) == (100, 100, "graded")
    assert alice.verdicts == [[t.name, "AC"] for t in lab.tests]
    assert alice.results["tests"][0]["verdict"] == "AC"
    assert alice.isolation in ("weak", "medium", "strong")
    assert alice.engine_version == "0.1.0" and alice.spec_version == spec
    assert alice.execution_time > 0 and alice.graded_at is not None
    assert done[Key("bob", items[1].sha256)].score == 0
    # Another spec version is another row; the same one is never stored twice.
    assert book.done(lab.id, "0" * 64) == {}
    record(book, outcomes[0], lab)
    assert len(book.rows()) == 2
    book.close()


def test_an_internal_failure_is_not_final_and_its_regrade_replaces_it(db_url, lab):
    book = Gradebook(db_url)
    alice = item("alice", REFERENCE)
    record(book, Outcome(alice, internal="OSError: the sandbox broke"), lab)
    assert book.done(lab.id, file_version(lab.spec_path)) == {}
    (row,) = book.rows()
    assert row.status == "internal" and row.score is None
    (outcome,) = grade_items([alice], lab_grader(lab), workers=1)
    record(book, outcome, lab)
    (row,) = book.rows()
    assert row.status == "graded" and row.score == 100
    book.close()


def test_a_file_that_cannot_be_graded_scores_zero_with_its_reason(db_url, lab):
    book = Gradebook(db_url)
    bad = Item("carol", Path("carol.py"), data=b"\xff\xfe")
    error = SubmissionError("file.not_utf8", path="carol.py", line=1, column=1)
    record(book, Outcome(bad, error=error), lab)
    (row,) = book.rows()
    assert (row.status, row.score, row.error_key) == ("error", 0, "file.not_utf8")
    assert "UTF-8" in row.error_text
    # An unreadable file has no hash: it is reported, not stored.
    assert record(book, Outcome(Item("dan", Path("dan.py"), error=error), error=error), lab) is None
    book.close()


def test_exports_csv_per_set_and_gradescope(db_url, lab, tmp_path):
    book = Gradebook(db_url)
    items = [item("alice", REFERENCE), item("bob", WRONG["wrong-no-bias"])]
    for outcome in grade_items(items, lab_grader(lab), workers=2):
        record(book, outcome, lab)
    grades = book.latest()
    assert export_scores_csv(grades, tmp_path / "scores.csv") == 2
    rows = list(csv.reader((tmp_path / "scores.csv").open(encoding="utf-8")))
    assert rows == [["student", "rnn-numpy"], ["alice", "100"], ["bob", "0"]]
    export_sets_csv(grades, tmp_path / "sets.csv")
    sets = list(csv.DictReader((tmp_path / "sets.csv").open(encoding="utf-8")))
    assert len(sets) == 2 * len(lab.tests)
    assert {r["verdict"] for r in sets if r["student"] == "bob"} == {"WA"}
    assert [r["set"] for r in sets if r["student"] == "alice"] == [t.name for t in lab.tests]
    with pytest.raises(UsageError):  # never overwrites
        export_scores_csv(grades, tmp_path / "scores.csv")
    assert export_gradescope(grades, tmp_path / "gs") == 2
    data = json.loads((tmp_path / "gs" / "rnn-numpy" / "bob" / "results.json").read_text())
    assert set(data) >= {"score", "execution_time", "output", "tests"} and data["score"] == 0
    for test in data["tests"]:
        assert set(test) == {
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
            "number",
        }
        assert test["status"] == "failed"
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == sum(t.hidden for t in lab.tests)
    book.close()


def test_plain_paths_mean_sqlite_and_postgres_urls_use_psycopg3():
    assert database_url("grades.db") == "sqlite:///grades.db"
    assert database_url(None) == "sqlite:///seqlab-gradebook.sqlite"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_an_unreachable_server_is_one_clear_message(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(REFERENCE, encoding="utf-8")
    url = "postgresql://nobody:secret@127.0.0.1:1/none"
    code = main(["--lang", "en", "grade", str(folder), "--lab", "rnn-numpy", "--db", url])
    err = capsys.readouterr().err
    assert code == 2 and "cannot be opened" in err and "secret" not in err
    assert "Traceback" not in err


def test_export_of_a_missing_gradebook_file_says_so(capsys, tmp_path):
    code = main(
        [
            "--lang",
            "en",
            "gradebook",
            "export",
            "--db",
            str(tmp_path / "none.sqlite"),
            "--csv",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2 and "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


def count_rows(url: str) -> int:
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM seqlab_grades")).scalar_one()
    except Exception:  # the table does not exist yet
        return 0
    finally:
        engine.dispose()


def test_kill_9_mid_batch_loses_nothing_committed_and_a_rerun_finishes(db_url, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    sources = list(RIGHT.values()) + list(WRONG.values())
    for index in range(10):
        text_ = sources[index % len(sources)] + f"\n# student {index}\n"
        (folder / f"s{index:02d}.py").write_text(text_, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "graders.cli",
        "--lang",
        "en",
        "grade",
        str(folder),
        "--lab",
        "rnn-numpy",
        "--workers",
        "1",
        "--db",
        db_url,
        "--json",
    ]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while count_rows(db_url) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    with contextlib.suppress(ProcessLookupError):  # children that outlived the grader
        os.killpg(process.pid, signal.SIGKILL)
    committed = count_rows(db_url)
    assert 3 <= committed < 10, committed
    before = {(g.student, g.graded_at.replace(tzinfo=None)) for g in Gradebook(db_url).rows()}
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 1, rerun.stderr  # the starter and wrong ones are below full marks
    document = json.loads(rerun.stdout)
    skipped = [s for s in document["submissions"] if s["skipped"]]
    assert len(skipped) == committed
    assert len(document["submissions"]) == 10
    book = Gradebook(db_url)
    rows = book.rows()
    book.close()
    assert len(rows) == 10
    after = {(g.student, g.graded_at.replace(tzinfo=None)) for g in rows}
    assert before <= after  # what was committed was not graded again
    scores = {g.student: g.score for g in rows}
    for index in range(10):
        right = index % len(sources) < len(RIGHT)
        assert scores[f"s{index:02d}"] == (100 if right else 0)
