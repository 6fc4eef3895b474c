"""The platform scaled out: the lease that keeps two graders off one attempt, the web app on a
real PostgreSQL server, and Celery with a real redis-server and two `seqlab worker`
processes, one of them killed with SIGKILL in the middle of a job.

Servers run on loopback, started by the tests with bounded waits and stopped at the end; a
missing binary fails the test with the package to install (`make system`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from web_helpers import LAB, sign_in, submit

from graders.errors import UsageError
from graders.sandbox import run_sets
from graders.spec import Course
from graders.store.gradebook import Gradebook
from graders.web.app import WebSettings, create_app
from graders.web.config import PlatformConfig, load_config
from graders.web.grading import grade_attempt, source_name
from graders.web.models import DONE, QUEUED, RUNNING, Attempt, engine_for, now
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster

WAIT_SECONDS = 30  # a server or a worker starting
SEQLAB = Path(sys.executable).with_name("seqlab")


def students(count: int) -> str:
    rows = [f"s{n:02d},Student {n},password-{n:02d}x,student" for n in range(count)]
    return "username,name,password,role\n" + "\n".join(rows) + "\n"


def reference(course: Course, n: int | None = None, *, slow: bool = False) -> str:
    """The reference solution; with `n`, made unique by a comment inside its blank (so every
    attempt has its own gradebook row: the gradebook keys rows by the file's hash); `slow`
    sleeps half a second in every set (a job long enough to be killed in the middle of)."""
    text = course.lab(LAB).solution_path.read_text(encoding="utf-8")
    if n is None:
        return text
    begin = "########## Begin ##########\n"
    extra = "        __import__('time').sleep(0.5)\n" if slow else ""
    return text.replace(begin, f"{begin}        # submission {n}\n{extra}", 1)


def new_attempt(url: str, course: Course, student: str = "s00") -> int:
    with Session(engine_for(url)) as session, session.begin():
        attempt = Attempt(student=student, lab=LAB, text=reference(course), status=QUEUED)
        session.add(attempt)
        session.flush()
        return attempt.id


def attempt_row(url: str, attempt_id: int) -> Attempt:
    with Session(engine_for(url), expire_on_commit=False) as session:
        return session.get(Attempt, attempt_id)


# --- the lease: two graders never grade one attempt; a dead grader's attempt is taken back --


def runs_per_grading(course) -> int:
    """Runs of one grading: its public sets' and its hidden sets' (they run apart)."""
    return len(course.lab(LAB).run_groups(include_hidden=True))


def test_a_live_graders_attempt_is_not_graded_again_until_it_finishes(db_url, course):
    url = db_url
    import_roster(url, parse_roster(students(1), "roster.csv"))
    attempt_id = new_attempt(url, course)
    release, inside, runs = threading.Event(), threading.Event(), []

    def slow(*args, **kwargs):
        runs.append("slow")
        inside.set()
        assert release.wait(30)
        return run_sets(*args, **kwargs)

    def counting(*args, **kwargs):
        runs.append("other")
        return run_sets(*args, **kwargs)

    # A lease of 0.6 s, renewed every 0.2 s: the second grader keeps finding it live.
    first: list[str] = []
    thread = threading.Thread(
        target=lambda: first.append(
            grade_attempt(url, attempt_id, slow, course=course, lease_seconds=0.6, grader="a")
        )
    )
    thread.start()
    assert inside.wait(30)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        assert grade_attempt(url, attempt_id, counting, course=course, grader="b") == RUNNING
        time.sleep(0.1)
    release.set()
    thread.join(30)
    assert first == [DONE]
    assert grade_attempt(url, attempt_id, counting, course=course, grader="b") == DONE
    assert runs == ["slow"] * runs_per_grading(course)  # only the first grader's runs
    row = attempt_row(url, attempt_id)
    assert row.claims == 1 and row.claim.startswith("a:") and row.score == row.max_score


def test_graders_racing_for_one_attempt_grade_it_once(db_url, course):
    url = db_url
    import_roster(url, parse_roster(students(1), "roster.csv"))
    attempt_id = new_attempt(url, course)
    runs, results = [], []
    start = threading.Barrier(6)

    def counting(*args, **kwargs):
        runs.append(1)
        return run_sets(*args, **kwargs)

    def race(name: str) -> None:
        start.wait()
        results.append(grade_attempt(url, attempt_id, counting, course=course, grader=name))

    threads = [threading.Thread(target=race, args=(f"g{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(runs) == runs_per_grading(course) and results.count(DONE) >= 1
    assert set(results) <= {DONE, RUNNING}
    assert attempt_row(url, attempt_id).claims == 1
    assert len(Gradebook(url).rows(LAB)) == 1


def test_an_attempt_whose_grader_died_is_claimed_again_once_its_lease_lapses(db_url, course):
    url = db_url
    import_roster(url, parse_roster(students(1), "roster.csv"))
    attempt_id = new_attempt(url, course)
    with Session(engine_for(url)) as session, session.begin():  # a grader took it and died
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(
                status=RUNNING, claim="dead:1", claims=1, lease_until=now() + timedelta(seconds=1)
            )
        )
    assert grade_attempt(url, attempt_id, run_sets, course=course, grader="b") == RUNNING
    time.sleep(1.2)
    assert grade_attempt(url, attempt_id, run_sets, course=course, grader="b") == DONE
    row = attempt_row(url, attempt_id)
    assert row.claims == 2 and row.claim.startswith("b:") and row.score == row.max_score


# --- the web app on PostgreSQL (and SQLite) -------------------------------------------------


def test_attempt_lifecycle_through_the_web_app(db_url, course):
    """Sign in, submit the reference and the starter, follow both to their results; the
    gradebook holds one row each; a restarted server takes back what was left running."""
    url = db_url
    import_roster(url, parse_roster(students(2), "roster.csv"))
    app = create_app(
        WebSettings(db_url=url, course=course), EmbeddedQueue(url, course, use_warm=False)
    )
    starter = course.lab(LAB).starter_path.read_text(encoding="utf-8")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = sign_in(client, "s00", "password-00x")
        good, bad = submit(client, token, reference(course)), submit(client, token, starter)
        seen: dict[int, list[str]] = {good: [], bad: []}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for attempt_id in seen:
                seen[attempt_id].append(client.get(f"/api/attempts/{attempt_id}").json())
            if all(s[-1]["status"] == DONE for s in seen.values()):
                break
            time.sleep(0.1)
        final = {attempt_id: states[-1] for attempt_id, states in seen.items()}
        assert final[good]["status"] == DONE and final[good]["score"] == final[good]["max_score"]
        assert final[bad]["status"] == DONE and final[bad]["score"] < final[bad]["max_score"]
        assert "通过" in final[good]["html"]
        first = seen[bad][0]  # graded after `good`: it waited in the queue
        assert first["status"] in ("queued", "running", DONE)
        if first["status"] == "queued":
            assert first["position"] >= 1
        assert f"/attempts/{good}" in client.get(f"/labs/{LAB}").text  # the history
    rows = Gradebook(url).rows(LAB)
    assert sorted(r.source for r in rows) == sorted(
        f"{source_name(i)}/{course.lab(LAB).entry}" for i in (good, bad)
    )
    # An attempt a stopped server left running is graded by the next one.
    left = new_attempt(url, course, "s01")
    with Session(engine_for(url)) as session, session.begin():
        session.execute(
            update(Attempt)
            .where(Attempt.id == left)
            .values(status=RUNNING, claim="old-server:1", lease_until=now() + timedelta(hours=1))
        )
    restarted = create_app(
        WebSettings(db_url=url, course=course), EmbeddedQueue(url, course, use_warm=False)
    )
    with TestClient(restarted, base_url="http://127.0.0.1"):
        deadline = time.monotonic() + 90
        while attempt_row(url, left).status != DONE and time.monotonic() < deadline:
            time.sleep(0.1)
    assert attempt_row(url, left).status == DONE


# --- settings ----------------------------------------------------------------------------


def test_settings_come_from_the_options_the_environment_and_seqlab_toml(tmp_path):
    (tmp_path / "seqlab.toml").write_text(
        '[platform]\nqueue = "celery"\nbroker_url = "redis://127.0.0.1:7000/1"\n'
        "visibility_timeout = 600\n",
        encoding="utf-8",
    )
    config = load_config({}, tmp_path)
    assert (config.queue, config.broker_url, config.visibility_timeout) == (
        "celery",
        "redis://127.0.0.1:7000/1",
        600.0,
    )
    environ = {"SEQLAB_BROKER_URL": "redis://127.0.0.1:7001/0", "SEQLAB_LEASE_SECONDS": "5"}
    config = load_config(environ, tmp_path)
    assert config.broker_url == "redis://127.0.0.1:7001/0" and config.lease_seconds == 5.0
    assert config.with_overrides(broker_url="redis://x:1/0", db_url=None).broker_url == (
        "redis://x:1/0"
    )
    assert load_config({}, tmp_path / "nowhere") == PlatformConfig()
    for environ, words in (
        ({"SEQLAB_QUEUE": "rabbit"}, ("queue", "SEQLAB_QUEUE")),
        ({"SEQLAB_LEASE_SECONDS": "soon"}, ("lease_seconds", "soon")),
        ({"SEQLAB_LEASE_SECONDS": "900"}, ("lease_seconds", "900")),  # ≥ the visibility timeout
    ):
        with pytest.raises(UsageError) as caught:
            load_config(environ, tmp_path)
        assert all(word in caught.value.render("en") for word in words)
    (tmp_path / "bad.toml").write_text("[platform]\nbrokr = 1\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_config({"SEQLAB_CONFIG": str(tmp_path / "bad.toml")}, tmp_path)
    assert "brokr" in caught.value.render("en") and "bad.toml" in caught.value.render("zh")


def test_seqlab_worker_refuses_a_bad_setting_before_it_starts(capsys, monkeypatch):
    from graders.cli import main

    assert main(["worker", "--lang", "en", "--concurrency", "0"]) == 2
    assert "--concurrency must be a whole number from 1 to" in capsys.readouterr().err
    monkeypatch.setenv("SEQLAB_VISIBILITY_TIMEOUT", "-1")
    assert main(["worker", "--lang", "en"]) == 2
    assert "visibility_timeout in SEQLAB_VISIBILITY_TIMEOUT" in capsys.readouterr().err


# --- Celery: a real redis-server, two `seqlab worker`s, one killed mid-job ------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server not found: run `make system` (it installs the Debian package "
            "redis-server)",
            pytrace=False,
        )
    import redis

    folder = Path(tempfile.mkdtemp(prefix="seqlab-redis-"))
    port = _free_port()
    server = subprocess.Popen(
        [
            *(binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)),
            *("--save", "", "--appendonly", "no", "--protected-mode", "yes"),
        ],
        stdout=(folder / "log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start: {(folder / 'log').read_text()}")
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


class Worker:
    """A `seqlab worker` in its own process group (killing the group is a machine dying)."""

    def __init__(self, name: str, db: str, broker: str, log: Path, **settings: str) -> None:
        self.name = name
        environ = {**os.environ, **settings, "PYTHONUNBUFFERED": "1"}
        self.log = log
        self.process = subprocess.Popen(
            [str(SEQLAB), "worker", "--db", db, "--broker", broker, "--name", name],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=environ,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


SUBMISSIONS = 100  # 10 students × 10, one in ten slow
ROSTER_SIZE = 10
FINISH_SECONDS = 240  # every attempt graded, the killed worker's included
KILL_AFTER = 20  # w1 is killed once it has graded this many (both workers share the work)
JUST_BEGUN = timedelta(seconds=0.2)


@pytest.mark.slow
def test_celery_workers_grade_every_submission_once_when_one_is_killed_mid_job(
    postgres_url, redis_url, course, tmp_path
):
    from graders.web.tasks import CeleryQueue

    url = postgres_url
    settings = {  # the killed worker's job is handed out again 6 s after it took it
        "SEQLAB_VISIBILITY_TIMEOUT": "6",
        "SEQLAB_LEASE_SECONDS": "3",
        "SEQLAB_RESTORE_INTERVAL": "1",
        "SEQLAB_GRADERS": "1",  # one job per worker: killing w1 loses exactly one
    }
    config = PlatformConfig(
        queue="celery", broker_url=redis_url, db_url=url, visibility_timeout=6, lease_seconds=3
    )
    import_roster(url, parse_roster(students(ROSTER_SIZE), "roster.csv"))
    app = create_app(
        WebSettings(db_url=url, course=course, rate_count=SUBMISSIONS), CeleryQueue(config, url)
    )
    workers = [
        Worker(f"w{n}@seqlab-test", url, redis_url, tmp_path / f"w{n}.log", **settings)
        for n in (1, 2)
    ]
    engine = engine_for(url)
    killed: dict[str, object] = {}

    def kill_w1_mid_job() -> None:
        """Once w1 has graded its share, kill it while it holds a slow one (0.5 s)."""
        deadline = time.monotonic() + 180
        w1 = Attempt.claim.startswith("w1@seqlab-test:")
        while time.monotonic() < deadline and workers[0].process.poll() is None:
            with Session(engine) as session:
                done = session.scalar(select(func.count()).where(w1, Attempt.status == DONE))
                holding = session.scalars(  # begun less than 0.2 s ago: far from its end
                    select(Attempt.id).where(
                        w1, Attempt.status == RUNNING, Attempt.started_at > now() - JUST_BEGUN
                    )
                ).all()
            if done >= KILL_AFTER and any(attempt_id in slow for attempt_id in holding):
                workers[0].kill()
                killed["at"] = time.monotonic()
                with Session(engine) as session:  # killed with the attempt in hand
                    killed["held"] = session.scalars(
                        select(Attempt.id).where(w1, Attempt.status == RUNNING)
                    ).all()
                return
            time.sleep(0.02)

    try:
        ids: list[int] = []
        slow: set[int] = set()
        killer = threading.Thread(target=kill_w1_mid_job)
        killer.start()
        with TestClient(app, base_url="http://127.0.0.1") as client:
            per_student = SUBMISSIONS // ROSTER_SIZE
            for s in range(ROSTER_SIZE):
                token = sign_in(client, f"s{s:02d}", f"password-{s:02d}x")
                for k in range(per_student):
                    n = s * per_student + k
                    attempt_id = submit(client, token, reference(course, n, slow=n % 10 == 9))
                    ids.append(attempt_id)
                    if n % 10 == 9:
                        slow.add(attempt_id)
                client.post("/logout", data={"csrf": token})
        assert len(set(ids)) == SUBMISSIONS
        killer.join(200)
        assert "at" in killed, "w1 was not killed: " + workers[0].log.read_text()
        assert len(killed["held"]) == 1, killed
        victim, killed_at = killed["held"][0], killed["at"]

        deadline = killed_at + FINISH_SECONDS
        while time.monotonic() < deadline:
            with Session(engine) as session:
                left = session.scalar(
                    select(func.count()).select_from(Attempt).where(Attempt.status != DONE)
                )
            if left == 0:
                break
            assert workers[1].process.poll() is None, workers[1].log.read_text()
            time.sleep(0.5)
        with Session(engine) as session:
            rows = {a.id: a for a in session.scalars(select(Attempt))}
        unfinished = {i: (rows[i].status, rows[i].claim) for i in ids if rows[i].status != DONE}
        assert not unfinished, (
            f"not graded in {FINISH_SECONDS} s: {unfinished}, victim {victim}; w2's log:\n"
            + workers[1].log.read_text()[-3000:]
        )
    finally:
        for worker in workers:
            worker.stop()

    # Every submission graded, each exactly once: one claim each, but the victim's two (the
    # killed grading, then w2's), every score full, one gradebook row per attempt.
    assert set(rows) == set(ids)
    assert all(rows[i].score == rows[i].max_score for i in ids)
    assert rows[victim].claims == 2 and rows[victim].claim.startswith("w2@seqlab-test:")
    assert {i: rows[i].claims for i in ids if i != victim and rows[i].claims != 1} == {}
    graded_by = {rows[i].claim.split(":")[0] for i in ids}
    assert graded_by == {"w1@seqlab-test", "w2@seqlab-test"}  # both workers took jobs
    book = Gradebook(url).rows(LAB)
    entry = course.lab(LAB).entry
    assert sorted(g.source for g in book) == sorted(f"{source_name(i)}/{entry}" for i in ids)
    assert rows[victim].finished_at > rows[victim].started_at
