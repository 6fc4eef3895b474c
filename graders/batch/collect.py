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
- a .zip of any of the above, read with `zipfile` (nothing is extracted): a member whose name
  climbs out of the archive (`../`, `/abs`), a symbolic link, or a member compressed other
  than Deflate or Stored is refused with a message, and the rest of the archive is collected.

Reading is bounded whatever the files claim (a zip bomb is small on disk and huge inside):
each chosen file is read once as it is collected, in chunks counted as they are
decompressed, to hash it — at most MAX_MEMBER_BYTES per file, MAX_RATIO times a member's
compressed size once past RATIO_FREE_BYTES, MAX_ARCHIVE_BYTES per archive and
MAX_BATCH_BYTES per batch — and read again when it is graded, checked against that hash. So
memory holds one chunk while collecting and one file per grading thread, never the class;
the first limit a file passes refuses it (the message names the archive, the member and the
limit), and a spent budget refuses the rest unread. Files are opened without following
symbolic links (O_NOFOLLOW): a link in a class folder or given as an argument could point
at anyone's file, the reference included, so it is refused as that student's error. A
folder given as an argument is walked even through a link (an instructor's share often is
one): ids then come from the names inside it, so no link passes a file off as someone's.

The same student found twice (two files, a Canvas resubmission) keeps the newest file (by
modification time, the zip's member time for archives) and the others are reported as notes.
A file that cannot be read becomes an item with an error: it is reported, never graded, and
never stops the others. Nothing the user gave is written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

from graders.errors import SeqlabError, SubmissionError
from graders.submission import MAX_FILE_BYTES, Submission, decode, open_file, submission_from_bytes

MIB = 1024 * 1024
MAX_MEMBER_BYTES = MAX_FILE_BYTES  # one file or member, as for a single file
# A real class is far below these; a bomb reaches them in seconds of decompression.
MAX_ARCHIVE_BYTES = 512 * MIB  # everything read from one archive
MAX_BATCH_BYTES = 2048 * MIB  # everything read in one batch
# Source compresses about 4:1 and a notebook's outputs rarely past 20:1; Deflate tops out
# near 1032:1. The first MiB is free, so small repetitive files are never refused.
MAX_RATIO = 100
RATIO_FREE_BYTES = 1 * MIB
CHUNK = 64 * 1024
MAX_MEMBERS = 50_000
# zipfile hands out Deflate output in pieces no bigger than asked for; its bzip2 and LZMA
# readers decompress whatever input they hold in one call (400 MB from 337 bytes of bzip2),
# before any count could stop them. LMS exports and zip tools use Deflate.
READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What reading a damaged file or member raises (a bad CRC, a truncated stream, encryption).
UNREADABLE = (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)
SKIPPED_NAMES = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}

MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$"
)
CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?:late_|LATE_)?(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)$"
)
RESUBMISSION = re.compile(r"-\d+$")  # Canvas saves a second `x.py` as `x-1.py`


@dataclass(frozen=True)
class Source:
    """A collected file's SHA-256, and how to read it again (checked against it) to grade it."""

    sha256: str
    load: Callable[[], bytes]


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


@dataclass(frozen=True)
class _Member:
    """Where a file found in an archive comes from, for the ratio and for messages."""

    archive: Path
    name: str
    compressed: int  # its compressed size, at most the archive's own: the ratio's denominator

    def refused(self, key: str, **params: object) -> SubmissionError:
        return SubmissionError(key, path=self.archive, member=self.name, **params)


@dataclass
class _Budget:
    """Bytes that may still be read: one budget per archive, one for the whole batch."""

    limit: int
    archive: Path | None = None  # None: the batch's
    used: int = 0

    @property
    def spent(self) -> bool:
        return self.used >= self.limit

    def spend(self, count: int) -> bool:
        """Count `count` more bytes read; False once they pass the limit."""
        self.used += count
        return self.used <= self.limit

    def refusal(self, found: _Found) -> SubmissionError:
        """The message refusing `found` because this budget is spent."""
        mb = self.limit // MIB
        if self.archive is None or found.member is None:  # the batch's
            return SubmissionError("batch.budget", path=found.path, mb=mb)
        return found.member.refused("batch.zip_budget", mb=mb)


@dataclass
class _Found:
    """A file seen in a folder or an archive, not read yet."""

    parts: tuple[str, ...]  # relative to the folder or archive it was found in
    path: Path
    open: Callable[[], BinaryIO]  # a fresh stream of its bytes at every call
    modified: float
    budgets: tuple[_Budget, ...]  # spent as its bytes are read: its archive's, the batch's
    member: _Member | None = None  # found in an archive
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
    batch = _Budget(MAX_BATCH_BYTES)
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


def _collect_one(path: Path, rules: _Rules, batch: _Budget) -> list[Item]:
    if path.is_dir():
        return _classify(list(_walk(path, batch)), rules, root_name=path.resolve().name)
    if path.suffix.lower() == ".zip":
        try:
            found = list(_archive(path, batch))
        except SubmissionError as error:
            return [Item(safe_id(path.stem), path, error=error)]
        return _classify(found, rules, root_name=path.stem)
    # A single file: named by its stem, or by its folder when it has the entry's name.
    lone = _file((path.name,), path, batch)
    return _classify([lone], rules, root_name=path.resolve().parent.name, lone_file=True)


