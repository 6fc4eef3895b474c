"""Loss curves (issue 18, item 4): a training lab's locked template reports the losses its
training went through as one marked line on standard error; the engine keeps them for public
sets only (and takes the line out of the stderr a student sees); the view draws them over the
reference's band (per epoch the lowest and highest under the seed sweep) — SVG in HTML, two
sparklines in the terminal, a sentence in Markdown — and says so when the final loss is
outside the band. A hidden set never gets one; a garbled or flooding report gives none."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from rich.console import Console

from graders.engine import grade_submission, judge
from graders.losses import MARKER, MAX_LOSSES, read_band, split
from graders.present.html import feedback_html, result_html
from graders.present.markdown import result_markdown
from graders.present.terminal import render_terminal
from graders.present.view import build
from graders.results import NO_CODE, LabResult
from graders.results import TestResult as SetResult
from graders.sandbox.runner import RunResult
from graders.submission import Submission
from graders.verdict import Verdict

LAB = "seq2seq"
EPOCHS = 150
TRAINING = "for epoch in range(EPOCHS):"
SHORT = "for epoch in range(EPOCHS // 10):"  # the classic slip: far too little training
BAND = {
    "low": [3.0 * math.exp(-e / 20) for e in range(EPOCHS)],
    "high": [3.6 * math.exp(-e / 22) for e in range(EPOCHS)],
    "seeds": 20,
}
DECLARED = {"kind": "curve", "title": {"zh": "训练损失", "en": "Training loss"}, "band": BAND}
GOOD = tuple(3.3 * math.exp(-e / 21) for e in range(EPOCHS))  # inside the band throughout
STALLED = tuple(3.3 * math.exp(-e / 120) for e in range(EPOCHS))  # ends far above it


def one_set(losses: tuple[float, ...], **changes) -> LabResult:
    fields = dict(
        name="highh",
        verdict=Verdict.WRONG_ANSWER,
        score=0,
        max_score=20,
        input="highh\n",
        expected="low\n",
        actual="lo\n",
        comparator="lines",
        pictures=(DECLARED,),
        losses=losses,
    )
    test = SetResult(**{**fields, **changes})
    return LabResult(LAB, {"zh": "实验", "en": "lab"}, "x.py", (test,), NO_CODE, 0.1)


def reported(values) -> bytes:
    return (MARKER + " " + " ".join(f"{v:.4g}" for v in values) + "\n").encode()


def run_with(stderr: bytes, stdout: bytes = b"low\n") -> RunResult:
    return RunResult(stdout, stderr, 0, None, 0.1, 0.1, 1024)


# --- the side channel: one marked line, read strictly, never a verdict ---------------------------


def test_the_marked_line_is_taken_out_and_read():
    kept, losses = split("warning: x\n" + reported([3.4, 2.5, 0.01]).decode() + "more\n")
    assert kept == "warning: x\nmore\n" and losses == (3.4, 2.5, 0.01)


@pytest.mark.parametrize(
    "line",
    [
        MARKER + "\n",  # nothing reported
        MARKER + " 3.4 nope 1.0\n",
        MARKER + " 3.4 nan 1.0\n",
        MARKER + " 3.4 inf\n",
        MARKER + " 1" * (MAX_LOSSES + 1) + "\n",  # more than the template ever reports
        MARKER + " " + "9" * 20000 + "\n",  # one enormous "number"
    ],
)
def test_a_garbled_report_gives_no_curve_and_no_crash(line):
    kept, losses = split(line)
    assert losses == () and MARKER not in kept
    test = curve_test(hidden=False)
    judged = judge(test, run_with(line.encode(), test.expected.encode()), limits())
    assert judged.losses == () and judged.verdict is Verdict.ACCEPTED
    view = build(one_set(judged.losses), "en")
    assert view.sets[0].curves == () and '<svg class="curve"' not in result_html(view)


def test_a_flood_of_loss_lines_is_bounded(course):
    """A program printing the marker again and again: every marked line leaves the stderr the
    student sees, only the first is read, and the stored curve stays within MAX_LOSSES."""
    flood = reported(GOOD) + reported(range(1, MAX_LOSSES + 1)) * 30
    assert len(flood) < course.lab(LAB).limits.output_kb * 1024  # under the run's own cap
    judged = judge(curve_test(hidden=False), run_with(flood + b"Traceback\n"), limits())
    assert len(judged.losses) == EPOCHS and judged.losses[0] == pytest.approx(3.3)
    assert judged.stderr == "Traceback\n"
    assert len(json.dumps(judged.to_dict())) < 16 * 1024


def curve_test(hidden: bool):
    from graders.spec import Course

    lab = Course.locate().lab(LAB)
    return next(test for test in lab.tests if test.hidden == hidden)


def limits():
    from graders.spec import Course

    return Course.locate().lab(LAB).limits


def test_the_engine_keeps_losses_for_public_sets_only(course):
    lab = course.lab(LAB)
    for test in lab.output_tests:
        run = run_with(reported(GOOD) + b"a warning\n", test.expected.encode())
        judged = judge(test, run, lab.limits)
        if test.hidden:
            assert judged.losses == () and judged.stderr is None and judged.pictures == ()
        else:
            assert len(judged.losses) == EPOCHS and judged.stderr == "a warning\n"
            assert [p["kind"] for p in judged.pictures] == ["curve"]
        assert judged.verdict is Verdict.ACCEPTED  # the report is data, never a verdict


def test_a_lab_without_a_curve_keeps_its_stderr_whole(course):
    lab = course.lab("scaled-dot-product")
    test = next(test for test in lab.tests if not test.hidden)
    judged = judge(test, run_with(reported(GOOD), test.expected.encode()), lab.limits)
    assert judged.losses == () and judged.stderr == reported(GOOD).decode()


def test_the_losses_survive_the_gradebook_s_json():
    test = one_set(GOOD).tests[0]
    again = SetResult.from_dict(json.loads(json.dumps(test.to_dict())))
    assert again.losses == pytest.approx(GOOD) and again.pictures == test.pictures


# --- the view ------------------------------------------------------------------------------------


def test_a_curve_inside_the_band_says_so():
    (curve,) = build(one_set(GOOD), "en").sets[0].curves
    assert not curve.outside and "within the reference's range over 20 seeds" in curve.note
    assert curve.band and len(curve.line.split()) == EPOCHS


def test_a_final_loss_outside_the_band_gets_the_sentence():
    (curve,) = build(one_set(STALLED), "en").sets[0].curves
    assert curve.outside and "above the reference's range over 20 seeds" in curve.note
    (curve,) = build(one_set(STALLED), "zh").sets[0].curves
    assert "高于参考答案 20 个种子的范围" in curve.note
    below = tuple(v / 100 for v in GOOD)
    (curve,) = build(one_set(below), "en").sets[0].curves
    assert curve.outside and "below the reference's range" in curve.note
    short = GOOD[:15]
    (curve,) = build(one_set(short), "en").sets[0].curves
    assert "computed the loss 15 times, the reference 150 times" in curve.note


def test_a_diverged_or_forged_report_keeps_the_axis_bounded():
    wild = (1e300, 0.0, -5.0, 1e-300, 3.0)
    (curve,) = build(one_set(wild), "en").sets[0].curves
    assert len(curve.grid) <= 13 and curve.outside
    assert all(0 <= float(v) <= 400 for point in curve.line.split() for v in point.split(","))


def test_no_losses_no_picture_and_no_band_no_comparison():
    assert build(one_set(()), "en").sets[0].curves == ()
    alone = {**DECLARED, "band": None}
    (curve,) = build(one_set(GOOD, pictures=(alone,)), "en").sets[0].curves
    assert curve.band == "" and not curve.outside and "not recorded" in curve.note


def test_a_hidden_set_never_gets_a_curve():
    hidden = one_set(GOOD, hidden=True, input=None, expected=None, actual=None, comparator=None)
    view = build(hidden, "en")
    assert view.sets[0].curves == () and "<svg" not in result_html(view)


def test_one_training_is_drawn_once():
    first, second = one_set(GOOD).tests[0], one_set(GOOD, name="kingh").tests[0]
    result = LabResult(LAB, {"zh": "实验", "en": "lab"}, "x.py", (first, second), NO_CODE, 0.1)
    assert [len(s.curves) for s in build(result, "en").sets] == [1, 0]


def test_the_html_draws_an_svg_a_policy_allows():
    html = feedback_html(build(one_set(STALLED), "en"), title="t", student="s", error="", lang="en")
    assert html.count('<svg class="curve"') == 1 and '<polygon class="band"' in html
    assert '<polyline class="losses"' in html and 'data-outside="yes"' in html
    assert "<script" not in html and 'style="' not in html


def test_the_terminal_draws_sparklines_and_markdown_says_the_sentence():
    console = Console(record=True, width=100, force_terminal=False)
    render_terminal(one_set(STALLED), "en", console)
    text = console.export_text()
    mine = re.search(r"yours\s+([▁▂▃▄▅▆▇█]+) 3\.3 → ", text)
    assert mine is not None and 20 <= len(mine[1]) <= 40
    assert re.search(r"reference\s+[▁▂▃▄▅▆▇█]+ ", text) and "above the reference" in text
    markdown = "\n".join(result_markdown(build(one_set(STALLED), "en")))
    assert "above the reference" in markdown and "<svg" not in markdown


# --- the real thing: the template's report through the sandbox -----------------------------------


def test_the_recorded_band_holds_the_reference_s_own_seed(course):
    """`seqlab build --record` swept the reference; the lab's own seed is one of the seeds."""
    for lab_id in ("seq2seq", "seq2seq-attention"):
        lab = course.lab(lab_id)
        band = read_band(lab.spec_path.parent / "curves" / f"{lab_id}.json")
        assert band is not None and band["seeds"] == lab.curve["seeds"], lab_id
        assert len(band["low"]) == EPOCHS
        assert all(lo <= hi for lo, hi in zip(band["low"], band["high"], strict=True))
        (declared,) = [p for p in lab.tests[0].pictures if p.get("kind") == "curve"]
        assert declared["band"] == band


