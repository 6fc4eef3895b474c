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
                   "outputs": {SET: OUTPUT}}]}
A set whose input changed since the recording is not matched (its hash differs); the rest of
the staleness check (`seqlab validate`) compares the digest.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
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
                {"entry": m.entry, "name": m.name, "hint": m.hint, "outputs": m.outputs}
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
            Named(m["entry"], dict(m["name"]), m["hint"] and dict(m["hint"]), dict(m["outputs"]))
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
    return tuple(m for m in records.mistakes if test.name in m.outputs)


def match(test: TestSet, actual: str, mistakes: Sequence[Named]) -> Named | None:
    """The named mistake whose recorded output on `test` the set's comparator accepts as
    `actual` (spacing aside); None if none does. Of several, an identical output wins, then
    the first in corpus order: the same output always gets the same name."""
    accepted = []
    for named in mistakes:
        recorded = named.outputs.get(test.name)
        if recorded is None:
            continue
        if recorded == actual:
            return named
        outcome = compare(test.comparator, expected=recorded, actual=actual, **test.options)
        if outcome.outcome is not Outcome.MISMATCH:
            accepted.append(named)
    return accepted[0] if accepted else None


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
