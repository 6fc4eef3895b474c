"""关卡 unlocking enforced by the real server (uvicorn on loopback, web_helpers.serve): a locked
lab's page (task and starter), draft saves, history and submissions, and a locked quiz's paper
and answers, answer 403 with the rule and what opens it in both languages, and nothing is
stored; the course page lists them greyed without a link; staff are exempt; a lab opens once
the score of record of the one before reaches the pass mark, a staff override included.
Nothing here runs the sandbox: grades are written as a grading writes them."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session
from test_web_calendar import ROSTER, attempts, signed_in, stamp
from test_web_responsive import graded
from web_helpers import LAB, course_app, save_rules, serve

from graders.spec import Course
from graders.web.models import engine_for

ROOT = Path(__file__).resolve().parent.parent
NEXT = "gru-step"  # level 4, after rnn-numpy's 3


def unlock_course(root: Path, late: bool = False) -> Course:
    """rnn-numpy then gru-step in order; the quiz `attention` requires gru-step; the quiz
    `sequence-models` opens in a day."""
    for lab in (LAB, NEXT):
        for part in ("exercises", "solutions"):
            shutil.copytree(ROOT / part / lab, root / part / lab)
        (root / "graders" / "labs").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "graders" / "labs" / f"{lab}.toml", root / "graders" / "labs")
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    day, hour = timedelta(days=1), timedelta(hours=1)  # due 47 h ago: two started days late
    late_rules = (
        f"[late]\nper_day = 10\nfloor = 50\n[calendar.{LAB}]\ndue = {stamp(-2 * day + hour)}\n"
    )
    (root / "seqlab.toml").write_text(
        f"""[course]
timezone = "Asia/Shanghai"
[unlock]
mode = "sequential"
pass = 60
[calendar.attention]
requires = ["{NEXT}"]
[calendar.sequence-models]
open = {stamp(day)}
"""
        + (late_rules if late else ""),
        encoding="utf-8",
    )
    return Course.locate(root)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("unlock-course")
    course = unlock_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    with serve(app) as base:
        yield base, url, course


def locked_routes(client: httpx.Client, token: str) -> list[httpx.Response]:
    """Every route of a locked lab and quiz, as the page's scripts and a browser call them."""
    json = {"X-CSRF-Token": token, "Accept": "application/json"}
    return [
        client.get(f"/labs/{NEXT}"),
        client.post(f"/labs/{NEXT}/submit", data={"code": "x = 1\n"}, headers=json),
        client.post(f"/labs/{NEXT}/submit", data={"code": "x = 1\n", "csrf": token}),
        client.post(f"/labs/{NEXT}/draft", data={"code": "x = 1\n", "base": "0"}, headers=json),
        client.get(f"/labs/{NEXT}/history"),
        client.get("/quizzes/attention"),
        client.post("/quizzes/attention", data={"csrf": token, "paper": "0" * 32}),
        client.get("/quizzes/sequence-models"),
    ]


def grade(url: str, course: Course, student: str, lab: str, passed: bool) -> None:
    with Session(engine_for(url)) as db:
        graded(db, student, course.lab(lab), f"# {student}\n", passed)
        db.commit()


