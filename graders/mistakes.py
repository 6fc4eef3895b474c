"""Named mistakes: which known wrong answer a failing output looks like. Trusted side, pure.

`seqlab build --record` grades every named corpus entry (tests/corpus/<lab>.toml) on every
set and stores, per set it gets wrong, its output in `graders/labs/mistakes/<lab>.json`. A
student's failing output on a set is compared with each recorded output of that set by the
set's own comparator and options: a match names the mistake. The file holds outputs of
hidden sets, so it is a course secret like the spec (spec.py's SECRET_PATTERNS); a result
carries only the mistake's name and hint, never a recorded output.

The file:
    {"format": 1, "lab": ID, "digest": "<sha256 of spec, reference and corpus>",
     "sets": {SET: "<sha256 of its stdin>"},
     "mistakes": [{"entry": NAME, "name": {zh, en}, "hint": {zh, en} | null,
                   "outputs": {SET: OUTPUT}, "crashes": {SET: [OUTPUT, ERROR]}}]}
A mistake that crashes (an argument of the wrong shape to a torch module) is recorded by what
it printed before the crash and its exception's line ("RuntimeError: input.size(-1) must be
…", its type and message): a crash matches only a crash with the same line whose partial
output the set's comparator accepts, so partial output alone, which many crashes share, names
nothing. Nor does the exception alone: a crash recorded before any output names nothing, since
another mistake can raise the same error at the same place (red team, issue 18: values sliced
to the queries' length crash exactly like values taken from the decoder).
A set whose input changed since the recording is not matched (its hash differs); the rest of
the staleness check (`seqlab validate`) compares the digest.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graders.comparators import Outcome, compare
from graders.errors import SpecError
from graders.settings import feedback_rules
from graders.spec import LabSpec, TestSet

FORMAT = 1
MODES = ("hints", "names", "off")


@dataclass(frozen=True)
class Named:
    """One variant of a named mistake: a corpus entry and its outputs on the sets it fails."""

    entry: str
    name: dict[str, str]
    hint: dict[str, str] | None
    outputs: dict[str, str]
    crashes: dict[str, tuple[str, str]] = field(default_factory=dict)  # set → (output, error)


@dataclass(frozen=True)
class Records:
    lab: str
    digest: str
    sets: dict[str, str]
    mistakes: tuple[Named, ...]

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "lab": self.lab,
            "digest": self.digest,
            "sets": self.sets,
            "mistakes": [
                {
                    "entry": m.entry,
                    "name": m.name,
                    "hint": m.hint,
                    "outputs": m.outputs,
                    **(
                        {"crashes": {k: list(v) for k, v in m.crashes.items()}} if m.crashes else {}
                    ),
                }
                for m in self.mistakes
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def records_path(lab: LabSpec) -> Path:
    return lab.course_root / "graders" / "labs" / "mistakes" / f"{lab.id}.json"


def stdin_digest(test: TestSet) -> str:
    return hashlib.sha256(test.stdin.encode("utf-8")).hexdigest()


def parse_records(text: str, path: Path) -> Records:
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
        mistakes = tuple(
            Named(
                m["entry"],
                dict(m["name"]),
                m["hint"] and dict(m["hint"]),
                dict(m["outputs"]),
                {name: (out, error) for name, (out, error) in m.get("crashes", {}).items()},
            )
            for m in data["mistakes"]
        )
        return Records(data["lab"], data["digest"], dict(data["sets"]), mistakes)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SpecError("spec.mistakes_unreadable", path=path, reason=error) from None


@functools.lru_cache(maxsize=64)
def _read(path: Path, stamp: tuple[int, int]) -> Records:
    return parse_records(path.read_text(encoding="utf-8"), path)


def load_records(lab: LabSpec) -> Records | None:
    """The lab's recorded mistakes; None when it has none (read once per file version)."""
    path = records_path(lab)
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return _read(path, (status.st_mtime_ns, status.st_size))


def usable(records: Records | None, test: TestSet) -> tuple[Named, ...]:
    """The variants recorded on this set, if its input is still the one they ran on."""
    if records is None or records.sets.get(test.name) != stdin_digest(test):
        return ()
    return tuple(m for m in records.mistakes if test.name in m.outputs or test.name in m.crashes)


def error_line(stderr: str) -> str:
    """A crash's exception line: the last non-blank line of its traceback."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def accepted(
    test: TestSet, actual: str, mistakes: Sequence[Named], crash: str | None = None
) -> list[Named]:
    """The named mistakes whose recorded output on `test` the set's comparator accepts as
    `actual` (spacing aside): identical outputs first, then corpus order. `crash`: the
    exception line of a run that crashed, matched only against recorded crashes with the same
    line and a partial output that is not empty."""
    identical, close = [], []
    for named in mistakes:
        if crash is None:
            recorded = named.outputs.get(test.name)
        else:
            recorded, error = named.crashes.get(test.name, (None, None))
            # The same exception and some of the same output before it (see the module's doc).
            recorded = recorded if error == crash and recorded and recorded.strip() else None
        if recorded is None:
            continue
        if recorded == actual:
            identical.append(named)
            continue
        outcome = compare(test.comparator, expected=recorded, actual=actual, **test.options)
        if outcome.outcome is not Outcome.MISMATCH:
            close.append(named)
    return identical + close


def match(
    test: TestSet, actual: str, mistakes: Sequence[Named], crash: str | None = None
) -> Named | None:
    """The first of `accepted`: the same output always gets the same name."""
    found = accepted(test, actual, mistakes, crash)
    return found[0] if found else None


def consistent(per_set: Sequence[Sequence[Named]]) -> list[Named | None]:
    """One mistake per set, from the ones each set's output was accepted as: the mistake
    accepted on more of the submission's sets wins (two mistakes may print the same on one
    set, as dividing by d_k and by the number of keys do when both are 4, and differ on the
    others); among equals, each set's own order."""
    counts: dict[str, int] = {}
    for found in per_set:
        for key in {named.name["en"] for named in found}:
            counts[key] = counts.get(key, 0) + 1
    # max() keeps the first of equal keys: the set's own order decides ties.
    return [max(found, key=lambda n: counts[n.name["en"]]) if found else None for found in per_set]


def export_records(lab: LabSpec) -> str | None:
    """The records as an exported grading course (nbgrader, Gradescope) should hold them: that
    course has no seqlab.toml, so the lab's choice is applied to the copy — none when off,
    no hints when names only."""
    mode = feedback_rules(lab.course_root).mode(lab.id)
    records = load_records(lab)
    if records is None or mode == "off":
        return None
    if mode == "names":
        data = json.loads(records.to_json())
        for mistake in data["mistakes"]:
            mistake["hint"] = None
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return records.to_json()
