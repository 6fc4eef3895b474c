"""The course's own settings, `seqlab.toml` at the course root: the one reader of that file
(`course_file`), and the meaning of its `[feedback]` table.

[scores]                  # which grade counts (graders/store/record.py)
of_record = "best"
[feedback]                # what a student is told beyond the verdicts
mistakes = "hints"        # a named mistake (graders/mistakes.py): hints (default) | names | off
blank_pointer = false     # the blank to look at (graders/service/blanks.py): false (default)
[feedback.labs.exam-1]    # one lab's own settings (an exam): the same keys
mistakes = "off"
blank_pointer = false
[feedback.labs]           # or, for the named mistakes only, the short form
exam-2 = "off"
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import SpecError
from graders.parsed import parsed

COURSE_CONFIG = "seqlab.toml"
MISTAKE_MODES = ("hints", "names", "off")


def _read(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SpecError("spec.config_unreadable", path=path, reason=error) from None


def course_file(course_root: Path) -> tuple[dict, str, Path]:
    """The course's seqlab.toml as parsed TOML ({} without one), its text and its path; read
    again only when its content changed (graders/parsed.py). Each table's meaning is its
    reader's: `[feedback]`
    here, `[course]`, `[scores]`, `[late]`, `[quizzes]`, `[calendar]`, `[extensions]` in
    graders/store/course_config.py, `[platform]` in graders/web/config.py."""
    path = course_root / COURSE_CONFIG
    if not path.exists():
        return {}, "", path
    data, text = parsed("course config", (path,), lambda: _read(path))
    # A copy: the parse is cached for every reader, so one that changed what it was handed
    # (the web's settings laid over the file's) would change the file for all, until restart.
    return copy.deepcopy(data), text, path


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


# [feedback]: each setting's check and default. Practice courses get everything; an exam
# turns a setting off for the course or for its own labs.
FEEDBACK: dict[str, tuple[Callable[[object], bool], object]] = {
    "mistakes": (lambda v: v in MISTAKE_MODES, "hints"),  # graders/mistakes.py
    # Off unless a course asks: its variants run the reference's blank beside the student's
    # code, which can read that function's compiled code and choose which sets pass.
    "blank_pointer": (lambda v: isinstance(v, bool), False),  # graders/service/blanks.py
}


@dataclass(frozen=True)
class FeedbackRules:
    course: dict[str, object] = field(default_factory=dict)  # the course's own settings
    labs: dict[str, dict[str, object]] = field(default_factory=dict)  # a lab's over them

    def setting(self, lab: str, key: str) -> object:
        own = self.labs.get(lab, {})
        return own.get(key, self.course.get(key, FEEDBACK[key][1]))

    def mode(self, lab: str) -> str:
        """What a named mistake shows: hints | names | off."""
        return str(self.setting(lab, "mistakes"))

    def pointer(self, lab: str) -> bool:
        """Whether a failing public set names the blank to look at."""
        return bool(self.setting(lab, "blank_pointer"))


def _checked(table: dict, header: str, path: Path, text: str) -> dict[str, object]:
    """One table of [feedback] settings, every key known and every value allowed."""
    for key, value in table.items():
        line = line_of(text, header, key)
        if key not in FEEDBACK:
            name = f"{header}.{key}"
            raise SpecError("spec.feedback_unknown", path=path, line=line, key=name)
        allowed, _default = FEEDBACK[key]
        if allowed(value):
            continue
        if key == "mistakes":
            raise SpecError("spec.feedback_bad", path=path, line=line, key=key, value=repr(value))
        raise SpecError("spec.feedback_bool", path=path, line=line, name=f"{header}.{key}")
    return dict(table)


def feedback_rules(course_root: Path) -> FeedbackRules:
    """The course's `[feedback]` choices: `[feedback]` for the course, `[feedback.labs.<lab>]`
    for one lab (or `[feedback.labs] <lab> = "off"`, its named mistakes' mode); bad ones are
    the course's error (exit 2), found before any lab is graded."""
    table, path, text = course_table(course_root, "feedback", "spec.feedback_shape")
    labs = table.get("labs", {})
    if not isinstance(labs, dict):
        line = line_of(text, "feedback", "labs")
        raise SpecError("spec.feedback_shape", path=path, name="feedback.labs", line=line)
    course = _checked({k: v for k, v in table.items() if k != "labs"}, "feedback", path, text)
    own: dict[str, dict[str, object]] = {}
    for lab, settings in labs.items():
        if isinstance(settings, dict):
            own[lab] = _checked(settings, f"feedback.labs.{lab}", path, text)
        elif settings in MISTAKE_MODES:  # the short form: a lab's named-mistake mode
            own[lab] = {"mistakes": settings}
        else:
            line = line_of(text, "feedback.labs", lab)
            raise SpecError(
                "spec.feedback_bad", path=path, line=line, key=lab, value=repr(settings)
            )
    return FeedbackRules(course, own)