def _file(parts: tuple[str, ...], path: Path, batch: _Budget) -> _Found:
    # Never through a symbolic link: it could point anywhere, e.g. at the lab's reference.
    opener = partial(open_file, path, follow_symlinks=False)
    return _Found(parts, path, opener, _mtime(path), (batch,))


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _skipped(name: str) -> bool:
    return name in SKIPPED_NAMES or name.startswith(".")


def _walk(root: Path, batch: _Budget) -> Iterable[_Found]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(files):
            if not _skipped(name):
                path = Path(folder) / name
                yield _file(path.relative_to(root).parts, path, batch)


def _archive(path: Path, batch: _Budget) -> Iterable[_Found]:
    """The archive's members, each to be read (lazily, counted) from the open archive.

    The archive stays open while its items live: a member is read again when it is graded
    (zipfile lets threads read members at once)."""
    stream = open_file(path, follow_symlinks=False)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as error:
        stream.close()
        reason = getattr(error, "strerror", None) or str(error)
        raise SubmissionError("batch.zip_bad", path=path, reason=reason) from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        archive.close()
        stream.close()
        raise SubmissionError("batch.zip_too_many", path=path, count=len(members))
    size = os.fstat(stream.fileno()).st_size
    budget = _Budget(MAX_ARCHIVE_BYTES, archive=path)
    for info in members:
        name = info.filename.replace("\\", "/")
        parts = tuple(p for p in name.split("/") if p not in ("", ".", ".."))
        if info.is_dir() or not parts or any(_skipped(p) for p in parts):
            continue
        member = _Member(path, name, min(info.compress_size, size))
        shown = Path(f"{path}/{'/'.join(parts)}")
        opener = partial(archive.open, info)
        found = _Found(parts, shown, opener, _zip_time(info), (budget, batch), member)
        found.problem = _member_problem(info, member)
        yield found


def _member_problem(info: zipfile.ZipInfo, member: _Member) -> SeqlabError | None:
    """Why a member is refused from its entry alone, before a byte of it is read."""
    name = member.name
    if name.startswith("/") or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name):
        return member.refused("batch.zip_unsafe_path")
    if stat.S_ISLNK(info.external_attr >> 16):
        return member.refused("batch.zip_symlink")
    if info.compress_type not in READABLE_METHODS:
        method = zipfile.compressor_names.get(info.compress_type, str(info.compress_type))
        return member.refused("batch.zip_method", method=method)
    if info.file_size > MAX_MEMBER_BYTES:  # honest headers are refused at once
        return member.refused("batch.zip_too_big", mb=MAX_MEMBER_BYTES // MIB)
    return None


@contextlib.contextmanager
def _reading(found: _Found) -> Iterator[BinaryIO]:
    """The file's bytes as a stream; what goes wrong reading them is the file's error."""
    try:
        with found.open() as stream:
            yield stream
    except UNREADABLE as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise SubmissionError("file.unreadable", path=found.path, reason=reason) from None


def _over_limit(found: _Found, size: int, added: int) -> SeqlabError | None:
    """Count `added` more bytes of `found` (`size` so far) against every budget; the refusal
    for a limit now passed (its own caps named first), or None."""
    passed = [budget for budget in found.budgets if not budget.spend(added)]  # every byte
    member = found.member
    if size > MAX_MEMBER_BYTES:
        mb = MAX_MEMBER_BYTES // MIB
        if member is None:
            return SubmissionError("file.too_big", path=found.path, mb=mb)
        return member.refused("batch.zip_too_big", mb=mb)
    if member is not None and size > max(RATIO_FREE_BYTES, MAX_RATIO * member.compressed):
        return member.refused("batch.zip_ratio", ratio=MAX_RATIO, mb=size // MIB)
    return passed[0].refusal(found) if passed else None


def _measure(found: _Found) -> str:
    """The file's SHA-256, its bytes counted chunk by chunk as they are read or decompressed
    (a zip header's sizes are its author's to choose): the first limit passed refuses it, and
    a spent budget refuses it before its first byte."""
    for budget in found.budgets:
        if budget.spent:
            raise budget.refusal(found)
    digest, size = hashlib.sha256(), 0
    with _reading(found) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            refusal = _over_limit(found, size, len(chunk))
            if refusal is not None:
                raise refusal
            digest.update(chunk)
    return digest.hexdigest()


def _load(found: _Found, sha256: str) -> bytes:
    """The file read again to be graded: the bytes it was collected as, or an error."""
    with _reading(found) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SubmissionError("batch.changed", path=found.path)
    return data


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
        sha256 = _measure(f)
    except SeqlabError as error:  # detached: its frames hold the stream and the last chunk
        return Item(student, f.path, error=error.detached(), modified=f.modified)
    source = Source(sha256, partial(_load, f, sha256))
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
