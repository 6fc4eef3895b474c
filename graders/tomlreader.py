"""Typed, strict access to TOML tables that remember where they came from: the reader of
every course file (lab specs, corpora, quiz banks, picture declarations). A module of its own
so that spec.py and the modules it reads with (spec_pictures.py) need not import each other.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from graders.errors import SpecError
from graders.messages import LANGS


class TableReader:
    """Typed access to a TOML table that remembers where it came from."""

    def __init__(self, table: dict[str, Any], path: Path, prefix: str = "") -> None:
        self.table, self.path, self.prefix = table, path, prefix
        self.seen: set[str] = set()

    def fail(self, key: str, problem: str) -> SpecError:
        return SpecError("spec.field", path=self.path, field=self.prefix + key, problem=problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self.seen.add(key)
        if key not in self.table:
            if default is ...:
                near = difflib.get_close_matches(key, [k for k in self.table if k not in self.seen])
                typo = f" (is {near[0]!r} a misspelling of it?)" if near else ""
                raise self.fail(key, "is missing" + typo)
            return default
        value = self.table[key]
        # bool is an int in Python; a limit of `true` is a typo, not 1.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            raise self.fail(key, f"should be {_kind_name(kind)}, not {value!r}")
        return value

    def sub(self, key: str, default: dict[str, Any] | None = None) -> TableReader:
        table = self.get(key, dict, {} if default is None else default)
        return TableReader(table, self.path, f"{self.prefix}{key}.")

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.seen)
        if unknown:
            raise self.fail(unknown[0], "is not a known field (a typo?)")


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _kinds(kind))


def bilingual(reader: TableReader, key: str) -> dict[str, str]:
    sub = reader.sub(key)
    texts = {lang: sub.get(lang, str) for lang in LANGS}
    sub.done()
    return texts
