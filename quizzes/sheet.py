"""Answer sheets in plain text: one line per question, `number separator letters`.

Accepted: `1 A`, `2. A,B,C`, `2:abc`, `2、A B C`, `２：Ａ，Ｂ`, `3 (B)`; letters in any order
and case, duplicates ignored. Blank lines and `#` comments are skipped. Anything else is an
error naming the line and the bad token, so a typo never silently costs points.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from graders.errors import SubmissionError
from quizzes.bank import Bank

# After NFKC, full-width forms are ASCII: "：" → ":", "，" → ",", "Ａ" → "A", "（" → "(".
# A bare number (or `3.`) is a question left unanswered.
LINE = re.compile(r"^(?P<number>\d+)\s*(?:[.:、)]\s*|(?=[A-Za-z(])|$)(?P<answer>.*)$")
IGNORED_IN_ANSWER = set(" \t,、;/()[]")


@dataclass(frozen=True)
class Answer:
    letters: frozenset[str]
    line: int


def parse_sheet(text: str, path: Path, bank: Bank) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for line_number, raw in enumerate(text.split("\n"), start=1):
        line = unicodedata.normalize("NFKC", raw).split("#", 1)[0].strip()
        if not line:
            continue
        match = LINE.match(line)
        if not match:
            raise SubmissionError("quiz.bad_line", path=path, line=line_number, text=raw.strip())
        number = int(match["number"])
        question = bank.question(number)
        if question is None:
            raise SubmissionError(
                "quiz.unknown_question",
                path=path,
                line=line_number,
                number=number,
                quiz=bank.id,
                count=len(bank.questions),
            )
        if number in answers:
            raise SubmissionError(
                "quiz.duplicate_question",
                path=path,
                line=line_number,
                number=number,
                first=answers[number].line,
            )
        letters = set()
        for character in match["answer"]:
            if character in IGNORED_IN_ANSWER:
                continue
            letter = character.upper()
            if letter not in question.options:
                raise SubmissionError(
                    "quiz.bad_letter",
                    path=path,
                    line=line_number,
                    number=number,
                    token=character,
                    options="".join(question.options),
                )
            letters.add(letter)
        answers[number] = Answer(frozenset(letters), line_number)
    return answers
