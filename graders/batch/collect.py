"""Collect submissions: command-line arguments → one (student id, file) item per student.

This module knows layouts and names; finding files and reading them within byte budgets
(zip members refused, bombs stopped, links never followed) is `reading`'s.

What may be given, and the student id each layout yields (ids are made safe for file names:
whitespace runs become `-`, path separators and control characters are dropped):

- a file: its stem (`alice.py` → `alice`); a file named like the lab's entry file
  (`alice/rnn_numpy.py`) is named by its folder (`alice`).
- a folder of `<student>.py` files, or of `<student>/` folders holding the lab's entry file
  (or their only .py/.ipynb file): `<student>`. One wrapper folder around them all
  (`export/alice.py`, `export/bob/…`) is looked through.
- an nbgrader course or its `submitted/` folder: `submitted/<student>/<assignment>/<file>` →
  `<student>`; only the assignment asked for (the lab id unless `--assignment` says
  otherwise) is collected, so the instructor's `source/` and `release/` copies never are.
- a Moodle export (zip or unpacked): `Firstname Lastname_12345_assignsubmission_file_/x.py`,
  or flat `Firstname Lastname_12345_assignsubmission_file_x.py` → `firstname-lastname-12345`
  (12345 is Moodle's participant number: names repeat, the number does not).
- a Canvas export: `lastnamefirstname_12345_67890_x.py`, `…_late_12345_67890_x.py`, and
  resubmissions saved as `x-1.py` → `lastnamefirstname-12345` (12345 is the Canvas user id;
  67890 is the attachment, which changes with every resubmission).
- a .zip of any of the above, read in place (nothing is extracted): a member `reading`
  refuses (a name climbing out of the archive, a symbolic link, a method other than Deflate
  or Stored) becomes that student's error, and the rest of the archive is collected.

The same student found twice (two files, a Canvas resubmission) keeps the newest file (by
modification time, the zip's member time for archives) and the others are reported as notes.
A file that cannot be read becomes an item with an error: it is reported, never graded, and
never stops the others. Nothing the user gave is written to.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graders.batch.reading import (
    Budget,
    Found,
    Source,
    archive,
    batch_budget,
    file,
    source_of,
    walk,
)
from graders.errors import SeqlabError, SubmissionError
from graders.submission import Submission, decode, submission_from_bytes

MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$"
)
CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?:late_|LATE_)?(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)$"
)
RESUBMISSION = re.compile(r"-\d+$")  # Canvas saves a second `x.py` as `x-1.py`


@dataclass(frozen=True)
class Item:
    """One student's file (or the reason it cannot be graded).

    A collected file is a `source`: hashed while collected, read again when graded, so a
    batch never holds every file at once. `data` holds bytes given in memory (the web's)."""

    student: str
    path: Path  # as shown to people; a zip member is `archive.zip/member/name`
    data: bytes | None = None
    error: SeqlabError | None = None
    modified: float = 0.0
    source: Source | None = None

    @property
    def sha256(self) -> str | None:
        if self.source is not None:
            return self.source.sha256
        return None if self.data is None else hashlib.sha256(self.data).hexdigest()

    def content(self) -> bytes:
        """The file's bytes; raises the item's error, or why they cannot be read again."""
        if self.error is not None:
            raise self.error
        if self.source is not None:
            return self.source.load()
        assert self.data is not None
        return self.data

    def text(self) -> str:
        """The file's normalised text; raises the item's error or a decoding error."""
        return decode(self.content(), self.path)

    def submission(self) -> Submission:
        """The file as a submission: a notebook's code cells are read back into a program."""
        return submission_from_bytes(self.path, self.content())


@dataclass(frozen=True)
class Note:
    """Something the instructor should know about the collection (a duplicate dropped)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    items: tuple[Item, ...]
    notes: tuple[Note, ...] = ()


def safe_id(text: str) -> str:
    """A student id usable as a file name in feedback and export folders."""
    text = unicodedata.normalize("NFC", text).strip()
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"[^\w.@+-]", "", text).lstrip(".")
    return text or "unknown"


def collect(
    arguments: Sequence[Path],
    *,
    entry: str | None,
    suffixes: tuple[str, ...] = (".py", ".ipynb"),
    assignment: str | None = None,
) -> Collection:
    """Items for every argument (file, folder, .zip), one per student, newest kept."""
    rules = _Rules(entry, tuple(s.lower() for s in suffixes), assignment)
    batch = batch_budget()
    items: list[Item] = []
    for argument in arguments:
        items.extend(_collect_one(Path(argument), rules, batch))
    return _newest_per_student(items)


@dataclass(frozen=True)
class _Rules:
    entry: str | None
    suffixes: tuple[str, ...]
    assignment: str | None

    def accepts(self, name: str) -> bool:
        return Path(name).suffix.lower() in self.suffixes

    @property
    def entry_stem(self) -> str | None:
        return Path(self.entry).stem if self.entry else None


def _collect_one(path: Path, rules: _Rules, batch: Budget) -> list[Item]:
    if path.is_dir():
        return _classify(list(walk(path, batch)), rules, root_name=path.resolve().name)
    if path.suffix.lower() == ".zip":
        try:
            found = list(archive(path, batch))
        except SubmissionError as error:
            return [Item(safe_id(path.stem), path, error=error)]
        return _classify(found, rules, root_name=path.stem)
    # A single file: named by its stem, or by its folder when it has the entry's name.
    lone = file((path.name,), path, batch)
    return _classify([lone], rules, root_name=path.resolve().parent.name, lone_file=True)


def _strip_wrappers(found: list[Found], rules: _Rules) -> None:
    """Look through folders that wrap everything (`export/alice.py`, `export/bob/x.py`)."""
    while (
        len(found) > 1
        and all(len(f.parts) >= 2 for f in found)
        and len({f.parts[0] for f in found}) == 1
        and not any(len(f.parts) == 2 and f.parts[1] == rules.entry for f in found)
    ):
        for f in found:
            f.parts = f.parts[1:]


def _classify(
    found: list[Found], rules: _Rules, *, root_name: str, lone_file: bool = False
) -> list[Item]:
    """Group the files by student (by the layout's naming scheme) and pick each one's file."""
    if root_name == "submitted":  # nbgrader's submitted/ folder itself was given
        for f in found:
            f.parts = ("submitted", *f.parts)
    nbgrader = [f for f in found if _nbgrader_parts(f.parts)]
    if nbgrader:  # a course folder: only submitted/<student>/<assignment>/ counts
        groups = _nbgrader_groups(nbgrader, rules)
    else:
        if not lone_file:
            _strip_wrappers(found, rules)
        groups = _layout_groups(found, rules, root_name)
    items = []
    for (student, where), files in groups.items():
        item = _pick(student, where, files, rules)
        if item is not None:
            items.append(item)
    return items


def _nbgrader_parts(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(student, assignment) for a file under submitted/<student>/<assignment>/."""
    for index, part in enumerate(parts[:-3]):
        if part == "submitted":
            return parts[index + 1], parts[index + 2]
    return None


def _nbgrader_groups(found: list[Found], rules: _Rules) -> dict:
    groups: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        student, assignment = _nbgrader_parts(f.parts) or ("", "")
        if assignment == rules.assignment:
            groups.setdefault((safe_id(student), f"{student}/{assignment}"), []).append(f)
    return groups


def _layout_groups(found: list[Found], rules: _Rules, root_name: str) -> dict:
    groups: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        key = _student_of(f, rules, root_name)
        if key is not None:
            groups.setdefault(key, []).append(f)
    return groups


def _student_of(f: Found, rules: _Rules, root_name: str) -> tuple[str, str] | None:
    """(student id, the folder or file that holds the student's work), or None to ignore."""
    parts = f.parts
    for index, part in enumerate(parts):  # Moodle: a folder, or a flat file name
        moodle = MOODLE.match(part)
        if moodle:
            student = safe_id(f"{moodle['name']}-{moodle['id']}").casefold()
            if index == len(parts) - 1:  # flat: the original name follows the prefix
                return (student, part[: moodle.start("rest")]) if rules.accepts(part) else None
            return student, "/".join(parts[: index + 1])
    canvas = CANVAS.match(parts[-1])
    if canvas and rules.accepts(parts[-1]):
        # Grouped by student, so the entry file wins over helpers and `x-1.py` over `x.py`.
        student = safe_id(f"{canvas['name']}-{canvas['id']}").casefold()
        return student, parts[-1][: canvas.start("attachment")]
    if len(parts) == 1:
        if not rules.accepts(parts[0]):
            return None
        stem = Path(parts[0]).stem
        return safe_id(root_name if stem == rules.entry_stem else stem), parts[0]
    return safe_id(parts[0]), parts[0]


def _original_name(f: Found) -> str:
    """The file's name as the student saved it (LMS prefixes and `-1` suffixes removed)."""
    name = f.parts[-1]
    moodle = MOODLE.match(name)
    canvas = CANVAS.match(name)
    if moodle:
        name = moodle["rest"]
    elif canvas:
        name = canvas["file"]
    path = Path(name)
    return RESUBMISSION.sub("", path.stem) + path.suffix


def _pick(student: str, where: str, files: list[Found], rules: _Rules) -> Item | None:
    """The student's file: the lab's entry file, else the only .py/.ipynb; else an error."""
    candidates = [f for f in files if rules.accepts(f.parts[-1])]
    named = [f for f in candidates if _original_name(f) == rules.entry]
    chosen = named if named else candidates
    if not chosen:
        path = files[0].path.parent
        error = SubmissionError("batch.no_file", path=path, suffixes=" ".join(rules.suffixes))
        return Item(student, path, error=error)
    if len(chosen) > 1:
        newest = max(chosen, key=lambda f: (f.modified, str(f.path)))
        if not all(_original_name(f) == _original_name(newest) for f in chosen):
            names = ", ".join(sorted(f.parts[-1] for f in chosen))
            error = SubmissionError("batch.ambiguous", path=where, names=names, entry=rules.entry)
            return Item(student, chosen[0].path.parent, error=error)
        chosen = [newest]  # the same file uploaded twice (Canvas `x.py`, `x-1.py`)
    return _read(student, chosen[0])


def _read(student: str, f: Found) -> Item:
    if f.problem is not None:
        return Item(student, f.path, error=f.problem, modified=f.modified)
    try:
        source = source_of(f)
    except SeqlabError as error:  # detached: its frames hold the stream and the last chunk
        return Item(student, f.path, error=error.detached(), modified=f.modified)
    return Item(student, f.path, modified=f.modified, source=source)


def _newest_per_student(items: list[Item]) -> Collection:
    by_student: dict[str, list[Item]] = {}
    for item in items:
        by_student.setdefault(item.student, []).append(item)
    kept, notes = [], []
    for student, found in by_student.items():
        # A readable file beats an unreadable one; among those, the newest wins.
        best = max(found, key=lambda i: (i.error is None, i.modified, str(i.path)))
        kept.append(best)
        others = [str(i.path) for i in found if i is not best]
        if others:
            notes.append(
                Note(
                    "batch.duplicate",
                    {"student": student, "kept": best.path, "dropped": ", ".join(others)},
                )
            )
    return Collection(tuple(sorted(kept, key=lambda i: i.student)), tuple(notes))
