"""Results of grading: per test set and per lab, their stored form and their JSON form.

Two forms, for two readers:
- `to_dict()` / `from_dict()`: the one stored shape (gradebook and web tables). Language
  neutral — catalogue keys and their parameters, never a rendered sentence — and an exact
  round trip, so every page, file and export renders the same facts in the reader's language.
- `to_json(lang)`: what `seqlab grade --json` prints, Gradescope's results.json shape (score,
  max_score, tests[] with name, score, max_score, status, output, visibility,
  execution_time) plus our own fields, in one language.
Quizzes produce the same LabResult, so batch grading and gradebooks treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graders.messages import say
from graders.verdict import Verdict


@dataclass(frozen=True)
class TestResult:
    name: str
    verdict: Verdict
    score: float
    max_score: float
    number: int | None = None  # Gradescope's ordering number; a quiz question's paper number
    hidden: bool = False
    # Shown only for public sets: what went in, what was wanted, what came out.
    input: str | None = None
    expected: str | None = None
    actual: str | None = None
    stderr: str | None = None
    # A catalogue key (and its parameters) saying what went wrong, or what was answered.
    detail_key: str | None = None
    detail: dict[str, object] = field(default_factory=dict)
    wall_seconds: float | None = None
    peak_memory_mb: int | None = None
    # How the output was compared (public sets): what the numeric diff marks follows it.
    comparator: str | None = None
    options: dict[str, float] = field(default_factory=dict)
    # Public sets: the lab's picture declarations (spec.py `[[picture]]`), drawn by the view.
    pictures: tuple[dict[str, Any], ...] = ()
    # Public sets of a lab with a loss curve: the losses its training reported (losses.py).
    losses: tuple[float, ...] = ()
    # The named mistake the failed output matches (graders/mistakes.py), zh/en, and its hint
    # when the course shows hints; hidden sets too, since neither holds any test data.
    mistake: dict[str, str] | None = None
    hint: dict[str, str] | None = None

    def mistake_text(self, lang: str) -> str:
        """ "This looks like a common mistake: … — hint: …", or "" when none was named."""
        if self.mistake is None:
            return ""
        if self.hint is None:
            return say("report.mistake", lang, name=self.mistake[lang])
        return say("report.mistake_hint", lang, name=self.mistake[lang], hint=self.hint[lang])

    def detail_text(self, lang: str) -> str:
        if self.hidden:
            return say("detail.hidden", lang)
        return say(self.detail_key, lang, **self.detail) if self.detail_key else ""

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: every field, None and empty ones left out."""
        data: dict[str, Any] = {
            "name": self.name,
            "verdict": self.verdict.code,
            "score": self.score,
            "max_score": self.max_score,
        }
        optional = {
            "number": self.number,
            "hidden": self.hidden or None,
            "input": self.input,
            "expected": self.expected,
            "actual": self.actual,
            "stderr": self.stderr,
            "detail_key": self.detail_key,
            "detail": self.detail or None,
            "wall_seconds": self.wall_seconds,
            "peak_memory_mb": self.peak_memory_mb,
            "comparator": self.comparator,
            "options": self.options or None,
            "pictures": [dict(picture) for picture in self.pictures] or None,
            "losses": list(self.losses) or None,
            "mistake": self.mistake,
            "hint": self.hint,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        fields = dict(data)
        fields["verdict"] = Verdict.from_code(fields["verdict"])
        fields["hidden"] = bool(fields.get("hidden", False))
        fields["detail"] = dict(fields.get("detail") or {})
        fields["options"] = dict(fields.get("options") or {})
        fields["pictures"] = tuple(dict(p) for p in fields.get("pictures") or ())
        fields["losses"] = tuple(float(v) for v in fields.get("losses") or ())
        for key in ("mistake", "hint"):
            fields[key] = dict(fields[key]) if fields.get(key) is not None else None
        return cls(**fields)

    def to_json(self, lang: str) -> dict[str, object]:
        output = " ".join(filter(None, [self.verdict.label(lang), self.detail_text(lang)]))
        data: dict[str, object] = {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": "passed" if self.verdict.passed else "failed",
            "verdict": self.verdict.code,
            "output": output,
            "visibility": "hidden" if self.hidden else "visible",
        }
        if self.number is not None:
            data["number"] = self.number
        if self.wall_seconds is not None:
            data["time"] = round(self.wall_seconds, 3)
        if self.peak_memory_mb is not None:
            data["memory_mb"] = self.peak_memory_mb
        if self.mistake is not None:
            data["mistake"] = self.mistake_text(lang)
        if not self.hidden:
            for key in ("input", "expected", "actual", "stderr"):
                value = getattr(self, key)
                if value is not None:
                    data[key] = value
        return data


# Stored results carry this number: a reader meets a shape it knows or says it does not.
STORED_FORMAT = 1

LEVELS = ("none", "weak", "medium", "strong")


@dataclass(frozen=True)
class Isolation:
    """The isolation a run gets: its level, the active layers, and why the others are not."""

    level: str
    layers: tuple[str, ...]
    inactive: dict[str, str] = field(default_factory=dict)
    # Course secrets a run could read (sandbox/exposure.py): while any is, the level is weak.
    exposed: tuple[str, ...] = ()

    def at_least(self, level: str) -> bool:
        return LEVELS.index(self.level) >= LEVELS.index(level)

    def uses(self, layer: str) -> bool:
        return layer in self.layers

    def to_json(self) -> dict[str, object]:
        data = {"level": self.level, "layers": list(self.layers), "inactive": self.inactive}
        if self.exposed:
            data["exposed"] = list(self.exposed)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Isolation:
        return cls(
            level=data["level"],
            layers=tuple(data["layers"]),
            inactive=dict(data.get("inactive", {})),
            exposed=tuple(data.get("exposed", ())),
        )


NO_CODE = Isolation("none", (), {"process": "a quiz runs no code"})


@dataclass(frozen=True)
class BlankPointer:
    """Which blank, given the reference's body alone, makes failing public sets pass
    (service/blanks.py): blank numbers and public set names only, never code or data."""

    fixes: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (blank, the public sets it fixes)
    several: bool = False  # every blank was tried and none alone fixes a set

    def to_dict(self) -> dict[str, Any]:
        fixes = [{"blank": blank, "sets": list(sets)} for blank, sets in self.fixes]
        return {"fixes": fixes, "several": self.several}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlankPointer:
        fixes = tuple((fix["blank"], tuple(fix["sets"])) for fix in data["fixes"])
        return cls(fixes, data["several"])


@dataclass(frozen=True)
class LabResult:
    lab: str
    title: dict[str, str]
    file: str
    tests: tuple[TestResult, ...]
    isolation: Isolation
    execution_time: float  # the public sets' run only: a hidden run's time is its to steer
    ignored_lines: tuple[int, ...] = ()
    ignored_cells: tuple[int, ...] = ()  # a notebook's: the locked cells those lines are in
    shared_seconds: float | None = None  # fork mode: the shared part (imports, training)
    kind: str = "lab"  # or "quiz": same shape, so batches and gradebooks treat them alike
    hidden_not_run: int = 0  # a check of the public sets: the hidden ones graded on submission
    pointer: BlankPointer | None = None  # failing public sets: the blank to look at

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def full_marks(self) -> bool:
        return self.score == self.max_score

    def exit_code(self) -> int:
        """0 full marks, 1 graded below full marks (2, could not grade, is an exception)."""
        return 0 if self.full_marks else 1

    def to_dict(self) -> dict[str, Any]:
        """The one stored shape (see the module docstring); `from_dict` reads it back."""
        data: dict[str, Any] = {
            "format": STORED_FORMAT,
            "lab": self.lab,
            "kind": self.kind,
            "title": dict(self.title),
            "file": self.file,
            "tests": [test.to_dict() for test in self.tests],
            "isolation": self.isolation.to_json(),
            "execution_time": self.execution_time,
        }
        if self.ignored_lines:
            data["ignored_lines"] = list(self.ignored_lines)
        if self.ignored_cells:
            data["ignored_cells"] = list(self.ignored_cells)
        if self.shared_seconds is not None:
            data["shared_seconds"] = self.shared_seconds
        if self.hidden_not_run:
            data["hidden_not_run"] = self.hidden_not_run
        if self.pointer is not None:
            data["blank_pointer"] = self.pointer.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabResult:
        if data.get("format") != STORED_FORMAT:
            raise ValueError(f"not a stored result of format {STORED_FORMAT}")
        return cls(
            lab=data["lab"],
            kind=data["kind"],
            title=dict(data["title"]),
            file=data["file"],
            tests=tuple(TestResult.from_dict(test) for test in data["tests"]),
            isolation=Isolation.from_dict(data["isolation"]),
            execution_time=data["execution_time"],
            ignored_lines=tuple(data.get("ignored_lines", ())),
            ignored_cells=tuple(data.get("ignored_cells", ())),
            shared_seconds=data.get("shared_seconds"),
            hidden_not_run=data.get("hidden_not_run", 0),
            pointer=BlankPointer.from_dict(data["blank_pointer"])
            if "blank_pointer" in data
            else None,
        )

    def to_json(self, lang: str) -> dict[str, object]:
        data: dict[str, object] = {
            "lab": self.lab,
            "kind": self.kind,
            "title": self.title[lang],
            "file": self.file,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [t.to_json(lang) for t in self.tests],
            "isolation": self.isolation.to_json(),
            "execution_time": round(self.execution_time, 3),
        }
        if self.ignored_lines:
            data["ignored_lines"] = list(self.ignored_lines)
        if self.ignored_cells:
            data["ignored_cells"] = list(self.ignored_cells)
        if self.shared_seconds is not None:
            data["shared_seconds"] = round(self.shared_seconds, 3)
        if self.pointer is not None:
            data["blank_pointer"] = self.pointer.to_dict()
        if self.hidden_not_run:  # a check's score is of the public sets only
            data["hidden_not_run"] = self.hidden_not_run
        return data
