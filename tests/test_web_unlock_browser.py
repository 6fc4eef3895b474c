"""关卡 unlocking in a real browser (Debian's Chromium, Playwright) against the real server
(uvicorn on loopback): the next 关卡 is greyed on the course page with what opens it and no
link; its URL answers with the rule; the student fills the current lab's blanks with the
reference, presses 评测, the real grader passes it, and the next 关卡 opens.
Screenshots are kept under build/test-artifacts/web/ (the paths are printed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_web_browser import bodies
from test_web_calendar import ROSTER
from test_web_calendar_browser import ARTIFACTS, CHROMIUM, signed_in
from test_web_unlock import NEXT, unlock_course
from web_helpers import LAB, course_app, serve

ROOT = Path(__file__).resolve().parent.parent
GRADE_MS = 240_000


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"unlock-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    root = tmp_path_factory.mktemp("unlock-browser")
    course = unlock_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    with serve(course_app(course, ROSTER, url)) as base:
        yield base, course


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


def test_a_locked_level_is_not_reachable_until_the_one_before_is_passed(site, browser):
    base, course = site
    page = signed_in(browser, base, "alice", "alice-pass-1")
    title = course.lab(NEXT).title["zh"]
    locked = page.locator(f"li.level.locked:has(.name:text-is('{title}'))")
    assert locked.count() == 1 and locked.locator("a").count() == 0  # greyed, no link
    assert "需先通过" in locked.inner_text() and LAB in locked.inner_text()
    color = locked.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(242, 242, 242)"  # greyed (site.css)
    shot(page, "1-course-locked")
    answer = page.goto(f"/labs/{NEXT}")
    assert answer.status == 403
    assert "尚未解锁" in page.inner_text("main") and "需先通过" in page.inner_text("main")
    assert page.locator(".cm-editor").count() == 0  # no editor, no starter
    shot(page, "2-locked-url")

    page.goto("/")
    page.click(f"a[href='/labs/{LAB}']")
    page.wait_for_selector(".cm-editor")
    lab = course.lab(LAB)
    for number, body in enumerate(bodies(lab.solution_path), start=1):
        page.evaluate("([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body])
    page.get_by_role("button", name="评测").click()
    page.wait_for_selector("#results #total", timeout=GRADE_MS)

    page.goto("/")
    opened = page.locator(f"a[href='/labs/{NEXT}']")
    assert opened.count() == 1 and locked.count() == 0  # open: a link, not greyed
    shot(page, "3-course-open")
    opened.click()
    page.wait_for_selector(".cm-editor")
    starter = course.lab(NEXT).starter_path.read_text(encoding="utf-8")
    assert page.evaluate("window.seqlabEditor.text()") == starter
