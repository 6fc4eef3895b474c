"""Attacks on the web platform (security review, issue 13), each against the real app.

Guessing passwords (sign-in throttle per user and per client, counted in the database), a
huge upload before any check (body limits; multipart bodies read only after the session, the
role and the CSRF token), replaying a copied session cookie after sign-out or a new password
(session generations), and spreadsheet formulas in student ids (every CSV seqlab writes).
Each attack is followed by the honest flow it must leave working. The throttle's timings are
settings, so no test waits minutes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import re
import socket
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette import formparsers
from web_helpers import LAB, csrf_of, serve, sign_in

from graders.batch.collect import safe_id
from graders.cli import main
from graders.sandbox import run_sets
from graders.store.csvcells import safe_cell
from graders.web.app import WebSettings, create_app
from graders.web.grading import grade_attempt
from graders.web.limits import body_limit
from graders.web.models import QUEUED, Attempt, LoginFailure, engine_for, now
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster
from graders.web.throttle import LoginThrottle, ThrottlePolicy

pytestmark = pytest.mark.adversarial

ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)
# A policy whose back-off outlasts any test: a refused try stays refused.
SLOW = ThrottlePolicy(first_delay=60.0, max_delay=120.0)
GiB = 1 << 30


def make_app(course, tmp_path: Path, **settings):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    queue = EmbeddedQueue(url, course, use_warm=False)
    return create_app(WebSettings(db_url=url, course=course, **settings), queue), url


def browser(app, address: str = "203.0.113.5", **options) -> TestClient:
    """A client at its own address (the throttle counts failures per client address too).
    Not entered as a context: these tests need no grading queue, so none is started."""
    return TestClient(app, base_url="http://127.0.0.1", client=(address, 50000), **options)


def try_password(client: TestClient, username: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )


def is_signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


# --- 1. guessing passwords -----------------------------------------------------------------


def test_sixty_wrong_passwords_then_the_right_one_is_refused_with_a_back_off(course, tmp_path):
    app, _url = make_app(course, tmp_path, login_throttle=SLOW)
    client = browser(app)
    statuses = [try_password(client, "alice", f"guess-{n}").status_code for n in range(60)]
    # The free failures are checked (401); then every try waits, unchecked and uncounted.
    checked = SLOW.free_per_user + 1
    assert statuses == [401] * checked + [429] * (60 - checked)
    right = try_password(client, "alice", "alice-pass-1")
    assert right.status_code == 429
    assert 1 <= int(right.headers["Retry-After"]) <= SLOW.max_delay
    assert "登录失败次数太多" in right.text
    assert not is_signed_in(client)
    client.get("/lang/en")
    english = try_password(client, "alice", "alice-pass-1")
    assert english.status_code == 429 and "Too many failed sign-ins" in english.text


def test_a_student_who_mistypes_twice_gets_in(course, tmp_path):
    app, _url = make_app(course, tmp_path, login_throttle=SLOW)
    client = browser(app)
    for typo in ("alice-pass-!", "alice-pas-1"):
        assert try_password(client, "alice", typo).status_code == 401
    sign_in(client, "alice", "alice-pass-1")
    assert is_signed_in(client)


def test_a_throttled_student_gets_in_after_the_capped_back_off(course, tmp_path):
    policy = ThrottlePolicy(free_per_user=2, first_delay=0.1, max_delay=0.5)
    app, url = make_app(course, tmp_path, login_throttle=policy)
    attacker = browser(app, "198.51.100.9")
    for n in range(3):
        assert try_password(attacker, "alice", f"guess-{n}").status_code == 401
    # A long attack from many addresses: 40 failures, an uncapped back-off of 0.1 × 2^37 s.
    with Session(engine_for(url)) as session, session.begin():
        session.add_all(LoginFailure(key="user:alice", at=now()) for _ in range(40))
    client = browser(app)
    refused = try_password(client, "alice", "alice-pass-1")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    time.sleep(policy.max_delay + 0.1)
    sign_in(client, "alice", "alice-pass-1")
    assert is_signed_in(client)
    # The right password forgave alice's failures: the next typo is checked, not refused.
    client = browser(app, "198.51.100.10")
    assert try_password(client, "alice", "typo-typo").status_code == 401


def test_failures_expire(course, tmp_path):
    policy = ThrottlePolicy(free_per_user=2, first_delay=60.0, forget_after=600.0)
    app, url = make_app(course, tmp_path, login_throttle=policy)
    with Session(engine_for(url)) as session, session.begin():
        old = now() - timedelta(seconds=policy.forget_after + 1)
        session.add_all(LoginFailure(key="user:alice", at=old) for _ in range(40))
    client = browser(app)
    sign_in(client, "alice", "alice-pass-1")
    with Session(engine_for(url)) as session:  # … and are deleted
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_spraying_many_names_from_one_address_is_throttled_there_only(course, tmp_path):
    policy = ThrottlePolicy(free_per_client=5, first_delay=60.0, max_delay=120.0)
    app, _url = make_app(course, tmp_path, login_throttle=policy)
    sprayer = browser(app, "192.0.2.66")
    for n in range(policy.free_per_client + 1):
        assert try_password(sprayer, f"user{n}", "password1").status_code == 401
    # alice's own right password, from the spraying address: that address must wait.
    assert try_password(sprayer, "alice", "alice-pass-1").status_code == 429
    client = browser(app, "203.0.113.77")  # alice elsewhere is not held up
    sign_in(client, "alice", "alice-pass-1")


def test_concurrent_guesses_cannot_all_pass_the_check(db_url):
    """Each try is written down before its password is checked: of 16 simultaneous guesses
    at most the free ones (and the one that starts the back-off) are heard, the rest wait.
    On SQLite and on a real PostgreSQL server, as several web processes would share them."""
    policy = ThrottlePolicy(free_per_user=3, first_delay=60.0)
    throttle = LoginThrottle(engine_for(db_url), policy)
    barrier = threading.Barrier(16)
    waits: list[float] = []

    def guess(n: int) -> None:
        barrier.wait()
        waits.append(throttle.begin("alice", f"10.0.0.{n}").wait)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waits) == 16
    assert sum(1 for wait in waits if wait == 0) <= policy.free_per_user + 1


# --- 2. huge bodies ------------------------------------------------------------------------


def asgi_post(app, path: str, headers: dict[str, str], body: Iterable[bytes], query: str = ""):
    """POST straight through the app's ASGI interface. Returns (status, how many times the
    app called receive, how many body bytes it was handed)."""
    chunks = iter(body)
    calls = handed = 0
    status = None

    async def receive():
        nonlocal calls, handed
        calls += 1
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        handed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.5", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, calls, handed


MULTIPART = {"Content-Type": "multipart/form-data; boundary=seqlab-attack"}
FILE_PART = (
    b"--seqlab-attack\r\n"
    b'Content-Disposition: form-data; name="roster"; filename="r.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n"
)


def big_upload() -> Iterable[bytes]:
    """A 16 MiB roster upload in 64 KiB chunks (chunked: no Content-Length)."""
    return itertools.chain([FILE_PART], itertools.repeat(b"x" * 65536, 256))


def signed_in_instructor(app) -> tuple[str, str]:
    """(the Cookie header, the CSRF token) of a signed-in instructor."""
    client = browser(app)
    token = sign_in(client, "teach", "teach-pass-1")
    return f"seqlab_session={client.cookies.get('seqlab_session')}", token


def test_a_strangers_upload_is_refused_before_its_body_is_read(course, tmp_path, monkeypatch):
    spools = []

    class Spool(formparsers.SpooledTemporaryFile):  # Starlette's store for uploaded files
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            spools.append(self)

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", Spool)
    app, _url = make_app(course, tmp_path)
    cookie, token = signed_in_instructor(app)
    # No session, no Content-Length (chunked): sent to sign in without one call to receive.
    assert asgi_post(app, "/instructor/roster", MULTIPART, big_upload()) == (303, 0, 0)
    # An instructor's session without the token (a forged cross-site form): the same.
    signed = {**MULTIPART, "Cookie": cookie}
    assert asgi_post(app, "/instructor/roster", signed, big_upload()) == (403, 0, 0)
    # With both, the body is read, but only up to the route's limit, then 413.
    status, _calls, handed = asgi_post(
        app, "/instructor/roster", signed, big_upload(), query=f"csrf={token}"
    )
    assert status == 413 and handed <= body_limit("/instructor/roster") + 65536
    assert len(spools) == 1 and not spools[0]._rolled  # kept in memory, never on disk
    # A 1 GiB Content-Length is refused before the app runs at all.
    declared = {**signed, "Content-Length": str(GiB)}
    refused = asgi_post(app, "/instructor/roster", declared, big_upload(), f"csrf={token}")
    assert refused == (413, 0, 0)


def test_a_submission_over_its_limit_is_refused_unread_and_not_queued(course, tmp_path):
    app, url = make_app(course, tmp_path)
    client = browser(app)
    token = sign_in(client, "alice", "alice-pass-1")
    path = f"/labs/{LAB}/submit"
    headers = {
        "Cookie": f"seqlab_session={client.cookies.get('seqlab_session')}",
        "X-CSRF-Token": token,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    declared = {**headers, "Content-Length": str(body_limit(path) + 1)}
    assert asgi_post(app, path, declared, [b"code=" + b"x" * body_limit(path)]) == (413, 0, 0)
    status, _calls, handed = asgi_post(app, path, headers, itertools.repeat(b"x" * 65536, 64))
    assert status == 413 and handed <= body_limit(path) + 65536
    # In a browser: the page says why, in the reader's language.
    response = client.post(
        f"/labs/{LAB}/submit",
        data={"code": "x" * body_limit(f"/labs/{LAB}/submit")},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.status_code == 413
    assert "超过了 200 KB 的上限" in response.json()["error"]  # what it was, and the limit
    # Sign-in is held to a small limit too.
    assert client.post("/login", data={"username": "x" * 100_000}).status_code == 413
    with Session(engine_for(url)) as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 0


def _answer_to_headers_only(port: int, head: str) -> str:
    """Send a request's head and not one byte of its body; return the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        return connection.makefile("rb").readline().decode()


