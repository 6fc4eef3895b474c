"""Quiz engine: banks, scoring methods, per-student papers and answer sheets."""

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.errors import SpecError, SubmissionError
from quizzes.bank import load_bank, load_quiz
from quizzes.checker import check
from quizzes.paper import make_paper
from quizzes.scoring import METHODS, fraction
from quizzes.sheet import Answer, parse_sheet, sheet_text


@pytest.fixture(scope="module")
def attention(course):
    return load_quiz(course.banks_dir, "attention")


@pytest.fixture(scope="module")
def review(course):
    return load_quiz(course.banks_dir, "sequence-models")


# --- banks ----------------


def test_attention_bank_has_the_seed_answers(attention):
    answers = ["".join(sorted(q.answer)) for q in attention.questions]
    assert answers == ["A", "ABC", "B", "C", "A"]
    assert attention.max_score == 100
    assert {q.scoring for q in attention.questions} == {"strict"}


def test_review_bank_covers_every_seed_topic_with_at_least_20_questions(review):
    assert len(review.questions) >= 20
    assert review.topics() == {
        "rnn-basics": 5,
        "lstm-gru": 5,
        "pytorch-modules": 5,
        "encoder-decoder": 5,
        "scaled-dot-product": 3,
        "self-vs-cross": 2,
        "multi-head": 2,
        "attention-variants": 4,
    }
    assert {q.scoring for q in review.questions if q.kind == "multi"} == {
        "net-correct",
        "each-answer",
    }


@pytest.mark.parametrize("bank_id", ["attention", "sequence-models"])
def test_every_question_is_complete_in_both_languages_and_cites_a_seed(course, bank_id):
    for q in load_quiz(course.banks_dir, bank_id).questions:
        assert q.stem["zh"] and q.stem["en"] and q.explanation["zh"] and q.explanation["en"]
        assert all(text["zh"] and text["en"] for text in q.options.values())
        assert q.source[:3] in {"000", "001", "002", "003", "004"}, q.id
        # Options are shuffled per student, so explanations must not name option letters.
        for text in q.explanation.values():
            assert not any(f"{x}、" in text or f"{x}," in text for x in "ABCD"), q.id


