"""The course calendar in a real browser (Debian's Chromium, Playwright) against the real
server (uvicorn on loopback): a lab past its deadline refuses 评测 and says the rule; a quiz's
answers stay hidden until the deadline, which the instructor then moves into the past on the
rules page, and are shown after; reloading a quiz result records no second attempt.
Screenshots are kept under build/test-artifacts/web/ (the paths are printed)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_web_calendar import ROSTER, attempts, calendar_course, stamp
from web_helpers import LAB, course_app, serve

from quizzes.bank import load_quiz
from quizzes.paper import make_paper

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    root = tmp_path_factory.mktemp("calendar-browser")
    course = calendar_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    with serve(course_app(course, ROSTER, url)) as base:
        yield base, url, course


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield chromium
        chromium.close()


def signed_in(browser, base: str, username: str, password: str):
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base + "/")
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"calendar-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_a_lab_past_its_deadline_refuses_grading_and_says_the_rule(site, browser):
    base, url, _course = site
    page = signed_in(browser, base, "alice", "alice-pass-1")
    assert "已于" in page.inner_text("ol.levels")  # the course page: the lab closed
    page.goto(f"/labs/{LAB}")
    page.wait_for_selector(".cm-editor")
    assert "之后不再接受提交" in page.inner_text("#rules") or "已于" in page.inner_text("#rules")
    page.get_by_role("button", name="评测").click()
    # A locator wait: the page's CSP forbids the eval a JavaScript predicate would need.
    page.wait_for_selector("#status:has-text('不再接受提交')")
    assert "Asia/Shanghai" in page.inner_text("#status")
    shot(page, "lab-refused")
    assert attempts(url, "alice", LAB) == 0
    page.context.close()


def test_quiz_answers_hidden_until_the_deadline_then_shown_and_a_reload_is_one_attempt(
    site, browser
):
    base, url, course = site
    page = signed_in(browser, base, "bob", "bob-pass-12")
    page.goto("/quizzes/attention")
    assert "后公布" in page.inner_text("#rules")
    paper = make_paper(load_quiz(course.banks_dir, "attention"), "bob")
    for question in paper.questions:
        for letter in question.correct:
            page.check(f"input[name=q{question.number}][value={letter}]")
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_selector("#total")
    result = page.url
    assert "/quizzes/attention/attempts/" in result
    assert page.locator("td.key").count() == 0 and page.locator(".tag.ok").count() == 0
    shot(page, "quiz-key-hidden")
    for _ in range(2):
        page.reload()
        page.wait_for_selector("#total")
    assert attempts(url, "bob", "attention") == 1

    teacher = signed_in(browser, base, "teach", "teach-pass-1")
    teacher.goto("/instructor")
    teacher.get_by_role("link", name="日历与规则").click()
    assert "优先于" in teacher.inner_text("#precedence")  # the page says the precedence
    teacher.fill('input[name="set|attention|due"]', stamp(-timedelta(minutes=5)))
    teacher.get_by_role("button", name="保存").click()
    # bob's answer was on time and now is not: the page says whose score changes, and the
    # change is made when the teacher saves again.
    teacher.wait_for_selector("text=确认修改请再次点击")
    assert "1 名学生" in teacher.inner_text("body")
    teacher.get_by_role("button", name="保存").click()
    teacher.wait_for_selector("text=已保存")
    shot(teacher, "rules-page")

    page.goto(result)
    page.wait_for_selector("td.key")
    assert page.locator("td.key").count() == len(paper.questions)
    explanation = paper.questions[0].question.explanation["zh"]
    page.locator("details").first.click()
    assert explanation in page.content()
    shot(page, "quiz-key-shown")
    assert attempts(url, "bob", "attention") == 1
    page.context.close()
    teacher.context.close()
