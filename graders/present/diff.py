"""Expected and actual output side by side, the values that differ marked: a pure function.

What differs is what the set's comparator would not accept (comparators.token_differs: for
`floats` a number beyond atol + rtol·|expected|, else any other token), aligned the way the
comparator reads the output — `floats` and `tokens` as one stream of values (line breaks do
not matter), `lines` and `exact` line by line. Every value is placed by its line and its
position in that line, as a student counts them. Only public sets are ever diffed: a hidden
set's result has no output to diff.

The largest absolute error is measured only between numbers that align as a person reads
them: lines matched by their words and their count of numbers (difflib aligns the lines; when
the line counts differ, graders/align.py pairs them by their values too, so a missing or a
duplicated line shifts nothing and is named), the numbers then paired by position. A value's
position is the N-th number of its line (a label such as `h_1[0]` is no value).
A line whose count of numbers differs is named instead (a value missing or extra), as is a
line that prints a shape (`shape 2 3`, `(2, 3)`, `torch.Size([2, 3])`), whose numbers are
sizes, not values; a NaN or an infinity is named, never measured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from graders.align import align
from graders.comparators import as_number, token_differs

STREAM = ("floats", "tokens")  # comparators that read the output as one stream of values
ALIGNED_LINES = 1000  # past this many lines on both sides, lines pair by their index
# A line that prints a shape: a word naming it, or a tuple/list of whole numbers.
SHAPE_WORD = re.compile(r"shape|size", re.IGNORECASE)
SHAPE_TUPLE = re.compile(
    r"(?<![\w\])])(?:\(\s*\d+\s*,(?:\s*\d+\s*,?)*\s*\)|\[\s*\d+\s*(?:,\s*\d+\s*)+\])"
)  # (2,) (2, 3) [2, 3], not an index such as h[0]


@dataclass(frozen=True)
class Value:
    line: int  # 1-based
    position: int  # 1-based, within its line
    text: str
    number: int = 0  # 1-based among the line's numbers; 0 for a word

    @property
    def shown(self) -> int:
        """Its place as a student counts it: the N-th number of the line (`h_1[0] 0.1 0.2`:
        0.2 is value 2), or for a word its place among all the line's items."""
        return self.number or self.position


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
    # Lines that hold another count of numbers: (line, expected count, actual count, the
    # output's own line); no error is measured on them.
    counts: tuple[tuple[int, int, int, int], ...] = ()
    # Lines that print a shape and differ: (line, expected text, actual text).
    shapes: tuple[tuple[int, str, str], ...] = ()
    # Aligned values where either is NaN or infinite: (line, position, expected, actual).
    not_finite: tuple[tuple[int, int, str, str], ...] = ()
    # When the line counts differ: expected lines the output lacks, and the output's extra
    # lines (its own line numbers), found by aligning the lines (graders/align.py).
    missing: tuple[int, ...] = ()
    extra: tuple[int, ...] = ()


def _values(text: str) -> list[list[Value]]:
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    out = []
    for n, line in enumerate(lines, start=1):
        values, count = [], 0
        for p, token in enumerate(line.split(), start=1):
            numeric = as_number(token) is not None
            count += numeric
            values.append(Value(n, p, token, count if numeric else 0))
        out.append(values)
    return out


def _steps(want, got, comparator: str, options: dict[str, float]):
    """The lines paired as a person reads them (graders/align.py)."""
    return align(
        [" ".join(v.text for v in line) for line in want],
        [" ".join(v.text for v in line) for line in got],
        lambda a, b: token_differs(comparator, a, b, **options),
    )


