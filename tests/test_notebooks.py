"""Labs as notebooks and notebooks as submissions (graders/cells.py, build.py)."""

import json
from pathlib import Path

import nbformat
import pytest

from graders.cells import cut, read_cells, read_notebook
from graders.cli import main
from graders.course.build import expected_starter, notebook_in_sync
from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.errors import SubmissionError
from graders.notebooks.build import make_notebook, notebook_path, notebook_text
from graders.service.pools import runner_for
from graders.submission import Submission, read_submission

FAST_LABS = ("rnn-numpy", "scaled-dot-product")


def as_notebook(course, lab_id: str, program: str, folder: Path) -> Path:
    lab = course.lab(lab_id)
    path = folder / notebook_path(lab).name
    path.write_text(notebook_text(make_notebook(lab, program, None)), encoding="utf-8")
    return path


def verdicts(result):
    return [(t.name, t.verdict.code, t.score) for t in result.tests]


def test_every_lab_has_its_notebook_in_sync(course):
    for lab in course.labs():
        assert notebook_in_sync(lab), f"{lab.id}: run `seqlab build`"


def test_regeneration_is_byte_identical_with_fixed_cell_ids(course):
    lab = course.lab("rnn-numpy")
    first = notebook_text(make_notebook(lab, expected_starter(lab), None))
    assert first == notebook_text(make_notebook(lab, expected_starter(lab), None))
    ids = [cell["id"] for cell in json.loads(first)["cells"]]
    assert ids[0] == "task-1" and "seqlab-check" in ids and "code-1" in ids


