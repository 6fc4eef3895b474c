"""The web platform through its HTTP interface, with the real queue grading in the sandbox.

A course copy holds rnn-numpy (a fast numpy lab) whose every hidden set carries a canary: an
extra input line the program never reads, and one more hidden set expecting the canary as its
output. No page or API response may ever contain it.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_helpers import LAB, check_report_policy, class_report, csrf_of, sign_in, submit

from graders.cli import main
from graders.errors import UsageError
from graders.sandbox import run_sets
from graders.spec import Course
from graders.web.app import WebSettings, create_app
from graders.web.grading import grade_attempt
from graders.web.models import DONE, QUEUED, Attempt, User, engine_for
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster
from graders.web.routes import ROUTERS
from graders.web.server import check_loopback

ROOT = Path(__file__).resolve().parent.parent
CANARY = f"seqlab-web-canary-{uuid.uuid4().hex[:12]}"
ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "bob,Bob,bob-pass-12,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)
GRADE_SECONDS = 90


@pytest.fixture(scope="module")
def canary_course(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("web-course")
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    spec = (ROOT / "graders" / "labs" / f"{LAB}.toml").read_text(encoding="utf-8")
    # Every hidden set's input gets a last line the program never reads …
    spec, count = re.subn(
        r'(stdin = "[^"]*)("\nexpected = "[^"]*"\npoints = \d+\nhidden = true)',
        lambda m: f"{m[1]}{CANARY}\\n{m[2]}",
        spec,
    )
    assert count >= 2, "the spec's hidden sets were not found"
    # … and one more hidden set expects the canary itself.
    spec += (
        f'\n[[tests]]\nname = "canary"\nstdin = "1 1 1\\n1 0 1\\n"\n'
        f'expected = "{CANARY}\\n"\npoints = 1\nhidden = true\n'
    )
    (root / "graders" / "labs" / f"{LAB}.toml").write_text(spec, encoding="utf-8")
    return Course.locate(root)


def make_client(course: Course, tmp_path: Path, **settings) -> TestClient:
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    queue = EmbeddedQueue(url, course, use_warm=False)
    app = create_app(WebSettings(db_url=url, course=course, **settings), queue)
    return TestClient(app, base_url="http://127.0.0.1")


def wait_done(client: TestClient, attempt_id: int) -> dict:
    deadline = time.monotonic() + GRADE_SECONDS
    seen = []
    while time.monotonic() < deadline:
        data = client.get(f"/api/attempts/{attempt_id}").json()
        seen.append(data["status"])
        if data["status"] in ("done", "error"):
            return data
        time.sleep(0.3)
    pytest.fail(f"attempt {attempt_id} not graded in {GRADE_SECONDS} s: {seen[-5:]}")


def solution(course: Course) -> str:
    return course.lab(LAB).solution_path.read_text(encoding="utf-8")


def starter(course: Course) -> str:
    return course.lab(LAB).starter_path.read_text(encoding="utf-8")


def test_hidden_data_and_the_canary_never_leave_the_server(canary_course, tmp_path):
    lab = canary_course.lab(LAB)
    hidden_outputs = [
        t.expected.split("\n")[2] for t in lab.tests if t.hidden and t.name != "canary"
    ]
    with make_client(canary_course, tmp_path) as client:
        token = sign_in(client, "alice", "alice-pass-1")
        good = submit(client, token, solution(canary_course))
        bad = submit(client, token, starter(canary_course))
        good_json, bad_json = wait_done(client, good), wait_done(client, bad)
        assert good_json["status"] == DONE and bad_json["status"] == DONE
        # The reference passes every set but the canary's; hidden sets show their verdict.
        assert good_json["score"] == good_json["max_score"] - 1
        assert "hidden-1" in good_json["html"] and "通过" in good_json["html"]
        student_pages = [
            "/",
            f"/labs/{LAB}",
            f"/attempts/{good}",
            f"/attempts/{bad}",
            f"/api/attempts/{good}",
            f"/api/attempts/{bad}",
            "/lang/en?next=/labs/rnn-numpy",
            f"/api/attempts/{good}",
        ]
        bodies = [client.get(path).text for path in student_pages]
        client.post("/logout", data={"csrf": csrf_of(bodies[0])})
        sign_in(client, "teach", "teach-pass-1")
        instructor_pages = [
            "/instructor",
            f"/instructor/labs/{LAB}",
            "/instructor/scores.csv",
            f"/attempts/{good}",
            f"/api/attempts/{bad}",
        ]
        preparing = client.get(f"/instructor/labs/{LAB}")  # built in the background
        assert preparing.status_code in (200, 202)
        bodies.append(preparing.text)
        for path in instructor_pages:
            response = class_report(client) if path.startswith("/instructor/labs/") else None
            response = response or client.get(path)
            assert response.status_code == 200, path
            bodies.append(response.text)
    for body in bodies:
        assert CANARY not in body
        for output in hidden_outputs:  # a line of each hidden set's expected output
            assert output not in body
    assert "alice" in bodies[-3]  # the CSV has the student's row


def test_a_student_reaches_only_their_own_attempts_and_no_instructor_page(canary_course, tmp_path):
    with make_client(canary_course, tmp_path) as client:
        token = sign_in(client, "alice", "alice-pass-1")
        mine = submit(client, token, starter(canary_course))
        wait_done(client, mine)
        client.post("/logout", data={"csrf": token})
        token = sign_in(client, "bob", "bob-pass-12")
        for path in (f"/attempts/{mine}", f"/api/attempts/{mine}"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "alice" not in response.text and "Begin" not in response.text
        for path in (
            "/instructor",
            f"/instructor/labs/{LAB}",
            "/instructor/scores.csv",
            "/instructor/roster",
        ):
            assert client.get(path).status_code == 403, path
        upload = client.post(
            "/instructor/roster",
            data={"csrf": token},
            files={
                "roster": ("r.csv", b"username,name,password,role\nbob,B,longpassword,instructor\n")
            },
        )
        assert upload.status_code == 403
        with Session(engine_for(f"sqlite:///{tmp_path / 'web.sqlite'}")) as session:
            assert session.get(User, "bob").role == "student"
        # Signed out: every page sends to sign-in, every API call answers 401.
        client.post("/logout", data={"csrf": token})
        assert client.get("/", follow_redirects=False).status_code == 303
        assert client.get(f"/api/attempts/{mine}").status_code == 401


def test_every_post_without_the_csrf_token_is_refused(canary_course, tmp_path):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    with make_client(canary_course, tmp_path) as client:
        # Sign-in itself needs the token.
        response = client.post("/login", data={"username": "teach", "password": "teach-pass-1"})
        assert response.status_code == 403
        token = sign_in(client, "teach", "teach-pass-1")
        posts = sorted(
            # Real-looking values in the path: only the missing token is wrong.
            re.sub(
                r"\{\w+_id\}",
                "1",
                route.path.replace("{lab_id}", LAB)
                .replace("{quiz_id}", "attention")
                .replace("{username}", "alice"),
            )
            # The app's own routes and its routers' (FastAPI lists an included router as one).
            for route in [*client.app.routes, *(r for router in ROUTERS for r in router.routes)]
            if "POST" in (getattr(route, "methods", None) or ())
        )
        assert {"/login", "/logout", f"/labs/{LAB}/submit", "/instructor/roster"} <= set(posts)
        for path in posts:
            for headers, data in (({}, {}), ({"X-CSRF-Token": "forged"}, {"csrf": "forged"})):
                response = client.post(path, data={**data, "code": "x"}, headers=headers)
                # The LMS's cross-site POSTs carry no token of ours: the platform's signed
                # id_token is their check (tests/test_lti.py); without one they are refused.
                refused = (400, 403) if path in ("/lti/login", "/lti/launch") else (403,)
                assert response.status_code in refused, (path, headers)
        with Session(engine_for(url)) as session:
            assert session.scalar(select(func.count()).select_from(Attempt)) == 0
        # The session survived every refused POST: the real token still works.
        assert client.post("/logout", data={"csrf": token}).status_code == 200


def test_submissions_are_rate_limited_per_student(canary_course, tmp_path):
    with make_client(canary_course, tmp_path, rate_count=2) as client:
        token = sign_in(client, "alice", "alice-pass-1")
        first = submit(client, token, starter(canary_course))
        submit(client, token, starter(canary_course))
        refused = client.post(
            f"/labs/{LAB}/submit",
            data={"code": "x"},
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
        assert refused.status_code == 429
        assert "wait a minute" in refused.json()["error"] or "稍等" in refused.json()["error"]
        # When the oldest of the two leaves the minute's window: then one more is taken.
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        wait_done(client, first)
        # Another student is not limited by alice's attempts.
        client.post("/logout", data={"csrf": token})
        token = sign_in(client, "bob", "bob-pass-12")
        wait_done(client, submit(client, token, starter(canary_course)))


def test_grade_attempt_grades_once_per_attempt(canary_course, db_url):
    url = db_url  # a SQLite file, then a database on a real PostgreSQL server
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    with Session(engine_for(url)) as session, session.begin():
        attempt = Attempt(student="alice", lab=LAB, text=solution(canary_course), status=QUEUED)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    runs = []

    def counting(*args, **kwargs):
        runs.append(1)
        return run_sets(*args, **kwargs)

    assert grade_attempt(url, attempt_id, counting, course=canary_course) == DONE
    assert grade_attempt(url, attempt_id, counting, course=canary_course) == DONE
    # One grading: its public and its hidden sets' runs, once.
    assert len(runs) == len(canary_course.lab(LAB).run_groups(include_hidden=True))
    with Session(engine_for(url)) as session:
        graded = session.get(Attempt, attempt_id)
        assert graded.finished_at is not None and graded.score > 0
        hidden = [t for t in graded.results["tests"] if t.get("hidden")]
        assert hidden and all(
            set(t) & {"input", "expected", "actual", "stderr"} == set() for t in hidden
        )


def test_pages_switch_language_and_show_the_four_sections(canary_course, tmp_path):
    with make_client(canary_course, tmp_path) as client:
        sign_in(client, "alice", "alice-pass-1")
        zh = client.get(f"/labs/{LAB}").text
        for heading in ("任务描述", "相关知识", "编程要求", "测试说明", "评测"):
            assert heading in zh
        assert (
            client.get("/lang/en?next=//evil.example/", follow_redirects=False).headers["location"]
            == "/"
        )
        en = client.get(f"/labs/{LAB}").text
        for heading in ("Task", "Background", "What to write", "Tests", ">Grade <kbd>"):
            assert heading in en
        assert "任务描述" not in en and 'lang="en"' in en
        cookie = client.cookies.get("seqlab_session")
        assert cookie is not None
        head = client.get("/").headers
        assert "frame-ancestors 'none'" in head["content-security-policy"]


def test_pages_allow_no_inline_script_or_style_but_the_editors_nonce(canary_course, tmp_path):
    """Every page's CSP refuses inline scripts and styles; the lab page's editor may add its
    <style> with the response's own nonce, a new one every response."""
    with make_client(canary_course, tmp_path) as client:
        sign_in(client, "alice", "alice-pass-1")
        nonces = []
        for _ in range(2):
            response = client.get(f"/labs/{LAB}")
            policy = response.headers["content-security-policy"]
            assert "'unsafe-inline'" not in policy and "script-src" not in policy
            nonce = re.search(r"'nonce-([^']+)'", policy)[1]
            assert f'src="/static/editor.js" nonce="{nonce}"' in response.text
            nonces.append(nonce)
        assert nonces[0] != nonces[1]
        for path in ("/", "/login", "/quizzes/attention", "/nowhere"):
            assert "'unsafe-inline'" not in client.get(path).headers["content-security-policy"]
    inline = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    for template in (ROOT / "graders" / "web" / "templates").glob("*.html"):
        assert not inline.search(template.read_text(encoding="utf-8")), template.name


