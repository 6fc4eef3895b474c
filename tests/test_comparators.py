"""Comparators: pure functions deciding match / whitespace-only / mismatch."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.comparators import COMPARATORS, Outcome, compare, numbers_close
from graders.messages import say


def outcome(name, expected, actual, **options):
    return compare(name, expected=expected, actual=actual, **options).outcome


def test_exact_needs_identical_text_and_calls_spacing_a_presentation_error():
    assert outcome("exact", "low\n", "low\n") is Outcome.MATCH
    assert outcome("exact", "low\n", "low") is Outcome.WHITESPACE_ONLY
    assert outcome("exact", "low\n", "ly\n") is Outcome.MISMATCH


def test_lines_ignores_trailing_spaces_and_trailing_blank_lines_only():
    assert outcome("lines", "low\nqueen\n", "low   \nqueen\n\n\n") is Outcome.MATCH
    assert outcome("lines", "low\nqueen\n", "low queen\n") is Outcome.WHITESPACE_ONLY
    assert outcome("lines", "low\n", "  low\n") is Outcome.WHITESPACE_ONLY
    assert outcome("lines", "low\nqueen\n", "low\nqoeen\n") is Outcome.MISMATCH


def test_lines_reports_the_first_differing_line():
    result = compare("lines", expected="low\nqueen\n", actual="low\nqoeen\n")
    assert result.detail_key == "detail.first_difference"
    assert result.detail == {"line": 2, "expected": "queen", "actual": "qoeen"}
    short = compare("lines", expected="a\nb\n", actual="a\n")
    assert short.detail_key == "detail.missing_lines" and short.detail["line"] == 2
    extra = compare("lines", expected="a\n", actual="a\nb\n")
    assert extra.detail_key == "detail.extra_lines" and extra.detail["actual"] == "b"


def test_tokens_ignores_all_spacing():
    assert outcome("tokens", "1 2\n3\n", " 1\n2 3 ") is Outcome.MATCH
    result = compare("tokens", expected="1 2 3", actual="1 5 3")
    assert result.outcome is Outcome.MISMATCH and result.detail["position"] == 2


def test_a_difference_is_placed_by_its_line_and_its_place_in_the_line_not_by_word_count():
    # "h_1 0.1 0.2" / "h_2 0.3 0.4": the first number of h_2 is the 5th word of the output,
    # and a student reads it as line 2, value 1: the label is no value (issue 18).
    expected = "h_1 0.1 0.2\nh_2 0.3 0.4\n"
    result = compare("floats", expected=expected, actual="h_1 0.1 0.2\nh_2 0.9 0.4\n")
    assert (result.detail["line"], result.detail["position"]) == (2, 1)
    assert "Line 2, value 1 differs" in say(result.detail_key, "en", **result.detail)
    loss = compare("floats", expected="probe loss: 3.407053\n", actual="probe loss: 3.5\n")
    assert "Line 1, value 1 differs: expected 3.407053" in say(loss.detail_key, "en", **loss.detail)


def test_a_duplicated_row_is_named_as_one_extra_line_by_floats():
    expected = "w 0\n0.1 0.2 0.3\n0.4 0.5 0.6\nrow sums 1 1\n"
    actual = "w 0\n0.1 0.2 0.3\n0.4 0.5 0.6\n0.4 0.5 0.6\nrow sums 1 1 1\n"
    result = compare("floats", expected=expected, actual=actual)
    assert result.detail_key == "detail.line_extra"
    assert (result.detail["line"], result.detail["expected"], result.detail["actual"]) == (4, 4, 5)
    assert "An extra line: line 4 of your output, '0.4 0.5 0.6'" in say(
        result.detail_key, "en", **result.detail
    )
    assert "输出多了一行：你的第 4 行" in say(result.detail_key, "zh", **result.detail)
    short = compare("floats", expected=expected, actual="w 0\n0.1 0.2 0.3\nrow sums 1 1\n")
    assert (short.detail_key, short.detail["line"]) == ("detail.line_missing", 3)


def test_the_first_difference_is_named_in_reading_order_as_the_lines_align():
    """A printed shape that differs comes first, before the row that ends up extra; a matrix
    printed transposed is named at its first row's count of numbers, not at a value that only
    lines up by accident; the same numbers with other line breaks still match (issue 18)."""
    expected = "w shape 2 3\n0.1 0.2 0.3\n0.4 0.5 0.6\n"
    duplicated = compare(
        "floats", expected=expected, actual="w shape 3 3\n0.1 0.2 0.3\n0.1 0.2 0.3\n0.4 0.5 0.6\n"
    )
    assert duplicated.detail_key == "detail.number_mismatch"
    assert (duplicated.detail["line"], duplicated.detail["position"]) == (1, 1)
    assert (duplicated.detail["expected"], duplicated.detail["actual"]) == ("2", "3")
    transposed = compare(
        "floats", expected=expected, actual="w shape 3 2\n0.1 0.4\n0.2 0.5\n0.3 0.6\n"
    )
    assert (transposed.detail_key, transposed.detail["line"]) == ("detail.number_mismatch", 1)
    bare = compare("floats", expected="1 2 3\n4 5 6\n", actual="1 4\n2 5\n3 6\n")
    assert bare.detail_key == "detail.count_line"
    assert (bare.detail["line"], bare.detail["expected"], bare.detail["actual"]) == (1, 3, 2)
    assert "Line 1 holds 2 number(s) where 3 were expected" in say(
        bare.detail_key, "en", **bare.detail
    )
    assert "第 1 行的数值个数不同" in say(bare.detail_key, "zh", **bare.detail)
    assert compare("floats", expected="1 2 3\n4 5 6\n", actual="1 2\n3 4\n5 6\n").outcome is (
        Outcome.MATCH
    )
    worded = compare("floats", expected="a 1\nb 2\n", actual="a x 1\nb 2\n")
    assert (worded.detail_key, worded.detail["line"]) == ("detail.first_difference", 1)


def test_floats_tolerates_small_differences_and_compares_words_exactly():
    assert (
        outcome("floats", "w 0.207846 0.314940", "w 0.2078461 0.31494", atol=1e-6, rtol=0)
        is Outcome.MATCH
    )
    assert outcome("floats", "w 0.207846", "w 0.207856", atol=1e-6, rtol=0) is Outcome.MISMATCH
    assert outcome("floats", "w 0.2", "x 0.2") is Outcome.MISMATCH
    assert outcome("floats", "1.0 2.0", "1.0") is Outcome.MISMATCH
    assert outcome("floats", "1000", "1000.5", atol=0, rtol=1e-3) is Outcome.MATCH
    assert outcome("floats", "0.5", "abc") is Outcome.MISMATCH


def test_floats_nan_and_infinity():
    assert numbers_close(math.nan, math.nan, atol=1e-6, rtol=0)
    assert not numbers_close(1.0, math.nan, atol=1e-6, rtol=0)
    assert numbers_close(math.inf, math.inf, atol=1e-6, rtol=0)
    assert not numbers_close(math.inf, -math.inf, atol=1e9, rtol=0)
    assert not numbers_close(1e300, math.inf, atol=1e9, rtol=1)


text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=60)


@pytest.mark.parametrize("name", sorted(COMPARATORS))
@given(value=text)
def test_every_comparator_accepts_the_expected_output_itself(name, value):
    assert outcome(name, value, value) is Outcome.MATCH


@pytest.mark.parametrize("name", ["lines", "tokens", "floats"])
@given(value=text, spaces=st.text(alphabet=" \t", max_size=3))
def test_trailing_spaces_never_matter_outside_exact(name, value, spaces):
    padded = "\n".join(line + spaces for line in value.split("\n"))
    assert outcome(name, value, padded) is Outcome.MATCH


@given(expected=st.floats(allow_nan=False, allow_infinity=False, width=32), noise=st.floats(-1, 1))
def test_floats_accepts_exactly_the_numbers_within_tolerance(expected, noise):
    atol = 1e-3
    actual = expected + noise * 2 * atol
    within = abs(actual - expected) <= atol
    assert (
        outcome("floats", repr(expected), repr(actual), atol=atol, rtol=0) is Outcome.MATCH
    ) == within


def test_words_where_numbers_were_expected_a_number_with_a_comma_and_long_lines_are_said_plainly():
    """Red team, issue 18 round 3: lines of words are a line that differs (not a 'transposed
    matrix'); `0.358522,` is not a number; a long line is quoted around its first difference,
    never whole."""
    words = compare("floats", expected="1 2 3\n4 5 6\n", actual="a b\nc d\ne f\n")
    assert (words.detail_key, words.detail["line"]) == ("detail.first_difference", 1)
    assert (words.detail["expected"], words.detail["actual"]) == ("1 2 3", "a b")
    comma = compare("floats", expected="0.358522 1\n", actual="0.358522, 1\n")
    assert comma.detail_key == "detail.not_a_number"
    assert "not a number" in say(comma.detail_key, "en", **comma.detail)
    assert "不是一个数" in say(comma.detail_key, "zh", **comma.detail)
    long_want, long_got = "a" * 5000 + "b" + "c" * 100, "a" * 5000 + "X" + "c" * 100
    long = compare("exact", expected=long_want, actual=long_got)
    said = say(long.detail_key, "en", **long.detail)
    assert len(said) < 300 and "b" in long.detail["expected"] and "X" in long.detail["actual"]
    assert long.detail["expected"].startswith("…") and long.detail["expected"].endswith("…")
