"""Quiz commands end to end: papers, variant checking, and `quiz take` in a real terminal."""

import json
import os
import sys

import pexpect
import pytest

from graders.cli import main
from quizzes.bank import load_quiz
from quizzes.paper import make_paper
from quizzes.sheet import Answer, sheet_text


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture
def attention_paper(course):
    return lambda student=None: make_paper(load_quiz(course.banks_dir, "attention"), student)


def right_sheet(paper) -> str:
    return "".join(f"{q.number} {''.join(sorted(q.correct))}\n" for q in paper.questions)


def test_a_students_sheet_is_mapped_back_through_their_own_paper(capsys, tmp_path, attention_paper):
    sheet = tmp_path / "s1.txt"
    sheet.write_text(right_sheet(attention_paper("s1")), encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "quiz", "check", "attention", str(sheet), "--student", "s1", "--json"
    )
    assert code == 0 and json.loads(out)["score"] == 100
    # The same letters read against the unshuffled paper are mostly wrong.
    code, out, _ = run_cli(capsys, "quiz", "check", "attention", str(sheet), "--json")
    assert code == 1 and json.loads(out)["score"] < 100


def test_a_sheet_is_scored_on_the_paper_its_header_names(capsys, tmp_path, attention_paper):
    """`seqlab quiz take --save` writes whose paper it is; scoring it on another paper
    (no --student, another --student, another student's folder) would be silently wrong."""
    paper = attention_paper("2024001")
    sheet = tmp_path / "answers.txt"
    right = {q.number: Answer(frozenset(q.correct), q.number) for q in paper.questions}
    sheet.write_text(sheet_text(paper, right), encoding="utf-8")
    for extra in ((), ("--student", "2024001")):
        code, out, _ = run_cli(capsys, "quiz", "check", "attention", str(sheet), "--json", *extra)
        assert code == 0 and json.loads(out)["score"] == 100, extra
    for lang, words in (("en", 'the paper of student "2024001"'), ("zh", "学生“2024001”")):
        code, out, err = run_cli(
            capsys, "--lang", lang, "quiz", "check", "attention", str(sheet), "--student", "bob"
        )
        assert code == 2 and words in err and "bob" in err and not out, err
    folder = tmp_path / "sheets"
    for student in ("2024001", "bob"):
        (folder / student).mkdir(parents=True)
        (folder / student / "attention-answers.txt").write_text(sheet.read_text("utf-8"))
    code, out, _ = run_cli(
        capsys, "grade", str(folder), "--lab", "attention", "--db", str(tmp_path / "q.db"), "--json"
    )
    by_student = {s["student"]: s for s in json.loads(out)["submissions"]}
    assert by_student["2024001"]["score"] == 100
    assert by_student["bob"]["status"] == "error", by_student["bob"]


def test_results_name_questions_by_stable_id_and_paper_number(capsys, tmp_path, course):
    paper = make_paper(load_quiz(course.banks_dir, "sequence-models"), "s9")
    sheet = tmp_path / "s9.json"
    sheet.write_text(
        json.dumps({"1": "".join(sorted(paper.questions[0].correct))}), encoding="utf-8"
    )
    code, out, _ = run_cli(
        capsys, "quiz", "check", "sequence-models", str(sheet), "--student", "s9", "--json"
    )
    result = json.loads(out)
    assert code == 1 and result["kind"] == "quiz" and result["score"] == 1
    first = result["tests"][0]
    assert first["number"] == 1 and first["name"] == paper.questions[0].question.id
    assert result["max_score"] == len(paper.questions)


def test_check_explain_shows_answers_and_explanations(capsys, tmp_path):
    sheet = tmp_path / "a.txt"
    sheet.write_text("1 B\n", encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "quiz", "check", "attention", str(sheet), "--explain", "--lang", "en"
    )
    assert code == 1
    assert "Answers and explanations" in out and "Correct answer: A" in out
    assert "Attention is a way of allocating resources" in out