def test_the_class_report_allows_its_own_style_by_hash_and_nothing_inline(canary_course, tmp_path):
    """The class report inlines its CSS (it must open offline too): served, its policy names
    that text's hash, in either language, and the page has no style attribute."""
    with make_client(canary_course, tmp_path) as client:
        token = sign_in(client, "alice", "alice-pass-1")
        wait_done(client, submit(client, token, starter(canary_course)))
        client.post("/logout", data={"csrf": token})
        sign_in(client, "teach", "teach-pass-1")
        for lang in ("zh", "en"):
            client.get(f"/lang/{lang}")
            report = class_report(client)
            assert report.status_code == 200 and "alice" in report.text
            assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in report.text
            check_report_policy(report)


def test_session_cookie_is_httponly_lax_and_secure_over_https(canary_course, tmp_path):
    with make_client(canary_course, tmp_path, https=True) as client:
        response = client.get("/login")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_roster_errors_name_the_line_and_import_nothing(tmp_path):
    text = "username,name,password,role\nann,Ann,long-enough,student\neve,Eve,long-enough,admin\n"
    with pytest.raises(UsageError) as caught:
        parse_roster(text, "class.csv")
    assert "line 3" in caught.value.render("en") and "admin" in caught.value.render("en")
    with pytest.raises(UsageError):
        parse_roster("user,name\n", "class.csv")
    with pytest.raises(UsageError):
        parse_roster("username,name,password\nann,Ann,short\n", "class.csv")