def test_blank_cells_hold_their_markers_and_locked_cells_are_locked(course):
    lab = course.lab("scaled-dot-product")
    notebook = nbformat.reads(notebook_path(lab).read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    code = [
        c
        for c in notebook.cells
        if c.cell_type == "code" and "check" not in c.metadata.get("seqlab", {})
    ]
    blanks = [c for c in code if c.metadata["seqlab"].get("blanks")]
    assert [c.metadata["seqlab"]["blanks"] for c in blanks] == [[1], [2]]
    for cell in blanks:
        assert "Begin" in cell.source and "End" in cell.source
        assert cell.metadata.get("editable", True)
    for cell in code:
        if cell not in blanks:
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert any(m.startswith("## 中文") for m in markdown)
    assert any(m.startswith("## English") for m in markdown)


def test_every_program_reads_back_from_its_notebook_exactly(course):
    """References, starters and every corpus entry of every lab: the notebook's code cells
    read back to the very text the .py holds, so the engine grades the same program."""
    for lab in course.labs():
        reference = lab.solution_path.read_text(encoding="utf-8")
        programs = [reference, expected_starter(lab)]
        programs += [corpus_program(reference, entry) for entry in load_corpus(lab)]
        for program in programs:
            notebook = notebook_text(make_notebook(lab, program, None))
            assert read_notebook(notebook, "x.ipynb").text == program, lab.id


NUMPY_LABS = ("rnn-numpy", "scaled-dot-product", "score-functions", "gru-step", "multi-head")
TORCH_LABS = (
    "attn-concat",
    "lstm-cell",
    "glimpse",
    "torch-rnn-api",
    "seq2seq",
    "seq2seq-attention",
)


def test_the_lab_lists_here_cover_the_course(course):
    assert set(NUMPY_LABS + TORCH_LABS) == set(course.lab_ids())


@pytest.mark.parametrize("lab_id", NUMPY_LABS)
def test_each_numpy_reference_grades_the_same_as_notebook(course, tmp_path, lab_id):
    lab = course.lab(lab_id)
    path = as_notebook(course, lab_id, lab.solution_path.read_text(encoding="utf-8"), tmp_path)
    as_py = grade_submission(lab, read_submission(lab.solution_path), include_hidden=True)
    as_nb = grade_submission(lab, read_submission(path), include_hidden=True)
    assert verdicts(as_nb) == verdicts(as_py)
    assert as_nb.full_marks and as_nb.ignored_lines == ()


@pytest.mark.slow
@pytest.mark.parametrize("lab_id", TORCH_LABS)
def test_each_torch_reference_grades_full_marks_as_notebook(course, tmp_path, lab_id):
    """Training labs: the notebook alone is graded (the .py reference's full marks on every
    set is the `seqlab validate` gate, and the read-back program text is identical above)."""
    lab = course.lab(lab_id)
    path = as_notebook(course, lab_id, lab.solution_path.read_text(encoding="utf-8"), tmp_path)
    as_nb = grade_submission(lab, read_submission(path), include_hidden=True)
    assert [t.verdict.code for t in as_nb.tests] == ["AC"] * len(lab.tests)
    assert as_nb.full_marks and as_nb.ignored_lines == ()


class RunsOnce:
    """A lab's warm runner that runs each distinct program on each input once: where a
    notebook splices to the very program its .py does, the second grading reads the first's
    runs (the question here is what the engine makes of a notebook; a differing program
    still runs)."""

    def __init__(self, runner) -> None:
        self.runner, self.runs = runner, {}

    def __call__(self, program, entry, stdins, limits, **options):
        key = (program, entry, tuple(stdins), options.get("fork_at_input"))
        if key not in self.runs:
            self.runs[key] = self.runner(program, entry, stdins, limits, **options)
        return self.runs[key]


@pytest.mark.parametrize("lab_id", FAST_LABS)
def test_every_corpus_entry_grades_the_same_as_notebook(course, tmp_path, lab_id):
    lab = course.lab(lab_id)
    reference = lab.solution_path.read_text(encoding="utf-8")
    with runner_for(lab, 1) as warm:
        runner = RunsOnce(warm)
        for entry in load_corpus(lab):
            program = corpus_program(reference, entry)
            path = as_notebook(course, lab_id, program, tmp_path)
            py = Submission(Path(lab.entry), program)
            as_py = grade_submission(lab, py, include_hidden=True, runner=runner)
            as_nb = grade_submission(lab, read_submission(path), include_hidden=True, runner=runner)
            check_same_grade(as_py, as_nb, entry)


def check_same_grade(as_py, as_nb, entry) -> None:
    assert verdicts(as_nb) == verdicts(as_py), entry.name
    assert as_nb.score == as_py.score == entry.score, entry.name
    # A notebook reports locked-cell edits by cell, and a statement added as a cell of its own
    # not at all; an edit that changes template code is reported either way.
    assert bool(as_nb.ignored_cells) == bool(as_nb.ignored_lines), entry.name
    if not as_py.ignored_lines:
        assert not as_nb.ignored_lines, entry.name


# --- what students do to notebooks ------------------------------------------------------------


def starter_notebook(course, lab_id: str) -> dict:
    notebook = json.loads(notebook_path(course.lab(lab_id)).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        cell["source"] = "".join(cell["source"])  # nbformat stores lines; Jupyter accepts both
    return notebook


def blank_cell(notebook: dict, number: int) -> dict:
    return next(
        c for c in notebook["cells"] if number in c["metadata"].get("seqlab", {}).get("blanks", [])
    )


def reference_blank_cells(course, lab_id: str) -> list[str]:
    lab = course.lab(lab_id)
    return [c.source for c in cut(lab.solution_path.read_text(encoding="utf-8"), "x") if c.blanks]


def fill(course, lab_id: str) -> dict:
    """The starter notebook with the reference's blank cells typed in, as a student would."""
    notebook = starter_notebook(course, lab_id)
    for number, source in enumerate(reference_blank_cells(course, lab_id), start=1):
        blank_cell(notebook, number)["source"] = source
    return notebook


def check(tmp_path, notebook: dict, capsys, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "scaled_dot_product.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    code = main(["--lang", "en", "check", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_filled_in_notebook_passes_and_the_starter_fails(course, tmp_path, capsys):
    code, out, _ = check(tmp_path, fill(course, "scaled-dot-product"), capsys)
    assert code == 0 and "ignored_lines" not in json.loads(out)
    code, out, _ = check(tmp_path, starter_notebook(course, "scaled-dot-product"), capsys)
    assert code == 1 and json.loads(out)["score"] == 0


def test_a_renamed_copy_of_the_starter_is_its_lab_by_its_metadata(course, tmp_path, capsys):
    notebook = json.dumps(fill(course, "scaled-dot-product"), ensure_ascii=False)
    for name in ("scaled_dot_product-Copy1.ipynb", "other.ipynb"):
        (tmp_path / name).write_text(notebook, encoding="utf-8")
        for command in ("check", "grade"):
            capsys.readouterr()
            code = main(["--lang", "en", command, str(tmp_path / name), "--json"])
            out, err = capsys.readouterr()
            assert code == 0 and json.loads(out)["lab"] == "scaled-dot-product", (name, err)


def test_split_merged_and_added_cells_outputs_and_tool_cells(course, tmp_path, capsys):
    notebook = fill(course, "scaled-dot-product")
    cells = notebook["cells"]
    first = blank_cell(notebook, 1)
    lines = first["source"].split("\n")
    # Split blank 1 in the middle of its body into two cells.
    at = cells.index(first)
    middle = len(lines) // 2
    first["source"] = "\n".join(lines[:middle]) + "\n"
    cells.insert(at + 1, {**first, "id": "split", "source": "\n".join(lines[middle:])})
    # Merge blank 2's cell into the cell after it.
    second = blank_cell(notebook, 2)
    index = cells.index(second)
    cells[index + 1]["source"] = second["source"] + "\n\n\n" + cells[index + 1]["source"]
    del cells[index]
    # A scratch cell with outputs, a tool cell, an empty cell, a markdown cell.
    scratch = {
        "cell_type": "code",
        "id": "scratch",
        "metadata": {},
        "execution_count": 3,
        "source": "print(softmax(np.array([1.0, 2.0])))",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "[0.27 0.73]\n"}],
    }
    tool = {
        "cell_type": "code",
        "id": "tool",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": "%timeit softmax(np.ones(3))\n!ls",
    }
    empty = {
        "cell_type": "code",
        "id": "empty",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": "\n",
    }
    cells[at:at] = [
        scratch,
        tool,
        empty,
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "my notes"},
    ]
    code, out, err = check(tmp_path, notebook, capsys)
    result = json.loads(out)
    assert code == 0, err
    assert result["score"] == result["max_score"]
    # The notebook invites added cells: the scratch cell is ignored silently (never run).
    assert "ignored_lines" not in result and "ignored_cells" not in result, result


