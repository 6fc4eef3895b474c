"""The web attempt page draws a wrong answer's attention weights as heatmaps (issue 18, item 4):
`seqlab serve` in its own process, Chromium at a phone's width (390 px), a student fills the
scaled-dot-product blanks with the classic mistake (no division by √d_k) and presses 评测.
The screenshot is kept at build/test-artifacts/web/heatmap-web.png."""

from __future__ import annotations

import pytest
from test_web_browser import ARTIFACTS, CHROMIUM, GRADE_MS, bodies, shot
from web_helpers import seqlab_serve

from graders.spec import Course

LAB = "scaled-dot-product"
ROSTER = "username,name,password,role\nstu1,Student One,student-pass-1,student\n"


def test_the_attempt_page_shows_heatmaps_with_the_differing_cells_outlined(tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    from playwright.sync_api import sync_playwright

    lab = Course.locate().lab(LAB)
    wrong = [
        body.replace("Q @ K.T / np.sqrt(d_k)", "Q @ K.T") for body in bodies(lab.solution_path)
    ]
    assert wrong != bodies(lab.solution_path)
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
        for number, body in enumerate(wrong, start=1):
            page.evaluate("([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body])
        width = "document.documentElement.scrollWidth"
        before = page.evaluate(width)
        page.get_by_role("button", name="评测").click()
        page.wait_for_selector("#results #total", timeout=GRADE_MS)

        print("page width before and after the results:", before, page.evaluate(width))
        assert page.evaluate(width) <= max(before, 390)  # the pictures widen nothing
        figures = page.locator("#results figure.heatmap")
        assert figures.count() == 2  # the two public sets; hidden sets are not run by a check
        figure = figures.nth(1)  # the causal mask: five weights differ
        figure.scroll_into_view_if_needed()
        svg = figure.locator("svg.heatmap")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] <= 390  # scaled to the phone's width
        assert figure.locator("rect.differs").count() == 10  # five cells, in both matrices
        outline = figure.locator("rect.differs").first
        assert outline.is_visible() and outline.get_attribute("stroke") == "#cf222e"
        assert "注意力权重" in figure.inner_text() and "红框" in figure.inner_text()
        # And the mistake named, with its hint, above the pictures.
        named = page.locator("#results p.mistake")
        assert named.count() >= 2 and named.first.is_visible()
        assert "看起来像常见错误：打分没有除以 √d_k — 提示：" in named.first.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        figure.screenshot(path=str(ARTIFACTS / "heatmap-web.png"))
        shot(page, "heatmap-web-page")
        # Nothing of it was refused by the page's Content-Security-Policy.
        assert refused == [], refused
        context.close()
        browser.close()
