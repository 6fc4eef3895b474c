"""Question banks: one TOML file per quiz under quizzes/banks/, loaded and checked once.

A question has a stable id, a kind (single | multi), a stem, lettered options and an
explanation in Chinese and English, the set of correct letters, its points, a topic and the
seed passage its answer rests on. Scoring and shuffling are set per bank and may be
overridden per question. Questions are numbered by their position (on a student's paper,
by their position on that paper).

A keyless bank (`keyless = true`, written by `seqlab release`) is a bank with every answer,
explanation and source taken out: a student's copy can show the paper and record answers on
a sheet, and nothing in it can score them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from graders.errors import UsageError
from graders.parsed import parsed
from graders.spec import TableReader, bilingual, open_named_table, unique_entries
from quizzes.scoring import METHODS

KINDS = ("single", "multi")
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    stem: dict[str, str]
    options: dict[str, dict[str, str]]  # letter -> {"zh": ..., "en": ...}, in bank order
    answer: frozenset[str]
    points: float
    explanation: dict[str, str]
    topic: str
    source: str  # where in the seeds the answer is supported
    scoring: str
    shuffle_options: bool


@dataclass(frozen=True)
class Bank:
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    shuffle_questions: bool
    path: Path
    keyless: bool = False

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def topics(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for question in self.questions:
            counts[question.topic] = counts.get(question.topic, 0) + 1
        return counts


def _scoring(reader: TableReader, default: str) -> str:
    method = reader.get("scoring", str, default)
    if method not in METHODS:
        raise reader.fail("scoring", f"is {method!r}; use one of {', '.join(METHODS)}")
    return method


def _answer(reader: TableReader, kind: str, options: dict) -> frozenset[str]:
    answer_text = reader.get("answer", str)
    answer = frozenset(answer_text)
    if not answer or not answer <= set(options):
        raise reader.fail("answer", f"is {answer_text!r}; letters must be among {''.join(options)}")
    if kind == "single" and len(answer) != 1:
        raise reader.fail("answer", f"is {answer_text!r}; a single-choice question has one letter")
    return answer


def _question(table: dict, path: Path, index: int, defaults: dict) -> Question:
    keyless = defaults["keyless"]
    reader = TableReader(table, path, f"questions[{index}].")
    question_id = reader.get("id", str)
    if not QUESTION_ID.match(question_id):
        raise reader.fail("id", f"is {question_id!r}; use lowercase letters, digits and '-'")
    kind = reader.get("kind", str)
    if kind not in KINDS:
        raise reader.fail("kind", f"is {kind!r}; use one of {', '.join(KINDS)}")
    options_reader = reader.sub("options")
    options = {}
    for letter in options_reader.table:
        if len(letter) != 1 or not "A" <= letter <= "Z":
            raise options_reader.fail(letter, "is not a single capital letter A-Z")
        options[letter] = bilingual(options_reader, letter)
    options_reader.done()
    if list(options) != [chr(ord("A") + i) for i in range(len(options))]:
        raise reader.fail("options", f"are {''.join(options)}; letter them A, B, C, … in order")
    if len(options) < 2:
        raise reader.fail("options", "needs at least two options")
    # A keyless copy has no answer to check: the key stayed with the instructor.
    answer = frozenset() if keyless else _answer(reader, kind, options)
    points = reader.get("points", (int, float), defaults["points"])
    if points <= 0:
        raise reader.fail("points", "must be positive")
    question = Question(
        id=question_id,
        kind=kind,
        stem=bilingual(reader, "stem"),
        options=options,
        answer=answer,
        points=float(points),
        explanation={"zh": "", "en": ""} if keyless else bilingual(reader, "explanation"),
        topic=reader.get("topic", str),
        source="" if keyless else reader.get("source", str),
        scoring=_scoring(reader, defaults["scoring"]),
        shuffle_options=reader.get("shuffle_options", bool, defaults["shuffle_options"]),
    )
    reader.done()
    return question


def load_bank(path: Path) -> Bank:
    """The bank at `path`, parsed once per content."""
    return parsed("quiz bank", (path,), lambda: _load_bank(path))


def _load_bank(path: Path) -> Bank:
    reader, bank_id = open_named_table(path)
    defaults = {
        "scoring": _scoring(reader, "strict"),
        "shuffle_options": reader.get("shuffle_options", bool, True),
        "points": reader.get("points", (int, float), 1),
        "keyless": reader.get("keyless", bool, False),
    }
    questions = unique_entries(
        reader,
        "questions",
        lambda table, i: _question(table, path, i, defaults),
        lambda question: question.id,
    )
    bank = Bank(
        id=bank_id,
        title=bilingual(reader, "title"),
        questions=questions,
        shuffle_questions=reader.get("shuffle_questions", bool, False),
        path=path,
        keyless=defaults["keyless"],
    )
    reader.done()
    return bank


def bank_ids(banks_dir: Path) -> list[str]:
    return sorted(p.stem for p in banks_dir.glob("*.toml"))


def load_quiz(banks_dir: Path, quiz_id: str) -> Bank:
    # Looked up among the banks' ids, never made into a path first: an id from a URL or an
    # option may be too long for a file name, or hold a `/`.
    known = bank_ids(banks_dir)
    if quiz_id not in known:
        raise UsageError("quiz.unknown", quiz=quiz_id[:80], known=", ".join(known))
    return load_bank(banks_dir / f"{quiz_id}.toml")


def keyless_bank(text: str) -> str:
    """A bank's file as a student's copy holds it: the key, explanations and sources out."""
    data = tomllib.loads(text)
    data["keyless"] = True
    for question in data.get("questions", []):
        for secret in ("answer", "explanation", "source"):
            question.pop(secret, None)
    return tomlkit.dumps(data)
