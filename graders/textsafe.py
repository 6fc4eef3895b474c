"""Untrusted text on its way to a terminal: control characters shown, never obeyed.

A program's output and stderr, file and archive member names and student ids come from
students. Printed raw, an escape sequence is obeyed by the instructor's terminal: it can
clear the screen and print a fake report, set the window title, or worse on some terminals;
rich strips only BEL, BS, VT, FF and CR. So every renderer passes such text through
`visible()` before it builds its rich objects: C0 controls other than newline and tab, DEL
and the C1 range (U+0080–U+009F; U+009B alone is a CSI to many terminals) become the four
characters `\\x1b`, `\\x9b`, … which a terminal prints as they are. It runs before layout,
so rich measures what will really be shown.

JSON output is escaped at the JSON level instead (lossless for machines): `json_text()`.
"""

from __future__ import annotations

import json

_SHOWN = frozenset("\n\t")
_CONTROLS = [*range(0x20), *range(0x7F, 0xA0)]
_VISIBLE = {code: f"\\x{code:02x}" for code in _CONTROLS if chr(code) not in _SHOWN}
# Bidirectional overrides and isolates: invisible, yet they reorder the text after them (a
# student's output could make "expected 1, got 2" read otherwise): shown as \u202e, ….
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_VISIBLE |= {code: f"\\u{code:04x}" for code in _BIDI}
# json.dumps escapes C0 itself; with ensure_ascii=False it leaves DEL and C1 raw.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def visible(text: str) -> str:
    """`text` with every control character but newline and tab shown as `\\xNN`, and every
    bidirectional override or isolate as `\\uNNNN`."""
    return text.translate(_VISIBLE)


def json_text(document: object) -> str:
    """`document` as seqlab prints JSON: readable UTF-8, but no raw DEL or C1 character.

    Outside strings JSON is ASCII, so these characters can only be inside strings, where
    `\\u0080`… is the same value to any reader."""
    return json.dumps(document, ensure_ascii=False, indent=2).translate(_JSON_ESCAPES)
