"""The course calendar enforced by the real server (uvicorn on loopback, web_helpers.serve):
a lab past its lock is refused with the rule said and nothing stored; an instructor's setting
saved on the web wins over seqlab.toml; a quiz's key is hidden before its deadline and shown
after, never for an empty answer; attempts and the cool-down are counted; a result reloaded
or a paper posted twice is one attempt. Nothing here grades a lab (no sandbox run needed)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_helpers import LAB, course_app, csrf_of, save_rules, serve

from graders.spec import Course
from graders.store.calendar import local_time
from graders.web.models import Attempt, engine_for
from quizzes.bank import load_quiz
from quizzes.paper import make_paper

ROOT = Path(__file__).resolve().parent.parent
ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\nbob,Bob,bob-pass-12,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def calendar_course(root: Path) -> Course:
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copy(ROOT / "graders" / "labs" / f"{LAB}.toml", root / "graders" / "labs")
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    day = timedelta(days=1)
    (root / "seqlab.toml").write_text(
        f"""[course]
timezone = "Asia/Shanghai"
[late]
per_day = 10
floor = 50
[quizzes]
attempts = 2
[calendar.{LAB}]
due = {stamp(-2 * day)}
lock = {stamp(-timedelta(hours=1))}
[calendar.attention]
due = {stamp(day)}
late_policy = "closed"
[calendar.sequence-models]
due = {stamp(-timedelta(hours=1))}
attempts = 5
cooldown_minutes = 60
answers = "immediately"
""",
        encoding="utf-8",
    )
    return Course.locate(root)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("calendar-course")
    course = calendar_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    with serve(app) as base:
        yield base, url, course


def signed_in(base: str, username: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
    token = csrf_of(client.get("/login").text)
    page = client.post("/login", data={"csrf": token, "username": username, "password": password})
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text)


def attempts(url: str, student: str, item: str) -> int:
    with Session(engine_for(url)) as db:
        return db.scalar(
            select(func.count()).where(Attempt.student == student, Attempt.lab == item)
        )


def post_quiz(client, token: str, quiz: str, answers: dict, paper: str | None = None):
    page = client.get(f"/quizzes/{quiz}").text
    paper = paper or re.search(r'name="paper" value="([0-9a-f]+)"', page)[1]
    response = client.post(f"/quizzes/{quiz}", data={"csrf": token, "paper": paper, **answers})
    return response, paper


def right_answers(course: Course, quiz: str, student: str) -> dict:
    paper = make_paper(load_quiz(course.banks_dir, quiz), student)
    return {f"q{q.number}": sorted(q.correct) for q in paper.questions}


def test_a_lab_past_its_lock_is_refused_with_the_rule_and_nothing_stored(site):
    base, url, _course = site
    client, token = signed_in(base, "alice", "alice-pass-1")
    page = client.get(f"/labs/{LAB}").text
    assert "已于" in page and "关闭" in page  # the lab page says it closed
    assert "Asia/Shanghai" in client.get("/").text  # the course page shows the calendar
    for accept in ("application/json", "text/html"):
        refused = client.post(
            f"/labs/{LAB}/submit",
            data={"code": "print(1)\n", "csrf": token},
            headers={"X-CSRF-Token": token, "Accept": accept},
        )
        assert refused.status_code == 403
        assert "不再接受提交" in refused.text and "Asia/Shanghai" in refused.text
        assert "你没有权限" not in refused.text  # a rule, headed by what it is: closed
        assert accept != "text/html" or "<h1>已关闭</h1>" in refused.text
    client.cookies.set("seqlab_lang", "en")
    refused = client.post(
        f"/labs/{LAB}/submit",
        data={"code": "print(1)\n"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert "takes no more submissions" in refused.json()["error"]
    assert attempts(url, "alice", LAB) == 0


def test_the_instructor_s_setting_wins_over_the_file_and_a_bad_one_is_refused(site):
    base, url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    page = teach.get("/instructor/rules").text
    assert "seqlab.toml" in page and 'name="set|rnn-numpy|lock"' in page
    form = {"csrf": token, f"set|{LAB}|lock": "tuesday", "set|*|per_day": "15"}
    bad = save_rules(teach, form)
    assert (
        bad.status_code == 400 and f"calendar.{LAB}.lock" in bad.text and "2026-09-15" in bad.text
    )
    # The form again, the error by its field, the instructor's other entries kept.
    assert 'id="rules-form"' in bad.text and 'name="set|*|per_day" value="15"' in bad.text
    field = re.search(rf'name="set\|{LAB}\|lock" value="tuesday"[^>]*aria-invalid="true"', bad.text)
    assert field and 'class="problem field-error"' in bad.text
    past_lock = {
        "csrf": token,
        "new_student": "alice",
        "new_item": LAB,
        "new_due": stamp(timedelta(days=9)),
    }
    # An extension past the lock moves that student's lock too (calendar.lock_for): alice,
    # refused above, may submit again; her page says the extension once.
    assert save_rules(teach, past_lock).status_code == 200
    alice, alice_token = signed_in(base, "alice", "alice-pass-1")
    try:
        page = alice.get(f"/labs/{LAB}").text
        assert page.count("截止时间已延长至") == 1 and "已于" not in page, page
        taken = alice.post(
            f"/labs/{LAB}/submit",
            data={"code": "print(1)\n"},
            headers={"X-CSRF-Token": alice_token, "Accept": "application/json"},
        )
        assert taken.status_code == 200, taken.text
        assert attempts(url, "alice", LAB) == 1
    finally:
        save_rules(teach, {"csrf": token})
    saved = save_rules(
        teach,
        data={"csrf": token, f"set|{LAB}|lock": stamp(timedelta(days=3))},
    )
    assert saved.status_code == 200 and "已保存" in saved.text
    bob, bob_token = signed_in(base, "bob", "bob-pass-12")
    page = bob.get(f"/labs/{LAB}").text
    assert "迟交 2 天" not in page and "保留 70%" in page  # late by 3 started days: 70 % kept
    try:
        taken = bob.post(
            f"/labs/{LAB}/submit",
            data={"code": "print(1)\n"},
            headers={"X-CSRF-Token": bob_token, "Accept": "application/json"},
        )
        assert taken.status_code == 200, taken.text
        assert attempts(url, "bob", LAB) == 1
    finally:  # back to the file's lock: the other tests see the lab locked
        save_rules(teach, {"csrf": token})
    assert (
        bob.post(
            f"/labs/{LAB}/submit",
            data={"code": "print(2)\n"},
            headers={"X-CSRF-Token": bob_token, "Accept": "application/json"},
        ).status_code
        == 403
    )


def test_quiz_key_hidden_before_the_deadline_one_attempt_per_paper_and_the_limit(site):
    base, url, course = site
    client, token = signed_in(base, "alice", "alice-pass-1")
    answers = right_answers(course, "attention", "alice")
    response, paper = post_quiz(client, token, "attention", answers)
    assert response.status_code == 200 and re.search(
        r"/quizzes/attention/attempts/\d+$", str(response.url)
    )
    page = response.text
    bank = load_quiz(course.banks_dir, "attention")
    explanations = [q.explanation["zh"] for q in bank.questions]
    key = ('<td class="key">', 'class="tag ok"')  # the correct options, as a column and tags
    assert not any(k in page for k in key) and not any(e in page for e in explanations)
    assert "截止" in page and "后公布" in page  # when the answers will be shown
    # Nor which questions are right (a single choice narrowed over attempts): the total and
    # which were answered only — on the result page, the attempt page and its JSON.
    assert "只显示总分" in page and 'class="badge"' not in page and 'class="passed"' not in page
    attempt = int(str(response.url).rsplit("/", 1)[1])
    data = client.get(f"/api/attempts/{attempt}").json()
    assert "verdicts-hidden" in data["html"] and "seqlab-result" not in data["html"], data["html"]
    assert 'class="badge"' not in client.get(f"/attempts/{attempt}").text
    # A reload, and the same paper posted again (Back, resend), record nothing more.
    assert client.get(str(response.url)).status_code == 200
    again, _ = post_quiz(client, token, "attention", answers, paper)
    assert again.url == response.url and attempts(url, "alice", "attention") == 1
    # An empty answer is an attempt (the last of 2) and shows no key.
    empty, _ = post_quiz(client, token, "attention", {})
    assert "没有选择任何选项" in empty.text and not any(k in empty.text for k in key)
    assert attempts(url, "alice", "attention") == 2
    refused, _ = post_quiz(client, token, "attention", answers)
    assert refused.status_code == 403 and "最多可作答 2 次" in refused.text
    assert attempts(url, "alice", "attention") == 2
    # None left: the page says so, and no cool-down countdown promises another.
    teach, teach_token = signed_in(base, "teach", "teach-pass-1")
    cooldown = {"csrf": teach_token, "set|attention|cooldown_minutes": "60"}
    assert save_rules(teach, cooldown).status_code == 200
    try:
        page = client.get("/quizzes/attention").text
        assert "作答次数已用完（共 2 次）" in page and "剩余作答次数" not in page
        assert "还需等待" not in page
    finally:
        save_rules(teach, {"csrf": teach_token})


def test_quiz_key_shown_when_the_rule_says_and_the_cooldown_counted(site):
    base, url, course = site
    client, token = signed_in(base, "bob", "bob-pass-12")
    assert "剩余作答次数：5/5" in client.get("/quizzes/sequence-models").text
    response, _ = post_quiz(
        client, token, "sequence-models", right_answers(course, "sequence-models", "bob")
    )
    bank = load_quiz(course.banks_dir, "sequence-models")
    assert '<td class="key">' in response.text and 'class="tag ok"' in response.text
    assert 'class="badge"' in response.text and "只显示总分" not in response.text  # verdicts too
    assert all(q.explanation["zh"] in response.text for q in bank.questions)
    # The result page says the score of record as the lab's attempt page does: 1 day late.
    record = re.search(r'<p class="late-note" id="record">([^<]*)</p>', response.text)
    assert record and "迟交 1 天" in record[1] and "− 10% =" in record[1], response.text[:3000]
    refused, _ = post_quiz(client, token, "sequence-models", {})
    assert refused.status_code == 403 and "60 分钟" in refused.text
    assert attempts(url, "bob", "sequence-models") == 1
    assert "剩余作答次数：4/5" in client.get("/quizzes/sequence-models").text


def graded_at(url: str, course: Course, student: str, when: datetime) -> int:
    """A full-marks attempt and its gradebook row handed in at `when`, as a grading writes
    them; returns the attempt's id."""
    from test_web_responsive import graded

    with Session(engine_for(url)) as db:
        attempt = graded(db, student, course.lab(LAB), f"# {student} {when}\n", passed=True)
        attempt.created_at = when
        db.flush()
        from graders.store.tables import Grade

        row = db.scalars(select(Grade).where(Grade.source.like(f"web:attempt/{attempt.id}/%")))
        row.one().submitted_at = when
        db.commit()
        return attempt.id


