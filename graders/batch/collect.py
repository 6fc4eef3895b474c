"""Collect submissions: command-line arguments → one (student id, file) item per student.

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
- a .zip of any of the above, read with `zipfile` into memory: nothing is extracted, a member
  whose name climbs out of the archive (`../`, `/abs`), a symbolic link, or a member larger
  than MAX_MEMBER_BYTES is refused with a message, and the rest of the archive is collected.

The same student found twice (two files, a Canvas resubmission) keeps the newest file (by
modification time, the zip's member time for archives) and the others are reported as notes.
A file that cannot be read becomes an item with an error: it is reported, never graded, and
never stops the others. Nothing the user gave is written to.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from graders.errors import SeqlabError, SubmissionError
from graders.submission import Submission, decode, submission_from_bytes

# Sources are kilobytes and a notebook with its outputs a few megabytes; anything above
# this is a mistake or a zip bomb, and the bytes are read with this cap whatever the
# archive's header claims.
MAX_MEMBER_BYTES = 8 * 1024 * 1024
MAX_MEMBERS = 50_000
SKIPPED_NAMES = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}

MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$"
)
CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?:late_|LATE_)?(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)$"
)
RESUBMISSION = re.compile(r"-\d+$")  # Canvas saves a second `x.py` as `x-1.py`


@dataclass(frozen=True)
class Item:
    """One student's file, read into memory (or the reason it could not be)."""

    student: str
    path: Path  # as shown to people; a zip member is `archive.zip/member/name`
    data: bytes | None = None
    error: SeqlabError | None = None
    modified: float = 0.0

    @property
    def sha256(self) -> str | None:
        return None if self.data is None else hashlib.sha256(self.data).hexdigest()

    def text(self) -> str:
        """The file's normalised text; raises the item's error or a decoding error."""
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return decode(self.data, self.path)

    def submission(self) -> Submission:
        """The file as a submission: a notebook's code cells are read back into a program."""
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return submission_from_bytes(self.path, self.data)


@dataclass(frozen=True)
class Note:
    """Something the instructor should know about the collection (a duplicate dropped)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    items: tuple[Item, ...]
    notes: tuple[Note, ...] = ()


@dataclass
class _Found:
    """A file seen in a folder or an archive, not read yet."""

    parts: tuple[str, ...]  # relative to the folder or archive it was found in
    path: Path
    read: Callable[[], bytes]
    modified: float
    problem: SeqlabError | None = None


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
    items: list[Item] = []
    for argument in arguments:
        items.extend(_collect_one(Path(argument), rules))
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


def _collect_one(path: Path, rules: _Rules) -> list[Item]:
    if path.is_dir():
        return _classify(list(_walk(path)), rules, root_name=path.resolve().name)
    if path.suffix.lower() == ".zip" and path.is_file():
        try:
            found = list(_archive(path))
        except SubmissionError as error:
            return [Item(safe_id(path.stem), path, error=error)]
        return _classify(found, rules, root_name=path.stem)
    # A single file: named by its stem, or by its folder when it has the entry's name.
    found = _Found((path.name,), path, path.read_bytes, _mtime(path))
    if not path.exists():
        found.problem = SubmissionError("file.missing", path=path, cwd=os.getcwd())
    elif not path.is_file():
        found.problem = SubmissionError("file.not_a_file", path=path)
    return _classify([found], rules, root_name=path.resolve().parent.name, lone_file=True)


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _skipped(name: str) -> bool:
    return name in SKIPPED_NAMES or name.startswith(".")


def _walk(root: Path) -> Iterable[_Found]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(files):
            if _skipped(name):
                continue
            path = Path(folder) / name
            found = _Found(path.relative_to(root).parts, path, path.read_bytes, _mtime(path))
            if path.is_symlink():  # it could point anywhere, e.g. at the grader's own files
                found.problem = SubmissionError("batch.symlink", path=path)
            yield found


def _archive(path: Path) -> Iterable[_Found]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SubmissionError("batch.zip_bad", path=path, reason=reason) from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise SubmissionError("batch.zip_too_many", path=path, count=len(members))
    for info in members:
        name = info.filename.replace("\\", "/")
        if info.is_dir():
            continue
        raw_parts = name.split("/")
        unsafe = name.startswith("/") or ".." in raw_parts or re.match(r"^[A-Za-z]:", name)
        parts = tuple(p for p in raw_parts if p not in ("", ".", ".."))
        if not parts or any(_skipped(p) for p in parts):
            continue
        shown = Path(f"{path}/{'/'.join(parts)}")
        found = _Found(parts, shown, _member_reader(archive, info, shown), _zip_time(info))
        if unsafe:
            found.problem = SubmissionError("batch.zip_unsafe_path", path=path, member=name)
        elif stat.S_ISLNK(info.external_attr >> 16):
            found.problem = SubmissionError("batch.zip_symlink", path=path, member=name)
        elif info.file_size > MAX_MEMBER_BYTES:
            found.problem = _too_big(path, name)
        yield found


def _too_big(path: Path, member: str) -> SubmissionError:
    return SubmissionError(
        "batch.zip_too_big", path=path, member=member, mb=MAX_MEMBER_BYTES // (1024 * 1024)
    )


def _member_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: Path):
    def read() -> bytes:
        try:
            with archive.open(info) as stream:
                data = stream.read(MAX_MEMBER_BYTES + 1)  # the header's size may lie
        except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError) as error:
            raise SubmissionError("file.unreadable", path=shown, reason=str(error)) from None
        if len(data) > MAX_MEMBER_BYTES:
            raise _too_big(Path(archive.filename or ""), info.filename)
        return data

    return read


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def _strip_wrappers(found: list[_Found], rules: _Rules) -> None:
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
    found: list[_Found], rules: _Rules, *, root_name: str, lone_file: bool = False
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


def _nbgrader_groups(found: list[_Found], rules: _Rules) -> dict:
    groups: dict[tuple[str, str], list[_Found]] = {}
    for f in found:
        student, assignment = _nbgrader_parts(f.parts) or ("", "")
        if assignment == rules.assignment:
            groups.setdefault((safe_id(student), f"{student}/{assignment}"), []).append(f)
    return groups


def _layout_groups(found: list[_Found], rules: _Rules, root_name: str) -> dict:
    groups: dict[tuple[str, str], list[_Found]] = {}
    for f in found:
        key = _student_of(f, rules, root_name)
        if key is not None:
            groups.setdefault(key, []).append(f)
    return groups


def _student_of(f: _Found, rules: _Rules, root_name: str) -> tuple[str, str] | None:
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


def _original_name(f: _Found) -> str:
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


def _pick(student: str, where: str, files: list[_Found], rules: _Rules) -> Item | None:
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


def _read(student: str, f: _Found) -> Item:
    if f.problem is not None:
        return Item(student, f.path, error=f.problem, modified=f.modified)
    try:
        data = f.read()
    except SeqlabError as error:
        return Item(student, f.path, error=error, modified=f.modified)
    except OSError as error:
        reason = error.strerror or str(error)
        return Item(
            student,
            f.path,
            error=SubmissionError("file.unreadable", path=f.path, reason=reason),
            modified=f.modified,
        )
    return Item(student, f.path, data=data, modified=f.modified)


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
