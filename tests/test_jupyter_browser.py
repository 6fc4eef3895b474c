"""`%seqlab check` in a real JupyterLab 4, driven in Debian's chromium (issue 16).

One JupyterLab on loopback for the module (tests/jupyter_helpers.py); each test works in its
own folder of the server's root, as a student would: typing into cells, File → Rename,
Run All. Screenshots go to build/test-artifacts/jupyter/ (and /work/notes/shots/ if it
exists, for the issue's notes)."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from jupyter_helpers import CHROMIUM, ROOT, chromium, jupyter_lab

from graders.cells import cut
from graders.notebooks.build import notebook_path

pytest.importorskip("playwright")
LAB = "rnn-numpy"
ARTIFACTS = ROOT / "build" / "test-artifacts" / "jupyter"
NOTES_SHOTS = Path("/work/notes/shots")
CHECK_MS = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make system`", pytrace=False)
    home = tmp_path_factory.mktemp("jupyter")
    with jupyter_lab(home) as server:
        yield server


@pytest.fixture(scope="module")
def page(lab, tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chrome")) as page:
        yield page


def notebooks(course) -> tuple[dict, str, str]:
    """The lab's notebook with the blank filled in, the starter's blank cell, the filled one."""
    lab = course.lab(LAB)
    notebook = json.loads(notebook_path(lab).read_text(encoding="utf-8"))
    filled = next(c.source for c in cut(lab.solution_path.read_text("utf-8"), "x") if c.blanks)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("seqlab", {}).get("blanks"))
    starter = "".join(cell["source"])
    cell["source"] = filled
    return notebook, starter, filled


def put(lab, folder: str, name: str, notebook: dict) -> Path:
    path = lab.root / folder / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    return path


def shot(page, name: str) -> None:
    page.locator(".seqlab-result, .seqlab-error").first.evaluate("e => e.scrollIntoView()")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if NOTES_SHOTS.is_dir():
        shutil.copy(ARTIFACTS / f"{name}.png", NOTES_SHOTS / f"{name}.png")


def open_notebook(page, lab, path: str) -> None:
    page.goto(lab.open(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden)"
        " .jp-Notebook-ExecutionIndicator')].some(e => e.dataset.status === 'idle')"
        " && !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)"
        ' .jp-KernelName jp-button[aria-label="No Kernel"]\')',
        timeout=60_000,
    )


def cell(page, text: str):
    found = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell", has_text=text)
    found.first.scroll_into_view_if_needed()
    return found.first


def type_into(page, text: str, new_source: str) -> None:
    """Replace a cell's text as a student would (select all in its editor, type)."""
    cell(page, text).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(new_source)


def run_check(page) -> object:
    """Run the check cell (Shift+Enter) and wait for its verdict."""
    check = cell(page, "%seqlab check")
    check.locator(".jp-OutputArea").evaluate("e => e.replaceChildren()")
    check.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    check.locator(".seqlab-result, .seqlab-error").first.wait_for(timeout=CHECK_MS)
    check.scroll_into_view_if_needed()
    return check


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def test_an_unsaved_edit_is_graded_never_the_stale_file(lab, page, course):
    notebook, starter, filled = notebooks(course)
    path = put(lab, "unsaved", "rnn_numpy.ipynb", notebook)  # the correct blank, saved
    open_notebook(page, lab, "unsaved/rnn_numpy.ipynb")
    type_into(page, filled.splitlines()[0], starter)  # broken again, not saved
    check = run_check(page)
    shot(page, "jupyter-check-after-unsaved-edit")
    result = check.locator(".seqlab-result")
    assert result.get_attribute("data-score") == "0", check.inner_text()
    assert "✘" in check.inner_text()  # it says which sets fail, and how
    # The check saved what is on screen first: the file now holds the broken blank.
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert starter.strip() in ["".join(c["source"]).strip() for c in saved["cells"]]