def test_a_late_attempt_s_page_api_and_history_say_the_score_that_counts(site, capsys):
    """One answer, record.py's: the attempt page, its JSON, the course page and `seqlab
    gradebook history` all show 100 − 20 % = 80 for an attempt two days late, and "does not
    count" for one after the lock."""
    from graders.cli import main

    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    late = graded_at(url, course, "bob", datetime.now(UTC) - timedelta(hours=2))  # 2 days late
    locked = graded_at(url, course, "bob", datetime.now(UTC))  # after the lock (1 h ago)
    bob, _token = signed_in(base, "bob", "bob-pass-12")
    data = bob.get(f"/api/attempts/{late}").json()
    assert data["score"] == pytest.approx(points * 0.8) and data["raw_score"] == points
    assert data["late_days"] == 2 and data["penalty_percent"] == pytest.approx(20)
    assert data["counts"] is True and "迟交 2 天" in data["record_text"]
    assert f"{points * 0.8:g} 计入成绩" in data["html"]
    page = bob.get(f"/attempts/{late}").text
    assert f"{points:g} − 20% = {points * 0.8:g} 计入成绩" in page
    gone = bob.get(f"/api/attempts/{locked}").json()
    assert gone["score"] is None and gone["counts"] is False and "不计入成绩" in gone["record_text"]
    bob.cookies.set("seqlab_lang", "en")
    page = bob.get(f"/attempts/{late}").text
    assert f"submitted 2 day(s) late: {points:g} − 20 % = {points * 0.8:g} counts" in page
    assert "does not count" in bob.get(f"/attempts/{locked}").text
    assert f"{points * 0.8:g}" in bob.get("/").text  # the course page: the same score
    db = url.removeprefix("sqlite:///")
    args = ["--lang", "en", "gradebook", "history", "--db", db, "--student", "bob"]
    assert main([*args, "--course", str(course.root), "--lab", LAB]) == 0
    out = capsys.readouterr().out
    assert f"− 20 % = {points * 0.8:g} counts" in out and "does not count" in out, out
    assert "Asia/Shanghai" in out  # its times on the course's clock, labelled