def scratch_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": []} | {
        "id": f"own{abs(hash(source)) % 10**6}",
        "source": source,
    }


@pytest.mark.parametrize("where", ["top", "after_blank", "before_last", "end"])
def test_a_cell_of_the_students_own_is_ignored_silently(course, tmp_path, capsys, where):
    notebook = fill(course, "scaled-dot-product")
    cells = notebook["cells"]
    code_cells = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    at = {
        "top": 0,
        "after_blank": cells.index(blank_cell(notebook, 1)) + 1,
        "before_last": code_cells[-1],
        "end": len(cells),
    }[where]
    cells[at:at] = [scratch_cell('print("hi")'), scratch_cell("x = 1\n\n# mine\ny = x + 1")]
    code, out, err = check(tmp_path, notebook, capsys)
    result = json.loads(out)
    assert code == 0, err
    assert "ignored_lines" not in result and "ignored_cells" not in result, (where, result)
    capsys.readouterr()
    main(["--lang", "en", "check", str(tmp_path / "scaled_dot_product.ipynb")])
    assert "outside the blanks" not in capsys.readouterr().out


def test_an_edit_to_a_locked_cell_is_named_by_its_cell(course, tmp_path, capsys):
    notebook = fill(course, "scaled-dot-product")
    cells = notebook["cells"]
    cells.insert(0, scratch_cell('print("mine")'))  # an added cell before it changes nothing
    locked = next(
        i for i, c in enumerate(cells) if c["cell_type"] == "code" and "import" in c["source"]
    )
    cells[locked]["source"] += "\nimport os"
    code, out, _ = check(tmp_path, notebook, capsys)
    assert code == 0 and json.loads(out)["ignored_cells"] == [locked + 1]
    for lang, words in (("en", f"locked template cell(s) {locked + 1} "), ("zh", "单元格")):
        capsys.readouterr()
        main(["--lang", lang, "check", str(tmp_path / "scaled_dot_product.ipynb")])
        out = capsys.readouterr().out
        assert words in out and "line(s)" not in out, out


