"""Answer sheets: plain text, JSON or TOML, numbered as on the student's paper.

Plain text, one line per question, `number separator letters`: `1 A`, `2. A,B,C`, `2:abc`,
`2、A B C`, `２：Ａ，Ｂ`, `3 (B)`; blank lines and `#` comments are skipped; a bare number is a
question left blank. JSON: `{"1": "A", "2": "ABC"}` or `{"2": ["A", "B", "C"]}`. TOML:
`1 = "A"`, `2 = ["A", "B", "C"]`. Everywhere letters may come in any order and case,
repeated, separated by spaces or commas, in full-width forms. Anything else is an error
naming the line and the bad token, so a typo never silently costs points.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from graders.errors import SubmissionError
from quizzes.paper import Paper, PaperQuestion

# After NFKC, full-width forms are ASCII: "：" → ":", "，" → ",", "Ａ" → "A", "（" → "(".
LINE = re.compile(r"^(?P<number>\d+)\s*(?:[.:、)]\s*|(?=[A-Za-z(])|$)(?P<answer>.*)$")
IGNORED_IN_ANSWER = set(" \t,、;/()[]")


@dataclass(frozen=True)
class Answer:
    letters: frozenset[str]  # in the letters of the student's paper
    line: int


def parse_letters(raw: str, question: PaperQuestion, *, path: Path, line: int) -> frozenset[str]:
    """The option letters in `raw`, checked against the question's options."""
    letters = set()
    for character in unicodedata.normalize("NFKC", raw):
        if character in IGNORED_IN_ANSWER:
            continue
        letter = character.upper()
        if letter not in question.letters:
            raise SubmissionError(
                "quiz.bad_letter",
                path=path,
                line=line,
                number=question.number,
                token=character,
                options="".join(question.letters),
            )
        letters.add(letter)
    return frozenset(letters)


def _question(paper: Paper, number: int, *, path: Path, line: int) -> PaperQuestion:
    question = paper.question(number)
    if question is None:
        raise SubmissionError(
            "quiz.unknown_question",
            path=path,
            line=line,
            number=number,
            quiz=paper.bank.id,
            count=len(paper.questions),
        )
    return question


def _add(answers: dict[int, Answer], number: int, answer: Answer, path: Path) -> None:
    if number in answers:
        raise SubmissionError(
            "quiz.duplicate_question",
            path=path,
            line=answer.line,
            number=number,
            first=answers[number].line,
        )
    answers[number] = answer


def parse_text(text: str, path: Path, paper: Paper) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for line_number, raw in enumerate(text.split("\n"), start=1):
        line = unicodedata.normalize("NFKC", raw).split("#", 1)[0].strip()
        if not line:
            continue
        match = LINE.match(line)
        if not match:
            raise SubmissionError("quiz.bad_line", path=path, line=line_number, text=raw.strip())
        number = int(match["number"])
        question = _question(paper, number, path=path, line=line_number)
        letters = parse_letters(match["answer"], question, path=path, line=line_number)
        _add(answers, number, Answer(letters, line_number), path)
    return answers


def _lines_of_key(text: str, key: str, json_style: bool) -> list[int]:
    """Lines where a mapping key is written, for error messages (1 if it cannot be found)."""
    escaped = re.escape(key)
    pattern = rf'"\s*{escaped}\s*"\s*:' if json_style else rf'^\s*"?\s*{escaped}\s*"?\s*='
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(pattern, text, re.MULTILINE)]
    return lines or [1]


def _parse_mapping(
    pairs: list[tuple[object, object]], text: str, path: Path, paper: Paper, json_style: bool
) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    seen: dict[str, int] = {}
    for key, value in pairs:
        key_text = str(key)
        lines = _lines_of_key(text, key_text, json_style)
        line = lines[min(seen.get(key_text, 0), len(lines) - 1)]
        seen[key_text] = seen.get(key_text, 0) + 1
        number_text = unicodedata.normalize("NFKC", key_text).strip()
        if not number_text.isdigit():
            raise SubmissionError("quiz.bad_key", path=path, line=line, key=key_text)
        number = int(number_text)
        question = _question(paper, number, path=path, line=line)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = ",".join(value)
        if not isinstance(value, str):
            raise SubmissionError(
                "quiz.bad_value", path=path, line=line, number=number, value=value
            )
        letters = parse_letters(value, question, path=path, line=line)
        _add(answers, number, Answer(letters, line), path)
    return answers


