"""The instructor's view of a student in a real browser (issue 15, items 4 and 7): `seqlab
serve` in its own process, Debian's Chromium driven by Playwright. A student has two graded
attempts of rnn-numpy; the instructor opens the student from the gradebook, sees the diff
between the attempts and the hidden sets' data, regrades the newest attempt, overrides the
score with a reason, and the student's course page says the score was adjusted by staff.
Screenshots go to build/test-artifacts/web/ (or SEQLAB_SHOTS) and the instructor's view also
to /work/notes/shots/student-view.png when that folder exists.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from web_helpers import LAB, seqlab_serve

from graders.spec import Course
from graders.web.models import Attempt, engine_for

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("SEQLAB_SHOTS", ROOT / "build" / "test-artifacts" / "web"))
NOTES_SHOTS = Path("/work/notes/shots")
PASSWORD = "stu-pass-123"
GRADE_MS = 180_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    folder = tmp_path_factory.mktemp("student-view")
    roster = folder / "roster.csv"
    roster.write_text(
        "username,name,password,role\n"
        f"stu,Stu Dent,{PASSWORD},student\nteach,Teacher,{PASSWORD},instructor\n",
        encoding="utf-8",
    )
    db = folder / "web.sqlite"
    with seqlab_serve(db, folder / "serve.log", "--roster", str(roster)) as base:
        yield base, f"sqlite:///{db}"


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield browser
        browser.close()


def person(browser, base: str, username: str):
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("header .who")
    return context, page


def submit(page, code: str) -> int:
    """A 评测 as the lab page's script sends it (the editor itself is drafts' tests' subject)."""
    page.goto(f"/labs/{LAB}")
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(
        f"/labs/{LAB}/submit",
        form={"code": code},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.ok, response.text()
    attempt = response.json()["id"]
    page.goto(f"/attempts/{attempt}")
    page.wait_for_selector("#results .total, #results .problem", timeout=GRADE_MS)
    return attempt


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def graded_at(db_url: str, attempt: int):
    with Session(engine_for(db_url)) as session:
        return session.get(Attempt, attempt).finished_at


def test_instructor_opens_a_student_regrades_and_overrides(browser, server):
    server, db_url = server
    lab = Course.locate().lab(LAB)
    hidden_input = next(t.stdin for t in lab.tests if t.hidden).splitlines()[0]
    student, stu = person(browser, server, "stu")
    first = submit(stu, lab.solution_path.read_text(encoding="utf-8"))
    second = submit(stu, lab.starter_path.read_text(encoding="utf-8"))

    staff, teach = person(browser, server, "teach")
    teach.goto("/instructor")
    teach.click("a[href='/instructor/students/stu']")
    teach.wait_for_url("**/instructor/students/stu")
    newest = teach.locator(f"#attempt-{second}")
    assert newest.get_attribute("open") is not None  # the newest attempt is open
    # The diff against the previous attempt: the reference's lines taken out.
    assert f"#{first}" in newest.locator("h3", has_text="#").first.inner_text()
    assert newest.locator("pre.diff span.del").count() > 0
    assert newest.locator("pre.diff span.del").first.is_visible()
    # The hidden sets in full, staff only: name, input, expected and actual output.
    hidden = newest.locator(".hidden-set").first
    assert hidden.is_visible() and "hidden-1" in hidden.inner_text()
    assert hidden_input in hidden.locator("pre").first.inner_text()
    record = teach.inner_text(f"#record-{LAB}")
    assert "规则“最高分”" in record and f"第 {first} 次提交" in record

    # Regrade the newest attempt: the page follows it until it is graded again.
    before = graded_at(db_url, second)
    newest.locator("button", has_text="重新评测这次提交").click()
    teach.wait_for_url("**/instructor/students/stu")
    teach.wait_for_function(
        "() => !document.getElementById('regrade-progress')", timeout=GRADE_MS, polling=500
    )
    assert teach.locator(f"#attempt-{second} .hidden-set").count() > 0
    assert graded_at(db_url, second) > before  # graded again, through the server's queue

    # Override with a reason.
    teach.locator(f"#lab-{LAB} details.override summary").click()
    teach.fill(f"#lab-{LAB} input[name=score]", "77")
    teach.fill(f"#lab-{LAB} textarea[name=reason]", "regraded by hand: see email of 3 May")
    teach.click(f"#lab-{LAB} .override-form button[type=submit]")
    teach.wait_for_url("**/instructor/students/stu")
    record = teach.inner_text(f"#record-{LAB}")
    assert "77/" in record and "教师调整" in record and "教师已调整" in record
    assert "regraded by hand: see email of 3 May" in teach.inner_text(f"#lab-{LAB} ul.overrides")
    teach.locator(f"#lab-{LAB} details.override summary").click()  # closed for the picture
    path = shot(teach, "student-view")
    if NOTES_SHOTS.is_dir():
        shutil.copyfile(path, NOTES_SHOTS / "student-view.png")
    teach.goto("/instructor")
    assert re.search(r"77/\d+", teach.inner_text("table.gradebook"))

    # The student sees the score and that staff adjusted it, never the reason.
    stu.goto("/")
    level = stu.locator("li.level", has_text=lab.title["zh"])
    assert "77/" in level.inner_text() and "教师已调整" in level.inner_text()
    assert "email of 3 May" not in stu.content()
    shot(stu, "student-adjusted")
    staff.close()
    student.close()