def test_every_route_of_a_locked_lab_or_quiz_is_refused_with_what_opens_it(site):
    base, url, _course = site
    client, token = signed_in(base, "alice", "alice-pass-1")
    home = client.get("/").text
    assert f'href="/labs/{NEXT}"' not in home and f'href="/labs/{LAB}"' in home
    assert 'class="level locked"' in home and "需先通过" in home and "未解锁" in home
    assert 'href="/quizzes/attention"' not in home and 'href="/quizzes/sequence-models"' not in home
    starter = (ROOT / "exercises" / NEXT / "gru_step.py").read_text(encoding="utf-8")
    code_line = next(line for line in starter.splitlines() if line.startswith("def "))
    for response in locked_routes(client, token):
        assert response.status_code == 403, (response.request.url, response.text[:300])
        assert "尚未解锁" in response.text, response.request.url
        assert code_line not in response.text  # no starter served
    page = client.get(f"/labs/{NEXT}").text
    assert "需先通过" in page and LAB in page and "60%" in page
    assert "开放" in client.get("/quizzes/sequence-models").text
    client.cookies.set("seqlab_lang", "en")
    refused = client.post(
        f"/labs/{NEXT}/submit",
        data={"code": "x = 1\n"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert refused.json()["locked"] == NEXT
    assert "is locked" in refused.json()["error"] and "Opens once you pass" in refused.text
    assert attempts(url, "alice", NEXT) == 0 and attempts(url, "alice", "attention") == 0


def test_a_locked_item_is_titled_by_what_it_is_and_a_closed_requirement_said(site):
    """Not "you may not see this page": "locked: finish <requirement> first", the quiz by its
    title; a requirement closed for the student is said so, with who can help."""
    from quizzes.bank import load_quiz

    base, _url, course = site
    alice, _token = signed_in(base, "alice", "alice-pass-1")
    alice.cookies.set("seqlab_lang", "en")
    gru = course.lab(NEXT).title["en"]
    page = alice.get(f"/labs/{NEXT}").text
    assert f"<title>Locked: finish {course.lab(LAB).title['en']} first" in page
    assert "You may not see this page" not in page
    quiz = alice.get("/quizzes/attention")
    title = load_quiz(course.banks_dir, "attention").title["en"]
    assert quiz.status_code == 403 and f"{title} is locked" in quiz.text
    assert f"<title>Locked: finish {gru} first" in quiz.text
    teach, token = signed_in(base, "teach", "teach-pass-1")
    closed = {"csrf": token, f"set|{NEXT}|lock": stamp(-timedelta(hours=1))}
    assert save_rules(teach, closed).status_code == 200
    try:
        said = " ".join(alice.get("/quizzes/attention").text.split())
        assert f"{gru} is closed for you and can no longer be passed: ask your instructor" in said
    finally:
        save_rules(teach, {"csrf": token})


def test_staff_are_exempt(site):
    base, _url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    assert f'href="/labs/{NEXT}"' in teach.get("/").text
    assert teach.get(f"/labs/{NEXT}").status_code == 200
    assert teach.get("/quizzes/attention").status_code == 200
    saved = teach.post(f"/labs/{NEXT}/draft", data={"code": "x = 2\n", "base": "0", "csrf": token})
    assert saved.status_code == 200, saved.text


def test_the_instructor_turns_unlocking_off_and_on_again_on_the_rules_page(site):
    base, _url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    page = teach.get("/instructor/rules").text
    assert 'name="set|*|unlock"' in page and 'name="set|attention|requires"' in page
    assert f'placeholder="{NEXT}"' in page and 'placeholder="sequential"' in page
    bad = save_rules(teach, {"csrf": token, "set|*|unlock": "levels"})
    assert bad.status_code == 400 and "unlock.mode" in bad.text and "sequential" in bad.text
    # A lock on the first 关卡 while the next stays open strands whoever has not passed it:
    # the page says so on save, with the fixes.
    locked = save_rules(teach, {"csrf": token, f"set|{LAB}|lock": stamp(timedelta(days=1))})
    assert locked.status_code == 200 and "dead-end" in locked.text
    assert f"{NEXT} 需先通过 {LAB}" in locked.text and "延期" in locked.text
    teach.cookies.set("seqlab_lang", "en")
    assert "lock later, or unblock such a student" in teach.get("/instructor/rules").text
    teach.cookies.set("seqlab_lang", "zh")
    assert "dead-end" not in save_rules(teach, {"csrf": token}).text
    alice, _ = signed_in(base, "alice", "alice-pass-1")
    saved = save_rules(teach, {"csrf": token, "set|*|unlock": "off"})
    assert saved.status_code == 200
    try:
        assert alice.get(f"/labs/{NEXT}").status_code == 200
    finally:
        save_rules(teach, {"csrf": token})  # back to the file's
    assert alice.get(f"/labs/{NEXT}").status_code == 403


def test_the_next_lab_opens_once_the_one_before_is_passed_or_staff_set_a_passing_score(site):
    base, url, course = site
    bob, _token = signed_in(base, "bob", "bob-pass-12")
    grade(url, course, "bob", LAB, passed=False)  # 0 points: not passed
    assert bob.get(f"/labs/{NEXT}").status_code == 403
    teach, teach_token = signed_in(base, "teach", "teach-pass-1")
    top = course.lab(LAB).tests
    points = sum(t.points for t in top)
    overridden = teach.post(
        "/instructor/students/bob/override",
        data={"csrf": teach_token, "lab": LAB, "score": f"{points * 0.6:g}", "reason": "oral"},
    )
    assert overridden.status_code == 200, overridden.text
    opened = bob.get(f"/labs/{NEXT}")
    assert opened.status_code == 200
    assert "gru" in opened.text.lower()  # the task and the editor's starter
    assert bob.get("/quizzes/attention").status_code == 403  # requires gru-step itself
    grade(url, course, "bob", NEXT, passed=True)
    assert bob.get("/quizzes/attention").status_code == 200
    assert 'href="/quizzes/attention"' in bob.get("/").text
    # alice passes the first lab with a real grade: the second opens for her too.
    alice, _ = signed_in(base, "alice", "alice-pass-1")
    grade(url, course, "alice", LAB, passed=True)
    assert alice.get(f"/labs/{NEXT}").status_code == 200
    assert f'href="/labs/{NEXT}"' in alice.get("/").text


def test_staff_unblock_a_student_who_never_submitted_with_an_override(site, capsys):
    """A dead end: alice never handed in gru-step, which the quiz `attention` requires. An
    override needs no grade: it is the grade of record by itself, said as such — on the
    pages and in `seqlab gradebook history`, which reads the same score of record."""
    from graders.cli import main

    base, url, course = site
    alice, _ = signed_in(base, "alice", "alice-pass-1")
    teach, token = signed_in(base, "teach", "teach-pass-1")
    assert attempts(url, "alice", NEXT) == 0
    assert alice.get("/quizzes/attention").status_code == 403
    page = teach.get("/instructor/students/alice").text
    assert f'id="lab-{NEXT}"' in page and "还没有任何提交" in page  # listed, with its form
    set_ = teach.post(
        "/instructor/students/alice/override",
        data={"csrf": token, "lab": NEXT, "score": "100", "reason": "oral exam"},
    )
    assert set_.status_code == 200, set_.text
    assert "没有提交；成绩由教师设定" in set_.text and "oral exam" in set_.text
    assert alice.get("/quizzes/attention").status_code == 200
    assert "教师已调整" in alice.get("/").text
    assert attempts(url, "alice", NEXT) == 0  # nothing was made up as a submission
    db, root = url.removeprefix("sqlite:///"), str(course.root)
    history = ["--lang", "en", "gradebook", "history", "--db", db, "--course", root]
    assert main([*history, "--student", "alice", "--lab", NEXT]) == 0
    out = capsys.readouterr().out
    assert "no submission; the grade was set by staff" in out and "(reason: oral exam)" in out
    assert main([*history, "--student", "bob", "--lab", LAB]) == 0  # over a graded attempt
    assert "set by staff to" in capsys.readouterr().out
