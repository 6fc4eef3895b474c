"""CSV files a spreadsheet can open safely: no cell is read as a formula.

Excel and LibreOffice run a cell that starts with `=`, `+`, `-` or `@` as a formula (a tab or
carriage return first can lead to the same), so a student id like `=HYPERLINK(…)` would become
a live link, or worse, in the instructor's gradebook. Every CSV seqlab writes goes through
`writer()`, whose rows pass through `safe_cell`: such a text cell gets a leading `'` (OWASP's
advice), shown as text; a number stays a number, written as one ("-0.5" is a score, not a
formula).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet shows it, never as a formula it runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, stream: TextIO, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])


def writer(stream: TextIO, **options: Any) -> _SafeWriter:
    """csv.writer(stream, **options) whose every cell goes through safe_cell."""
    return _SafeWriter(stream, **options)