def test_a_1gib_upload_over_http_is_answered_before_its_body_is_sent(course, tmp_path):
    app, _url = make_app(course, tmp_path)
    with serve(app, lifespan="off") as base:
        port = int(base.rsplit(":", 1)[1])
        head = (
            "POST /instructor/roster HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=seqlab-attack\r\n"
        )
        declared = _answer_to_headers_only(port, head + f"Content-Length: {GiB}\r\n\r\n")
        assert declared.startswith("HTTP/1.1 413"), declared
        chunked = _answer_to_headers_only(port, head + "Transfer-Encoding: chunked\r\n\r\n")
        assert chunked.startswith("HTTP/1.1 303"), chunked  # to sign in, the body unread


def test_the_roster_form_still_uploads(course, tmp_path):
    app, _url = make_app(course, tmp_path)
    client = browser(app)
    sign_in(client, "teach", "teach-pass-1")
    form = client.get("/instructor/roster").text
    action = re.search(r'action="(/instructor/roster[^"]*)"', form)[1].replace("&amp;", "&")
    roster = b"username,name,password\nnew1,New One,new-pass-11\n"
    page = client.post(action, files={"roster": ("r.csv", roster, "text/csv")})
    assert page.status_code == 200 and "已导入 1 个账号" in page.text
    client = browser(app, "203.0.113.9")
    sign_in(client, "new1", "new-pass-11")


