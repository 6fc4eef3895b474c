"""Parsed course files, kept by their content: a lab spec, a quiz bank or seqlab.toml is parsed
again only when one of the files it is read from has changed.

A page of the web platform reads every lab's spec (the course page lists them all, each
submission reads its lab's), and parsing TOML was a fifth of the server's time under a class's
load. The key is the files' bytes (hashed), not their modification times: a file rewritten
within the file system's timestamp granularity with the same size would keep a stale entry,
and reading a few kilobytes costs microseconds next to parsing them. Only what parses is
kept: a broken file is parsed (and refused) again each time. Specs and banks are frozen
dataclasses, so callers share one; seqlab.toml's tables are plain dicts, which its reader
(settings.py) hands out as copies.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
KEPT = 256  # entries (a course has a few dozen files; old versions age out)

_kept: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:  # absent or unreadable: the parser says so, or reads it as absent
        return None


def parsed(kind: str, paths: tuple[Path, ...], parse: Callable[[], T], *extra: Hashable) -> T:
    """`parse()`'s value for these files' current contents (and `extra`, what else the value
    depends on), parsed once per content."""
    key = (kind, tuple(paths), tuple(_digest(path) for path in paths), extra)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]  # type: ignore[return-value]
    value = parse()
    if tuple(_digest(path) for path in paths) != key[2]:
        return value  # a file changed while it was parsed: which version this is, is unknown
    with _lock:
        _kept[key] = value
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return value
