"""The embedded queue grades side by side and fairly (graders/web/queue.py, fairness.py)."""

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import LAB as LAB_ID

from graders.web.models import DONE, LAB, QUEUED, Attempt, engine_for
from graders.web.queue import EmbeddedQueue, queue_position
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