def test_serve_listens_on_loopback_only():
    for host in ("127.0.0.1", "::1", "localhost"):
        check_loopback(host)
    for host in ("0.0.0.0", "192.168.1.5", "example.org"):
        with pytest.raises(UsageError):
            check_loopback(host)


def test_quiz_results_read_at_a_glance_with_partial_credit_labelled(canary_course, tmp_path):
    from quizzes.bank import load_quiz
    from quizzes.paper import make_paper

    # Per-question verdicts are shown once the key may be (here at once); before, only the
    # total (test_web_calendar.py).
    config = canary_course.root / "seqlab.toml"
    config.write_text('[quizzes]\nanswers = "immediately"\n', encoding="utf-8")
    try:
        with make_client(canary_course, tmp_path) as client:
            token = sign_in(client, "alice", "alice-pass-1")
            paper = make_paper(load_quiz(canary_course.banks_dir, "sequence-models"), "alice")
            multi = next(q for q in paper.questions if q.question.kind == "multi")
            answers = {f"q{multi.number}": sorted(multi.correct)[:-1]}
            page = client.post("/quizzes/sequence-models", data={"csrf": token, **answers}).text
            rows = re.findall(r'<tr class="(\w+)" data-question="(\d+)">', page)
            assert [int(number) for _, number in rows] == [q.number for q in paper.questions]
            assert dict((int(n), c) for c, n in rows)[multi.number] == "partial"
            assert "部分正确" in page and page.count('<section class="set') == 0
    finally:
        config.unlink(missing_ok=True)