def test_attempt_lists_and_the_lab_page_say_the_score_of_record_with_staff_overrides(site):
    """Each listed attempt says the score it counts for; the lab page and the attempt API give
    the score of record with a staff override (its reason to staff only), also for a student
    who never submitted."""
    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    handed_in = datetime.now(UTC) - timedelta(hours=2)
    late = graded_at(url, course, "bob", handed_in)  # 2 days late
    bob, _token = signed_in(base, "bob", "bob-pass-12")
    bob.cookies.set("seqlab_lang", "en")
    counts = f"{points:g} − 20 % = {points * 0.8:g} counts"
    history = bob.get(f"/labs/{LAB}/history").text
    assert counts in history  # the 评测记录 lists' rows
    # Times on the course's clock, labelled, as the deadlines are (one formatting function).
    shown = local_time(handed_in, ZoneInfo("Asia/Shanghai"), seconds=True)
    assert shown.endswith("(Asia/Shanghai)") and shown in history
    assert shown in bob.get(f"/attempts/{late}").text
    assert counts in bob.get(f"/labs/{LAB}").text
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    assert counts in teach.get("/instructor/students/bob").text  # the staff's per-attempt line
    for student, score in (("bob", 0.9 * points), ("alice", 0.5 * points)):
        form = {"csrf": token, "lab": LAB, "score": f"{score:g}", "reason": f"oral exam {student}"}
        assert teach.post(f"/instructor/students/{student}/override", data=form).status_code == 200
    data = bob.get(f"/api/attempts/{late}").json()
    assert data["adjusted"] is True and data["record_score"] == pytest.approx(0.9 * points)
    adjusted = f"Score of record: {0.9 * points:g}/{points:g} (adjusted by staff)"
    assert adjusted in data["record_text"] and "oral exam" not in str(data)
    page = bob.get(f"/labs/{LAB}").text
    assert adjusted in page and "oral exam" not in page
    assert "Reason: oral exam bob" in teach.get(f"/api/attempts/{late}").json()["record_text"]
    assert shown in teach.get("/instructor/students/bob").text
    alice, _token = signed_in(base, "alice", "alice-pass-1")
    alice.cookies.set("seqlab_lang", "en")
    page = alice.get(f"/labs/{LAB}").text  # no submission: the override is the score of record
    assert f"Score of record: {0.5 * points:g}/{points:g} (adjusted by staff)" in page


