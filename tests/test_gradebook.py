"""The gradebook on SQLite and on a real PostgreSQL server: rows, reruns, exports, kill -9."""

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from batch_helpers import REFERENCE, RIGHT, STARTER, WRONG
from sqlalchemy import create_engine, text

from graders.batch.collect import Item
from graders.batch.grading import grade_items, lab_grader
from graders.cli import main
from graders.errors import SandboxError, SpecError, SubmissionError, UsageError
from graders.sandbox import run_sets
from graders.service import Blame, Outcome
from graders.store.database import database_url
from graders.store.exports import export_gradescope, export_scores_csv, export_sets_csv
from graders.store.gradebook import Entry, Gradebook, Key, file_version, stored_result
from graders.store.record import RecordRules, rules_for

ROOT = Path(__file__).resolve().parent.parent
BEST = RecordRules()


@pytest.fixture
def lab(course):
    return course.lab("rnn-numpy")


def item(student: str, text_: str) -> Item:
    return Item(student, Path(f"{student}/rnn_numpy.py"), data=text_.encode())


def entry(student: str, sha256: str, lab, submitted_at=None) -> Entry:
    return Entry(
        student=student,
        lab=lab.id,
        kind="lab",
        sha256=sha256,
        source=f"{student}/rnn_numpy.py",
        spec_version=file_version(lab.spec_path),
        max_score=100,
        submitted_at=submitted_at,
    )


def record(book, graded, lab):
    return book.record(entry(graded.item.student, graded.item.sha256, lab), graded.outcome)


def grade_all(items, lab, workers=2):
    return grade_items(items, lab_grader(lab, run_sets), workers=workers)


def test_rows_hold_results_and_a_rerun_skips_the_same_hash_and_spec(db_url, lab):
    book = Gradebook(db_url)
    items = [item("alice", REFERENCE), item("bob", STARTER)]
    graded = grade_all(items, lab)
    for one in graded:
        record(book, one, lab)
    spec = file_version(lab.spec_path)
    done = book.done(lab.id, spec)
    assert set(done) == {Key("alice", items[0].sha256), Key("bob", items[1].sha256)}
    alice = done[Key("alice", items[0].sha256)]
    assert (alice.score, alice.max_score, alice.status) == (100, 100, "graded")
    # The row holds the result itself, read back exactly as the grading produced it.
    assert stored_result(alice) == graded[0].outcome.result
    assert alice.code == REFERENCE  # what the similarity check reads
    assert alice.isolation in ("weak", "medium", "strong")
    assert alice.engine_version == "0.1.0" and alice.spec_version == spec
    assert alice.execution_time > 0 and alice.graded_at is not None
    assert done[Key("bob", items[1].sha256)].score == 0
    # Another spec version is another row; the same one is never stored twice.
    assert book.done(lab.id, "0" * 64) == {}
    record(book, graded[0], lab)
    assert len(book.rows()) == 2
    book.close()


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SandboxError("sandbox.start_failed", reason="no memory"), "internal"),
        (SpecError("spec.no_course", path="/course"), "author"),
    ],
)
def test_a_failure_not_the_students_is_not_final_and_its_regrade_replaces_it(
    db_url, lab, error, status
):
    book = Gradebook(db_url)
    alice = item("alice", REFERENCE)
    blame = Blame.PLATFORM if status == "internal" else Blame.AUTHOR
    book.record(entry("alice", alice.sha256, lab), Outcome(error=error, blame=blame))
    assert book.done(lab.id, file_version(lab.spec_path)) == {}  # the next run grades it
    (row,) = book.rows()
    assert row.status == status and row.score is None  # never the student's zero
    assert book.of_record(BEST)[0].score is None
    (graded,) = grade_all([alice], lab, workers=1)
    record(book, graded, lab)
    (row,) = book.rows()
    assert row.status == "graded" and row.score == 100
    book.close()


def test_a_file_that_cannot_be_graded_scores_zero_with_its_reason(db_url, lab):
    book = Gradebook(db_url)
    error = SubmissionError("file.not_utf8", path="carol.py", line=1, column=1)
    book.record(entry("carol", "c" * 64, lab), Outcome(error=error, blame=Blame.STUDENT))
    (row,) = book.rows()
    assert (row.status, row.score, row.error_key) == ("error", 0, "file.not_utf8")
    assert "UTF-8" in row.error_text
    book.close()


