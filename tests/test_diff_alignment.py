"""The numeric diff's largest absolute error is measured only between numbers that align (lines
matched by words and count of numbers); a line with another count, a shape line and a NaN or
infinity are named instead of read as values (graders/present/diff.py, present/view.py)."""

import math

import pytest

from graders.present.diff import diff
from graders.present.view import build
from graders.results import NO_CODE, LabResult
from graders.results import TestResult as SetResult
from graders.verdict import Verdict

TOLERANCE = {"atol": 1e-6, "rtol": 1e-6}
MATRIX = "weights shape 2 3\n0.1 0.2 0.3\n0.4 0.5 0.6\n"


def findings(expected: str, actual: str, lang: str = "en") -> tuple[str, ...]:
    test = SetResult(
        name="set",
        verdict=Verdict.WRONG_ANSWER,
        score=0,
        max_score=10,
        input="1\n",
        expected=expected,
        actual=actual,
        comparator="floats",
        options=TOLERANCE,
    )
    result = LabResult("lab", {"zh": "实验", "en": "lab"}, "x.py", (test,), NO_CODE, 0.1)
    return build(result, lang).sets[0].findings


def test_a_transposed_shape_is_named_and_its_sizes_are_not_an_error():
    # The same six values as a 3 × 2 matrix: the stream of values shifts at every row.
    actual = "weights shape 3 2\n0.1 0.2\n0.3 0.4\n0.5 0.6\n"
    found = diff(MATRIX, actual, "floats", TOLERANCE)
    assert found.largest is None  # nothing aligns: no error is a meaningful number
    assert found.shapes == ((1, "weights shape 2 3", "weights shape 3 2"),)
    said = findings(MATRIX, actual)
    assert "Line 1 prints a shape, and it differs" in said[0]
    assert not any("Largest absolute error" in s for s in said)
    assert any("Line 2 holds 2 number(s) where 3 were expected" in s for s in said)
    zh = findings(MATRIX, actual, "zh")
    assert "第 1 行打印的形状不同" in zh[0]
    assert any("第 2 行的数值个数不同：预期 3 个，实际 2 个" in s for s in zh)


@pytest.mark.parametrize(
    "shape", [("h shape (2, 4)", "h shape (4, 2)"), ("x torch.Size([2, 3])", "x torch.Size([3])")]
)
def test_a_printed_tuple_shape_is_a_shape_line(shape):
    want, got = shape
    found = diff(f"{want}\n1.5 2.5\n", f"{got}\n1.5 2.0\n", "floats", TOLERANCE)
    assert found.shapes == ((1, want, got),)
    assert (found.largest.line, found.largest.position, found.largest.error) == (2, 2, 0.5)


def test_a_row_with_a_missing_value_is_named_and_the_others_still_measured():
    expected = "h_1[0] 0.1 0.2 0.3\nh_1[1] 0.4 0.5 0.6\nh_2[0] 0.7 0.8 0.9\n"
    actual = "h_1[0] 0.1 0.3\nh_1[1] 0.4 0.5 0.6\nh_2[0] 0.7 0.8 1.4\n"
    found = diff(expected, actual, "floats", TOLERANCE)
    assert found.counts == ((1, 3, 2, 1),)
    # Streamed, 0.3 would be read against 0.2 and every later value shifted; by line, the
    # largest error is the one on line 3.
    big = found.largest
    assert (big.line, big.position, big.expected, big.actual) == (3, 3, "0.9", "1.4")
    assert math.isclose(big.error, 0.5)
    said = findings(expected, actual)
    assert any("Largest absolute error 0.5: line 3, value 3" in s for s in said)
    assert any("Line 1 holds 2 number(s) where 3 were expected" in s for s in said)


def test_a_missing_line_shifts_nothing():
    expected = "a 1.0\nb 2.0\nc 3.0\nd 4.0\n"
    actual = "a 1.0\nc 3.0\nd 4.5\n"
    found = diff(expected, actual, "floats", TOLERANCE)
    assert found.shape == ((1, 1, 1, 1), (1, 1, 1))  # numbers, not labels
    big = found.largest
    assert (big.line, big.expected, big.actual, big.error) == (4, "4.0", "4.5", 0.5)
    assert found.counts == ()


def test_several_lines_with_other_counts_are_counted():
    expected = "1 2 3\n4 5 6\n7 8 9\n"
    actual = "1 2\n4 5\n7 8 9 10\n"
    said = findings(expected, actual)
    assert any("Line 1 holds 2 number(s) where 3 were expected" in s for s in said)
    assert any("2 more line(s) hold another count of numbers" in s for s in said)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_and_infinity_are_named_never_measured(bad):
    expected = "v 0.1 0.2 0.3\n"
    actual = f"v {bad} 0.2 0.35\n"
    found = diff(expected, actual, "floats", TOLERANCE)
    assert found.not_finite == ((1, 1, "0.1", bad),)
    assert math.isclose(found.largest.error, 0.05) and found.largest.position == 3
    said = findings(expected, actual)
    assert any(f"Line 1, value 1: expected 0.1, got {bad} (not a number" in s for s in said)
    assert any("非数或无穷大" in s for s in findings(expected, actual, "zh"))


def test_only_non_finite_differences_give_no_largest_error():
    found = diff("v 0.1\n", "v nan\n", "floats", TOLERANCE)
    assert found.largest is None and found.not_finite == ((1, 1, "0.1", "nan"),)


def test_a_duplicated_row_is_one_extra_line_and_shifts_no_error():
    # sdp3_extra_row (issue 18): one row printed twice. Streamed or paired by line index,
    # line 2 read against line 3 gave an error of 0.27 on a right line.
    expected = "weights shape 2 3\n0.2 0.3 0.5\n0.5 0.3 0.2\nout 0.1\nrow sums 1.0 1.0\n"
    actual = "weights shape 3 3\n0.2 0.3 0.5\n0.5 0.3 0.2\n0.2 0.3 0.5\nout 0.1\n"
    actual += "row sums 1.0 1.0 1.0\n"
    found = diff(expected, actual, "floats", TOLERANCE)
    assert found.largest is None
    assert found.extra == (4,) and found.missing == ()
    assert found.counts == ((5, 2, 3, 6),)  # expected line 5 is the student's line 6
    assert found.shape == ((2, 3, 3, 1, 2), (2, 3, 3, 3, 1, 3))  # numbers per line
    aligned = [(line, position) for line, position, _, _ in found.pairs]
    assert aligned == [(1, 1), (4, 1), (4, 2), (4, 3), (6, 3)]
    said = findings(expected, actual)
    assert any("Line 4 of your output, '0.2 0.3 0.5', is extra;" in s for s in said)
    assert any("Line 5 (line 6 of yours) holds 3 number(s) where 2" in s for s in said)
    assert not any("Largest absolute error" in s for s in said)
    assert any("多出来的" in s for s in findings(expected, actual, "zh"))


def test_a_missing_line_is_named_with_its_text():
    expected = "h_1[0] 0.1 0.2\nc_1[0] 0.3 0.4\nh_2[0] 0.5 0.6\n"
    actual = "h_1[0] 0.1 0.2\nh_2[0] 0.5 0.7\n"
    found = diff(expected, actual, "floats", TOLERANCE)
    assert found.missing == (2,)
    assert (found.largest.line, found.largest.position, found.largest.actual) == (3, 2, "0.7")
    said = findings(expected, actual)
    assert any("lacks line 2 of the expected output, 'c_1[0] 0.3 0.4'" in s for s in said)
