"""Read a user's file into normalised text: the boundary where bytes become a string.

Everything after this step sees UTF-8 text with LF line ends. Nothing is ever written back:
the user's file stays exactly as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graders.errors import SubmissionError
from graders.notebooks.cells import read_notebook


@dataclass(frozen=True)
class Submission:
    path: Path
    text: str


def read_text(path: Path) -> str:
    """The file's text (BOM dropped, CRLF/CR → LF); a clear error for anything unreadable."""
    return decode(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise SubmissionError("file.missing", path=path, cwd=os.getcwd())
    if not path.is_file():
        raise SubmissionError("file.not_a_file", path=path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SubmissionError("file.unreadable", path=path, reason=error.strerror) from None
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


def read_submission(path: Path) -> Submission:
    return submission_from_bytes(path, read_bytes(path))


def submission_from_bytes(path: Path, data: bytes) -> Submission:
    """A .py file's text, or a notebook's code cells read back into one program
    (graders/notebooks/cells.py says how split, merged and added cells are read)."""
    text = decode(data, path)
    if path.suffix.lower() == ".ipynb":
        text = read_notebook(text, path).text
    return Submission(path, text)