def test_the_rules_page_shows_the_file_s_settings_and_refuses_an_unknown_student(site):
    """seqlab.toml's extensions and an item's `policy` are shown, marked as the file's; an
    extension for someone not on the roster is refused with the nearest roster id."""
    base, _url, course = site
    config = course.root / "seqlab.toml"
    before = config.read_text(encoding="utf-8")
    extended = before.replace('late_policy = "closed"', 'policy = "closed"')
    config.write_text(extended + f"[extensions.bob]\n{LAB} = {stamp(timedelta(days=5))}\n", "utf-8")
    try:
        teach, token = signed_in(base, "teach", "teach-pass-1")
        teach.cookies.set("seqlab_lang", "en")
        page = teach.get("/instructor/rules").text
        assert f'name="ext|bob|{LAB}"' in page and "from seqlab.toml" in page
        assert "a value entered here overrides it" in page
        assert re.search(r'name="set\|attention\|late_policy" value="" placeholder="closed"', page)
        new = {"csrf": token, "new_student": "bbo", "new_item": LAB}
        refused = save_rules(teach, {**new, "new_due": stamp(timedelta(days=1))})
        assert refused.status_code == 400 and "bbo is not on the roster" in refused.text
        assert "the nearest id: bob" in refused.text
        assert 'name="ext|bbo|' not in teach.get("/instructor/rules").text  # nothing stored
        # The file's per-item `policy` can be changed on the web: the web's value wins.
        penalty = {"csrf": token, "set|attention|late_policy": "penalty"}
        assert save_rules(teach, penalty).status_code == 200
        page = teach.get("/instructor/rules").text
        assert 'name="set|attention|late_policy" value="penalty"' in page
        assert save_rules(teach, {"csrf": token}).status_code == 200
    finally:
        config.write_text(before, encoding="utf-8")


