"""The web attempt page draws a training lab's loss curve over the reference's band (issue 18,
item 4): `seqlab serve` in its own process, Chromium at a phone's width (390 px), a student
fills the seq2seq blanks with far too little training and presses 评测. The screenshot is kept
at build/test-artifacts/web/curve-web.png."""

from __future__ import annotations

import pytest
from test_web_browser import ARTIFACTS, CHROMIUM, GRADE_MS, bodies, shot
from web_helpers import seqlab_serve

from graders.spec import Course

LAB = "seq2seq"
ROSTER = "username,name,password,role\nstu1,Student One,student-pass-1,student\n"


def test_the_attempt_page_draws_the_loss_curve_with_its_sentence(tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    from playwright.sync_api import sync_playwright

    lab = Course.locate().lab(LAB)
    short = [
        body.replace("range(EPOCHS)", "range(EPOCHS // 10)") for body in bodies(lab.solution_path)
    ]
    assert short != bodies(lab.solution_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    serving = seqlab_serve(tmp_path / "web.sqlite", tmp_path / "serve.log", "--roster", str(roster))
    with serving as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Security" in m.text else None)
        page.goto(f"/login?next=/labs/{LAB}")
        page.fill("input[name=username]", "stu1")
        page.fill("input[name=password]", "student-pass-1")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector(".cm-editor")
        for number, body in enumerate(short, start=1):
            page.evaluate("([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body])
        width = "document.documentElement.scrollWidth"
        before = page.evaluate(width)
        page.get_by_role("button", name="评测").click()
        page.wait_for_selector("#results #total", timeout=GRADE_MS)

        assert page.evaluate(width) <= max(before, 390)  # the curve widens nothing
        figures = page.locator("#results figure.curve")
        assert figures.count() == 1  # one training for the public sets: drawn once
        figure = figures.first
        figure.scroll_into_view_if_needed()
        svg = figure.locator("svg.curve")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] <= 390
        assert figure.locator("polygon.band").count() == 1
        assert figure.locator("polyline.losses").count() == 1
        assert figure.get_attribute("data-outside") == "yes"
        text = figure.inner_text()
        assert "训练损失" in text and "高于参考答案" in text and "150" in text
        assert "seqlab losses" not in page.locator("#results").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        figure.screenshot(path=str(ARTIFACTS / "curve-web.png"))
        shot(page, "curve-web-page")
        assert refused == [], refused
        context.close()
        browser.close()