def test_one_score_of_record_for_the_student_the_instructor_the_csv_and_the_report(
    canary_course, tmp_path
):
    """Best by default: a right attempt then a wrong one count as the right one everywhere;
    the course's rule "last" turns every page to the wrong one at once. Web quizzes reach the
    gradebook, and `seqlab report --db` on the web's database compares the web's code."""
    from quizzes.bank import load_quiz
    from quizzes.paper import make_paper

    config = canary_course.root / "seqlab.toml"
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    try:
        with make_client(canary_course, tmp_path) as client:
            token = sign_in(client, "alice", "alice-pass-1")
            right = wait_done(client, submit(client, token, solution(canary_course)))
            wait_done(client, submit(client, token, starter(canary_course)))
            paper = make_paper(load_quiz(canary_course.banks_dir, "attention"), "alice")
            answers = {f"q{q.number}": sorted(q.correct) for q in paper.questions}
            client.post("/quizzes/attention", data={"csrf": token, **answers})
            best = f"{right['score']:g}/{right['max_score']:g}"
            assert best in client.get("/").text  # the student's course page
            client.post("/logout", data={"csrf": token})
            bob = sign_in(client, "bob", "bob-pass-12")
            wait_done(client, submit(client, bob, solution(canary_course)))
            client.post("/logout", data={"csrf": bob})
            sign_in(client, "teach", "teach-pass-1")
            alice_row = re.search(
                r"<tr><td><a href=\"[^\"]*\">Alice \(alice\)</a></td>(.*?)</tr>",
                client.get("/instructor").text,
                re.S,
            )[1]
            assert best in alice_row
            rows = list(csv.DictReader(io.StringIO(client.get("/instructor/scores.csv").text)))
            alice = next(row for row in rows if row["student"] == "alice")
            assert float(alice[LAB]) == right["score"]
            assert (
                float(alice["attention"])
                == load_quiz(canary_course.banks_dir, "attention").max_score
            )
            config.write_text('[scores]\nof_record = "last"\n', encoding="utf-8")
            rows = list(csv.DictReader(io.StringIO(client.get("/instructor/scores.csv").text)))
            assert float(next(r for r in rows if r["student"] == "alice")[LAB]) == 0
            assert f"0/{right['max_score']:g}" in client.get("/instructor").text
    finally:
        config.unlink(missing_ok=True)
    pairs = tmp_path / "pairs.csv"
    code = main(
        [
            "--lang",
            "en",
            "report",
            "--db",
            url,
            "--lab",
            LAB,
            "--course",
            str(canary_course.root),
            "--html",
            str(tmp_path / "report.html"),
            "--similarity-csv",
            str(pairs),
        ]
    )
    assert code == 0
    listed = list(csv.DictReader(pairs.open(encoding="utf-8")))
    assert [(row["student_a"], row["student_b"]) for row in listed] == [("alice", "bob")]
