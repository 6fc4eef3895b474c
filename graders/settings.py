"""The course's own settings, `seqlab.toml` at the course root: the one reader of that file
(`course_file`), and the meaning of its `[feedback]` table.

[scores]                  # which grade counts (graders/store/record.py)
of_record = "best"
[feedback]                # what a failed set says of a named mistake (graders/mistakes.py)
mistakes = "hints"        # hints (default) | names | off
[feedback.labs]
exam-attention = "off"    # one lab's own choice (an exam)
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import SpecError

COURSE_CONFIG = "seqlab.toml"
MISTAKE_MODES = ("hints", "names", "off")


@functools.lru_cache(maxsize=16)
def _parsed(path: Path, stamp: tuple[int, int]) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SpecError("store.rules_unreadable", path=path, reason=error) from None


def course_file(course_root: Path) -> tuple[dict, str, Path]:
    """The course's seqlab.toml as parsed TOML ({} without one), its text and its path; read
    again only when the file changed. Each table's meaning is its reader's: `[feedback]`
    here, `[course]`, `[scores]`, `[late]`, `[quizzes]`, `[calendar]`, `[extensions]` in
    graders/store/course_config.py, `[platform]` in graders/web/config.py."""
    path = course_root / COURSE_CONFIG
    try:
        status = path.stat()
    except FileNotFoundError:
        return {}, "", path
    data, text = _parsed(path, (status.st_mtime_ns, status.st_size))
    return data, text, path


def course_table(
    course_root: Path, name: str, shape: str = "store.rules_shape"
) -> tuple[dict, Path, str]:
    """The table `name` of the course's seqlab.toml ({} without one), its path and text;
    `shape` is the message for a `name` that is not a table."""
    data, text, path = course_file(course_root)
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise SpecError(shape, path=path, name=name, line=line_of(text, "", name))
    return table, path, text


def line_of(text: str, header: str, key: str) -> int:
    """The line that sets `key` under `[header]` (1-based), for messages; the header's line
    when the key is written another way, 1 when neither is found."""
    lines = text.split("\n")
    start: int | None = -1  # header "": the top level, before any table
    if header:
        heads = (n for n, line in enumerate(lines) if line.strip().startswith(f"[{header}]"))
        start = next(heads, None)
    if start is None:
        return 1
    setting = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number in range(start + 1, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        if setting.match(lines[number]):
            return number + 1
    return max(start + 1, 1)


@dataclass(frozen=True)
class FeedbackRules:
    mistakes: str = "hints"
    labs: dict[str, str] = field(default_factory=dict)

    def mode(self, lab: str) -> str:
        return self.labs.get(lab, self.mistakes)


def feedback_rules(course_root: Path) -> FeedbackRules:
    """The course's `[feedback]` choices; bad ones are the course's error (exit 2)."""
    table, path, text = course_table(course_root, "feedback", "spec.feedback_shape")
    unknown = sorted(set(table) - {"mistakes", "labs"})
    if unknown:
        key = unknown[0]
        raise SpecError(
            "spec.feedback_unknown", path=path, line=line_of(text, "feedback", key), key=key
        )
    labs = table.get("labs", {})
    if not isinstance(labs, dict):
        line = line_of(text, "feedback", "labs")
        raise SpecError("spec.feedback_shape", path=path, name="feedback.labs", line=line)
    settings = [("feedback", "mistakes", table.get("mistakes", "hints"))]
    settings += [("feedback.labs", lab, mode) for lab, mode in labs.items()]
    for header, key, mode in settings:
        if mode not in MISTAKE_MODES:
            line = line_of(text, header, key)
            raise SpecError("spec.feedback_bad", path=path, line=line, key=key, value=repr(mode))
    return FeedbackRules(table.get("mistakes", "hints"), dict(labs))