def test_paper_formats_and_the_answer_key(capsys, tmp_path, attention_paper):
    code, out, _ = run_cli(capsys, "quiz", "paper", "attention", "--student", "s1", "--lang", "en")
    assert code == 0 and "student s1" in out and "Question 5" in out and "Correct answer" not in out
    code, out, _ = run_cli(
        capsys, "quiz", "paper", "attention", "--student", "s1", "--format", "json"
    )
    data = json.loads(out)
    paper = attention_paper("s1")
    assert data["student"] == "s1" and "answer" not in data["questions"][0]
    option_b = paper.questions[1].option_text("B", "zh")
    assert data["questions"][1]["options"]["B"] == option_b
    code, out, _ = run_cli(
        capsys, "quiz", "paper", "attention", "--student", "s1", "--format", "json", "--key"
    )
    assert [q["answer"] for q in json.loads(out)["questions"]] == [
        "".join(sorted(q.correct)) for q in paper.questions
    ]
    target = tmp_path / "paper.md"
    code, _, _ = run_cli(
        capsys, "quiz", "paper", "attention", "--format", "markdown", "--output", str(target)
    )
    text = target.read_text(encoding="utf-8")
    assert code == 0 and text.startswith("# 注意力机制选择题") and "- A. " in text


def test_nothing_is_overwritten_and_bad_student_ids_are_refused(capsys, tmp_path):
    target = tmp_path / "mine.md"
    target.write_text("my notes", encoding="utf-8")
    code, _, err = run_cli(
        capsys, "--lang", "en", "quiz", "paper", "attention", "--output", str(target)
    )
    assert code == 2 and "already exists" in err and target.read_text() == "my notes"
    code, _, err = run_cli(capsys, "--lang", "en", "quiz", "paper", "attention", "--student", "  ")
    assert code == 2 and "student id" in err


# --- quiz take, through a real pseudo-terminal ----------------


def spawn(*args):
    environment = {**os.environ, "TERM": "dumb", "COLUMNS": "100"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "graders.cli", "quiz", "take", *args],
        env=environment,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 100),
    )
    return child


def test_take_in_english_with_retries_a_skip_and_a_saved_sheet(tmp_path, attention_paper):
    paper = attention_paper("s7")
    right = ["".join(sorted(q.correct)) for q in paper.questions]
    saved = tmp_path / "answers.txt"
    child = spawn("attention", "--lang", "en", "--student", "s7", "--save", str(saved))
    child.expect("Question 1")
    child.expect(r"Answer to question 1 .*> ")
    child.sendline("x")
    child.expect("There is no option 'x'")
    child.sendline(right[0].lower())
    child.expect(r"Answer to question 2 .*> ")
    child.sendline(" , ".join(right[1]))
    child.expect(r"Answer to question 3 .*> ")
    child.sendline("AB")
    child.expect("pick one letter")
    child.sendline(right[2])
    child.expect(r"Answer to question 4 .*> ")
    child.sendline("")  # skipped
    child.expect(r"Answer to question 5 .*> ")
    child.sendline(right[4])
    child.expect("Score 80/100")
    child.expect("Answers and explanations")
    child.expect("Question 4")
    child.expect("Correct answer")
    child.expect("Answer sheet saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert saved.read_text(encoding="utf-8").splitlines()[1:] == [
        f"1 {right[0]}",
        f"2 {right[1]}",
        f"3 {right[2]}",
        "4",
        f"5 {right[4]}",
    ]
    assert main(["quiz", "check", "attention", str(saved), "--student", "s7", "--json"]) == 1


