"""The platform in a real browser: `seqlab serve` in its own process, Debian's Chromium driven
by Playwright. A student signs in, fills seq2seq's blanks through the editor, presses 评测 and
sees 通过 on every public set; submits the starter and sees 未通过; takes the attention quiz.
An instructor imports a roster through the upload form.
Each page's screenshot is kept under build/test-artifacts/web/ (the paths are printed).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from graders.markers import parse
from graders.spec import Course
from quizzes.bank import load_quiz
from quizzes.paper import make_paper

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"
START_SECONDS = 60
GRADE_MS = 180_000  # seq2seq trains (≈ 10 s), plus a warm worker's start on a busy machine
LAB, QUIZ = "seq2seq", "attention"
PASSWORD = "student-pass-1"
TEACHER_PASSWORD = "teacher-pass-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} not found: run `make system` (it installs chromium)", pytrace=False
        )
    if not (ROOT / "graders" / "web" / "static" / "editor.js").is_file():
        pytest.fail("the editor bundle is missing: run `make web`", pytrace=False)
    folder = tmp_path_factory.mktemp("serve")
    roster = folder / "roster.csv"
    roster.write_text(
        "username,name,password,role\n"
        f"stu1,Student One,{PASSWORD},student\nteach,Teacher,{TEACHER_PASSWORD},instructor\n",
        encoding="utf-8",
    )
    port = _free_port()
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            *(str(ROOT / ".venv" / "bin" / "seqlab"), "serve", "--port", str(port)),
            *("--db", str(folder / "web.sqlite"), "--roster", str(roster)),
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            text = (folder / "serve.log").read_text(errors="replace")
            pytest.fail(f"seqlab serve did not start in {START_SECONDS} s:\n{text}", pytrace=False)
        time.sleep(0.3)
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def bodies(path: Path) -> list[str]:
    return [
        "".join(blank.body) for blank in parse(path.read_text(encoding="utf-8"), str(path)).blanks
    ]


def grade(page) -> None:
    """Press 评测 and wait for this attempt's results."""
    page.evaluate("document.getElementById('results').innerHTML = ''")
    page.get_by_role("button", name="评测").click()
    page.wait_for_selector("#results #total", timeout=GRADE_MS)


def public_verdicts(page) -> list[str]:
    """Each public set's verdict as the page writes it ("✔ 通过", "✘ 运行错误", …)."""
    return page.eval_on_selector_all(
        "#results section.set",
        "sets => sets.filter(s => !s.querySelector('.tag'))"
        ".map(s => s.querySelector('.verdict').textContent.trim())",
    )


def test_a_student_does_a_lab_and_a_quiz_in_the_browser(page, server):
    course = Course.locate()
    lab = course.lab(LAB)

    page.goto("/")
    assert page.url.endswith("/login?next=/")
    page.fill("input[name=username]", "stu1")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "1-sign-in")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("ol.levels")
    assert "第2关" in page.content()
    shot(page, "2-course")

    page.click(f"a[href='/labs/{LAB}']")
    page.wait_for_selector(".cm-editor")
    for heading in ("任务描述", "相关知识", "编程要求", "测试说明"):
        assert page.locator(f".task h2:text-is('{heading}')").count() == 1
    starter_text = page.evaluate("window.seqlabEditor.text()")
    assert starter_text == lab.starter_path.read_text(encoding="utf-8")
    shot(page, "3-lab-before")

    # Outside the blanks nothing can be typed: the first line is locked.
    page.click(".cm-line >> nth=0")
    page.keyboard.press("End")
    page.keyboard.type("# edited")
    assert page.evaluate("window.seqlabEditor.text()") == starter_text
    # Inside a blank typing works (then the reference's bodies replace it).
    first = page.evaluate("window.seqlabEditor.blanks()[0].first")
    # By keyboard, as a student moves: the editor draws only the lines in view, so the blank's
    # line (past the first screen on a long template) has no element to click until reached.
    page.keyboard.press("Control+Home")
    for _line in range(first - 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.type("  # mine")
    assert "# mine" in page.evaluate("window.seqlabEditor.text()")

    for number, body in enumerate(bodies(lab.solution_path), start=1):
        page.evaluate("([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body])
    assert page.evaluate("window.seqlabEditor.text()") == lab.solution_path.read_text(
        encoding="utf-8"
    )
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.get_by_role("button", name="评测").click()
    # Live status first (queued with its position, or already running) …
    page.wait_for_selector("#status[data-state]", timeout=10_000)
    assert page.get_attribute("#status", "data-state") in ("queued", "running", "done")
    page.wait_for_selector("#results #total", timeout=GRADE_MS)
    verdicts = public_verdicts(page)
    assert verdicts and all(verdict == "✔ 通过" for verdict in verdicts), verdicts
    # … pushed by the server over one stream (routes/events.py), never polled.
    assert [u for u in asked if u.endswith("/events")], asked
    assert not [u for u in asked if re.search(r"/api/attempts/\d+$", u)], asked
    # Every public set that runs shows its expected output (the code rules' set has none).
    runs = [t for t in lab.tests if not t.hidden and not t.rules]
    assert page.locator("#results dt:text-is('预期输出')").count() == len(runs)
    shot(page, "4-lab-after-reference")

    for number, body in enumerate(bodies(lab.starter_path), start=1):
        page.evaluate("([k, text]) => window.seqlabEditor.setBlank(k, text)", [number, body])
    grade(page)
    verdicts = public_verdicts(page)
    # Every set that runs fails; the code rules' set (blanks not written: nothing to refuse)
    # passes.
    assert len(verdicts) == len(runs) + 1 and verdicts[-1] == "✔ 通过", verdicts
    assert all(verdict.startswith("✘ ") for verdict in verdicts[: len(runs)]), verdicts
    assert "NotImplementedError" in page.inner_text("#results")
    shot(page, "5-lab-after-starter")

    page.reload()  # the history lists both attempts, newest first
    page.wait_for_selector("table.history")
    assert page.locator("table.history tbody tr").count() == 2

    paper = make_paper(load_quiz(course.banks_dir, QUIZ), "stu1")
    page.goto(f"/quizzes/{QUIZ}")
    for question in paper.questions:
        for letter in question.correct:
            page.check(f"input[name=q{question.number}][value={letter}]")
    shot(page, "6-quiz")
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_selector("#total")
    total = sum(q.question.points for q in paper.questions)
    assert f"得分 {total:g}/{total:g}" in page.inner_text("#total")
    shot(page, "7-quiz-result")

    page.click("#lang-switch")
    page.goto(f"/labs/{LAB}")
    page.wait_for_selector(".cm-editor")
    assert page.locator(".task h2:text-is('Task')").count() == 1
    assert page.get_by_role("button", name="Grade").count() == 1
    shot(page, "8-lab-english")


def test_an_instructor_imports_a_roster_through_the_form(page, tmp_path):
    """The form sends its CSRF token in its URL: the server checks the session, the role and
    the token before it reads the multipart body."""
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", "teach")
    page.fill("input[name=password]", TEACHER_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("header .who")
    page.goto("/instructor/roster")
    roster = tmp_path / "more.csv"
    roster.write_text("username,name,password\nstu2,Student Two,student-pass-2\n", "utf-8")
    page.set_input_files("input[name=roster]", str(roster))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "已导入 1 个账号" in page.inner_text("p.ok")
    shot(page, "9-roster-imported")
