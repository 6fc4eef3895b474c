"""Files and archive members, found and read under byte budgets (for `collect`).

A zip is read with `zipfile` (nothing is extracted): a member whose name climbs out of the
archive (`../`, `/abs`), a symbolic link, or a member compressed other than Deflate or Stored
is refused with a message before a byte of it is read, and the rest of the archive is read.

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
Nothing is written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

from graders.errors import SeqlabError, SubmissionError
from graders.submission import MAX_FILE_BYTES, open_file

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


@dataclass(frozen=True)
class Source:
    """A collected file's SHA-256, and how to read it again (checked against it) to grade it."""

    sha256: str
    load: Callable[[], bytes]


@dataclass(frozen=True)
class _Member:
    """Where a file found in an archive comes from, for the ratio and for messages."""

    archive: Path
    name: str
    compressed: int  # its compressed size, at most the archive's own: the ratio's denominator

    def refused(self, key: str, **params: object) -> SubmissionError:
        return SubmissionError(key, path=self.archive, member=self.name, **params)


@dataclass
class Budget:
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

    def refusal(self, found: Found) -> SubmissionError:
        """The message refusing `found` because this budget is spent."""
        mb = self.limit // MIB
        if self.archive is None or found.member is None:  # the batch's
            return SubmissionError("batch.budget", path=found.path, mb=mb)
        return found.member.refused("batch.zip_budget", mb=mb)


@dataclass
class Found:
    """A file seen in a folder or an archive, not read yet."""

    parts: tuple[str, ...]  # relative to the folder or archive it was found in
    path: Path
    open: Callable[[], BinaryIO]  # a fresh stream of its bytes at every call
    modified: float
    budgets: tuple[Budget, ...]  # spent as its bytes are read: its archive's, the batch's
    member: _Member | None = None  # found in an archive
    problem: SeqlabError | None = None


def batch_budget() -> Budget:
    """A fresh budget for everything one batch reads."""
    return Budget(MAX_BATCH_BYTES)


def file(parts: tuple[str, ...], path: Path, batch: Budget) -> Found:
    # Never through a symbolic link: it could point anywhere, e.g. at the lab's reference.
    opener = partial(open_file, path, follow_symlinks=False)
    return Found(parts, path, opener, _mtime(path), (batch,))


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _skipped(name: str) -> bool:
    return name in SKIPPED_NAMES or name.startswith(".")


def walk(root: Path, batch: Budget) -> Iterable[Found]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(files):
            if not _skipped(name):
                path = Path(folder) / name
                yield file(path.relative_to(root).parts, path, batch)


def archive(path: Path, batch: Budget) -> Iterable[Found]:
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
    budget = Budget(MAX_ARCHIVE_BYTES, archive=path)
    for info in members:
        name = info.filename.replace("\\", "/")
        parts = tuple(p for p in name.split("/") if p not in ("", ".", ".."))
        if info.is_dir() or not parts or any(_skipped(p) for p in parts):
            continue
        member = _Member(path, name, min(info.compress_size, size))
        shown = Path(f"{path}/{'/'.join(parts)}")
        opener = partial(archive.open, info)
        found = Found(parts, shown, opener, _zip_time(info), (budget, batch), member)
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
def _reading(found: Found) -> Iterator[BinaryIO]:
    """The file's bytes as a stream; what goes wrong reading them is the file's error."""
    try:
        with found.open() as stream:
            yield stream
    except UNREADABLE as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise SubmissionError("file.unreadable", path=found.path, reason=reason) from None


def _over_limit(found: Found, size: int, added: int) -> SeqlabError | None:
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


def _measure(found: Found) -> str:
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


def _load(found: Found, sha256: str) -> bytes:
    """The file read again to be graded: the bytes it was collected as, or an error."""
    with _reading(found) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SubmissionError("batch.changed", path=found.path)
    return data


def source_of(found: Found) -> Source:
    """The file hashed now, every byte counted (raises the refusal of the first limit it
    passes), and how to read it again, checked against that hash, to grade it."""
    sha256 = _measure(found)
    return Source(sha256, partial(_load, found, sha256))


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0
