"""The numeric diff and the view that carries it: what a student sees of a wrong answer."""

import re

from graders.present.diff import diff
from graders.present.html import result_html
from graders.present.markdown import result_markdown
from graders.present.view import build
from graders.results import NO_CODE, LabResult
from graders.results import TestResult as SetResult
from graders.verdict import Verdict

EXPECTED = "weights\n0.207846 0.314940 0.477214\n0.477214 0.314940 0.207846\n"
ACTUAL = "weights\n0.116719 0.314941 0.615296\n0.477214 0.314940 0.207846\n"


def marked(lines) -> list[tuple[int, str]]:
    return [(n, text) for n, line in enumerate(lines, 1) for text, bad in line if bad]


def test_only_values_the_comparator_refuses_are_marked_and_placed_by_line():
    found = diff(EXPECTED, ACTUAL, "floats", {"atol": 1e-5, "rtol": 0})
    # 0.314941 is within atol: not a difference.
    assert marked(found.actual) == [(2, "0.116719"), (2, "0.615296")]
    assert marked(found.expected) == [(2, "0.207846"), (2, "0.477214")]
    assert [(line, position) for line, position, _, _ in found.pairs] == [(2, 1), (2, 3)]
    big = found.largest
    assert (big.line, big.position, round(big.error, 6)) == (2, 3, 0.138082)
    assert found.shape is None and found.differing == 2
    # Spacing is kept: the runs join back to the very lines.
    assert ["".join(t for t, _ in line) for line in found.actual] == ACTUAL.strip().split("\n")


def test_a_missing_row_is_a_shape_and_line_comparators_align_line_by_line():
    short = "weights\n0.207846 0.314940 0.477214\n"
    found = diff(EXPECTED, short, "floats", {"atol": 1e-5, "rtol": 0})
    assert found.shape == ((0, 3, 3), (0, 3))  # numbers per line: "weights" is a label
    # `lines` reads line by line: an inserted line shifts nothing into a false match.
    found = diff("a b\nc d\n", "a b\nx\nc d\n", "lines", {})
    assert marked(found.actual) == [(2, "x"), (3, "c"), (3, "d")]


def result(test: SetResult) -> LabResult:
    return LabResult("lab", {"zh": "实验", "en": "lab"}, "x.py", (test,), NO_CODE, 0.1)


def wrong(**changes) -> SetResult:
    fields = dict(
        name="worked",
        verdict=Verdict.WRONG_ANSWER,
        score=0,
        max_score=20,
        input="2 3\n",
        expected=EXPECTED,
        actual=ACTUAL,
        comparator="floats",
        options={"atol": 1e-5, "rtol": 0},
    )
    return SetResult(**{**fields, **changes})


def test_every_renderer_shows_the_same_marks_and_findings():
    view = build(result(wrong()), "en")
    (shown,) = view.sets
    assert any("Largest absolute error 0.138082: line 2, value 3" in f for f in shown.findings)
    html = result_html(view)
    assert re.findall(r"<mark>([^<]*)</mark>", html) == [
        "0.207846",
        "0.477214",
        "0.116719",
        "0.615296",
    ]
    assert "Largest absolute error" in html
    markdown = "\n".join(result_markdown(view))
    assert "- **line 2, value 1: 0.116719 (expected 0.207846)**" in markdown
    assert "Largest absolute error" in markdown
    zh = build(result(wrong()), "zh").sets[0]
    assert any("最大绝对误差" in f for f in zh.findings)


def test_no_diff_where_there_is_nothing_to_compare():
    # A hidden set has no data to diff; a crash is not a wrong answer; a pass has no marks.
    hidden = wrong(hidden=True, input=None, expected=None, actual=None)
    crashed = wrong(verdict=Verdict.RUNTIME_ERROR, actual="")
    passed = wrong(verdict=Verdict.ACCEPTED, score=20, actual=EXPECTED)
    for test in (hidden, crashed, passed):
        (shown,) = build(result(test), "en").sets
        assert shown.findings == () and shown.differences == ()
        assert all(field.marked is None for field in shown.fields)
        assert "<mark>" not in result_html(build(result(test), "en"))


def test_a_check_of_the_public_sets_never_says_all_passed():
    passed = wrong(verdict=Verdict.ACCEPTED, score=20, actual=EXPECTED)
    checked = LabResult(
        "lab", {"zh": "实验", "en": "lab"}, "x.py", (passed,), NO_CODE, 0.1, hidden_not_run=4
    )
    summary = build(checked, "en").summary
    assert "All test sets passed" not in summary
    assert "All public test sets passed" in summary and "4 hidden test set(s)" in summary
    graded = LabResult("lab", {"zh": "实验", "en": "lab"}, "x.py", (passed,), NO_CODE, 0.1)
    assert build(graded, "en").summary == "All test sets passed. Well done!"
    failing = LabResult(
        "lab", {"zh": "实验", "en": "lab"}, "x.py", (wrong(),), NO_CODE, 0.1, hidden_not_run=4
    )
    assert "4 hidden test set(s)" in build(failing, "en").summary


def test_the_terminal_folds_long_chinese_sentences_never_cuts_them():
    """Red team, issue 18 round 3: at 80 columns a zh finding lost a number to "…" (a CJK run
    is one long word to rich): every finding's characters are all on the screen at any width."""
    import io

    from rich.console import Console

    from graders.present.terminal import render_terminal

    transposed = wrong(actual="weights\n0.207846 0.314940\n0.477214 0.1\n0.2 0.3\n")
    for width in range(50, 101):
        out = io.StringIO()
        render_terminal(result(transposed), "zh", Console(file=out, width=width))
        screen = "".join(re.sub(r"[│╭╮╰╯─ ]", "", line) for line in out.getvalue().splitlines())
        for finding in build(result(transposed), "zh").sets[0].findings:
            assert finding.replace(" ", "") in screen, (width, finding)
