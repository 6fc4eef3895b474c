"""Small pure helpers on shown text: line ranges, and fields cut to what a page can hold."""

from __future__ import annotations

from collections.abc import Iterable

from graders.messages import say

MAX_SHOWN_LINES = 20
MAX_SHOWN_CHARS = 2000


def line_ranges(numbers: Iterable[int]) -> str:
    """'3-5, 9' for [3, 4, 5, 9]."""
    ranges: list[list[int]] = []
    for number in sorted(set(numbers)):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def shorten(text: str, lang: str, *, tail: bool = False) -> str:
    """At most MAX_SHOWN_LINES lines (the last ones for error output, where the cause is)."""
    lines = text.rstrip("\n").split("\n")
    truncated = len(lines) > MAX_SHOWN_LINES or len(text) > MAX_SHOWN_CHARS
    lines = lines[-MAX_SHOWN_LINES:] if tail else lines[:MAX_SHOWN_LINES]
    shown = "\n".join(lines)
    shown = shown[-MAX_SHOWN_CHARS:] if tail else shown[:MAX_SHOWN_CHARS]
    if not truncated:
        return shown
    marker = say("report.truncated", lang)
    return f"{marker}\n{shown}" if tail else f"{shown}\n{marker}"