def test_the_score_of_record_best_last_and_the_instructors_choice(db_url, lab):
    book = Gradebook(db_url)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    right, wrong = grade_all([item("ann", REFERENCE), item("ann", STARTER)], lab)
    book.record(entry("ann", "a" * 64, lab, early), right.outcome)  # 100 first
    book.record(entry("ann", "b" * 64, lab, late), wrong.outcome)  # then a wrong try: 0
    # Our failure on a third try counts for nothing under any rule.
    broken = Outcome(error=SandboxError("sandbox.start_failed", reason="x"), blame=Blame.PLATFORM)
    book.record(entry("ann", "c" * 64, lab, datetime(2026, 1, 3, tzinfo=UTC)), broken)
    assert [g.score for g in book.of_record(BEST)] == [100]
    last = RecordRules("best", {lab.id: "last"})
    assert [g.score for g in book.of_record(last)] == [0]
    assert [g.score for g in book.of_record(RecordRules("last"), lab="other")] == []
    first = next(g for g in book.rows() if g.sha256 == "a" * 64)
    zero = next(g for g in book.rows() if g.sha256 == "b" * 64)
    book.choose(zero.id)  # the instructor's choice wins over the rule …
    assert [g.score for g in book.of_record(BEST)] == [0]
    book.record(entry("ann", "b" * 64, lab, late), wrong.outcome)  # … and survives a regrade
    assert [g.score for g in book.of_record(BEST)] == [0]
    book.choose(first.id)
    assert [g.score for g in book.of_record(last)] == [100]
    book.close()