# --- 3. replayed session cookies -----------------------------------------------------------


def replay(app, cookie: str) -> TestClient:
    return browser(app, "198.51.100.200", cookies={"seqlab_session": cookie})


def test_a_copied_cookie_is_signed_out_by_sign_out(course, tmp_path):
    app, _url = make_app(course, tmp_path)
    client = browser(app)
    token = sign_in(client, "alice", "alice-pass-1")
    stolen = client.cookies.get("seqlab_session")
    assert is_signed_in(replay(app, stolen))  # the copy works while alice is signed in
    client.post("/logout", data={"csrf": token})
    thief = replay(app, stolen)
    assert not is_signed_in(thief)
    assert thief.get("/api/attempts/1").status_code == 401
    # alice signs in again; the old copy stays signed out.
    sign_in(client, "alice", "alice-pass-1")
    assert is_signed_in(client) and not is_signed_in(replay(app, stolen))


def test_a_new_password_from_the_roster_signs_out_old_cookies(course, tmp_path):
    app, url = make_app(course, tmp_path)
    client = browser(app)
    sign_in(client, "alice", "alice-pass-1")
    import_roster(url, parse_roster(ROSTER, "roster.csv"))  # the same password: kept
    assert is_signed_in(client)
    changed = ROSTER.replace("alice-pass-1", "alice-pass-2")
    import_roster(url, parse_roster(changed, "roster.csv"))
    assert not is_signed_in(client)
    sign_in(client, "alice", "alice-pass-2")


# --- 4. formulas in CSV cells --------------------------------------------------------------

