"""The embedded queue grades side by side and fairly (graders/web/queue.py, fairness.py)."""

import shutil
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import LAB as LAB_ID

from graders.errors import UsageError
from graders.spec import Course
from graders.web.config import load_config
from graders.web.models import DONE, LAB, QUEUED, Attempt, engine_for
from graders.web.queue import EmbeddedQueue, labs_in_use, queue_position
from graders.web.roster import import_roster, parse_roster

GRADE_SECONDS = 120
ROSTER = "username,name,password,role\nann,Ann,ann-pass-123,student\nbob,Bob,bob-pass-123,student\n"


def queued(url: str, text: str, students: list[str]) -> list[int]:
    with Session(engine_for(url)) as session, session.begin():
        attempts = [
            Attempt(student=student, lab=LAB_ID, kind=LAB, text=text, status=QUEUED)
            for student in students
        ]
        session.add_all(attempts)
        session.flush()
        return [attempt.id for attempt in attempts]


def graded(url: str, ids: list[int]) -> list[Attempt]:
    deadline = time.monotonic() + GRADE_SECONDS
    while time.monotonic() < deadline:
        with Session(engine_for(url)) as session:
            rows = session.scalars(select(Attempt).where(Attempt.id.in_(ids))).all()
            if all(row.status == DONE for row in rows):
                return sorted(rows, key=lambda row: row.id)
        time.sleep(0.2)
    pytest.fail(f"attempts {ids} not graded in {GRADE_SECONDS} s")


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    return url


def test_one_students_burst_waits_behind_a_classmates_single_attempt(course, database):
    text = course.lab(LAB_ID).solution_path.read_text(encoding="utf-8")
    ann, bob = "ann", "bob"
    ids = queued(database, text, [ann, ann, ann, ann, bob])
    # The page's position is the order kept: bob's attempt, the last to arrive, is second.
    assert [queue_position(database, i) for i in ids] == [1, 3, 4, 5, 2]
    queue = EmbeddedQueue(database, course, threads=1, use_warm=False)
    queue.start()
    try:
        rows = graded(database, ids)
    finally:
        queue.close()
    started = [row.student for row in sorted(rows, key=lambda row: row.started_at)]
    assert started == [ann, bob, ann, ann, ann]
    assert all(row.score == row.max_score for row in rows)


def test_graders_grade_side_by_side(course, database):
    text = course.lab(LAB_ID).solution_path.read_text(encoding="utf-8")
    ann, bob = "ann", "bob"
    ids = queued(database, text, [ann, bob])
    queue = EmbeddedQueue(database, course, threads=2, use_warm=False)
    queue.start()
    try:
        first, second = graded(database, ids)
    finally:
        queue.close()
    # Both were running at once: each started before the other finished.
    assert first.started_at < second.finished_at and second.started_at < first.finished_at


def test_pools_start_for_the_labs_the_calendar_has_open_else_the_last_submitted(
    course, database, tmp_path
):
    text = course.lab(LAB_ID).solution_path.read_text(encoding="utf-8")
    # No calendar: the labs submitted last, newest first; nothing submitted, nothing started.
    assert labs_in_use(database, course) == []
    queued(database, text, ["ann"])
    with Session(engine_for(database)) as session, session.begin():
        session.add(Attempt(student="bob", lab="gru-step", kind=LAB, text="", status=QUEUED))
    assert labs_in_use(database, course) == ["gru-step", LAB_ID]
    # A calendar with two labs open now and one closed: the open ones, the soonest due first.
    root = tmp_path / "course"
    shutil.copytree(course.root, root, ignore=shutil.ignore_patterns(".git", ".venv", "*.sqlite"))
    (root / "seqlab.toml").write_text(
        "[calendar.lstm-cell]\nopen = 2020-01-01T00:00:00Z\ndue = 2099-03-01T00:00:00Z\n"
        "[calendar.gru-step]\nopen = 2020-01-01T00:00:00Z\ndue = 2099-02-01T00:00:00Z\n"
        "[calendar.rnn-numpy]\nopen = 2020-01-01T00:00:00Z\ndue = 2020-02-01T00:00:00Z\n"
        "lock = 2020-03-01T00:00:00Z\n",
        encoding="utf-8",
    )
    assert labs_in_use(database, Course.locate(root)) == ["gru-step", "lstm-cell"]


def test_the_graders_setting_is_a_whole_number_of_at_least_zero(tmp_path):
    assert load_config({}, cwd=tmp_path).graders == 0  # one per core
    assert load_config({"SEQLAB_GRADERS": "3"}, cwd=tmp_path).graders == 3
    (tmp_path / "seqlab.toml").write_text("[platform]\ngraders = 4\n", encoding="utf-8")
    assert load_config({}, cwd=tmp_path).graders == 4
    for bad in ("-1", "1.5", "many"):
        with pytest.raises(UsageError) as refused:
            load_config({"SEQLAB_GRADERS": bad}, cwd=tmp_path)
        assert refused.value.key == "web.config_bad"
        # The message says what the setting must be, in both languages.
        assert "SEQLAB_GRADERS" in refused.value.render("en")
        assert "0 (one per core) or a whole number from 1 to" in refused.value.render("en")
        assert "0（每个处理器核一个）或 1 到" in refused.value.render("zh")
    with pytest.raises(UsageError) as refused:
        load_config({"SEQLAB_LEASE_SECONDS": "900"}, cwd=tmp_path)
    assert "less than visibility_timeout" in refused.value.render("en")


def test_serve_refuses_a_rate_below_one(capsys):
    from graders.cli import main

    for bad in ("0", "-3"):
        assert main(["--lang", "en", "serve", "--rate", bad]) == 2
        said = capsys.readouterr().err
        assert "--rate must be a positive whole number" in said and "Traceback" not in said


def test_a_bursts_gradings_that_ended_while_it_waited_still_count_as_its_turns(database):
    """Red team, issue 17: ann's first two gradings began before her third arrived and ended
    while it waited; bob and then cid arrived. The positions the pages showed (bob 1, cid 2,
    ann's third 3) are the order kept: her ended gradings are turns she had."""
    from datetime import timedelta

    from graders.web.models import now
    from graders.web.roster import import_roster, parse_roster

    import_roster(
        database,
        parse_roster("username,name,password,role\ncid,Cid,cid-pass-123,student\n", "r.csv"),
    )
    start = now() - timedelta(seconds=10)
    with Session(engine_for(database)) as session, session.begin():
        for _n in range(2):  # begun at once, ended later
            session.add(
                Attempt(
                    student="ann",
                    lab=LAB_ID,
                    kind=LAB,
                    text="",
                    status=DONE,
                    created_at=start,
                    started_at=start,
                    finished_at=start + timedelta(seconds=3),
                )
            )
        later = [
            Attempt(
                student=who,
                lab=LAB_ID,
                kind=LAB,
                text="",
                status=QUEUED,
                created_at=start + timedelta(seconds=at),
            )
            for who, at in (("ann", 1), ("ann", 1), ("bob", 2), ("cid", 2.5))
        ]
        session.add_all(later)
        session.flush()
        third, fourth, bobs, cids = (attempt.id for attempt in later)
    positions = {i: queue_position(database, i) for i in (third, fourth, bobs, cids)}
    assert positions == {bobs: 1, cids: 2, third: 3, fourth: 4}
