"""Compare a program's output with the expected output, on the trusted side.

Each comparator is pure and keyword-only (`expected=`, `actual=`, options) and returns a
Comparison; they are looked up by the name a lab spec gives. Both texts arrive normalised
(LF line ends) from the boundary that decoded them.
"""

from __future__ import annotations

import enum
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from graders.align import align


class Outcome(enum.Enum):
    MATCH = "match"
    WHITESPACE_ONLY = "whitespace_only"  # same tokens, different spacing or line breaks
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Comparison:
    outcome: Outcome
    # A messages-catalogue key describing the first difference, and its parameters.
    detail_key: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


MATCH = Comparison(Outcome.MATCH)
WHITESPACE_ONLY = Comparison(Outcome.WHITESPACE_ONLY, "detail.whitespace_only")


def _significant_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


SHOWN_CHARACTERS = 80  # of a line quoted in a one-line message


def clipped(text: str, start: int = 0) -> str:
    """At most SHOWN_CHARACTERS of `text` from `start`, with … where some is left out."""
    piece = text[start : start + SHOWN_CHARACTERS]
    return ("…" if start else "") + piece + ("…" if start + SHOWN_CHARACTERS < len(text) else "")


def excerpts(want: str, got: str) -> tuple[str, str]:
    """Two lines quoted around where they first differ (a long line is not quoted whole)."""
    same = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), None)
    start = max(0, (min(len(want), len(got)) if same is None else same) - SHOWN_CHARACTERS // 3)
    return clipped(want, start), clipped(got, start)


def _first_difference(line: int, want: str, got: str) -> Comparison:
    expected, actual = excerpts(want, got)
    where = {"line": line, "expected": expected, "actual": actual}
    return Comparison(Outcome.MISMATCH, "detail.first_difference", where)


def _first_line_difference(expected: list[str], actual: list[str]) -> Comparison:
    for number, (want, got) in enumerate(zip(expected, actual, strict=False), start=1):
        if want != got:
            return _first_difference(number, want, got)
    number = min(len(expected), len(actual)) + 1
    if len(expected) > len(actual):
        return Comparison(
            Outcome.MISMATCH,
            "detail.missing_lines",
            {"line": number, "expected": clipped(expected[number - 1])},
        )
    return Comparison(
        Outcome.MISMATCH,
        "detail.extra_lines",
        {"line": number, "actual": clipped(actual[number - 1])},
    )


def exact(*, expected: str, actual: str) -> Comparison:
    """Byte-for-byte equal text; whitespace-only differences are a presentation error."""
    if expected == actual:
        return MATCH
    if expected.split() == actual.split():
        return WHITESPACE_ONLY
    return _first_line_difference(expected.split("\n"), actual.split("\n"))


def lines(*, expected: str, actual: str) -> Comparison:
    """Equal line by line, ignoring spaces at line ends and blank lines at the end."""
    want, got = _significant_lines(expected), _significant_lines(actual)
    if want == got:
        return MATCH
    if expected.split() == actual.split():
        return WHITESPACE_ONLY
    return _first_line_difference(want, got)


def place(text: str, index: int, numbers: bool = False) -> tuple[int, int]:
    """The line and the position in that line of the `index`-th (1-based) token of `text`,
    as a student counts them (a stream comparator counts values across lines). With
    `numbers`, a number's position counts only the line's numbers: in `h_1[0] 0.1 0.2`,
    0.2 is value 2 (the label is no value)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        items = line.split()
        if seen + len(items) >= index:
            at = index - seen
            if numbers and as_number(items[at - 1]) is not None:
                at = sum(as_number(item) is not None for item in items[:at])
            return number, at
        seen += len(items)
    return max(1, text.count("\n")), index - seen


def tokens(*, expected: str, actual: str) -> Comparison:
    """Equal as whitespace-separated tokens; spacing and line breaks do not matter."""
    want, got = expected.split(), actual.split()
    if want == got:
        return MATCH
    for index, (a, b) in enumerate(zip(want, got, strict=False), start=1):
        if a != b:
            line, position = place(expected, index)
            return Comparison(
                Outcome.MISMATCH,
                "detail.token_mismatch",
                {"line": line, "position": position, "expected": a, "actual": b},
            )
    return Comparison(
        Outcome.MISMATCH, "detail.token_count", {"expected": len(want), "actual": len(got)}
    )


def as_number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def numbers_close(expected: float, actual: float, *, atol: float, rtol: float) -> bool:
    """numpy.isclose's rule, with the expected value as the reference; NaN only matches NaN."""
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return expected == actual
    return abs(actual - expected) <= atol + rtol * abs(expected)


def floats(*, expected: str, actual: str, atol: float = 1e-6, rtol: float = 1e-6) -> Comparison:
    """Tokens, where numbers may differ by atol + rtol·|expected| and other tokens must match
    (line breaks do not count). The first difference is named as a person reads the two
    outputs: by line, as they align, when the lines have other shapes (_by_lines)."""
    want, got = expected.split(), actual.split()
    if len(want) != len(got):
        return _by_lines(expected, actual, atol=atol, rtol=rtol) or Comparison(
            Outcome.MISMATCH, "detail.token_count", {"expected": len(want), "actual": len(got)}
        )
    for index, (a, b) in enumerate(zip(want, got, strict=True), start=1):
        number_a, number_b = as_number(a), as_number(b)
        same = (
            a == b
            if number_a is None
            else number_b is not None and numbers_close(number_a, number_b, atol=atol, rtol=rtol)
        )
        if same:
            continue
        if _shape(expected) != _shape(actual):  # a transposed matrix, say
            found = _by_lines(expected, actual, atol=atol, rtol=rtol)
            if found is not None:
                return found
        line, position = place(expected, index, numbers=number_a is not None)
        where = {"line": line, "position": position, "expected": a, "actual": b}
        if number_a is None:
            return Comparison(Outcome.MISMATCH, "detail.token_mismatch", where)
        if number_b is None:  # `0.358522,` reads like the number but is not one
            return Comparison(Outcome.MISMATCH, "detail.not_a_number", where)
        return Comparison(
            Outcome.MISMATCH, "detail.number_mismatch", {**where, "atol": atol, "rtol": rtol}
        )
    return MATCH


def _shape(text: str) -> list[int]:
    return [len(line.split()) for line in _significant_lines(text)]


def _by_lines(expected: str, actual: str, **options: float) -> Comparison | None:
    """The first difference in reading order as the lines align (graders/align.py: a
    duplicated row is one extra line): a paired line that differs (a printed shape, a row with
    another count of numbers — a transposed matrix is named at its shape line or its first
    row, not at the row that ends up extra), else the first line missing or extra."""
    want, got = _significant_lines(expected), _significant_lines(actual)
    steps = align(want, got, lambda a, b: token_differs("floats", a, b, **options))
    counts = {"expected": len(want), "actual": len(got)}
    for at, (i, j) in enumerate(steps):
        if i is not None and j is not None:
            differs = _line_difference(want[i], got[j], i + 1, **options)
            if differs is not None:
                return differs
            continue
        gap = steps[at:]
        gap = gap[: next((n for n, step in enumerate(gap) if None not in step), len(gap))]
        missing = [i for i, j in gap if j is None]
        extra = [j for i, j in gap if i is None]
        if missing and extra:  # lines replaced by others, not only lines too few or too many
            return _first_difference(missing[0] + 1, want[missing[0]], got[extra[0]])
        key = "detail.line_missing" if j is None else "detail.line_extra"
        line, text = (i + 1, want[i]) if j is None else (j + 1, got[j])  # type: ignore[operator]
        return Comparison(
            Outcome.MISMATCH, key, {"line": line, "text": clipped(text.strip()), **counts}
        )
    return None


def _line_difference(want: str, got: str, line: int, **options: float) -> Comparison | None:
    """How two aligned lines differ under floats (None: they do not), named at `line` of the
    expected output."""
    if len(want.split()) != len(got.split()):
        numbers = [sum(as_number(t) is not None for t in text.split()) for text in (want, got)]
        if numbers[0] == numbers[1] or 0 in numbers:  # other words (around the numbers)
            return _first_difference(line, want.strip(), got.strip())
        return Comparison(
            Outcome.MISMATCH,
            "detail.count_line",
            {"line": line, "expected": numbers[0], "actual": numbers[1]},
        )
    differs = floats(expected=want, actual=got, **options)
    if differs.outcome is Outcome.MATCH:
        return None
    return replace(differs, detail={**differs.detail, "line": line})


def token_differs(name: str, want: str, got: str, **options: float) -> bool:
    """Do two aligned tokens differ under the comparator `name`'s own rule? (The numeric diff
    a student sees marks exactly what the comparator would not accept.)"""
    if name == "floats":
        number_a, number_b = as_number(want), as_number(got)
        if number_a is not None:
            return number_b is None or not numbers_close(
                number_a, number_b, atol=options.get("atol", 1e-6), rtol=options.get("rtol", 1e-6)
            )
    return want != got


Comparator = Callable[..., Comparison]

COMPARATORS: dict[str, Comparator] = {
    "exact": exact,
    "lines": lines,
    "tokens": tokens,
    "floats": floats,
}


def option_names(name: str) -> set[str]:
    """The options a comparator accepts besides expected/actual (for spec validation)."""
    parameters = inspect.signature(COMPARATORS[name]).parameters
    return {p for p in parameters if p not in ("expected", "actual")}


def compare(name: str, *, expected: str, actual: str, **options: float) -> Comparison:
    return COMPARATORS[name](expected=expected, actual=actual, **options)
