"""Naming a mistake the class report found: a student's blanks become an entry of the lab's
corpus (tests/corpus/<lab>.toml), graded on every set and recorded in the lab's records
(records.py), so the next student whose output matches gets its name and hint.

The entry is what `seqlab validate` checks and `seqlab build --record` records, written as a
person would: the example's blanks as `blank.N`, its score and verdicts as graded now. The
file's existing text is kept byte for byte (tomlkit appends to the parsed document), the new
text is read back with the corpus's own strict reader before it replaces the old, and the
write is atomic. The student's code is hostile text: tomlkit quotes it, and the read-back
proves the blanks came back as given.

Nothing is written when a check fails: each refusal is a UsageError with its catalogue key.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from graders.course.corpus import CorpusEntry, corpus_path, load_corpus
from graders.course.records import entry_grading, record_entry, records_state
from graders.engine import Runner
from graders.errors import SubmissionError, UsageError
from graders.markers import parse
from graders.mistakes import records_path
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import LabSpec
from graders.submission import read_text

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in a TOML literal string
_LOCK = threading.Lock()  # one naming at a time per process: read, check, write


@dataclass(frozen=True)
class Naming:
    name: dict[str, str]  # zh/en
    hint: dict[str, str] | None
    blank: int | None  # only this blank of the example; None: every blank it changed
    about: str


def entry_key(name_en: str) -> str:
    """The entry's TOML key, from the English name: `forgot to scale` → forgot_to_scale."""
    return re.sub(r"[^a-z0-9]+", "_", name_en.lower()).strip("_")[:60] or "named_mistake"


def _unwritable(*paths: Path) -> tuple[Path, str] | None:
    """The first path that cannot be written (atomically, in its folder), and why."""
    for path in paths:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # the folder will be made below its nearest existing one
        try:
            if path.exists() and not os.access(path, os.W_OK):
                return path, "read-only"
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            return path, error.strerror or type(error).__name__
    return None


def _blanks(lab: LabSpec, code: str, student: str, blank: int | None) -> dict[int, str]:
    reference = parse(read_text(lab.solution_path), "reference").blanks
    if blank is not None and not 1 <= blank <= len(reference):
        raise UsageError("report.cluster_bad_blank", blank=blank, count=len(reference))
    try:
        theirs = parse(code, student).blanks
    except SubmissionError:
        theirs = ()
    if len(theirs) != len(reference):
        raise UsageError("report.cluster_no_example", student=student, lab=lab.id)
    if blank is not None:
        return {blank: "".join(theirs[blank - 1].body)}
    return {
        mine.index: "".join(mine.body)
        for mine, ours in zip(theirs, reference, strict=True)
        if mine.body != ours.body
    }


def _code(body: str) -> tomlkit.items.String:
    """A blank's body as the corpus writes code: a '''literal''' string (unless the body cannot
    be one) opening on a line of its own, which TOML drops from the value."""
    literal = "'''" not in body and not CONTROL.search(body)
    quoted = tomlkit.string(body, literal=literal, multiline=True)
    inner = quoted.as_string()[3:-3]  # the body as quoted, between the delimiters
    return tomlkit.items.String(quoted.type, body, "\n" + inner, tomlkit.items.Trivia())


def _entry_text(old: str, key: str, naming: Naming, result: LabResult, blanks: dict) -> str:
    document = tomlkit.parse(old)
    table = tomlkit.table()
    table.add("about", naming.about)
    score = result.score
    table.add("score", int(score) if float(score).is_integer() else score)
    table.add("verdicts", [t.verdict.code for t in result.tests if t.comparator != "rules"])
    if any(not t.verdict.passed for t in result.tests if t.comparator == "rules"):
        table.add("breaks_rule", True)
    mistake = tomlkit.inline_table()
    mistake.update(naming.name)
    table.add("mistake", mistake)
    for lang, text in (naming.hint or {}).items():
        table.append(tomlkit.key(["hint", lang]), text)
    for index, body in sorted(blanks.items()):
        table.append(tomlkit.key(["blank", str(index)]), _code(body))
    if old and not old.endswith("\n"):
        document.add(tomlkit.nl())
    document.add(tomlkit.nl())
    document.add(key, table)
    text = document.as_string()
    if not text.startswith(old):  # tomlkit keeps a document's text; checked, not assumed
        raise AssertionError(f"tomlkit changed the text of {key}'s corpus")
    return text


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def add_named_entry(
    lab: LabSpec, code: str, student: str, naming: Naming, runner: Runner = run_sets
) -> tuple[CorpusEntry, LabResult]:
    """Add `student`'s blanks (`code`: their graded program) to the lab's corpus as a named
    mistake and record its outputs; the entry as the corpus reads it back, and its grading."""
    name = {lang: text.strip() for lang, text in naming.name.items()}
    if not name.get("zh") or not name.get("en"):
        raise UsageError("report.cluster_name_empty")
    hint = {lang: text.strip() for lang, text in (naming.hint or {}).items() if text.strip()}
    if hint and set(hint) != {"zh", "en"}:
        raise UsageError("report.cluster_hint_half")
    naming = Naming(name, hint or None, naming.blank, naming.about)
    key = entry_key(name["en"])
    path = corpus_path(lab)
    with _LOCK:
        problem = _unwritable(path, records_path(lab))
        if problem is not None:
            raise UsageError("report.cluster_not_writable", path=problem[0], reason=problem[1])
        if key in {entry.name for entry in load_corpus(lab)}:
            raise UsageError("report.cluster_entry_exists", path=path, entry=key)
        blanks = _blanks(lab, code, student, naming.blank)
        current = records_state(lab)[0]
        trial = CorpusEntry(
            key, naming.about, 0.0, None, False, blanks, (), None, path, name, naming.hint
        )
        result, outputs, crashes = entry_grading(lab, trial, runner)
        if result.full_marks:
            raise UsageError("report.cluster_passes")
        old = read_text(path) if path.is_file() else None
        _write(path, _entry_text(old or "", key, naming, result, blanks))
        try:
            entry = next(entry for entry in load_corpus(lab) if entry.name == key)
            if entry.blanks != blanks or entry.mistake != name or entry.hint != naming.hint:
                raise AssertionError(f"the entry {key} did not read back as written")
        except BaseException:
            if old is None:  # the corpus as it was: a half-right entry helps nobody
                path.unlink()
            else:
                _write(path, old)
            raise
        record_entry(lab, entry, outputs, crashes, current)
    return entry, result