def test_take_checks_where_it_saves_first_and_never_loses_the_answers(tmp_path, attention_paper):
    # A folder that does not exist: refused before the first question (exit 2).
    child = spawn("attention", "--lang", "en", "--save", str(tmp_path / "nowhere" / "x.txt"))
    child.expect("the folder .*nowhere does not exist")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and "Question 1" not in child.before
    # The folder goes while the student answers: the sheet is printed, and the reason said.
    paper = attention_paper("s8")
    right = ["".join(sorted(q.correct)) for q in paper.questions]
    folder = tmp_path / "gone"
    folder.mkdir()
    child = spawn("attention", "--lang", "en", "--student", "s8", "--save", str(folder / "a.txt"))
    for number, answer in enumerate(right, start=1):
        child.expect(rf"Answer to question {number} .*> ")
        if number == len(right):
            folder.rmdir()
        child.sendline(answer)
    child.expect(f"5 {right[4]}")
    child.expect("Could not write .*a.txt")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ctrl_c_keeps_the_answers_given_so_far(tmp_path, attention_paper, lang):
    paper = attention_paper("s5")
    right = ["".join(sorted(q.correct)) for q in paper.questions]
    saved = tmp_path / "answers.txt"
    child = spawn("attention", "--lang", lang, "--student", "s5", "--save", str(saved))
    for number in (1, 2):
        child.expect(rf"(Answer to question|第) {number} .*> ")
        child.sendline(right[number - 1])
    child.expect(r"(Answer to question|第) 3 .*> ")
    child.sendintr()
    child.expect("Interrupted|已中断")
    child.expect("answers.txt")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '# attention — student "s5"'
    assert lines[1:] == [f"1 {right[0]}", f"2 {right[1]}", "3", "4", "5"]
    # Nothing answered: nothing written, and said so.
    child = spawn("attention", "--lang", "en", "--save", str(tmp_path / "none.txt"))
    child.expect(r"Answer to question 1 .*> ")
    child.sendintr()
    child.expect("No question was answered yet")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and not (tmp_path / "none.txt").exists()


def test_a_count_of_one_reads_as_english():
    from graders.messages import say

    text = say("quiz.saved_keyless", "en", count=1, path="a.txt")
    assert "1 questions" not in text and "Questions answered: 1;" in text


def test_take_in_chinese_with_immediate_feedback_and_early_end_of_input():
    child = spawn("attention", "--feedback", "immediate")
    child.expect("第 1 题")
    child.expect(r"第 1 题的答案.*> ")
    child.sendline("A")
    child.expect("正确答案：A")
    child.expect("注意力本质上是一种资源分配方案")
    child.expect(r"第 2 题的答案.*> ")
    child.sendeof()
    child.expect("得分 20/100")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_partial_credit_reads_as_partially_correct_in_one_row_per_question(
    capsys, tmp_path, course
):
    paper = make_paper(load_quiz(course.banks_dir, "sequence-models"), None)
    multi = next(q for q in paper.questions if q.question.kind == "multi" and len(q.correct) > 1)
    single = next(q for q in paper.questions if q.question.kind == "single")
    part = sorted(multi.correct)[:-1]  # all but one right option: net-correct gives part
    sheet = tmp_path / "answers.txt"
    sheet.write_text(f"{multi.number} {''.join(part)}\n{single.number} {''.join(single.correct)}\n")
    code, out, _ = run_cli(capsys, "quiz", "check", "sequence-models", str(sheet), "--json")
    verdicts = {t["number"]: t["verdict"] for t in json.loads(out)["tests"]}
    assert code == 1
    assert verdicts[multi.number] == "PC" and verdicts[single.number] == "AC"
    others = {multi.number, single.number}
    assert {code for number, code in verdicts.items() if number not in others} == {"WA"}

    for lang, label in (("zh", "部分正确"), ("en", "partially correct")):
        _, out, _ = run_cli(capsys, "--lang", lang, "quiz", "check", "sequence-models", str(sheet))
        rows = [line for line in out.splitlines() if line.split("│")[0].strip().isdigit()]
        # One row per question, no panel per question (only the file panel on top).
        assert [int(r.split("│")[0]) for r in rows] == [q.number for q in paper.questions]
        assert label in next(r for r in rows if r.split("│")[0].strip() == str(multi.number))
        assert out.count("╭─") == 1, "no per-question panels"