def test_a_closed_quiz_says_it_is_closed_and_its_key_once_the_rule_allows(site):
    """Past its due time with late answers closed: no paper, no "attempts left", and the key
    is said to be shown now (not "after <a past date>") and is shown on the attempts."""
    base, url, course = site
    if attempts(url, "alice", "attention") == 0:  # run alone: alice answers first
        client, token = signed_in(base, "alice", "alice-pass-1")
        post_quiz(client, token, "attention", right_answers(course, "attention", "alice"))
    teach, teach_token = signed_in(base, "teach", "teach-pass-1")
    past = {"csrf": teach_token, "set|attention|due": stamp(-timedelta(hours=2))}
    assert save_rules(teach, past).status_code == 200
    try:
        for name, password in (("bob", "bob-pass-12"), ("alice", "alice-pass-1")):
            client, _token = signed_in(base, name, password)
            page = client.get("/quizzes/attention").text
            assert "本测验已关闭，不能再作答" in page and 'id="quiz-form"' not in page
            assert "剩余作答次数" not in page and "作答次数已用完" not in page
            assert "正确答案与解析已公布" in page and "后公布" not in page
        # alice's first attempt, answered (an empty one never shows the key)
        attempt = re.findall(r'href="(/quizzes/attention/attempts/\d+)"', page)[-1]
        assert '<td class="key">' in client.get(attempt).text
        bank = load_quiz(course.banks_dir, "attention")
        assert bank.questions[0].explanation["zh"] in client.get(attempt).text
    finally:
        save_rules(teach, {"csrf": teach_token})


def test_staff_attempts_and_a_chosen_grade_carry_no_late_wording(site):
    """Staff are not bound by the calendar: their own late attempt counts as it is, without
    "late"; a grade an instructor chose (`gradebook choose`) counts as it is too (record.py),
    and every surface says so — the attempt's JSON, the lists, the staff's student page."""
    from graders.store.gradebook import Gradebook
    from graders.store.tables import Grade

    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    late = datetime.now(UTC) - timedelta(hours=2)  # 2 days late (20 %) for a student
    mine = graded_at(url, course, "teach", late)
    teach, _token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    data = teach.get(f"/api/attempts/{mine}").json()
    assert data["score"] == points and data["late_days"] == 0, data
    assert "late" not in data["record_text"] and "counts" not in data["record_text"]
    assert "late" not in teach.get(f"/labs/{LAB}/history").text.split("<main")[-1]
    chosen = graded_at(url, course, "alice", late)
    with Session(engine_for(url)) as db:
        source = f"web:attempt/{chosen}/%"
        row = db.scalars(select(Grade).where(Grade.source.like(source))).one()
    book = Gradebook(url)
    book.choose(row.id)
    book.close()
    data = teach.get(f"/api/attempts/{chosen}").json()
    assert data["score"] == points and "− 20 %" not in data["record_text"], data
    page = teach.get("/instructor/students/alice").text
    assert f"{points:g} − 20 % = {points * 0.8:g} counts" not in page.split(f"#{chosen}")[-1][:3000]
