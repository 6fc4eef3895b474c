"""A lab's picture declarations, read strictly from its spec (spec.load_spec calls these):
`[[picture]]`, which printed block of a set's output is a matrix (drawn as heatmaps by
present/picture.py and heatmap.py), and `[curve]`, the loss curve its template reports on
standard error (graders/losses.py; drawn by present/curve.py over the recorded band).
Content, stored with each public set's result, so the engine and the view name no lab.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graders.losses import band_path, read_band
from graders.tomlreader import TableReader, bilingual


def read_curve(
    reader: TableReader, spec_path: Path, lab_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """`[curve]`: `title = {zh, en}`, `seeds` (the band's sweep, default 20). The declaration
    (LabSpec.curve) and the picture every public set stores: the title and the recorded band
    (None until `seqlab build --record` has written it: a curve is then drawn alone)."""
    if "curve" not in reader.table:
        return None
    sub = reader.sub("curve")
    curve = {"title": bilingual(sub, "title"), "seeds": sub.get("seeds", int, 20)}
    if not 2 <= curve["seeds"] <= 200:
        raise sub.fail("seeds", "must be from 2 to 200")
    sub.done()
    band = read_band(band_path(spec_path, lab_id))
    return curve, {"kind": "curve", "title": curve["title"], "band": band}


# --- pictures: which printed block of a set's output is a matrix --------------------------
# `[[picture]]` (any number): `title = {zh, en}`; the block is either `after = "label"` (the
# lines of numbers right after the first line that starts with the label; the numbers at the
# end of that line, or of the line starting with `shape = "label"`, are its shape: (…, rows,
# columns), leading sizes drawn as separate panels named by `panel = {zh, en}` with {index})
# or `rows = 'regex'` (each line the regex matches from its start is a row, its numbers after
# the match the values).
def read_pictures(reader: TableReader) -> tuple[dict[str, Any], ...]:
    raw = reader.get("picture", list, [])
    found = []
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            raise reader.fail(f"picture[{index}]", "should be a table ([[picture]])")
        sub = TableReader(table, reader.path, f"picture[{index}].")
        picture: dict[str, Any] = {"title": bilingual(sub, "title")}
        for key in ("after", "rows", "shape"):
            value = sub.get(key, str, None)
            if value is not None and not value.strip():
                raise sub.fail(key, "must not be empty")
            if value is not None:
                picture[key] = value
        if ("after" in picture) == ("rows" in picture):
            raise sub.fail("after", "or `rows` must be given, and only one of them")
        if "shape" in picture and "rows" in picture:
            raise sub.fail("shape", "goes with `after` only (`rows` are counted)")
        if "rows" in picture:
            try:
                re.compile(picture["rows"])
            except re.error as error:
                raise sub.fail("rows", f"is not a regular expression ({error})") from None
        for key in ("rows_axis", "columns_axis"):  # the axes' names, when not query and key
            if key in table:
                picture[key] = bilingual(sub, key)
        if ("rows_axis" in picture) != ("columns_axis" in picture):
            raise sub.fail("rows_axis", "and `columns_axis` go together")
        if "panel" in table:
            picture["panel"] = bilingual(sub, "panel")
            for lang, text in picture["panel"].items():
                try:
                    text.format(index=1)
                except (KeyError, IndexError, ValueError):
                    raise sub.fail(f"panel.{lang}", "may hold {index} and no other {…}") from None
        sub.done()
        found.append(picture)
    return tuple(found)
