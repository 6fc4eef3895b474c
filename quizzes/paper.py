"""Per-student papers: the bank's questions, and their options, in a student's own order.

The order comes from sorting by a SHA-256 of (bank, student, question[, letter]) — no random
generator state, so the same student id gives the same paper on every machine and every
Python version. Without a student id the paper is the bank as written. Answers given on a
paper are mapped back to the bank's letters before scoring.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from quizzes.bank import Bank, Question


def _order_key(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def paper_letter(index: int) -> str:
    return chr(ord("A") + index)


def letters_text(letters: frozenset[str]) -> str:
    """An answer as shown to people: sorted letters, or "-" when nothing was chosen."""
    return "".join(sorted(letters)) or "-"


@dataclass(frozen=True)
class PaperQuestion:
    number: int  # 1-based position on the paper
    question: Question
    order: tuple[str, ...]  # order[i] is the bank letter shown as paper letter A + i

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(paper_letter(i) for i in range(len(self.order)))

    def option_text(self, letter: str, lang: str) -> str:
        return self.question.options[self.order[ord(letter) - ord("A")]][lang]

    def to_bank(self, letters: frozenset[str]) -> frozenset[str]:
        return frozenset(self.order[ord(letter) - ord("A")] for letter in letters)

    def from_bank(self, letters: frozenset[str]) -> frozenset[str]:
        return frozenset(paper_letter(self.order.index(letter)) for letter in letters)

    @property
    def correct(self) -> frozenset[str]:
        """The right answer in this paper's letters."""
        return self.from_bank(self.question.answer)


@dataclass(frozen=True)
class Paper:
    bank: Bank
    student: str | None
    questions: tuple[PaperQuestion, ...]

    def question(self, number: int) -> PaperQuestion | None:
        if 1 <= number <= len(self.questions):
            return self.questions[number - 1]
        return None


def make_paper(bank: Bank, student: str | None = None) -> Paper:
    questions = list(bank.questions)
    if student is not None and bank.shuffle_questions:
        questions.sort(key=lambda q: _order_key(bank.id, student, q.id))
    paper_questions = []
    for number, question in enumerate(questions, start=1):
        order = list(question.options)
        if student is not None and question.shuffle_options:
            order.sort(key=lambda letter, q=question: _order_key(bank.id, student, q.id, letter))
        paper_questions.append(PaperQuestion(number, question, tuple(order)))
    return Paper(bank, student, tuple(paper_questions))