@pytest.mark.parametrize("command", ["%timeit x = 1", "!pip install torch"])
def test_an_ipython_command_inside_a_blank_names_cell_and_line(course, tmp_path, capsys, command):
    notebook = fill(course, "scaled-dot-product")
    cell = blank_cell(notebook, 2)
    lines = cell["source"].split("\n")
    lines.insert(3, command)
    cell["source"] = "\n".join(lines)
    number = notebook["cells"].index(cell) + 1
    code, out, err = check(tmp_path, notebook, capsys)
    assert code == 2 and out == ""
    assert f"cell {number} (counting every cell from the top), line 4" in err
    assert command in err and "Traceback" not in err


def test_a_percent_line_that_is_python_is_not_a_command(course, tmp_path, capsys):
    notebook = fill(course, "scaled-dot-product")
    cell = blank_cell(notebook, 1)
    cell["source"] = cell["source"].replace(
        "########## End ##########", "_unused = (7\n    % 3)\n########## End ##########"
    )
    code, _, err = check(tmp_path, notebook, capsys)
    assert code == 0, err


def test_a_deleted_marker_names_the_cell(course, tmp_path, capsys):
    notebook = fill(course, "scaled-dot-product")
    cell = blank_cell(notebook, 2)
    cell["source"] = cell["source"].replace("########## End ##########", "")
    code, _, err = check(tmp_path, notebook, capsys)
    assert code == 2 and "cell" in err and "Traceback" not in err


