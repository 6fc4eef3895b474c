"""Read a user's file into normalised text: the boundary where bytes become a string.

Everything after this step sees UTF-8 text with LF line ends. Nothing is ever written back:
the user's file stays exactly as it was. Files are opened by `open_file()` only: regular
files (a FIFO or a device would hang or never end), at most MAX_FILE_BYTES of them, and —
where a symbolic link could be someone's way to another person's file — never through one.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from graders.cells import read_notebook
from graders.errors import SubmissionError

# A source file is kilobytes and a notebook with its outputs a few megabytes: anything larger
# is a mistake or an attack, refused before it fills the memory.
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Submission:
    path: Path
    text: str
    # A notebook's (cell, line in cell) for each line of `text` (graders/cells.py), so that
    # errors name the cell and its line, not a line of the joined program; None for a .py.
    places: tuple[tuple[int, int] | None, ...] | None = None


def read_text(path: Path) -> str:
    """The file's text (BOM dropped, CRLF/CR → LF); a clear error for anything unreadable."""
    return decode(read_bytes(path), path)


def open_file(path: Path, *, follow_symlinks: bool = True) -> BinaryIO:
    """The regular file at `path`, open for reading; a SubmissionError saying why not.

    With follow_symlinks=False a symbolic link is refused by the open itself (O_NOFOLLOW), so
    no link swapped in after a check can be followed. O_NONBLOCK keeps a FIFO from hanging
    the open; it is then refused as not a regular file."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise SubmissionError("file.missing", path=path, cwd=os.getcwd()) from None
    except OSError as error:
        if not follow_symlinks and os.path.islink(path):  # the open refused it; say why
            raise SubmissionError("batch.symlink", path=path) from None
        raise SubmissionError("file.unreadable", path=path, reason=error.strerror) from None
    stream = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        stream.close()
        raise SubmissionError("file.not_a_file", path=path)
    return stream


def read_bytes(path: Path, *, follow_symlinks: bool = True) -> bytes:
    """The whole file, at most MAX_FILE_BYTES (see `open_file` for symbolic links)."""
    with open_file(path, follow_symlinks=follow_symlinks) as stream:
        try:
            data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise SubmissionError("file.unreadable", path=path, reason=error.strerror) from None
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError("file.too_big", path=path, mb=MAX_FILE_BYTES // (1024 * 1024))
    return data


def decode(data: bytes, path: Path) -> str:
    """Bytes read elsewhere (a zip member) → normalised text; `path` only names them in errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise SubmissionError("file.not_utf8", path=path, line=line, column=column) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_submission(path: Path, *, follow_symlinks: bool = True) -> Submission:
    return submission_from_bytes(path, read_bytes(path, follow_symlinks=follow_symlinks))


def submission_from_bytes(path: Path, data: bytes) -> Submission:
    """A .py file's text, or a notebook's code cells read back into one program
    (graders/cells.py says how split, merged and added cells are read)."""
    text = decode(data, path)
    if path.suffix.lower() == ".ipynb":
        program = read_notebook(text, path)
        return Submission(path, program.text, program.places)
    return Submission(path, text)
