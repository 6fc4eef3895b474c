"""The mistake corpus: known-good and known-bad submissions per lab, with the verdicts they
must get (tests/corpus/<lab>.toml).

Each entry starts from the reference, replaces the listed blanks (1-based) and applies text
edits, so an entry stays a few lines long and follows the reference when it changes. Loading
is strict like spec.py: an unknown field is an error naming the file and the field.

```toml
[softmax_wrong_axis]
about = "softmax over the queries instead of the keys"
score = 0
verdicts = ["WA", "WA"]      # optional: per test set, public and hidden, in spec order
breaks_rule = true           # optional: the code-rules set ([rules] in the spec) fails (default
                             # false; `verdicts` leaves that set out, so adding rules to a lab
                             # changes no entry, and every entry is checked against them)
ignored = false              # optional: edits outside the blanks are reported
traceback_line = "self.fc"   # optional: the traceback names the student's line with this text
# optional: a named mistake. Entries with the same mistake.en are variants of one mistake (the
# grader names it when a student's output on a set matches any variant's recorded output).
mistake = { zh = "softmax 的维度错了", en = "softmax over the wrong axis" }
hint.zh = "每一行（一个查询）的权重之和应为 1。"
hint.en = "Each query's row of weights should sum to 1."
blank.2 = '''
weights = torch.softmax(scores, dim=0)
'''
edits = [["old text", "new text"]]
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from graders.engine import Runner, grade_submission
from graders.errors import SpecError
from graders.markers import parse
from graders.results import LabResult
from graders.sandbox import run_sets
from graders.spec import LabSpec, TableReader, bilingual
from graders.submission import Submission, read_text


@dataclass(frozen=True)
class CorpusEntry:
    name: str
    about: str
    score: float
    verdicts: tuple[str, ...] | None
    ignored: bool
    blanks: dict[int, str]
    edits: tuple[tuple[str, str], ...]
    traceback_line: str | None
    path: Path
    # The named mistake this entry is a variant of, and its one-line hint (zh/en); None for
    # correct entries and for broken files that are not a mistake of the topic.
    mistake: dict[str, str] | None = None
    hint: dict[str, str] | None = None
    breaks_rule: bool = False

    @property
    def correct(self) -> bool:
        verdicts = self.verdicts
        return verdicts is not None and all(c == "AC" for c in verdicts) and not self.breaks_rule


def corpus_path(lab: LabSpec) -> Path:
    return lab.course_root / "tests" / "corpus" / f"{lab.id}.toml"


def _entry(name: str, table: object, path: Path) -> CorpusEntry:
    if not isinstance(table, dict):
        raise SpecError("spec.field", path=path, field=name, problem="should be a table")
    reader = TableReader(table, path, f"{name}.")
    blanks = reader.sub("blank")
    bodies = {}
    for key in blanks.table:
        if not key.isdigit() or int(key) < 1:
            raise blanks.fail(key, "is not a blank number (1, 2, …)")
        bodies[int(key)] = blanks.get(key, str)
    blanks.done()
    edits = reader.get("edits", list, [])
    for index, edit in enumerate(edits):
        if not (
            isinstance(edit, list) and len(edit) == 2 and all(isinstance(e, str) for e in edit)
        ):
            raise reader.fail(f"edits[{index}]", 'should be ["old text", "new text"]')
    verdicts = reader.get("verdicts", list, None)
    if verdicts is not None and not all(isinstance(code, str) for code in verdicts):
        raise reader.fail("verdicts", "should list verdict codes such as AC, WA, RE")
    entry = CorpusEntry(
        name=name,
        about=reader.get("about", str),
        score=float(reader.get("score", (int, float))),
        verdicts=tuple(verdicts) if verdicts is not None else None,
        ignored=reader.get("ignored", bool, False),
        blanks=bodies,
        edits=tuple((old, new) for old, new in edits),
        traceback_line=reader.get("traceback_line", str, None),
        path=path,
        mistake=bilingual(reader, "mistake") if "mistake" in reader.table else None,
        hint=bilingual(reader, "hint") if "hint" in reader.table else None,
        breaks_rule=reader.get("breaks_rule", bool, False),
    )
    reader.done()
    if entry.hint is not None and entry.mistake is None:
        raise reader.fail("hint", "needs a mistake = { zh = ..., en = ... } to belong to")
    return entry


def load_corpus(lab: LabSpec) -> list[CorpusEntry]:
    """The lab's entries in file order; [] when the lab has no corpus file."""
    path = corpus_path(lab)
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise SpecError("spec.toml", path=path, reason=error) from None
    return [_entry(name, table, path) for name, table in data.items()]


def corpus_program(reference: str, entry: CorpusEntry) -> str:
    """The entry's file: the reference with its blanks replaced and its edits applied."""
    layout = parse(reference, "reference")
    bodies = [blank.body for blank in layout.blanks]
    for index, body in entry.blanks.items():
        if index > len(bodies):
            raise SpecError(
                "spec.field",
                path=entry.path,
                field=f"{entry.name}.blank.{index}",
                problem=f"names a blank the reference does not have (it has {len(bodies)})",
            )
        bodies[index - 1] = tuple(body.lstrip("\n").splitlines(keepends=True))
    text = layout.render(bodies)
    for index, (old, new) in enumerate(entry.edits):
        if old not in text:
            raise SpecError(
                "spec.field",
                path=entry.path,
                field=f"{entry.name}.edits[{index}]",
                problem=f"no longer applies: {old!r} is not in the file",
            )
        text = text.replace(old, new, 1)
    return text


Note = tuple[str, dict[str, object]]  # a catalogue key and its parameters


@dataclass(frozen=True)
class CorpusOutcome:
    entry: CorpusEntry
    result: LabResult
    problems: tuple[Note, ...]  # how the result departs from the entry's expectations

    @property
    def ok(self) -> bool:
        return not self.problems


def grade_entry(lab: LabSpec, entry: CorpusEntry, runner: Runner = run_sets) -> CorpusOutcome:
    """Grade the entry on every set (as `seqlab grade` does, in one run: the course's own code)
    and compare with its expectations."""
    text = corpus_program(read_text(lab.solution_path), entry)
    submission = Submission(Path(lab.entry), text)
    result = grade_submission(lab, submission, include_hidden=True, runner=runner, trusted=True)
    verdicts = tuple(t.verdict.code for t in result.tests if t.comparator != "rules")
    rules = [t for t in result.tests if t.comparator == "rules"]
    problems: list[Note] = []
    if rules and any(not t.verdict.passed for t in rules) != entry.breaks_rule:
        problems.append(("validate.corpus_rules", {"want": str(entry.breaks_rule).lower()}))
    if result.score != entry.score:
        problems.append(("validate.corpus_score", {"got": result.score, "want": entry.score}))
    if entry.verdicts is not None and verdicts != entry.verdicts:
        problems.append(
            (
                "validate.corpus_verdicts",
                {"got": " ".join(verdicts), "want": " ".join(entry.verdicts)},
            )
        )
    if bool(result.ignored_lines) != entry.ignored:
        problems.append(("validate.corpus_ignored", {"want": entry.ignored}))
    if entry.traceback_line is not None:
        line = next(
            (n for n, s in enumerate(text.split("\n"), 1) if entry.traceback_line in s), None
        )
        wanted = f'File "{lab.entry}", line {line}'
        if line is None or not any(wanted in (t.stderr or "") for t in result.tests):
            problems.append(("validate.corpus_traceback", {"where": wanted}))
    return CorpusOutcome(entry, result, tuple(problems))