def test_the_rule_comes_from_the_course_and_a_bad_one_is_named(tmp_path):
    assert rules_for(tmp_path) == RecordRules()
    (tmp_path / "seqlab.toml").write_text(
        '[scores]\nof_record = "last"\n[scores.labs]\nseq2seq = "best"\n', encoding="utf-8"
    )
    rules = rules_for(tmp_path)
    assert (rules.rule("rnn-numpy"), rules.rule("seq2seq")) == ("last", "best")
    (tmp_path / "seqlab.toml").write_text('[scores]\nof_record = "first"\n', encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert "seqlab.toml, line 2" in message and "= first" in message and '"best"' in message


def test_exports_csv_per_set_and_gradescope(db_url, lab, tmp_path):
    book = Gradebook(db_url)
    items = [item("alice", REFERENCE), item("bob", WRONG["wrong-no-bias"])]
    for graded in grade_all(items, lab):
        record(book, graded, lab)
    grades = book.of_record(BEST)
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
    assert export_gradescope(grades, tmp_path / "gs", "en") == 2
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
    # Hidden sets listed visibly by their verdict (a "hidden" test would hide the total).
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    hidden = [t for t in data["tests"] if t["name"].endswith(" (hidden)")]
    assert len(hidden) == sum(t.hidden for t in lab.tests)
    for test in hidden:
        spec = next(s for s in lab.tests if test["name"].startswith(s.name + " "))
        assert spec.expected.strip() not in test["output"]
    book.close()


def test_the_migrations_make_exactly_the_declared_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import graders.web.lti.tables
    import graders.web.models  # noqa: F401
    from graders.store.database import VERSION_TABLE
    from graders.store.tables import Base

    engine = Gradebook(db_url).engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []


def test_a_gradebook_from_before_migrations_is_refused_plainly(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE seqlab_grades (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    code = main(["--lang", "en", "gradebook", "export", "--db", str(path), "--csv", "x.csv"])
    err = capsys.readouterr().err
    assert code == 2 and "older seqlab" in err and "Traceback" not in err


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


def test_an_instructor_sees_a_students_grades_and_chooses_the_one_that_counts(
    tmp_path, lab, capsys
):
    db = tmp_path / "g.sqlite"
    book = Gradebook(str(db))
    right, wrong = grade_all([item("ann", REFERENCE), item("ann", STARTER)], lab)
    book.record(entry("ann", "a" * 64, lab, datetime(2026, 1, 1, tzinfo=UTC)), right.outcome)
    book.record(entry("ann", "b" * 64, lab, datetime(2026, 1, 2, tzinfo=UTC)), wrong.outcome)
    ids = {g.score: g.id for g in book.rows()}
    book.close()
    history = ["--lang", "en", "gradebook", "history", "--db", str(db), "--student", "ann"]
    assert main(history) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "rnn-numpy" in line]
    assert "✓" in next(line for line in lines if "100/100" in line)  # best, by default
    choose = ["--lang", "en", "gradebook", "choose", "--db", str(db), "--lab", "rnn-numpy"]
    assert main([*choose, f"grade/{ids[0]}", "--student", "ann"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"grade/{ids[0]}" in said and "score of record" in said
    assert f"it was: grade/{ids[100]}, 100" in said  # what it changed
    assert main(history) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "rnn-numpy" in line]
    assert "chosen" in next(line for line in lines if "\t0/100" in line)
    assert "✓" not in next(line for line in lines if "100/100" in line)
    csv_path = tmp_path / "scores.csv"
    assert main(["gradebook", "export", "--db", str(db), "--csv", str(csv_path)]) == 0
    assert list(csv.reader(csv_path.open(encoding="utf-8")))[1] == ["ann", "0"]
    assert main([*choose, "grade/999", "--student", "ann"]) == 2
    assert "no grade with id grade/999" in capsys.readouterr().err
    from sqlalchemy.orm import Session

    from graders.store.tables import ScoreOverride

    book = Gradebook(str(db))
    with Session(book.engine) as session:  # staff set 90 over the chosen 0
        session.add(
            ScoreOverride(student="ann", lab="rnn-numpy", score=90, reason="oral", by="t",
                          at=datetime(2026, 1, 3, tzinfo=UTC))
        )  # fmt: skip
        session.commit()
    book.close()
    assert main(history) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "rnn-numpy" in line]
    assert "set by staff: 90" in next(line for line in lines if "\t0/100" in line)
    assert "✓" not in next(line for line in lines if "100/100" in line)


def test_choose_takes_the_id_history_shows_and_refuses_another_students_grade(
    tmp_path, lab, capsys
):
    """The web's attempt #N and gradebook row N are different grades: `history` shows
    attempt/N or grade/N, `choose` takes that and refuses a grade of another student or lab."""
    db = tmp_path / "g.sqlite"
    book = Gradebook(str(db))
    right, wrong = grade_all([item("ann", REFERENCE), item("bob", STARTER)], lab)
    long_name = "web:attempt/2/" + "a_rather_long_submission_file_name" * 3 + ".py"
    at = datetime(2026, 1, 1, tzinfo=UTC)
    web = Entry(**{**entry("ann", "a" * 64, lab, at).__dict__, "source": long_name})
    book.record(web, right.outcome)
    bob = book.record(entry("bob", "b" * 64, lab, at), wrong.outcome)
    book.close()
    assert bob.id == 2  # row 2 is bob's; ann's web attempt #2 is row 1
    history = ["--lang", "en", "gradebook", "history", "--db", str(db), "--student", "ann"]
    assert main(history) == 0
    out = capsys.readouterr().out
    assert "attempt/2\trnn-numpy" in out and long_name in out  # whole, not cut at 80 columns
    choose = ["--lang", "en", "gradebook", "choose", "--db", str(db), "--lab", "rnn-numpy"]
    assert main([*choose, "2", "--student", "ann"]) == 2  # a bare number: which list?
    assert "attempt/N" in capsys.readouterr().err
    assert main([*choose, "grade/2", "--student", "ann"]) == 2  # bob's row
    assert "is a grade of bob" in " ".join(capsys.readouterr().err.split())
    book = Gradebook(str(db))
    assert not any(g.chosen for g in book.rows())  # nothing changed
    book.close()
    assert main([*choose, "attempt/2", "--student", "ann"]) == 0
    assert "attempt/2" in capsys.readouterr().out
    book = Gradebook(str(db))
    assert [g.student for g in book.rows() if g.chosen] == ["ann"]
    book.close()


def test_a_failure_not_the_students_never_replaces_the_grade_that_submission_earned(db_url, lab):
    """The same file graded again while the course or the sandbox is broken: the earlier grade
    of that very submission stands; another source (a new web attempt) is a grade of its own."""
    book = Gradebook(db_url)
    (graded,) = grade_all([item("ann", REFERENCE)], lab, workers=1)
    first = entry("ann", graded.item.sha256, lab)
    book.record(first, graded.outcome)
    broken = Outcome(error=SpecError("spec.no_course", path="/c"), blame=Blame.AUTHOR)
    kept = book.record(first, broken)
    assert (kept.status, kept.score) == ("graded", 100)
    assert [(g.status, g.score) for g in book.rows()] == [("graded", 100)]
    again = Entry(**{**first.__dict__, "source": "web:attempt/2/rnn_numpy.py"})
    book.record(again, broken)
    assert sorted((g.source, g.status) for g in book.rows()) == [
        ("ann/rnn_numpy.py", "graded"),
        ("web:attempt/2/rnn_numpy.py", "author"),
    ]
    assert [g.score for g in book.of_record(BEST)] == [100]  # the earned grade counts
    book.close()


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('scores = "last"\n', "should be a table"),
        ("[scores]\nextra = 1\n", "no such settings: extra"),
        ('[scores]\nlabs = "x"\n', "should be a table"),
    ],
)
def test_a_scores_table_of_the_wrong_shape_is_named(tmp_path, toml, words):
    (tmp_path / "seqlab.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    assert words in caught.value.render("en") and "seqlab.toml" in caught.value.render("en")


def test_reading_commands_never_touch_a_database_that_is_not_a_gradebook(tmp_path, capsys):
    path = tmp_path / "theirs.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    engine.dispose()
    before = path.read_bytes()
    for command in (
        ["gradebook", "export", "--db", str(path), "--csv", str(tmp_path / "x.csv")],
        ["gradebook", "history", "--db", str(path), "--student", "ann"],
        ["report", "--db", str(path), "--lab", "rnn-numpy", "--html", str(tmp_path / "r.html")],
    ):
        assert main(["--lang", "en", *command]) == 2, command
        assert "not a seqlab gradebook" in capsys.readouterr().err
    assert path.read_bytes() == before and not (tmp_path / "x.csv").exists()


def test_an_export_says_which_course_rule_it_applied(tmp_path, lab, capsys, monkeypatch):
    db = tmp_path / "g.sqlite"
    book = Gradebook(str(db))
    (graded,) = grade_all([item("ann", REFERENCE)], lab, workers=1)
    record(book, graded, lab)
    book.close()
    monkeypatch.chdir(tmp_path)  # no course here
    course = tmp_path / "course"
    shutil.copytree(ROOT / "graders" / "labs", course / "graders" / "labs")
    (course / "seqlab.toml").write_text('[scores]\nof_record = "last"\n', encoding="utf-8")
    export = ["--lang", "en", "gradebook", "export", "--db", str(db), "--csv"]
    assert main([*export, "a.csv", "--course", str(course)]) == 0
    assert f"score of record: last (course {course})" in " ".join(capsys.readouterr().err.split())


def test_the_cli_applies_the_rules_saved_on_the_web_as_the_web_does(tmp_path, lab, capsys):
    """`gradebook export|history` and `report` read the effective rules (effective.py): the
    file's with the web's saved settings laid over them — a web-saved setting wins."""
    from sqlalchemy.orm import Session

    from graders.store.tables import Rule

    db = tmp_path / "g.sqlite"
    book = Gradebook(str(db))
    (graded,) = grade_all([item("ann", REFERENCE)], lab, workers=1)
    late = datetime(2026, 3, 3, 12, tzinfo=UTC)  # two started days after the due time
    book.record(entry("ann", graded.item.sha256, lab, submitted_at=late), graded.outcome)
    course = tmp_path / "course"
    shutil.copytree(ROOT / "graders" / "labs", course / "graders" / "labs")
    (course / "seqlab.toml").write_text(
        '[late]\nper_day = 20\n[calendar.rnn-numpy]\ndue = "2026-03-01T23:59:00+00:00"\n',
        encoding="utf-8",
    )
    export = ["--lang", "en", "gradebook", "export", "--db", str(db), "--course", str(course)]
    assert main([*export, "--csv", str(tmp_path / "file.csv")]) == 0
    assert "ann,60" in (tmp_path / "file.csv").read_text(encoding="utf-8")  # the file's 20%/day
    at = datetime.now(UTC)
    with Session(book.engine) as session:  # what the web rules page saves
        session.add(Rule(item="*", name="per_day", value=10, changed_by="t", changed_at=at))
        session.commit()
    assert main([*export, "--csv", str(tmp_path / "web.csv")]) == 0
    assert "ann,80" in (tmp_path / "web.csv").read_text(encoding="utf-8")
    history = ["--lang", "en", "gradebook", "history", "--db", str(db), "--course", str(course)]
    capsys.readouterr()
    assert main([*history, "--student", "ann"]) == 0
    assert "80/100" in capsys.readouterr().out
    with Session(book.engine) as session:  # an extension added on the web: on time
        session.add(
            Rule(item="rnn-numpy", student="ann", name="due", value="2026-03-04T00:00:00",
                 changed_by="t", changed_at=at)
        )  # fmt: skip
        session.commit()
    book.close()
    assert main([*export, "--csv", str(tmp_path / "ext.csv")]) == 0
    assert "ann,100" in (tmp_path / "ext.csv").read_text(encoding="utf-8")