def test_too_little_training_is_drawn_above_the_band(course):
    """The student's own template run in the sandbox: its stdout is compared as before, its
    losses come from its stderr, and the feedback page draws them with the sentence."""
    lab = course.lab(LAB)
    text = lab.solution_path.read_text(encoding="utf-8")
    assert TRAINING in text
    submission = Submission(Path(lab.entry), text.replace(TRAINING, SHORT))
    result = grade_submission(lab, submission, include_hidden=False)
    first = result.tests[0]
    assert len(first.losses) == EPOCHS // 10 and MARKER not in (first.stderr or "")
    view = build(result, "en")
    (curve,) = view.sets[0].curves
    assert curve.outside and "computed the loss 15 times, the reference 150 times" in curve.note
    assert [len(s.curves) for s in view.sets] == [1] + [0] * (len(view.sets) - 1)
    html = feedback_html(view, title="t", student="s", error="", lang="en")
    assert html.count('<svg class="curve"') == 1 and 'data-outside="yes"' in html


def test_the_notebook_check_draws_the_curve(course, tmp_path):
    try:
        import nbclient
    except ImportError:
        pytest.fail("install the jupyter extra: .venv/bin/pip install -e '.[dev]'", pytrace=False)
    import nbformat
    from test_notebooks import fill

    notebook = fill(course, LAB)
    for cell in notebook["cells"]:
        cell["source"] = cell["source"].replace(TRAINING, SHORT)
    path = tmp_path / "seq2seq.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    node = nbformat.read(path, as_version=4)
    node.cells.append(nbformat.v4.new_code_cell("%seqlab check --lang en"))
    client = nbclient.NotebookClient(
        node,
        timeout=180,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    (shown,) = [o for o in node.cells[-1].outputs if o.output_type == "display_data"]
    html = shown.data["text/html"]
    assert html.count('<svg class="curve"') == 1 and 'data-outside="yes"' in html
    assert "Training loss" in html and MARKER not in html


def test_recording_sweeps_the_lab_s_own_seed_and_keeps_each_epoch_s_extremes(course, tmp_path):
    """`seqlab build --record`'s band, with a runner standing in for the sandbox (the real one
    takes 20 trainings: the recorded files are checked above): each seed's program is the
    reference with its seed line rewritten, and a reference that reports nothing is refused."""
    from dataclasses import replace

    from graders.course.curves import band_state, record_band
    from graders.errors import SpecError

    lab = replace(
        course.lab(LAB), spec_path=tmp_path / f"{LAB}.toml", curve={"title": {}, "seeds": 3}
    )
    seen: list[int] = []

    def runner(program, filename, stdins, limits, **options):
        seed = int(re.search(r"^SEED = (\d+)$", program, re.MULTILINE)[1])
        seen.append(seed)
        losses = [3.0 + seed / 1000, 1.0 - seed / 10000, 0.5]
        return [run_with(reported(losses))]

    assert band_state(lab) == (False, "validate.band_missing")
    path = record_band(lab, runner)
    assert seen == [2024, 0, 1]  # the lab's own seed first, then 0, 1, …
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["seeds"] == [2024, 0, 1]
    assert data["low"] == [3.0, pytest.approx(0.7976), 0.5]
    assert data["high"] == [5.024, 1.0, 0.5]
    assert band_state(lab) == (True, "validate.band_current")
    assert band_state(replace(lab, curve={"title": {}, "seeds": 4}))[1] == "validate.band_stale"

    def silent(program, filename, stdins, limits, **options):
        return [run_with(b"")]

    with pytest.raises(SpecError, match="reports no losses"):
        record_band(lab, silent)


def test_the_grading_exports_carry_the_band(course, tmp_path):
    import zipfile

    from graders.course.gradescope import export_bundle

    (bundle,) = export_bundle(course.lab(LAB), tmp_path)
    with zipfile.ZipFile(bundle) as archive:
        assert f"seqlab/graders/labs/curves/{LAB}.json" in archive.namelist()
