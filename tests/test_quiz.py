"""Quiz banks and the sheet parser."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.errors import SpecError, SubmissionError
from quizzes.bank import load_bank, load_quiz
from quizzes.sheet import parse_sheet


@pytest.fixture(scope="module")
def attention(course):
    return load_quiz(course.banks_dir, "attention")


def test_attention_bank_has_the_seed_answers(attention):
    answers = {q.number: "".join(sorted(q.answer)) for q in attention.questions}
    assert answers == {1: "A", 2: "ABC", 3: "B", 4: "C", 5: "A"}
    assert attention.max_score == 100
    for question in attention.questions:
        assert question.stem["zh"] and question.stem["en"]
        assert question.explanation["zh"] and question.explanation["en"]
        assert all(text["zh"] and text["en"] for text in question.options.values())


BANK = """
id = "{id}"
title.zh = "测"
title.en = "T"
[[questions]]
number = 1
kind = "{kind}"
answer = "{answer}"
points = 1
topic = "t"
stem.zh = "问"
stem.en = "Q"
options.A.zh = "甲"
options.A.en = "a"
options.B.zh = "乙"
options.B.en = "b"
explanation.zh = "因为"
explanation.en = "because"
"""


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"answer": "C"}, "questions[0].answer"),
        ({"answer": "AB"}, "a single-choice question has one letter"),
        ({"kind": "essay"}, "questions[0].kind"),
        ({"id": "other"}, "but the file is named"),
    ],
)
def test_malformed_banks_name_the_field(tmp_path, fields, problem):
    values = {"id": "mini", "kind": "single", "answer": "A", **fields}
    path = tmp_path / "mini.toml"
    path.write_text(BANK.format(**values), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_bank(path)
    assert problem in str(caught.value) and "mini.toml" in str(caught.value)


def test_a_missing_language_is_an_error(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(
        BANK.format(id="mini", kind="single", answer="A").replace('stem.en = "Q"\n', ""),
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"questions\[0\]\.stem\.en is missing"):
        load_bank(path)


@given(st.text(max_size=200))
def test_the_sheet_parser_never_fails_except_with_a_clear_error(attention, text):
    try:
        answers = parse_sheet(text, Path("sheet.txt"), attention)
    except SubmissionError as error:
        assert "sheet.txt" in str(error) and "line" in str(error)
    else:
        assert set(answers) <= {1, 2, 3, 4, 5}
