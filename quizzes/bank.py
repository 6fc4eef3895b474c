"""Question banks: one TOML file per quiz under quizzes/banks/, loaded and checked once.

A question has a number, a kind (single | multi), a stem, lettered options and an
explanation in Chinese and English, the set of correct letters, its points and a topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graders.errors import UsageError
from graders.spec import TableReader, bilingual, open_named_table

KINDS = ("single", "multi")


@dataclass(frozen=True)
class Question:
    number: int
    kind: str
    stem: dict[str, str]
    options: dict[str, dict[str, str]]  # letter -> {"zh": ..., "en": ...}, in display order
    answer: frozenset[str]
    points: float
    explanation: dict[str, str]
    topic: str


@dataclass(frozen=True)
class Bank:
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    path: Path

    def question(self, number: int) -> Question | None:
        return next((q for q in self.questions if q.number == number), None)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)


def _question(table: dict, path: Path, index: int) -> Question:
    reader = TableReader(table, path, f"questions[{index}].")
    number = reader.get("number", int)
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
    if len(options) < 2:
        raise reader.fail("options", "needs at least two options")
    answer_text = reader.get("answer", str)
    answer = frozenset(answer_text)
    if not answer or not answer <= set(options):
        raise reader.fail("answer", f"is {answer_text!r}; letters must be among {''.join(options)}")
    if kind == "single" and len(answer) != 1:
        raise reader.fail("answer", f"is {answer_text!r}; a single-choice question has one letter")
    points = reader.get("points", (int, float))
    if points <= 0:
        raise reader.fail("points", "must be positive")
    question = Question(
        number=number,
        kind=kind,
        stem=bilingual(reader, "stem"),
        options=options,
        answer=answer,
        points=float(points),
        explanation=bilingual(reader, "explanation"),
        topic=reader.get("topic", str),
    )
    reader.done()
    return question


def load_bank(path: Path) -> Bank:
    reader, bank_id = open_named_table(path)
    questions = tuple(_question(q, path, i) for i, q in enumerate(reader.get("questions", list)))
    numbers = [q.number for q in questions]
    if numbers != list(range(1, len(numbers) + 1)):
        raise reader.fail("questions", f"are numbered {numbers}; number them 1, 2, 3, … in order")
    bank = Bank(bank_id, bilingual(reader, "title"), questions, path)
    reader.done()
    return bank


def bank_ids(banks_dir: Path) -> list[str]:
    return sorted(p.stem for p in banks_dir.glob("*.toml"))


def load_quiz(banks_dir: Path, quiz_id: str) -> Bank:
    path = banks_dir / f"{quiz_id}.toml"
    if not path.is_file():
        raise UsageError("quiz.unknown", quiz=quiz_id, known=", ".join(bank_ids(banks_dir)))
    return load_bank(path)
