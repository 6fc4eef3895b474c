"""Pictures (issue 18, item 4): a lab declares which printed block of its output is a matrix
(`[[picture]]` in its spec); the view draws it as heatmaps, expected and yours, the cells its
comparator refuses outlined — in HTML (SVG), in the terminal (block shades), never in Markdown
and never for a hidden set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from graders.cli import main
from graders.engine import judge
from graders.errors import SpecError
from graders.present.html import feedback_html, result_html
from graders.present.markdown import result_markdown
from graders.present.terminal import render_terminal
from graders.present.view import build
from graders.results import NO_CODE, LabResult
from graders.results import TestResult as SetResult
from graders.sandbox.runner import RunResult
from graders.service.grading import grade_lab
from graders.spec import load_spec
from graders.submission import Submission
from graders.verdict import Verdict

LAB = "scaled-dot-product"
SCALED = "scores = Q @ K.T / np.sqrt(d_k)"
UNSCALED = "scores = Q @ K.T"  # the classic mistake: no division by √d_k
DECLARED = {"after": "weights shape", "title": {"zh": "注意力权重", "en": "Attention weights"}}
EXPECTED = "weights shape 2 3\n0.2 0.3 0.5\n0.5 0.3 0.2\noutput shape 2 2\n1 2\n3 4\n"


def unscaled(course) -> str:
    text = course.lab(LAB).solution_path.read_text(encoding="utf-8")
    assert SCALED in text
    return text.replace(SCALED, UNSCALED)


def outlined(svg: str) -> int:
    return len(re.findall(r'<rect class="differs"', svg))


def one_set(actual: str, **changes) -> LabResult:
    fields = dict(
        name="worked",
        verdict=Verdict.WRONG_ANSWER,
        score=0,
        max_score=20,
        input="2 3\n",
        expected=EXPECTED,
        actual=actual,
        comparator="floats",
        options={"atol": 1e-5, "rtol": 0},
        pictures=(DECLARED,),
    )
    test = SetResult(**{**fields, **changes})
    return LabResult(LAB, {"zh": "实验", "en": "lab"}, "x.py", (test,), NO_CODE, 0.1)


# --- the declaration: content, read strictly --------------------------------------------------


def spec_with(tmp_path: Path, course, picture: str) -> Path:
    text = course.lab(LAB).spec_path.read_text(encoding="utf-8")
    text = re.sub(r"\n\[\[picture\]\]\n.*?\n\n", "\n", text, flags=re.S) + picture
    path = tmp_path / "graders" / "labs" / f"{LAB}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("picture", "field"),
    [
        ('[[picture]]\nafter = "w"\nrows = "x"\ntitle = {zh = "a", en = "b"}\n', "after"),
        ('[[picture]]\ntitle = {zh = "a", en = "b"}\n', "after"),
        ('[[picture]]\nrows = "(unclosed"\ntitle = {zh = "a", en = "b"}\n', "rows"),
        ('[[picture]]\nafter = "w"\ntitle = {zh = "a"}\n', "title.en"),
        ('[[picture]]\nafter = "w"\ntitle = {zh = "a", en = "b"}\ncolour = "red"\n', "colour"),
        ('[[picture]]\nrows = "w"\nshape = "s"\ntitle = {zh = "a", en = "b"}\n', "shape"),
        (
            '[[picture]]\nafter = "w"\ntitle = {zh = "a", en = "b"}\n'
            'panel = {zh = "{head}", en = "x"}\n',
            "panel.zh",
        ),
    ],
)
def test_a_picture_declaration_is_read_strictly(course, tmp_path, picture, field):
    with pytest.raises(SpecError) as raised:
        load_spec(spec_with(tmp_path, course, picture), tmp_path)
    assert f"picture[0].{field}" in raised.value.render("en")


def test_every_declared_picture_is_found_in_every_public_expected_output(course):
    from graders.present.picture import read_matrix

    declaring = [lab for lab in course.labs() if lab.tests[0].pictures]
    assert {lab.id for lab in declaring} >= {
        "scaled-dot-product",
        "score-functions",
        "multi-head",
        "attn-concat",
        "seq2seq-attention",
    }
    for lab in declaring:
        for test in lab.tests:
            for declared in test.pictures:
                assert read_matrix(test.expected, declared) is not None, (lab.id, test.name)


# --- the view ----------------------------------------------------------------------------------


def test_a_wrong_submission_gets_heatmaps_with_the_refused_cells_outlined(course):
    lab = course.lab(LAB)
    outcome = grade_lab(lab, Submission(Path("x.py"), unscaled(course)), include_hidden=True)
    result = LabResult.from_dict(json.loads(json.dumps(outcome.result.to_dict())))  # as stored
    view = build(result, "en")
    worked, causal, *hidden = view.sets
    # The worked example: every weight moves when the scores are not scaled.
    (picture,) = worked.pictures
    assert picture.differing == 6
    # The causal mask: the first query sees only key 0 (weight 1 either way) and masked cells
    # stay 0, so exactly the five unmasked weights of queries 1 and 2 differ.
    (picture,) = causal.pictures
    flagged = {(c.row, c.column) for g in picture.grids for row in g.rows for c in row if c.differs}
    assert flagged == {(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)}
    assert [g.side for g in picture.grids] == ["expected", "actual"]
    assert all(s.hidden and s.pictures == () for s in hidden) and len(hidden) == 4

    html = result_html(view)
    assert html.count('<svg class="heatmap"') == 2
    assert outlined(html) == 2 * (6 + 5)  # each refused cell, in both matrices
    assert "query index (row)" in html and "key index (column)" in html and "colour scale" in html
    zh = result_html(build(result, "zh"))
    assert "查询位置（行）" in zh and "键位置（列）" in zh and "颜色刻度" in zh and "红框" in zh
    # Markdown draws no picture (see markdown.py): its bold list of values says it.
    assert "<svg" not in "\n".join(result_markdown(view))

    console = Console(width=100, record=True, color_system=None)
    render_terminal(result, "en", console)
    text = console.export_text()
    assert "Attention weights" in text and "expected" in text and "yours" in text
    shaded = [line for line in text.splitlines() if re.search(r"[·░▒▓█]!", line)]
    assert shaded, text  # a refused cell is marked without colour too


def test_a_passing_set_has_its_picture_without_an_outline():
    view = build(one_set(EXPECTED, verdict=Verdict.ACCEPTED, score=20), "en")
    (picture,) = view.sets[0].pictures
    assert picture.differing == 0 and "within the tolerance" in picture.note
    html = result_html(view)
    assert '<svg class="heatmap"' in html and outlined(html) == 0
    assert "swatch-outline" not in html  # no outline, so the legend does not explain one


def test_a_hidden_set_never_gets_a_picture():
    hidden = one_set(None, hidden=True, input=None, expected=None, comparator=None)
    assert build(hidden, "en").sets[0].pictures == ()
    assert "<svg" not in result_html(build(hidden, "en"))
    # A hidden set whose result somehow held data is a bug, said loudly, never drawn.
    leaked = one_set(EXPECTED, hidden=True)
    with pytest.raises(AssertionError, match="hidden set holds data"):
        build(leaked, "en")


def test_the_engine_stores_the_declaration_on_public_sets_only(course):
    lab = course.lab(LAB)
    run = RunResult(b"weights shape 1 1\n1.0\n", b"", 0, None, 0.1, 0.1, 1024)
    for test in lab.tests:
        judged = judge(test, run, lab.limits)
        assert judged.pictures == (() if test.hidden else test.pictures), test.name


@pytest.mark.parametrize(
    "actual",
    [
        "weights shape 2 3\n0.2 0.3\n0.5 0.3 0.2\n",  # ragged rows
        "weights shape 2 3\n0.2 0.3 0.5\n",  # fewer values than its shape
        "weights shape 2 x\n0.2 0.3 0.5\n0.5 0.3 0.2\n",  # a shape that is not one
        "weights shape 2 3\nnope\n",
        "weights shape 100 100\n" + ("0.1 " * 100 + "\n") * 100,  # too large to draw
        "nothing like it\n",
        "",
    ],
)
def test_a_malformed_matrix_gives_no_picture_and_no_crash(actual):
    view = build(one_set(actual), "en")
    assert view.sets[0].pictures == ()
    assert "<svg" not in result_html(view)


def test_a_matrix_of_another_shape_is_drawn_without_cell_marks():
    transposed = "weights shape 3 2\n0.2 0.5\n0.3 0.3\n0.5 0.2\noutput shape 2 2\n1 2\n3 4\n"
    (picture,) = build(one_set(transposed), "en").sets[0].pictures
    assert picture.differing == 0 and "shapes differ (expected 2 × 3, yours 3 × 2)" in picture.note


# --- the front ends that draw HTML ---------------------------------------------------------------


def test_the_feedback_file_of_a_batch_holds_the_heatmap(course, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the batch's gradebook is written here
    submitted = tmp_path / "in" / "alice" / "scaled_dot_product.py"
    submitted.parent.mkdir(parents=True)
    submitted.write_text(unscaled(course), encoding="utf-8")
    out = tmp_path / "feedback"
    code = main(["--lang", "en", "grade", str(submitted), "--lab", LAB, "--feedback", str(out)])
    assert code in (0, 1), capsys.readouterr()
    (page,) = out.rglob("*.html")
    html = page.read_text(encoding="utf-8")
    assert html.count('<svg class="heatmap"') == 2 and outlined(html) == 22
    # Beside the pictures, the named mistake: on every set, the hidden ones too (name only).
    assert html.count("This looks like a common mistake: scores not divided by √d_k") == 6
    assert "<script" not in html and 'style="' not in html  # nothing a policy would refuse
    (markdown,) = out.rglob("*.md")
    assert "<svg" not in markdown.read_text(encoding="utf-8")


def test_the_student_s_output_stays_text_beside_a_picture():
    hostile = EXPECTED.replace("output shape", "<script>x</script> shape")
    html = feedback_html(build(one_set(hostile), "en"), title="t", student="s", error="", lang="en")
    assert "<script>x" not in html and '<svg class="heatmap"' in html


def test_the_notebook_check_shows_the_heatmap(course, tmp_path):
    try:
        import nbclient
    except ImportError:
        pytest.fail("install the jupyter extra: .venv/bin/pip install -e '.[dev]'", pytrace=False)
    import nbformat
    from test_notebooks import fill

    notebook = fill(course, LAB)
    for cell in notebook["cells"]:
        cell["source"] = cell["source"].replace(SCALED, UNSCALED)
    path = tmp_path / "scaled_dot_product.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    node = nbformat.read(path, as_version=4)
    node.cells.append(nbformat.v4.new_code_cell("%seqlab check --lang en"))
    client = nbclient.NotebookClient(
        node,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    (shown,) = [o for o in node.cells[-1].outputs if o.output_type == "display_data"]
    html = shown.data["text/html"]
    assert html.count('<svg class="heatmap"') == 2 and outlined(html) == 22
    assert "Attention weights" in html and "query index (row)" in html
    assert html.count("This looks like a common mistake: scores not divided by √d_k") == 2


def test_no_picture_carries_a_hidden_set_s_numbers(course, tmp_path):
    """A canary: a hidden set whose expected weights are a number the student's program never
    prints, graded end to end; no rendering of the result holds it."""
    canary = "0.918273"
    text = course.lab(LAB).spec_path.read_text(encoding="utf-8")
    text += (
        '\n[[tests]]\nname = "canary"\nstdin = "1 1 1 1\\n1 1 1 1 1 1\\n"\n'
        f'expected = "weights shape 1 1\\n{canary}\\n"\npoints = 1\nhidden = true\n'
        'comparator = "floats"\n'
    )
    path = tmp_path / "graders" / "labs" / f"{LAB}.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    lab = load_spec(path, course.root)
    outcome = grade_lab(lab, Submission(Path("x.py"), unscaled(course)), include_hidden=True)
    result = outcome.result
    assert result.tests[-1].name == "canary" and result.tests[-1].hidden
    console = Console(width=100, record=True, color_system=None)
    render_terminal(result, "en", console)
    for lang in ("zh", "en"):
        view = build(result, lang)
        assert view.sets[-1].pictures == ()
        html = result_html(view) + "\n".join(result_markdown(view))
        assert canary not in html and canary not in console.export_text()
        assert canary not in json.dumps(result.to_dict())