WEB_ID = '=HYPERLINK("evil.example?q","cash")'  # a user name from the roster
FILE_IDS = ("@SUM(1+1)", "-2+3", "+1-1")  # submission files' names (a batch's student ids)


def test_formula_cells_are_neutralised_in_every_csv(course, tmp_path):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    quoted = WEB_ID.replace('"', '""')  # CSV quoting, as a spreadsheet saves the roster
    import_roster(url, parse_roster(f'{ROSTER}"{quoted}",X,long-pass-1\n', "roster.csv"))
    reference = course.lab(LAB).solution_path.read_text(encoding="utf-8")
    # One shared mistake, so that the files are listed as similar pairs.
    shared = reference.replace("for x in inputs:", "for x in inputs[:4]:")
    assert shared != reference
    with Session(engine_for(url)) as session, session.begin():  # graded as the web queue does
        attempt = Attempt(student=WEB_ID, lab=LAB, text=shared, status=QUEUED)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    assert grade_attempt(url, attempt_id, run_sets, course=course) == "done"
    folder = tmp_path / "submitted"
    folder.mkdir()
    for stem in FILE_IDS:
        (folder / f"{stem}.py").write_text(shared, encoding="utf-8")
    db = ["--db", url]
    assert main(["grade", str(folder), "--lab", LAB, *db, "--workers", "1"]) == 1
    batch_ids = [safe_id(stem) for stem in FILE_IDS]  # "@SUM(1+1)" is stored as "@SUM1+1"

    queue = EmbeddedQueue(url, course, use_warm=False)
    client = browser(create_app(WebSettings(db_url=url, course=course), queue))
    sign_in(client, "teach", "teach-pass-1")
    web_csv = client.get("/instructor/scores.csv").text
    scores, sets, pairs = (tmp_path / n for n in ("scores.csv", "sets.csv", "pairs.csv"))
    assert main(["gradebook", "export", *db, "--csv", str(scores)]) == 0
    assert main(["gradebook", "export", *db, "--csv", str(sets), "--per-set"]) == 0
    report = ["report", *db, "--lab", LAB, "--html", str(tmp_path / "c.html")]
    assert main([*report, "--similarity-csv", str(pairs)]) == 0
    every_id = [WEB_ID, *batch_ids]
    for name, text, students in (
        ("web", web_csv, every_id),
        ("scores", scores.read_text("utf-8"), every_id),
        ("sets", sets.read_text("utf-8"), every_id),
        ("pairs", pairs.read_text("utf-8"), batch_ids),  # the web's row has no file to compare
    ):
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        for student in students:
            assert student.startswith(("=", "@", "-", "+")) and student not in cells, name
            assert "'" + student in cells, (name, student)
        # Scores are numbers, written as numbers.
        assert any(re.fullmatch(r"\d+(\.\d+)?", cell) for cell in cells), name


def test_numbers_stay_numbers_and_every_formula_start_is_neutralised():
    for number in ("-0.5", "+3", "-1e-05", "0.25", "-.5", -0.5, 3):
        assert safe_cell(number) == number
    for text in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-inf", "-"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("alice") == "alice" and safe_cell("") == ""


def test_no_csv_is_written_around_the_shared_writer():
    """A new CSV writer elsewhere in graders/ would write formula cells verbatim again."""
    graders = Path(__file__).resolve().parents[2] / "graders"
    raw = re.compile(r"\bcsv\.(writer|DictWriter)\b|from csv import")
    for path in graders.rglob("*.py"):
        if path.name != "csvcells.py":
            assert not raw.search(path.read_text(encoding="utf-8")), path


# --- 5. NUL characters, which PostgreSQL cannot store ----------------------------------------


def test_a_nul_in_a_name_or_in_code_is_refused_plainly_on_both_databases(course, db_url):
    import_roster(db_url, parse_roster(ROSTER, "roster.csv"))
    queue = EmbeddedQueue(db_url, course, use_warm=False)
    client = browser(create_app(WebSettings(db_url=db_url, course=course), queue))
    assert try_password(client, "alice\x00", "alice-pass-1").status_code == 401
    assert try_password(client, "alice", "alice-pass-1\x00").status_code == 401
    token = sign_in(client, "alice", "alice-pass-1")
    response = client.post(
        f"/labs/{LAB}/submit",
        data={"code": "print('x')\x00\n"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.status_code == 400 and "NUL" in response.json()["error"]
    with Session(engine_for(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 0
