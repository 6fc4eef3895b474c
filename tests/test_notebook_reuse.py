"""In a real kernel: loading the extension is silent however often and wherever it is done,
and the public grade cells reuse the check cell's result of the same program (issue 16)."""

import json
import os
from pathlib import Path

import pytest
from test_notebooks import blank_cell, fill, starter_notebook

from graders.notebooks.nbgrader import grade_cell

LAB = "scaled-dot-product"
LOAD = "%load_ext graders.notebooks.magic"
RELOAD = "%reload_ext graders.notebooks.magic"
# Run without history (as the test's, not the notebook's): every grading of the kernel's
# magic module, counted, the real grading still done.
SPY = """\
import graders.notebooks.magic as _magic
_gradings = []
_real_grade_lab = _magic.grade_lab
def _counted(*args, **kwargs):
    outcome = _real_grade_lab(*args, **kwargs)
    _gradings.append(outcome.result.full_marks if outcome.result else None)
    return outcome
_magic.grade_lab = _counted"""


class Kernel:
    """A real IPython kernel in `folder`, run as `nbgrader validate` runs it (headless)."""

    def __init__(self, folder: Path):
        try:
            from jupyter_client.manager import start_new_kernel
        except ImportError:
            pytest.fail("install the jupyter extra: .venv/bin/pip install -e '.[dev]'")
        env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
        env["NBGRADER_VALIDATING"] = "1"
        self.manager, self.client = start_new_kernel(
            kernel_name="python3", cwd=str(folder), env=env
        )

    def run(self, code: str, *, history: bool = True) -> tuple[str, list[str]]:
        """(everything the cell printed or showed, its error lines); fails on a timeout."""
        shown, errors = [], []

        def hook(message):
            content, kind = message["content"], message["msg_type"]
            if kind == "stream":
                shown.append(content["text"])
            elif kind in ("display_data", "execute_result", "update_display_data"):
                shown.append(content["data"].get("text/html") or content["data"]["text/plain"])
            elif kind == "error":
                errors.extend(content["traceback"])

        self.client.execute_interactive(code, store_history=history, output_hook=hook, timeout=180)
        return "".join(shown), errors

    def gradings(self) -> list:
        out, errors = self.run("print(_gradings)", history=False)
        assert not errors, errors
        return eval(out)  # a list of True/False/None printed by the kernel itself

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(tmp_path):
    started = Kernel(tmp_path)
    yield started
    started.close()


def code_cells(notebook: dict) -> list[str]:
    return [c["source"] for c in notebook["cells"] if c["cell_type"] == "code"]


def grade_cells(course) -> list[str]:
    """The public sets' grade cells, as `seqlab export nbgrader` writes them."""
    tests = enumerate(course.lab(LAB).tests, start=1)
    return [grade_cell(n, test, LAB, "en").source for n, test in tests if not test.hidden]


def test_loading_the_extension_again_is_silent_and_checks_once(course, tmp_path, kernel):
    notebook = fill(course, LAB)
    (tmp_path / "scaled_dot_product.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    said = []
    for source in (
        f"{LOAD}\n{LOAD}",  # the README's line pasted above the check cell's own
        f"{RELOAD}\n{LOAD}",
        RELOAD,
        RELOAD,
        LOAD,
        f"{LOAD}\n%unload_ext graders.notebooks.magic\n{LOAD}",
    ):
        out, errors = kernel.run(source, history=False)
        assert not errors, (source, errors)
        said.append(out)
    assert said == [""] * len(said), said
    # Another extension is still told it is loaded: only ours is quiet.
    kernel.run("%load_ext autoreload", history=False)
    out, _ = kernel.run("%load_ext autoreload", history=False)
    assert "already loaded" in out
    # Registered once, whatever was run: one transformer, one check, one grading.
    out, _ = kernel.run(
        "print(sum(t.__module__ == 'graders.notebooks.magic' "
        "for t in get_ipython().input_transformers_post))",
        history=False,
    )
    assert out.strip() == "1"
    kernel.run(SPY, history=False)  # after the reloads: each made the module anew
    out, errors = kernel.run(
        f"{LOAD}\n%seqlab check scaled_dot_product.ipynb --lang en", history=False
    )
    assert not errors and 'data-score="40"' in out and "already loaded" not in out, out
    assert out.count('class="seqlab-result"') == 1
    assert kernel.gradings() == [True]


def test_grade_cells_reuse_the_check_of_the_same_program_only(course, tmp_path, kernel):
    filled = fill(course, LAB)
    (tmp_path / "scaled_dot_product.ipynb").write_text(json.dumps(filled), encoding="utf-8")
    kernel.run(SPY, history=False)
    # Run All as `nbgrader validate` does: the notebook's cells (the check cell among them),
    # then the public sets' grade cells.
    for source in code_cells(filled):
        _, errors = kernel.run(source)
        assert not errors, (source, errors)
    assert kernel.gradings() == [True]
    for source in grade_cells(course):
        _, errors = kernel.run(source)
        assert not errors, errors
    assert kernel.gradings() == [True], "the grade cells graded again"
    # The same kernel runs the notebook again with the first blank untouched (its history
    # begins anew; the kept result does not): the grade cells grade the edit and fail.
    kernel.run("get_ipython().history_manager.reset(new_session=True)", history=False)
    edited = json.loads(json.dumps(filled))
    blank_cell(edited, 1)["source"] = blank_cell(starter_notebook(course, LAB), 1)["source"]
    check_cell = next(c for c in edited["cells"] if c.get("id") == "seqlab-check")
    for source in code_cells(edited):
        if source != check_cell["source"]:  # straight from the edit to the grade cells
            kernel.run(source)
    failed = []
    for source in grade_cells(course):
        _, errors = kernel.run(source)
        failed.append("did not pass" in "\n".join(errors))
    assert kernel.gradings() == [True, False]
    assert any(failed), failed
