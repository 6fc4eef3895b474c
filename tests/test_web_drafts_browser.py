"""Drafts and the lab page's polish in a real browser (issue 15, items 1, 6 and 7): `seqlab
serve` in its own process, Debian's Chromium driven by Playwright, each test as its own
student in a fresh browser context.

Edits survive a reload, the language switch and an expired session; leaving with unsaved
edits asks first; an older tab is told its save is stale; Ctrl-Enter grades and the history
updates without a reload; at 390 px nothing is wider than the screen and the task comes
before the editor; the 测试说明 table breaks its lines. Screenshots of the lab page at
390 px and 1366×768 go to SHOTS (or build/test-artifacts/web/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from web_helpers import seqlab_serve

from graders.markers import parse
from graders.spec import Course

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("SEQLAB_SHOTS", ROOT / "build" / "test-artifacts" / "web"))
LAB = "rnn-numpy"  # the fast lab
GRADE_MS = 120_000
STUDENTS = ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")
PASSWORD = "student-pass-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    folder = tmp_path_factory.mktemp("drafts")
    roster = folder / "roster.csv"
    rows = "".join(f"{name},{name.title()},{PASSWORD},student\n" for name in STUDENTS)
    roster.write_text("username,name,password,role\n" + rows, encoding="utf-8")
    with seqlab_serve(folder / "web.sqlite", folder / "serve.log", "--roster", str(roster)) as base:
        yield base


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


@pytest.fixture
def context(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768})
    yield context
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("header .who")


def open_lab(page) -> None:
    page.goto(f"/labs/{LAB}")
    page.wait_for_selector(".cm-editor")


def type_in_blank(page, text: str) -> None:
    """Type at the end of the first blank's first line, as a student does (a user gesture,
    which the browser needs before it may ask on leaving)."""
    page.evaluate(
        """() => { const e = window.seqlabEditor;
        const end = e.view.state.doc.line(e.blanks()[0].first).to;
        e.view.dispatch({ selection: { anchor: end }, scrollIntoView: true }); e.view.focus(); }"""
    )
    page.keyboard.type(text)


def editor_text(page) -> str:
    return page.evaluate("window.seqlabEditor.text()")


def wait_saved(page, prefix: str = "草稿，保存于") -> None:
    page.wait_for_function(
        "p => document.getElementById('draft-status').textContent.startsWith(p)", arg=prefix
    )


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_edits_come_back_after_a_reload_and_the_language_switch(context):
    page = context.new_page()
    sign_in(page, "ann")
    open_lab(page)
    starter = editor_text(page)
    type_in_blank(page, "  # kept across reloads")
    wait_saved(page)
    page.reload()
    page.wait_for_selector(".cm-editor")
    assert "# kept across reloads" in editor_text(page)
    assert page.inner_text("#draft-status").startswith("草稿，保存于")
    page.click("#lang-switch")
    page.wait_for_selector(".cm-editor")
    assert "# kept across reloads" in editor_text(page)
    assert page.inner_text("#draft-status").startswith("draft, saved at")
    page.get_by_role("button", name="Back to the starter code").click()
    assert editor_text(page) == starter
    wait_saved(page, "draft, saved at")
    page.go_back()  # Back to the course, then forward again: the starter, as saved last
    page.go_forward()
    page.wait_for_selector(".cm-editor")
    assert editor_text(page) == starter


def test_edits_made_after_the_session_expired_survive_signing_in(context):
    page = context.new_page()
    sign_in(page, "bob")
    open_lab(page)
    context.clear_cookies()  # the session has expired
    type_in_blank(page, "  # typed after expiry")
    page.wait_for_selector("#draft-problem:not([hidden])")
    told = page.inner_text("#draft-problem")
    assert "登录已过期" in told and "刷新" not in told, told
    page.click("#draft-problem a")  # 重新登录, in this tab: no question on leaving
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector(".cm-editor")
    assert "# typed after expiry" in editor_text(page)
    wait_saved(page)
    page.evaluate("localStorage.clear()")  # now the server has it
    page.reload()
    page.wait_for_selector(".cm-editor")
    assert "# typed after expiry" in editor_text(page)


def test_leaving_with_unsaved_edits_asks_first(context):
    page = context.new_page()
    sign_in(page, "cat")
    open_lab(page)
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay

    page.on("dialog", answer)
    type_in_blank(page, "  # not saved yet")
    page.click("header a[href='/'] >> nth=1")  # the course link, before the save is due
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/labs/{LAB}")
    wait_saved(page)
    page.click("header a[href='/'] >> nth=1")  # saved: leaves without asking
    page.wait_for_selector("ol.levels")
    assert asked == ["beforeunload"]


def test_an_older_tab_is_told_its_save_is_stale(context):
    older, newer = context.new_page(), context.new_page()
    sign_in(older, "dan")
    open_lab(older)
    open_lab(newer)
    type_in_blank(newer, "  # from the newer tab")
    wait_saved(newer)
    type_in_blank(older, "  # from the older tab")
    older.wait_for_selector("#draft-problem:not([hidden])")
    assert "另一个标签页或窗口保存了更新的草稿" in older.inner_text("#draft-problem")
    newer.reload()
    newer.wait_for_selector(".cm-editor")
    text = editor_text(newer)
    assert "# from the newer tab" in text and "# from the older tab" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_older_tab_s_edits_are_offered_back_after_a_reload(context, lang):
    """The older tab, told its save is stale, reloaded anyway: its edits are neither the
    server's draft nor lost — the page offers them back, and restored they are saved."""
    older, newer = context.new_page(), context.new_page()
    sign_in(older, "gus")
    if lang == "en":
        older.goto("/lang/en?next=/")
    open_lab(older)
    open_lab(newer)
    type_in_blank(newer, f"  # newer tab {lang}")
    wait_saved(newer, "草稿，保存于" if lang == "zh" else "draft, saved at")
    type_in_blank(older, f"  # older tab {lang}")
    older.wait_for_selector("#draft-problem:not([hidden])")
    kept = "已另存在本浏览器中" if lang == "zh" else "kept in this browser"
    assert kept in older.inner_text("#draft-problem")
    type_in_blank(older, " and more")  # typed after the refusal: kept too
    older.on("dialog", lambda dialog: dialog.accept())  # leave anyway
    older.reload()
    older.wait_for_selector(".cm-editor")
    text = editor_text(older)
    assert f"# newer tab {lang}" in text and f"# older tab {lang}" not in text
    restore = (
        "恢复另一个标签页中未保存的修改" if lang == "zh" else "Restore the edits from the other tab"
    )
    older.evaluate("document.getElementById('draft-status').textContent = ''")  # as loaded
    older.get_by_role("button", name=restore).click()
    assert f"# older tab {lang} and more" in editor_text(older)
    wait_saved(older, "草稿，保存于" if lang == "zh" else "draft, saved at")
    older.evaluate("localStorage.clear()")  # the server has it now
    older.reload()
    older.wait_for_selector(".cm-editor")
    assert f"# older tab {lang} and more" in editor_text(older)
    assert not older.get_by_role("button", name=restore).is_visible()


