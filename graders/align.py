"""Line alignment of two outputs, as a person reads them: the fewest lines missing or extra,
then the closest values (for graders/comparators.py's message and graders/present/diff.py).
Pure. A student's duplicated row is one extra line, not every later line shifted by one.

Two lines pair only when their words (the tokens that are not numbers) agree; a pair whose
count of numbers differs costs more than a pair of equal counts (a value missing or extra) but
less than a missing plus an extra line; otherwise a pair costs the share of its numbers that
differ under the comparator's rule. An edit distance over these costs (O(lines²), so only up
to MAX_CELLS pairs; past that, lines pair by their index).
"""

from __future__ import annotations

from collections.abc import Callable

MAX_CELLS = 40_000  # 200 × 200 lines
GAP = 1.0  # a line missing or extra
OTHER_COUNT = 1.5  # a line whose count of numbers differs
NO_PAIR = 2.0 * GAP + 1  # lines whose words differ never pair


def _number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _cost(a: list[str], b: list[str], differs: Callable[[str, str], bool]) -> float:
    if [t for t in a if not _number(t)] != [t for t in b if not _number(t)]:
        return NO_PAIR
    xs, ys = [t for t in a if _number(t)], [t for t in b if _number(t)]
    if len(xs) != len(ys):
        return OTHER_COUNT
    return sum(differs(x, y) for x, y in zip(xs, ys, strict=True)) / max(1, len(xs))


def align(
    want: list[str], got: list[str], differs: Callable[[str, str], bool]
) -> list[tuple[int | None, int | None]]:
    """(expected line index or None, actual line index or None), in order: a pair, a line
    missing from the actual output, or an extra one."""
    n, m = len(want), len(got)
    if n == m or n * m > MAX_CELLS:
        return [(i if i < n else None, i if i < m else None) for i in range(max(n, m))]
    tokens_a, tokens_b = [w.split() for w in want], [g.split() for g in got]
    # cost[i][j]: aligning want[i:] with got[j:]
    cost = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n or j == m:
                cost[i][j] = GAP * ((n - i) + (m - j))
                continue
            pair = _cost(tokens_a[i], tokens_b[j], differs)
            cost[i][j] = min(pair + cost[i + 1][j + 1], GAP + cost[i + 1][j], GAP + cost[i][j + 1])
    steps: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m:
            pair = _cost(tokens_a[i], tokens_b[j], differs)
            if pair < NO_PAIR and cost[i][j] == pair + cost[i + 1][j + 1]:
                steps.append((i, j))
                i, j = i + 1, j + 1
                continue
        if i < n and (j == m or cost[i][j] == GAP + cost[i + 1][j]):
            steps.append((i, None))
            i += 1
        else:
            steps.append((None, j))
            j += 1
    return steps