def test_a_renamed_notebook_is_graded_not_the_lab_notebook_beside_it(lab, page, course):
    notebook, starter, _ = notebooks(course)
    mine = dict(notebook, cells=json.loads(json.dumps(notebook["cells"])))
    next(c for c in mine["cells"] if c["metadata"].get("seqlab", {}).get("blanks"))["source"] = (
        starter
    )
    put(lab, "renamed", "rnn_numpy.ipynb", mine)  # the student's, still unfilled
    open_notebook(page, lab, "renamed/rnn_numpy.ipynb")
    menu(page, "File", "Rename Notebook")
    field = page.locator(".jp-Dialog input")
    field.fill("my_rnn.ipynb")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_selector(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('my_rnn.ipynb')")
    put(lab, "renamed", "rnn_numpy.ipynb", notebook)  # a correct lab notebook beside it
    check = run_check(page)
    shot(page, "jupyter-check-after-rename")
    assert check.locator(".seqlab-result").get_attribute("data-score") == "0"
    assert "my_rnn.ipynb" in check.inner_text()


def test_a_duplicated_notebook_is_graded_as_its_lab(lab, page, course):
    notebook, _, _ = notebooks(course)
    put(lab, "copy", "rnn_numpy.ipynb", notebook)
    # File browser → Duplicate is the server's copy: POST with copy_from, named "-Copy1".
    request = urllib.request.Request(
        f"{lab.url}/api/contents/copy?token={lab.token}",
        data=json.dumps({"copy_from": "copy/rnn_numpy.ipynb"}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["name"] == "rnn_numpy-Copy1.ipynb"
    open_notebook(page, lab, "copy/rnn_numpy-Copy1.ipynb")
    check = run_check(page)
    assert check.locator(".seqlab-result").get_attribute("data-score") == "40", check.inner_text()
    assert "rnn_numpy-Copy1.ipynb" in check.inner_text()


def test_run_all_and_a_second_load_end_without_noise(lab, page, course):
    notebook, _, _ = notebooks(course)
    put(lab, "runall", "rnn_numpy.ipynb", notebook)
    open_notebook(page, lab, "runall/rnn_numpy.ipynb")
    for _ in range(2):  # the second Run All loads the extension again
        menu(page, "Run", "Run All Cells")
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden)"
            " .jp-InputPrompt').length > 0 && [...document.querySelectorAll("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]"
            ".every(e => /\\[\\d+\\]/.test(e.textContent))"
            " && document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)"
            " .jp-Notebook-ExecutionIndicator').dataset.status === 'idle'",
            timeout=CHECK_MS,
        )
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    assert panel.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0
    assert panel.locator(".jp-RenderedText[data-mime-type*='error']").count() == 0
    text = panel.inner_text()
    assert "already loaded" not in text and "ValueError" not in text
    assert panel.locator(".seqlab-result").get_attribute("data-score") == "40"
    assert "This cell reads the test input" in text  # the entry cell's note


def drag_into(page, name: str, folder: str) -> None:
    """Move a file into a folder as a student does: drag it in the file browser."""
    item = "li.jp-DirListing-item[title^='Name: {}']"
    source = page.locator(item.format(name)).first.bounding_box()
    target = page.locator(item.format(folder)).first.bounding_box()
    page.mouse.move(source["x"] + 20, source["y"] + source["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):  # past lumino's drag threshold, then over the folder
        page.mouse.move(source["x"] + 20, source["y"] + (target["y"] - source["y"]) * step / 10 + 8)
    page.mouse.up()


def test_a_notebook_moved_to_another_folder_is_graded_not_the_copy_left_behind(lab, page, course):
    """The kernel still runs in the old folder, where a correct stale copy is left: the
    check (and `--saved`) grade the moved notebook, what is on screen, and only it."""
    notebook, starter, filled = notebooks(course)
    put(lab, "before", "rnn_numpy.ipynb", notebook)
    (lab.root / "before" / "moved").mkdir()
    open_notebook(page, lab, "before/rnn_numpy.ipynb")
    page.locator("li.jp-DirListing-item[title^='Name: moved']").wait_for()
    drag_into(page, "rnn_numpy.ipynb", "moved")
    moved = lab.root / "before" / "moved" / "rnn_numpy.ipynb"
    deadline = time.monotonic() + 30
    while not moved.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert moved.is_file(), "the drag did not move the notebook"
    put(lab, "before", "rnn_numpy.ipynb", notebook)  # a correct copy where it was
    type_into(page, filled.splitlines()[0], starter)  # broken again, not saved
    check = run_check(page)
    shot(page, "jupyter-check-after-move")
    assert check.locator(".seqlab-result").get_attribute("data-score") == "0", check.inner_text()
    saved = json.loads(moved.read_text(encoding="utf-8"))
    assert starter.strip() in ["".join(c["source"]).strip() for c in saved["cells"]]
    # `--saved` grades the file as saved: the moved one, never the correct copy left behind.
    type_into(page, "%seqlab check", "%load_ext graders.notebooks.magic\n%seqlab check --saved")
    check = run_check(page)
    assert check.locator(".seqlab-result").get_attribute("data-score") == "0", check.inner_text()