BANK = """
id = "{id}"
title.zh = "测"
title.en = "T"
[[questions]]
id = "{qid}"
kind = "{kind}"
answer = "{answer}"
points = 1
topic = "t"
source = "000"
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
        ({"qid": "Bad Id"}, "questions[0].id"),
    ],
)
def test_malformed_banks_name_the_field(tmp_path, fields, problem):
    values = {"id": "mini", "qid": "q1", "kind": "single", "answer": "A", **fields}
    path = tmp_path / "mini.toml"
    path.write_text(BANK.format(**values), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_bank(path)
    assert problem in str(caught.value) and "mini.toml" in str(caught.value)


def test_a_missing_language_or_a_repeated_id_is_an_error(tmp_path):
    path = tmp_path / "mini.toml"
    text = BANK.format(id="mini", qid="q1", kind="single", answer="A")
    path.write_text(text.replace('stem.en = "Q"\n', ""), encoding="utf-8")
    with pytest.raises(SpecError, match=r"questions\[0\]\.stem\.en is missing"):
        load_bank(path)
    twice = text + text[text.index("[[questions]]") :]
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(SpecError, match="use the name 'q1' more than once"):
        load_bank(path)


# --- scoring ----------------

CORRECT = frozenset("ABC")  # c = 3 of N = 5 options


@pytest.mark.parametrize(
    ("chosen", "net_correct", "coverage", "each_answer"),
    [
        ("ABC", 1, 1, 1),
        ("ABD", Fraction(1, 3), Fraction(4, 9), Fraction(3, 5)),  # t=2 f=1 n=3
        ("A", Fraction(1, 3), Fraction(1, 3), Fraction(3, 5)),  # t=1 f=0 n=1
        ("DE", 0, 0, 0),  # t=0 f=2
        ("ABCDE", Fraction(1, 3), Fraction(3, 5), Fraction(3, 5)),  # t=3 f=2 n=5
        ("ABCD", Fraction(2, 3), Fraction(3, 4), Fraction(4, 5)),  # t=3 f=1 n=4
    ],
)
def test_partial_credit_formulas_on_worked_examples(chosen, net_correct, coverage, each_answer):
    def score(method):
        return fraction(method, kind="multi", correct=CORRECT, chosen=frozenset(chosen), options=5)

    assert score("net-correct") == pytest.approx(float(net_correct))
    assert score("coverage") == pytest.approx(float(coverage))
    assert score("each-answer") == pytest.approx(float(each_answer))
    assert score("strict") == (1.0 if chosen == "ABC" else 0.0)


@st.composite
def questions(draw):
    shown = draw(st.integers(min_value=2, max_value=8))
    letters = [chr(ord("A") + i) for i in range(shown)]
    correct = draw(st.sets(st.sampled_from(letters), min_size=1))
    chosen = draw(st.lists(st.sampled_from(letters), unique=True))
    return shown, frozenset(correct), chosen


@given(questions(), st.sampled_from(sorted(METHODS)), st.sampled_from(["single", "multi"]))
def test_every_score_lies_between_zero_and_full(question, method, kind):
    shown, correct, chosen = question
    value = fraction(method, kind=kind, correct=correct, chosen=frozenset(chosen), options=shown)
    assert 0.0 <= value <= 1.0


@given(questions(), st.sampled_from(sorted(METHODS)))
def test_the_exact_answer_gets_full_points_and_order_does_not_matter(question, method):
    shown, correct, chosen = question
    assert fraction(method, kind="multi", correct=correct, chosen=correct, options=shown) == 1.0
    forwards = fraction(
        method, kind="multi", correct=correct, chosen=frozenset(chosen), options=shown
    )
    backwards = fraction(
        method, kind="multi", correct=correct, chosen=frozenset(reversed(chosen)), options=shown
    )
    assert forwards == backwards


@given(questions(), st.sampled_from(sorted(METHODS)))
def test_blank_answers_earn_nothing_and_single_choice_is_always_strict(question, method):
    shown, correct, chosen = question
    assert fraction(method, kind="multi", correct=correct, chosen=frozenset(), options=shown) == 0.0
    single = fraction(
        method, kind="single", correct=correct, chosen=frozenset(chosen), options=shown
    )
    assert single == (1.0 if frozenset(chosen) == correct else 0.0)


# --- papers ----------------


def test_without_a_student_the_paper_is_the_bank(review):
    paper = make_paper(review)
    assert [q.question.id for q in paper.questions] == [q.id for q in review.questions]
    assert all(q.order == tuple(q.question.options) for q in paper.questions)


def test_the_same_student_always_gets_the_same_paper_and_others_differ(review):
    first, again = make_paper(review, "2024001"), make_paper(review, "2024001")
    assert first == again
    other = make_paper(review, "2024002")
    assert [q.question.id for q in first.questions] != [q.question.id for q in other.questions]
    assert [q.order for q in first.questions] != [q.order for q in other.questions]


def test_papers_are_stable_across_releases(review, attention):
    # Pinned: a student's paper must never change under them (no RNG version drift).
    assert [q.question.id for q in make_paper(review, "s1").questions][:3] == [
        "self-vs-cross",
        "rnn-long-sequences",
        "h0-first-dimension",
    ]
    assert make_paper(attention, "s1").questions[1].order == ("A", "C", "D", "B")


def test_attention_keeps_question_order_but_shuffles_options(attention):
    paper = make_paper(attention, "s1")
    assert [q.question.id for q in paper.questions] == [q.id for q in attention.questions]


@given(
    student=st.text(min_size=1, max_size=12),
    bank_id=st.sampled_from(["attention", "sequence-models"]),
)
def test_the_right_answers_on_any_paper_get_full_marks(course, student, bank_id):
    paper = make_paper(load_quiz(course.banks_dir, bank_id), student)
    answers = {q.number: Answer(q.correct, q.number) for q in paper.questions}
    result = check(paper, answers, Path("sheet.txt"))
    assert result.score == result.max_score == paper.bank.max_score


@given(student=st.text(min_size=1, max_size=12))
def test_a_saved_sheet_reads_back_to_the_same_answers(review, student):
    paper = make_paper(review, student)
    answers = {q.number: Answer(q.correct, q.number) for q in paper.questions[::2]}
    parsed = parse_sheet(sheet_text(paper, answers), Path("saved.txt"), paper)
    assert {n: a.letters for n, a in parsed.items() if a.letters} == {
        n: a.letters for n, a in answers.items()
    }


# --- sheets ----------------

RIGHT_SHEETS = {
    "a.json": '{"1": "A", "2": ["a", "b", "c"], "3": "Ｂ", "4": "c", "5": "A"}',
    "b.json": '{\n  "5": "a",\n  "4": "C",\n  "3": "b",\n  "2": "C,B,A",\n  "1": "A"\n}\n',
    "a.toml": '1 = "A"\n2 = ["A", "B", "C"]\n3 = "b"\n"4" = "C"\n5 = "a"\n',
}


@pytest.mark.parametrize("name", sorted(RIGHT_SHEETS))
def test_json_and_toml_sheets(attention, name):
    answers = parse_sheet(RIGHT_SHEETS[name], Path(name), make_paper(attention))
    result = check(make_paper(attention), answers, Path(name))
    assert result.score == 100


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("s.json", '{"1": "A",\n "2": "AX"}', "line 2: question 2 has no option 'X'"),
        ("s.json", '{"1": "A",\n "1": "B"}', "line 2: question 1 was already answered on line 1"),
        ("s.json", '{"1": "A",\n "one": "B"}', "line 2: 'one' is not a question number"),
        ("s.json", '{"1": "A",\n "2": 3}', "line 2: the answer to question 2 should be letters"),
        ("s.json", '{"1": "A",\n "2": "B",,}', "line 2 is not valid JSON"),
        ("s.json", '["A", "B"]', "must map question numbers to answers"),
        ("s.toml", '1 = "A"\n9 = "B"\n', "line 2: quiz attention has no question 9"),
        ("s.toml", '1 = "A"\n2 = AB\n', "line 2 is not valid TOML"),
    ],
)
def test_malformed_json_and_toml_sheets_name_the_line(attention, name, text, message):
    with pytest.raises(SubmissionError) as caught:
        parse_sheet(text, Path(name), make_paper(attention))
    assert message in str(caught.value)


@given(st.text(max_size=200), st.sampled_from(["s.txt", "s.json", "s.toml"]))
def test_the_sheet_parser_never_fails_except_with_a_clear_error(attention, text, name):
    try:
        answers = parse_sheet(text, Path(name), make_paper(attention, "fuzz"))
    except SubmissionError as error:
        assert name in str(error)
    else:
        assert set(answers) <= {1, 2, 3, 4, 5}
