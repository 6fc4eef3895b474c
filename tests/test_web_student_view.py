"""The instructor's view of a student (issue 15, item 4) through a real server (uvicorn on
loopback, the embedded queue grading in the sandbox): who may see it, the hidden sets' data
on it and nowhere else, regrades of one attempt and of a whole lab after a spec fix, score
overrides as the one score of record (gradebook page, CSV, class report, the student's own
page), and staff's own submissions left out of the class's numbers.

The course is a copy of rnn-numpy with one more hidden set whose expected output is wrong (a
spec bug): the reference scores 100 of 110 until the set is fixed and the lab regraded.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_helpers import LAB, class_report, course_app, serve, sign_in, submit

from graders.spec import Course
from graders.store.tables import Grade
from graders.web.models import Attempt, engine_for

ROOT = Path(__file__).resolve().parent.parent
ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "bob,Bob,bob-pass-12,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)
BUG = """
[[tests]]
name = "hidden-bug"
stdin = "1 1 1\\n1 0 1\\n"
expected = "spec-bug\\n"
points = 10
hidden = true
"""
HIDDEN_LINE = "h_1 0.980958 0.868997 0.323549"  # a line of hidden-1's expected output
GRADE_SECONDS = 120


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    spec = (ROOT / "graders" / "labs" / f"{LAB}.toml").read_text(encoding="utf-8")
    (root / "graders" / "labs" / f"{LAB}.toml").write_text(spec + BUG, encoding="utf-8")
    course = Course.locate(root)
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    with serve(app) as base:
        people = {name: client(base, name) for name in ("alice", "bob", "teach")}
        lab = course.lab(LAB)
        right = lab.solution_path.read_text(encoding="utf-8")
        wrong = lab.starter_path.read_text(encoding="utf-8")
        ids = {
            "alice_right": submit(people["alice"], people["alice"].token, right),
            "alice_wrong": submit(people["alice"], people["alice"].token, wrong),
            "bob_right": submit(people["bob"], people["bob"].token, right),
            "teach_right": submit(people["teach"], people["teach"].token, right),
        }
        for name, attempt in ids.items():
            assert wait_done(people[name.split("_")[0]], attempt)["status"] == "done"
        yield {"people": people, "ids": ids, "course": course, "url": url, "spec": spec}
        for person in people.values():
            person.close()


def client(base: str, name: str) -> httpx.Client:
    person = httpx.Client(base_url=base, follow_redirects=True, timeout=60)
    person.token = sign_in(
        person, name, {"alice": "alice-pass-1", "bob": "bob-pass-12"}.get(name, "teach-pass-1")
    )
    return person


def wait_done(person: httpx.Client, attempt: int) -> dict:
    deadline = time.monotonic() + GRADE_SECONDS
    while time.monotonic() < deadline:
        data = person.get(f"/api/attempts/{attempt}").json()
        if data["status"] in ("done", "error"):
            return data
        time.sleep(0.3)
    pytest.fail(f"attempt {attempt} not graded in {GRADE_SECONDS} s")


def post(person: httpx.Client, path: str, **form) -> httpx.Response:
    return person.post(path, data={"csrf": person.token, **form})


def in_english(person: httpx.Client, path: str) -> str:
    person.cookies.set("seqlab_lang", "en")
    try:
        return person.get(path).text
    finally:
        person.cookies.delete("seqlab_lang")


def scores_csv(teach: httpx.Client) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(teach.get("/instructor/scores.csv").text))
    return {row["student"]: row for row in rows}


def gradebook_cell(teach: httpx.Client, student: str) -> str:
    row = re.search(rf">[^<]*\({student}\)</a></td>(.*?)</tr>", teach.get("/instructor").text, re.S)
    return row[1]


def report_total(teach: httpx.Client, student: str) -> str:
    page = class_report(teach).text
    row = re.search(
        rf'<tr><th scope="row"><a href="[^"]+">{student}</a></th>(.*?)</tr>', page, re.S
    )
    return re.search(r'<td class="total [a-z]+">([^<]+)</td>', row[1])[1]


def test_only_staff_reach_a_students_page_and_only_there_are_hidden_sets_shown(platform):
    alice, bob, teach = (platform["people"][name] for name in ("alice", "bob", "teach"))
    ids = platform["ids"]
    for path in ("/instructor/students/alice", "/instructor/students/bob"):
        assert bob.get(path).status_code == 403, path  # another's page, and their own
    for path, form in (
        ("/instructor/students/alice/regrade", {"attempt": str(ids["alice_right"])}),
        ("/instructor/students/alice/override", {"lab": LAB, "score": "1", "reason": "x"}),
        ("/instructor/students/alice/overrides/1/remove", {}),
        (f"/instructor/labs/{LAB}/regrade", {}),
    ):
        assert post(bob, path, **form).status_code == 403, path
    assert bob.get(f"/instructor/labs/{LAB}/regrade").status_code == 403
    assert bob.get(f"/attempts/{ids['alice_right']}").status_code == 404
    # The student's own pages: hidden sets' verdicts only, never their data.
    own = [
        alice.get(path).text
        for path in (
            "/",
            f"/labs/{LAB}",
            f"/attempts/{ids['alice_right']}",
            f"/api/attempts/{ids['alice_right']}",
        )
    ]
    assert "hidden-1" in own[2]
    for body in own:
        assert HIDDEN_LINE not in body and "spec-bug" not in body
    # The staff's page: every attempt, the code, the diff, the hidden sets in full, the why.
    page = teach.get("/instructor/students/alice")
    assert page.status_code == 200
    html = page.text
    assert HIDDEN_LINE in html and "spec-bug" in html and "4 6 3" in html  # expected, input
    assert (
        f'id="attempt-{ids["alice_right"]}"' in html
        and f'id="attempt-{ids["alice_wrong"]}"' in html
    )
    assert re.search(r'<pre class="diff">.*<span class="del">', html, re.S)
    assert '<span class="k">def</span>' in html  # highlighted code
    assert f"规则“最高分”：第 {ids['alice_right']} 次提交" in html  # the score of record's why
    english = in_english(teach, "/instructor/students/alice")
    assert f"rule “best”: attempt #{ids['alice_right']}" in english
    assert teach.get("/instructor/students/nobody").status_code == 404
    # Links to it: the gradebook, the class report's table and its similar pairs.
    assert 'href="/instructor/students/alice"' in teach.get("/instructor").text
    report = class_report(teach).text
    assert '<th scope="row"><a href="/instructor/students/alice">alice</a></th>' in report
    assert re.search(r'<table class="pairs">.*href="/instructor/students/bob"', report, re.S)


def test_an_override_is_the_score_of_record_everywhere_until_removed(platform):
    alice, teach = platform["people"]["alice"], platform["people"]["teach"]
    assert float(scores_csv(teach)["alice"][LAB]) == 100
    bad = post(teach, "/instructor/students/alice/override", lab=LAB, score="111", reason="why")
    assert bad.status_code == 400 and "0 到 110" in bad.text
    bad = post(teach, "/instructor/students/alice/override", lab=LAB, score="50", reason=" ")
    assert bad.status_code == 400 and "原因" in bad.text
    done = post(
        teach,
        "/instructor/students/alice/override",
        lab=LAB,
        score="42.5",
        reason="late-day waiver",
    )
    assert done.status_code == 200 and str(done.url).endswith("/instructor/students/alice")
    assert "late-day waiver" in done.text and "100 → 42.5" in done.text and "teach" in done.text
    assert "教师调整" in done.text
    assert "42.5/110" in gradebook_cell(teach, "alice")
    assert float(scores_csv(teach)["alice"][LAB]) == 42.5
    assert report_total(teach, "alice") == "42.5/110"
    course_page = alice.get("/").text
    assert "教师已调整" in course_page and "late-day waiver" not in course_page
    assert "adjusted by staff" in in_english(alice, "/")
    # Removed: the rule decides again, and the history keeps both who set it and who removed it.
    override_id = re.search(r"/overrides/(\d+)/remove", done.text)[1]
    removed = post(teach, f"/instructor/students/alice/overrides/{override_id}/remove")
    assert (
        removed.status_code == 200 and "撤销" in removed.text and "late-day waiver" in removed.text
    )
    assert float(scores_csv(teach)["alice"][LAB]) == 100
    assert report_total(teach, "alice") == "100/110"
    assert "教师已调整" not in alice.get("/").text


def test_staff_submissions_are_left_out_of_the_class_numbers(platform):
    teach = platform["people"]["teach"]
    assert set(scores_csv(teach)) == {"alice", "bob"}
    report = class_report(teach).text
    assert "students/teach" not in report and ">teach<" not in report
    assert "100/110" in teach.get("/").text  # the instructor still sees their own score


def test_regrade_one_attempt_then_the_whole_lab_after_a_spec_fix(platform):
    teach, ids, url = platform["people"]["teach"], platform["ids"], platform["url"]
    engine = engine_for(url)

    def rows(attempt: int) -> int:
        with Session(engine) as session:
            source = f"web:attempt/{attempt}/%"
            return session.scalar(
                select(func.count()).select_from(Grade).where(Grade.source.like(source))
            )

    first = post(teach, "/instructor/students/alice/regrade", attempt=str(ids["alice_right"]))
    assert first.status_code == 200
    # Asked again while it is queued or running: nothing more is sent (only finished
    # attempts go back in the queue), and the page shows the regrade under way.
    again = post(teach, "/instructor/students/alice/regrade", attempt=str(ids["alice_right"]))
    assert again.status_code == 200
    assert "重新评测中" in again.text or wait_done(teach, ids["alice_right"])
    assert wait_done(teach, ids["alice_right"])["score"] == 100
    assert rows(ids["alice_right"]) == 1
    # The spec is fixed (the wrong set goes); the whole class is graded again.
    spec = platform["course"].lab(LAB).spec_path
    spec.write_text(platform["spec"], encoding="utf-8")
    response = post(teach, f"/instructor/labs/{LAB}/regrade")
    assert response.status_code == 200 and str(response.url).endswith(
        f"/instructor/labs/{LAB}/regrade"
    )
    deadline = time.monotonic() + 4 * GRADE_SECONDS
    while "重新评测完成" not in response.text:
        assert "重新评测中" in response.text and time.monotonic() < deadline
        assert '<meta http-equiv="refresh"' in response.text
        time.sleep(1)
        response = teach.get(f"/instructor/labs/{LAB}/regrade")
    for attempt in ids.values():
        assert rows(attempt) == 1  # replaced, not added beside the old spec's row
    scores = scores_csv(teach)
    assert float(scores["alice"][LAB]) == 100 and float(scores["bob"][LAB]) == 100
    assert "100/100" in gradebook_cell(teach, "alice")
    assert "spec-bug" not in teach.get("/instructor/students/alice").text


def test_staff_typos_in_an_override_or_a_regrade_are_refused_with_the_nearest_id(platform):
    """An unknown lab id is named with the nearest; a regrade form without an attempt's number
    or a lab says so to staff (not the students' message); nothing changes."""
    teach = platform["people"]["teach"]
    teach.cookies.set("seqlab_lang", "en")
    try:
        typo = LAB[:-1] + "x"
        bad = post(teach, "/instructor/students/bob/override", lab=typo, score="5", reason="r")
        assert bad.status_code == 400 and f"no lab or quiz {typo}" in bad.text, bad.text
        assert f"the nearest id: {LAB}" in bad.text and "no grade yet" not in bad.text
        bad = post(teach, "/instructor/students/bob/regrade", lab=typo)
        assert bad.status_code == 400 and f"the nearest id: {LAB}" in bad.text
        bad = post(teach, "/instructor/students/bob/regrade", attempt="abc")
        assert bad.status_code == 400 and "`abc` is not an attempt number" in bad.text
        assert "missing" not in bad.text
        bad = post(teach, "/instructor/students/bob/regrade", lab="nolab")
        assert bad.status_code == 400 and "no lab or quiz nolab; nothing" in bad.text
        assert "nearest" not in bad.text  # no near id: not "(the nearest id: —)"
        for attempt in ("999", str(ids_of(platform, "alice"))):  # none, or another student's
            bad = post(teach, "/instructor/students/bob/regrade", attempt=attempt)
            assert bad.status_code == 400, bad.status_code
            assert f"attempt #{attempt} is not one of bob" in bad.text  # (bob&#39;s)
    finally:
        teach.cookies.delete("seqlab_lang")
    with Session(engine_for(platform["url"])) as db:  # nothing was set
        from graders.store.tables import ScoreOverride

        assert not db.scalar(select(func.count()).where(ScoreOverride.lab == typo))


def ids_of(platform, student: str) -> int:
    """One of the student's attempts (for a regrade posted on another student's page)."""
    with Session(engine_for(platform["url"])) as db:
        return db.scalar(select(func.min(Attempt.id)).where(Attempt.student == student))