def test_a_marker_error_in_a_notebook_is_said_whole_in_each_language():
    # The inner marker message fills the notebook's in the reader's language, on both sides.
    cells = [(1, "# a task cell came first"), (3, "x = 1\n########## Begin ##########\ny = 2")]
    with pytest.raises(SubmissionError) as caught:
        read_cells(cells, "n.ipynb")
    en, zh = caught.value.render("en"), caught.value.render("zh")
    assert en.startswith("n.ipynb, cell 3 (counting every cell from the top), line 2:")
    assert "markers are broken — n.ipynb, line 5: this Begin marker has no End" in en
    assert "第 3 个单元格" in zh
    assert "填空标记有问题——n.ipynb 第 5 行：这个 Begin 标记直到文件末尾" in zh


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not a readable Jupyter notebook"),
        ('{"worksheets": [], "nbformat": 3}', "nbformat 3"),
        ('{"cells": [{"cell_type": "code", "source": 3}]}', "cell 1"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_broken_notebooks_are_refused_clearly(tmp_path, capsys, text, words):
    path = tmp_path / "scaled_dot_product.ipynb"
    path.write_text(text, encoding="utf-8")
    assert main(["--lang", "en", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


# --- %seqlab check inside a real kernel ----------------------------------------------------------


def run_in_kernel(node, folder: Path, *, allow_errors: bool = False):
    """Run All in a real kernel, as JupyterLab would; an error output fails the run unless
    allowed (a student's broken cell fails in the kernel too)."""
    try:
        from nbclient import NotebookClient
    except ImportError:
        pytest.fail("install the jupyter extra: .venv/bin/pip install -e '.[dev]'", pytrace=False)
    client = NotebookClient(
        node,
        timeout=120,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()


def html(cell) -> str:
    outputs = [o for o in cell.outputs if o.output_type == "display_data"]
    assert outputs, cell.outputs
    return outputs[0].data["text/html"]


def test_the_magic_grades_the_notebook_in_a_real_kernel(course, tmp_path):
    notebook = fill(course, "scaled-dot-product")
    path = tmp_path / "scaled_dot_product.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    node = nbformat.read(path, as_version=4)
    for source in (
        "%load_ext graders.notebooks.magic\n%seqlab check --lang en",  # loaded again: silent
        "%seqlab check missing.ipynb --lang en",
        "%seqlab frobnicate",
        "%seqlab frobnicate --lang en",
        "%seqlab check --bogus --lang=en",
    ):
        node.cells.append(nbformat.v4.new_code_cell(source))
    # Run All: no cell ends in an error, the program's entry cell (it reads stdin) included.
    run_in_kernel(node, tmp_path)

    check_cell = next(c for c in node.cells if c.get("id") == "seqlab-check")
    zh, en, missing, usage, usage_en, usage_en2 = (
        html(check_cell),
        *(html(c) for c in node.cells[-5:]),
    )
    for page in (zh, en):
        assert 'class="seqlab-result" data-score="40" data-max-score="40"' in page
        assert page.count('data-verdict="AC"') == 2 and "Traceback" not in page
    # A check runs the public sets: it never says "all passed" of a grade not given yet.
    assert "公开测试集全部通过" in zh and "提交评测时才会运行" in zh and "预期输出" in zh
    assert "All public test sets passed" in en and "run only when you submit" in en
    assert "All test sets passed" not in en
    assert "seqlab-error" in missing and "missing.ipynb: no such file" in missing
    # A line it cannot parse: in the --lang it names, else in both languages.
    assert "seqlab-error" in usage and "Cannot understand" in usage and "无法理解" in usage
    for page in (usage_en, usage_en2):
        assert "Cannot understand" in page and "无法理解" not in page, page
    streams = [o.get("text", "") for c in node.cells if c.cell_type == "code" for o in c.outputs]
    assert not any("already loaded" in text for text in streams)
    entry = node.cells[-6]
    assert entry.source.startswith("if __name__")
    assert "reads the test input" in entry.outputs[0]["text"] and len(entry.outputs) == 1


def test_a_headless_run_grades_the_cells_it_executed(course, tmp_path, monkeypatch):
    """nbclient (as `nbgrader validate` and `jupyter nbconvert --execute`) holds the notebook
    in memory: the check grades what the kernel ran, never a lab-named file beside it."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    filled, starter = (
        fill(course, "scaled-dot-product"),
        starter_notebook(course, "scaled-dot-product"),
    )

    def run(folder: Path, files: dict[str, dict], name: str, node=None) -> str:
        folder.mkdir()
        for file, notebook in files.items():
            (folder / file).write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
        node = node or nbformat.read(folder / name, as_version=4)
        run_in_kernel(node, folder, allow_errors=True)
        return html(next(c for c in node.cells if c.get("id") == "seqlab-check"))

    # An untouched copy beside the right notebook fails, and is named.
    page = run(
        tmp_path / "a",
        {"scaled_dot_product.ipynb": filled, "scaled_dot_product-Copy1.ipynb": starter},
        "scaled_dot_product-Copy1.ipynb",
    )
    assert 'data-score="0"' in page and "scaled_dot_product-Copy1.ipynb" in page, page
    # A right notebook under any name beside an untouched one passes.
    page = run(
        tmp_path / "b", {"scaled_dot_product.ipynb": starter, "mine.ipynb": filled}, "mine.ipynb"
    )
    assert 'data-score="40"' in page and "mine.ipynb" in page, page
    # Executed but in no file (the disk holds the starter): the executed cells are graded.
    node = nbformat.reads(json.dumps(filled), as_version=4)
    page = run(tmp_path / "c", {"scaled_dot_product.ipynb": starter}, "", node)
    assert 'data-score="40"' in page and "(executed notebook)" in page, page


@pytest.mark.parametrize("line", ["", "check --bogus", "frobnicate"])
def test_bad_magic_arguments_print_nothing_of_argparse(line, capfd):
    import argparse

    from graders.notebooks.magic import _parser

    with pytest.raises(argparse.ArgumentError):
        _parser().parse_args(line.split())
    assert capfd.readouterr() == ("", "")


def test_an_export_into_a_file_says_it_is_a_file(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine", encoding="utf-8")
    assert main(["--lang", "en", "export", "nbgrader", str(afile)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and afile.read_text() == "mine", err


def test_an_error_names_the_cell_and_its_line(course, tmp_path):
    """A syntax error and a runtime error in a blank: the cell (counted from the top, as in
    every notebook message) and the line within it, not a line of the joined program."""
    notebook = fill(course, "scaled-dot-product")
    cells = notebook["cells"]
    first, second = blank_cell(notebook, 1), blank_cell(notebook, 2)
    number = cells.index(first) + 1
    lines = first["source"].split("\n")
    begin = next(k for k, line in enumerate(lines) if "Begin" in line)
    indent = lines[begin + 1][: len(lines[begin + 1]) - len(lines[begin + 1].lstrip())]
    broken = dict(
        first, source="\n".join([*lines[: begin + 1], f"{indent}x = (", *lines[begin + 1 :]])
    )
    cells[cells.index(first)] = broken
    path = tmp_path / "scaled_dot_product.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    node = nbformat.read(path, as_version=4)
    run_in_kernel(node, tmp_path, allow_errors=True)
    page = html(next(c for c in node.cells if c.get("id") == "seqlab-check"))
    assert f"scaled_dot_product.ipynb&#34;, cell {number}, line {begin + 2}" in page, page
    assert "SyntaxError" in page

    cells[cells.index(broken)] = first
    lines = second["source"].split("\n")
    begin = next(k for k, line in enumerate(lines) if "Begin" in line)
    indent = lines[begin + 1][: len(lines[begin + 1]) - len(lines[begin + 1].lstrip())]
    second["source"] = "\n".join([*lines[: begin + 1], f"{indent}1 / 0", *lines[begin + 1 :]])
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    node = nbformat.read(path, as_version=4)
    run_in_kernel(node, tmp_path, allow_errors=True)
    page = html(next(c for c in node.cells if c.get("id") == "seqlab-check"))
    number = cells.index(second) + 1
    assert f"cell {number}, line {begin + 2}" in page and "ZeroDivisionError" in page, page


def test_the_magic_finds_the_notebook_from_the_kernel_session(course, tmp_path, monkeypatch):
    from graders.notebooks.magic import find_notebook

    monkeypatch.chdir(tmp_path)
    for name in ("rnn_numpy.ipynb", "scaled_dot_product.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(Exception, match="Cannot tell which notebook"):
        find_notebook(None, {}, course)  # two lab notebooks here: which one?
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "rnn_numpy.ipynb"))
    # In Jupyter only the server's word names the notebook on screen (notebooks/server.py):
    # the session's first path may now hold another file, left by a move or a rename. No
    # server to ask (none runs here): refused, naming the fix, never this file graded.
    with pytest.raises(Exception, match="cannot tell which notebook is on screen") as refused:
        find_notebook(None, {}, course)
    assert "%seqlab check folder/my_notebook.ipynb" in str(refused.value)
    monkeypatch.delenv("JPY_SESSION_NAME")
    vscode = {"__vsc_ipynb_file__": str(tmp_path / "scaled_dot_product.ipynb")}
    assert find_notebook(None, vscode, course).name == "scaled_dot_product.ipynb"
    assert find_notebook("x/y.ipynb", vscode, course) == Path("x/y.ipynb")


def test_the_check_refuses_when_it_cannot_see_the_screen(course, tmp_path, monkeypatch):
    """No save from the frontend in time, or VS Code (which cannot be asked to save): no
    grade of a file that may be stale, a message that says why; `--saved` is the way out."""
    from graders.errors import UsageError
    from graders.notebooks import live
    from graders.notebooks.magic import _parser, notebook_to_grade

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rnn_numpy.ipynb"
    path.write_text(json.dumps(starter_notebook(course, "rnn-numpy")), encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setattr(live, "SAVE_SECONDS", 0.5)
    args = _parser().parse_args(["check"])
    with pytest.raises(UsageError) as refused:
        notebook_to_grade(args, {}, course, "en")
    assert "was not saved within 0.5 s" in str(refused.value) and "--saved" in str(refused.value)
    assert "保存" in refused.value.render("zh")
    vscode = {"__vsc_ipynb_file__": str(path)}
    with pytest.raises(UsageError, match="in VS Code, seqlab cannot have the editor save"):
        notebook_to_grade(args, vscode, course, "en")
    saved = _parser().parse_args(["check", "--saved"])
    assert notebook_to_grade(saved, vscode, course, "en") == (path, None)
    # A copy is its lab by its metadata, whatever its name.
    copy = tmp_path / "rnn_numpy-Copy1.ipynb"
    copy.write_bytes(path.read_bytes())
    assert live.lab_for(copy, course, None).id == "rnn-numpy"