def parse_json(text: str, path: Path, paper: Paper) -> dict[int, Answer]:
    try:
        pairs = json.loads(text, object_pairs_hook=lambda items: items)
    except json.JSONDecodeError as error:
        raise SubmissionError(
            "quiz.bad_json", path=path, line=error.lineno, reason=error.msg
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:
        # A number of thousands of digits, arrays nested thousands deep: the file's fault,
        # never the grader's (a batch would record an internal error and retry it forever).
        reason = _unreadable_reason(error)
        raise SubmissionError("quiz.bad_json", path=path, line=1, reason=reason) from None
    if not isinstance(pairs, list) or not all(isinstance(p, tuple) for p in pairs):
        raise SubmissionError("quiz.bad_mapping", path=path)
    return _parse_mapping(pairs, text, path, paper, json_style=True)


def parse_toml(text: str, path: Path, paper: Paper) -> dict[int, Answer]:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = int(found[1]) if found else 1
        raise SubmissionError("quiz.bad_toml", path=path, line=line, reason=error) from None
    except (ValueError, RecursionError, MemoryError) as error:  # as for JSON above
        reason = _unreadable_reason(error)
        raise SubmissionError("quiz.bad_toml", path=path, line=1, reason=reason) from None
    return _parse_mapping(list(table.items()), text, path, paper, json_style=False)


def _unreadable_reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deep"
    if isinstance(error, MemoryError):
        return "too large to read"
    return str(error).split(";")[0]  # e.g. "Exceeds the limit (4300 digits) …"


def parse_sheet(text: str, path: Path, paper: Paper) -> dict[int, Answer]:
    """Answers by paper question number; the format follows the file's suffix."""
    parser = {".json": parse_json, ".toml": parse_toml}.get(path.suffix.lower(), parse_text)
    return parser(text, path, paper)


# The header sheet_text writes: `# <quiz> — student "<id as JSON>"`.
HEADER_STUDENT = re.compile(r'^#\s*\S+\s+—\s+student\s+(?P<id>".*")\s*$')


def sheet_student(text: str) -> str | None:
    """The student id in a plain-text sheet's header (sheet_text writes it), if any: whose
    shuffled paper the letters are on. Only the first non-empty line is a header."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    match = HEADER_STUDENT.match(first.lstrip("\ufeff"))
    if not match:
        return None
    try:
        student = json.loads(match["id"])
    except ValueError:
        return None
    return student.strip() or None if isinstance(student, str) else None


def paper_student(text: str, path: Path, given: str | None) -> str | None:
    """The student whose paper scores this sheet: the header's id, unless `given` (--student,
    or a batch's folder name) names another student, which is refused (exit 2): scoring the
    letters against someone else's shuffle would give a wrong score silently."""
    header = sheet_student(text)
    if header is None or given is None:
        return header if given is None else given
    if given != header:
        raise SubmissionError("quiz.other_student", path=path, given=given, header=header)
    return header


def sheet_text(paper: Paper, answers: dict[int, Answer]) -> str:
    """A plain-text sheet for these answers, readable back by parse_text."""
    # json.dumps keeps the header on one line whatever the student id holds.
    student = f" — student {json.dumps(paper.student, ensure_ascii=False)}" if paper.student else ""
    header = f"# {paper.bank.id}{student}"
    lines = [header]
    for question in paper.questions:
        answer = answers.get(question.number)
        letters = "".join(sorted(answer.letters)) if answer else ""
        lines.append(f"{question.number} {letters}".rstrip())
    return "\n".join(lines) + "\n"