def _pairs(want: list[list[Value]], got: list[list[Value]], stream: bool, steps):
    """(expected value or None, actual value or None), aligned as the comparator reads; when
    the line counts differ, a stream's values by the aligned lines (a duplicated row shifts
    nothing after it); `lines` and `exact` pair lines by index, as they compare."""
    if stream and len(want) != len(got):
        for i, j in steps:
            a = want[i] if i is not None else []
            b = got[j] if j is not None else []
            for k in range(max(len(a), len(b))):
                yield (a[k] if k < len(a) else None), (b[k] if k < len(b) else None)
        return
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
    differing = 0
    pairs: list[tuple[int, int, str, str]] = []
    steps = _steps(want, got, comparator, options)
    for a, b in _pairs(want, got, comparator in STREAM, steps):
        differs = a is None or b is None or token_differs(comparator, a.text, b.text, **options)
        if not differs:
            continue
        differing += 1
        where = a if a is not None else b
        assert where is not None
        pairs.append((where.line, where.shown, a.text if a else "—", b.text if b else "—"))
        if a is not None:
            marked_want.add((a.line, a.position))
        if b is not None:
            marked_got.add((b.line, b.position))
    lines = _Lines(expected, actual, want, got, comparator, options, steps)
    # Values per line: numbers for `floats` (a label such as `h_1[0]` is no value), else items.
    size = (lambda line: len(_numbers(line))) if comparator == "floats" else len
    shape_want = tuple(size(line) for line in want)
    shape_got = tuple(size(line) for line in got)
    # A stream comparator does not read lines: only a different count of values is a shape.
    same = sum(shape_want) == sum(shape_got) if comparator in STREAM else shape_want == shape_got
    return Diff(
        expected=_segments(expected, marked_want),
        actual=_segments(actual, marked_got),
        largest=lines.largest,
        shape=None if same else (shape_want, shape_got),
        differing=differing,
        pairs=tuple(pairs),
        counts=tuple(lines.counts),
        shapes=tuple(lines.shapes),
        not_finite=tuple(lines.not_finite),
        missing=tuple(i + 1 for i, j in steps if j is None) if len(want) != len(got) else (),
        extra=tuple(j + 1 for i, j in steps if i is None) if len(want) != len(got) else (),
    )


def _numbers(line: list[Value]) -> list[tuple[Value, float]]:
    return [(v, x) for v in line if (x := as_number(v.text)) is not None]


def _words(line: list[Value]) -> tuple[str, ...]:
    return tuple(v.text for v in line if as_number(v.text) is None)


def _is_shape(text: str, line: list[Value]) -> bool:
    return any(SHAPE_WORD.search(word) for word in _words(line)) or bool(SHAPE_TUPLE.search(text))


class _Lines:
    """The line-by-line reading behind the largest error: lines aligned by their words and
    count of numbers, then what each aligned (or nearly aligned) pair of lines shows."""

    def __init__(self, expected, actual, want, got, comparator, options, steps) -> None:
        self.largest: Largest | None = None
        self.counts: list[tuple[int, int, int, int]] = []
        self.shapes: list[tuple[int, str, str]] = []
        self.not_finite: list[tuple[int, int, str, str]] = []
        self.comparator, self.options = comparator, options
        texts = (expected.rstrip("\n").split("\n"), actual.rstrip("\n").split("\n"))
        self.texts = texts
        if len(want) != len(got):
            # Another count of lines: the lines a person would pair (graders/align.py).
            for i, j in steps:
                if i is not None and j is not None:
                    self._pair(i, want[i], got[j], texts[0][i], texts[1][j], j)
            return
        keys = [[(_words(line), len(_numbers(line))) for line in side] for side in (want, got)]
        # difflib's own heuristic drops lines repeated past 1% of a long output, which keeps a
        # flood of equal lines linear; past ALIGNED_LINES² pairs lines pair by their index.
        if len(want) * len(got) <= ALIGNED_LINES**2:
            opcodes = SequenceMatcher(None, keys[0], keys[1]).get_opcodes()
        else:
            opcodes = [("replace", 0, len(want), 0, len(got))]
        for tag, i1, i2, j1, j2 in opcodes:
            # Equal lines pair one to one; a replaced block pairs its lines in order, as far as
            # both go (a line with a value missing sits where its full line would).
            for i, j in zip(range(i1, i2), range(j1, j2), strict=False):
                if tag in ("equal", "replace"):
                    self._pair(i, want[i], got[j], texts[0][i], texts[1][j], j)

    def _pair(self, i: int, a: list[Value], b: list[Value], text_a: str, text_b: str, j: int):
        if _is_shape(text_a, a) or _is_shape(text_b, b):
            if text_a.split() != text_b.split():
                self.shapes.append((i + 1, text_a.strip(), text_b.strip()))
            return  # its numbers are sizes, not values: never an error
        numbers_a, numbers_b = _numbers(a), _numbers(b)
        if len(numbers_a) != len(numbers_b):
            self.counts.append((i + 1, len(numbers_a), len(numbers_b), j + 1))
            return
        for (va, x), (vb, y) in zip(numbers_a, numbers_b, strict=True):
            if not token_differs(self.comparator, va.text, vb.text, **self.options):
                continue
            if not (math.isfinite(x) and math.isfinite(y)):
                self.not_finite.append((va.line, va.shown, va.text, vb.text))
                continue
            error = abs(y - x)
            if self.largest is None or error > self.largest.error:
                self.largest = Largest(error, va.line, va.shown, va.text, vb.text)