def test_three_tabs_edits_are_each_kept_and_a_restore_loses_nothing(context):
    """Red team, round 4: a third tab's refused edits overwrote the second's, and restoring
    replaced the text on screen (the newest saved draft) without keeping it."""
    first, second, third = context.new_page(), context.new_page(), context.new_page()
    sign_in(first, "hal")
    for page in (first, second, third):
        open_lab(page)
    type_in_blank(first, "  # tab A")
    wait_saved(first)
    for page, text in ((second, "  # tab B"), (third, "  # tab C")):
        type_in_blank(page, text)  # both made from the version before A's save
        page.wait_for_selector("#draft-problem:not([hidden])")
    first.reload()
    first.wait_for_selector(".cm-editor")
    assert "# tab A" in editor_text(first)
    restore = first.get_by_role("button", name="恢复另一个标签页中未保存的修改")
    seen = {"A" if "# tab A" in editor_text(first) else "?"}
    for _ in range(3):  # C's, B's, then A's again: every text on offer in turn
        restore.click()
        text = editor_text(first)
        seen |= {tab for tab in "ABC" if f"# tab {tab}" in text}
        assert sum(f"# tab {tab}" in text for tab in "ABC") == 1, text
    assert seen == {"A", "B", "C"}


def test_ctrl_enter_grades_and_the_history_updates_without_a_reload(context):
    lab = Course.locate().lab(LAB)
    page = context.new_page()
    sign_in(page, "eve")
    open_lab(page)
    assert "Ctrl-Enter" in page.inner_text("#grade-button")
    assert "Esc" in page.inner_text("#keys-hint")
    assert page.locator("#history table.history").count() == 0
    path = lab.solution_path
    blanks = parse(path.read_text(encoding="utf-8"), str(path)).blanks
    for number, blank in enumerate(blanks, start=1):
        body = "".join(blank.body)
        page.evaluate("([k, t]) => window.seqlabEditor.setBlank(k, t)", [number, body])
    # Python is highlighted: the editor styles its tokens (a keyword's span has a class).
    assert page.locator(".cm-content span[class]").count() > 10
    page.evaluate("window.notReloaded = true")
    type_in_blank(page, "")
    page.keyboard.press("Escape")  # leaves the editor for 评测
    assert page.evaluate("document.activeElement.id") == "grade-button"
    page.click(".cm-content")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results #total", timeout=GRADE_MS)
    page.wait_for_selector("#history table.history tbody tr")
    assert page.locator("#history tbody tr").count() == 1
    page.wait_for_function(
        "document.querySelector('#history tbody tr td:nth-child(3)').textContent === '评测完成'"
    )
    assert page.evaluate("window.notReloaded") is True


def test_the_lab_page_fits_a_phone_and_a_laptop(browser, server):
    phone = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    sign_in(page, "fay")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    open_lab(page)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    task, editor = page.locator(".task").bounding_box(), page.locator(".cm-editor").bounding_box()
    assert task["y"] + task["height"] <= editor["y"]
    # The 测试说明 table breaks its lines: a <br> element, never the text "<br>".
    cells = page.locator(".task td:has(br)")
    assert cells.count() > 0
    assert "<br>" not in page.inner_text(".task")
    shot(page, "lab-390")
    phone.close()

    laptop = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768})
    page = laptop.new_page()
    sign_in(page, "fay")
    open_lab(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    task, editor = page.locator(".task").bounding_box(), page.locator(".cm-editor").bounding_box()
    assert task["x"] + task["width"] <= editor["x"]  # side by side
    shot(page, "lab-1366x768")
    laptop.close()
