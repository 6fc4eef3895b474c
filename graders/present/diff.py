"""Expected and actual output side by side, the values that differ marked: a pure function.

What differs is what the set's comparator would not accept (comparators.token_differs: for
`floats` a number beyond atol + rtol·|expected|, else any other token), aligned the way the
comparator reads the output — `floats` and `tokens` as one stream of values (line breaks do
not matter), `lines` and `exact` line by line. Every value is placed by its line and its
position in that line, as a student counts them. Only public sets are ever diffed: a hidden
set's result has no output to diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graders.comparators import as_number, token_differs

STREAM = ("floats", "tokens")  # comparators that read the output as one stream of values


@dataclass(frozen=True)
class Value:
    line: int  # 1-based
    position: int  # 1-based, within its line
    text: str


@dataclass(frozen=True)
class Largest:
    error: float
    line: int  # where, in the expected output
    position: int
    expected: str
    actual: str


@dataclass(frozen=True)
class Diff:
    expected: tuple[tuple[tuple[str, bool], ...], ...]  # per line: (text, differs) segments
    actual: tuple[tuple[tuple[str, bool], ...], ...]
    largest: Largest | None  # the largest absolute error among aligned numbers
    shape: tuple[tuple[int, ...], tuple[int, ...]] | None  # values per line, when they differ
    differing: int  # how many values differ
    # The differing values in order: (line, position, expected, actual), placed in the
    # expected output (in the actual one for a value the expected output does not have).
    pairs: tuple[tuple[int, int, str, str], ...] = ()


def _values(text: str) -> list[list[Value]]:
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    return [
        [Value(n, p, token) for p, token in enumerate(line.split(), start=1)]
        for n, line in enumerate(lines, start=1)
    ]


def _pairs(want: list[list[Value]], got: list[list[Value]], stream: bool):
    """(expected value or None, actual value or None), aligned as the comparator reads."""
    if stream:
        flat_want = [v for line in want for v in line]
        flat_got = [v for line in got for v in line]
        longest = max(len(flat_want), len(flat_got))
        for i in range(longest):
            yield (
                (flat_want[i] if i < len(flat_want) else None),
                (flat_got[i] if i < len(flat_got) else None),
            )
        return
    for n in range(max(len(want), len(got))):
        a = want[n] if n < len(want) else []
        b = got[n] if n < len(got) else []
        for i in range(max(len(a), len(b))):
            yield (a[i] if i < len(a) else None), (b[i] if i < len(b) else None)


def _segments(text: str, marked: set[tuple[int, int]]) -> tuple[tuple[tuple[str, bool], ...], ...]:
    """Each line cut into (text, differs) runs, its spacing kept."""
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    out = []
    for n, line in enumerate(lines, start=1):
        runs: list[tuple[str, bool]] = []
        position = 0
        for piece in re.split(r"(\s+)", line):
            if not piece:
                continue
            differs = False
            if not piece.isspace():
                position += 1
                differs = (n, position) in marked
            if runs and runs[-1][1] == differs:
                runs[-1] = (runs[-1][0] + piece, differs)
            else:
                runs.append((piece, differs))
        out.append(tuple(runs))
    return tuple(out)


def diff(expected: str, actual: str, comparator: str, options: dict[str, float]) -> Diff:
    want, got = _values(expected), _values(actual)
    marked_want: set[tuple[int, int]] = set()
    marked_got: set[tuple[int, int]] = set()
    largest: Largest | None = None
    differing = 0
    pairs: list[tuple[int, int, str, str]] = []
    for a, b in _pairs(want, got, comparator in STREAM):
        differs = a is None or b is None or token_differs(comparator, a.text, b.text, **options)
        if not differs:
            continue
        differing += 1
        where = a if a is not None else b
        assert where is not None
        pairs.append((where.line, where.position, a.text if a else "—", b.text if b else "—"))
        if a is not None:
            marked_want.add((a.line, a.position))
        if b is not None:
            marked_got.add((b.line, b.position))
        x = as_number(a.text) if a is not None else None
        y = as_number(b.text) if b is not None else None
        if a is not None and b is not None and x is not None and y is not None:
            error = abs(y - x)
            if largest is None or error > largest.error:
                largest = Largest(error, a.line, a.position, a.text, b.text)
    shape_want = tuple(len(line) for line in want)
    shape_got = tuple(len(line) for line in got)
    # A stream comparator does not read lines: only a different count of values is a shape.
    same = sum(shape_want) == sum(shape_got) if comparator in STREAM else shape_want == shape_got
    return Diff(
        expected=_segments(expected, marked_want),
        actual=_segments(actual, marked_got),
        largest=largest,
        shape=None if same else (shape_want, shape_got),
        differing=differing,
        pairs=tuple(pairs),
    )
