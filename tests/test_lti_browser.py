"""An LTI launch in a real browser (Debian's Chromium, Playwright): the test platform's launch
page auto-posts into `seqlab serve`'s login initiation, the platform's auth endpoint posts the
signed id_token back, and the student lands in the lab the resource link names, signed in as
the LMS's user; filling the blanks and pressing 评测 sends the score of record back to the
platform's line item (AGS), where the test reads it.

The landed lab page's screenshot is kept as build/test-artifacts/web/lti-launch.png (and in
/work/notes/shots/ when that folder exists).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lti_helpers import platform_and_tool, wait_for
from lti_platform import Member

from graders.markers import parse
from graders.spec import Course
from graders.web.lti.claims import username_for

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"
NOTES_SHOTS = Path("/work/notes/shots")
GRADE_MS = 240_000
LAB = "rnn-numpy"


def bodies(path: Path) -> list[str]:
    return [
        "".join(blank.body) for blank in parse(path.read_text(encoding="utf-8"), str(path)).blanks
    ]


def test_an_lti_launch_lands_in_the_lab_and_a_submission_sends_the_score_back(tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    from playwright.sync_api import sync_playwright

    lab = Course.locate().lab(LAB)
    with platform_and_tool(tmp_path, "--cold") as lms, sync_playwright() as playwright:
        platform = lms.platform
        student = Member("lms-student-11", "Zhao Lei", "Learner")
        launch_page = platform.add_launch(student, custom={"lab": LAB}, lineitem="11")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            page.goto(launch_page)  # the LMS's page: it posts on by itself
            page.wait_for_url(f"{lms.tool}/labs/{LAB}", timeout=30_000)
            page.wait_for_selector(".cm-editor")
            header = page.inner_text("header")
            assert "Zhao Lei" in header
            assert username_for(platform.issuer, student.sub) in header
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "lti-launch.png"
            page.screenshot(path=str(shot), full_page=False)
            if NOTES_SHOTS.is_dir():
                shutil.copy(shot, NOTES_SHOTS / "lti-launch.png")

            for number, body in enumerate(bodies(lab.solution_path), start=1):
                page.evaluate(
                    "([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body]
                )
            page.get_by_role("button", name="评测").click()
            page.wait_for_selector("#results #total", timeout=GRADE_MS)
            total = page.inner_text("#results #total")
        finally:
            browser.close()
        sent = wait_for(lambda: platform.scores, "the score at the platform")
        maximum = float(sum(t.points for t in lab.tests))
        assert [(s["userId"], s["lineitem"]) for s in sent] == [(student.sub, "11")]
        assert sent[0]["scoreGiven"] == sent[0]["scoreMaximum"] == maximum, (sent, total)
        assert sent[0]["gradingProgress"] == "FullyGraded"
