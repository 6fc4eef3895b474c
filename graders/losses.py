"""The losses a training lab's locked template reports, and the reference's band around them.

The side channel is the run's standard error: after training, the template prints one line
`seqlab losses: 3.42 3.19 …` (the criterion's value at each call during training, the first
MAX_LOSSES). Standard error because it is already a capped channel of every run, in both
fork and fresh mode, whose bytes the grader reads as data; stdout, and so every comparison,
expected output and recorded mistake, stays as it was. The line is written before the first
read of stdin, so it cannot carry a set's input, and a hidden set's stderr is never kept
(engine.judge), so no curve comes from a hidden set. What the line says is drawn, never
judged: a forged or garbled line only changes the writer's own picture, and a line that is
not a short list of finite numbers gives no curve at all.

The band (`seqlab build --record`, course/curves.py) is the reference's losses under the
lab's seed sweep, per epoch the lowest and the highest: `labs/curves/<lab>.json` beside the
spec, read by the spec loader and stored with each public set's picture declarations.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MARKER = "seqlab losses:"
MAX_LOSSES = 500  # the template reports at most this many; a longer line is not its own
MAX_LINE = 16 * 1024  # characters: 500 values of "%.4g" are under 6 KB


def split(stderr: str) -> tuple[str, tuple[float, ...]]:
    """`stderr` without the marked lines, and the losses the first of them reports (() when
    it is absent, too long, or holds anything but finite numbers)."""
    kept, marked = [], []
    for line in stderr.splitlines(keepends=True):
        (marked if line.startswith(MARKER) else kept).append(line)
    return "".join(kept), (_values(marked[0]) if marked else ())


def _values(line: str) -> tuple[float, ...]:
    if len(line) > MAX_LINE:
        return ()
    tokens = line[len(MARKER) :].split()
    if not tokens or len(tokens) > MAX_LOSSES:
        return ()
    try:
        values = tuple(float(token) for token in tokens)
    except ValueError:
        return ()
    return values if all(math.isfinite(value) for value in values) else ()


def band_path(spec_path: Path, lab_id: str) -> Path:
    return spec_path.parent / "curves" / f"{lab_id}.json"


def read_band(path: Path) -> dict[str, Any] | None:
    """The recorded band (`low`, `high`: one value per epoch; `seeds`), or None when there is
    none or it is not one (a curve is then drawn without a band, never an error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        low, high = [float(v) for v in data["low"]], [float(v) for v in data["high"]]
        seeds = [int(seed) for seed in data["seeds"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not low or len(low) != len(high) or len(low) > MAX_LOSSES:
        return None
    return {"low": low, "high": high, "seeds": len(seeds)}
