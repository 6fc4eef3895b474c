"""The command line: exit codes and one-paragraph messages for everything that cannot be graded."""

import argparse
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from graders.cli import build_parser, main
from graders.cli.demo import DEMO_STUDENT, Graded, demo_sheet, summary
from graders.engine import grade_submission
from graders.messages import LANGS
from graders.submission import read_submission
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import make_paper
from quizzes.sheet import parse_sheet


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    return code, captured.out, captured.err


@pytest.fixture
def reference(course):
    return course.lab("seq2seq").solution_path.read_text(encoding="utf-8")


def test_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--lang", "en", "check", str(tmp_path / "nope.py"))
    assert code == 2 and "nope.py: no such file" in err


def test_non_utf8_file_names_line_and_column_and_is_left_untouched(capsys, tmp_path):
    path = tmp_path / "seq2seq.py"
    data = "x = 1\n# 注释\ny = '".encode() + b"\xff\xfe'\n"
    path.write_bytes(data)
    code, _, err = run_cli(capsys, "check", str(path), "--lang", "en")
    assert code == 2
    assert "line 3, column 6" in err and "UTF-8" in err
    assert path.read_bytes() == data


def test_broken_marker_names_the_line(capsys, tmp_path, reference):
    lines = reference.split("\n")
    end_markers = [i for i, line in enumerate(lines) if line == "########## End ##########"]
    del lines[end_markers[1]]
    path = tmp_path / "seq2seq.py"
    path.write_text("\n".join(lines), encoding="utf-8")
    code, _, err = run_cli(capsys, "check", str(path), "--lang", "en")
    assert code == 2
    begin_of_blank_3 = [i for i, line in enumerate(lines) if "Begin ####" in line][2] + 1
    assert f"line {begin_of_blank_3}: a Begin marker inside the blank opened at line" in err


def test_messages_follow_the_language(capsys, tmp_path):
    code, _, err = run_cli(capsys, "check", str(tmp_path / "nope.py"))
    assert code == 2 and "找不到文件" in err


def test_a_broken_notebook_is_refused_clearly(capsys, tmp_path):
    path = tmp_path / "seq2seq.ipynb"
    path.write_text("{}", encoding="utf-8")
    code, _, err = run_cli(capsys, "--lang", "en", "check", str(path))
    assert code == 2 and 'not a readable Jupyter notebook (no "cells" list)' in err


def test_unknown_lab_and_unknown_file_name(capsys, tmp_path, reference):
    path = tmp_path / "homework.py"
    path.write_text(reference, encoding="utf-8")
    code, _, err = run_cli(capsys, "check", str(path), "--lab", "nosuchlab", "--lang", "en")
    assert code == 2 and "no lab called 'nosuchlab'" in err and "seq2seq" in err
    code, _, err = run_cli(capsys, "check", str(path), "--lang", "en")
    assert code == 2 and "Pass --lab" in err


def test_list_shows_labs_and_quizzes(capsys):
    code, out, _ = run_cli(capsys, "list", "--lang", "en")
    assert code == 0 and "seq2seq" in out and "attention" in out


def test_the_installed_command_reports_exit_code_2_without_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "graders.cli", "check", str(tmp_path / "missing.py")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr and "missing.py" in completed.stderr


# --- quiz -----------------------------------------------------------------------------------------

RIGHT_SHEETS = [
    "1 A\n2 ABC\n3 B\n4 C\n5 A\n",
    "1.a\n2. c,b,a\n3:b\n4、C\n5：Ａ\n",
    "1、A\n2、A、B、C\n3 (B)\n4 c\n5 a\n",
    "# my answers\n\n1 A\n2 A B C\n3B\n4 C  # sure\n5 A\n",
    "１．Ａ\n２：ＡＢＣ\n３ ｂ\n4，C\n5 a\n".replace("，", " "),
    "5 A\n4 C\n3 B\n2 CBAA\n1 A\n",
    "\ufeff1 A\r\n2 A，B，C\r\n3 B\r\n4 C\r\n5 A\r\n",
]


@pytest.mark.parametrize("sheet", RIGHT_SHEETS)
def test_right_answers_get_full_marks_in_every_notation(capsys, tmp_path, sheet):
    path = tmp_path / "answers.txt"
    path.write_text(sheet, encoding="utf-8", newline="")
    code, out, _ = run_cli(capsys, "quiz", "check", "attention", str(path), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["score"] == result["max_score"] == 100
    assert [t["status"] for t in result["tests"]] == ["passed"] * 5


def test_partly_wrong_sheet_gets_partial_marks_strictly(capsys, tmp_path):
    path = tmp_path / "answers.txt"
    path.write_text("1 A\n2 AB\n3 B\n4 D\n", encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "quiz", "check", "attention", str(path), "--json", "--lang", "en"
    )
    result = json.loads(out)
    assert code == 1
    assert result["score"] == 40
    assert [t["score"] for t in result["tests"]] == [20, 0, 20, 0, 0]
    assert result["tests"][1]["output"] == "wrong answer Your answer: AB"
    assert result["tests"][4]["output"] == "wrong answer Your answer: -"


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ("1 A\n2 ABX\n", "line 2: question 2 has no option 'X'"),
        ("1 A\n2 ae\n", "line 2: question 2 has no option 'e'"),
        ("1 A\n6 A\n", "line 2: quiz attention has no question 6"),
        ("1 A\n3 B\n1 B\n", "line 3: question 1 was already answered on line 1"),
        ("my answers are below\n1 A\n", "line 1 cannot be read"),
        ("1 A\n- B\n", "line 2 cannot be read"),
    ],
)
def test_malformed_sheets_exit_2_naming_the_line(capsys, tmp_path, sheet, message):
    path = tmp_path / "answers.txt"
    path.write_text(sheet, encoding="utf-8")
    code, out, err = run_cli(capsys, "--lang", "en", "quiz", "check", "attention", str(path))
    assert code == 2 and out == ""
    assert message in err and "answers.txt" in err


def test_unknown_quiz(capsys, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("1 A\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "--lang", "en", "quiz", "check", "nosuch", str(path))
    assert code == 2 and "Known quizzes: attention" in err


def test_quiz_terminal_report_shows_each_question(capsys, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("1 A\n2 AB\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "quiz", "check", "attention", str(path))
    assert code == 1
    rows = {line.split("│")[0].strip(): line for line in out.splitlines() if "│" in line}
    assert "答案错误" in rows["2"] and "AB" in rows["2"] and "得分 20/100" in out
    assert "2 道题答错或未作答" not in out and "4 道题答错或未作答" in out


# --- seqlab list at any width ---------------------------------------------------------------------


def shown_ids(out: str) -> set[str]:
    """What stands whole where an id goes: the id column of the table, or (narrow layout) an
    unindented line of its own."""
    found = set()
    for line in out.splitlines():
        cells = line.split("│")
        if len(cells) > 3:
            found.add(cells[2].strip())
        elif line and not line[0].isspace():
            found.add(line.strip())
    return found


@pytest.mark.parametrize("columns", [30, 40, 80, 100, 200])
@pytest.mark.parametrize("lang", LANGS)
def test_list_shows_every_id_whole_on_one_line_at_any_width(course, columns, lang):
    completed = subprocess.run(
        [sys.executable, "-m", "graders.cli", "list", "--lang", lang],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert completed.returncode == 0, completed.stderr
    ids = set(course.lab_ids()) | set(bank_ids(course.banks_dir))
    assert ids <= shown_ids(completed.stdout), completed.stdout
    assert all(cell_len(line) <= columns for line in completed.stdout.splitlines())
    # Narrow, one block per entry; wide enough, the table, with whole titles at 200 columns.
    if columns <= 40 or columns >= 100:
        assert ("┃" in completed.stdout) == (columns >= 100)
    if columns >= 200:
        for lab in course.labs():
            assert lab.title[lang] in completed.stdout


# --- --lang ---------------------------------------------------------------------------------------


def test_every_lang_option_accepts_only_the_catalogue_languages():
    # The top level's and each command's --lang: a new command cannot forget the choices.
    parsers, seen = [build_parser()], 0
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:
            if "--lang" in action.option_strings:
                assert tuple(action.choices) == LANGS, parser.prog
                seen += 1
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
    assert seen > 20


@pytest.mark.parametrize(
    "args",
    [
        ("--lang", "fr", "list"),
        ("list", "--lang", "fr"),
        ("check", "seq2seq.py", "--lang", "EN"),
        ("quiz", "paper", "attention", "--lang", "de"),
        ("gradebook", "export", "--csv", "x.csv", "--lang", "zh-CN"),
    ],
)
def test_an_unknown_language_exits_2_naming_the_languages(args, tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "graders.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 2 and completed.stdout == ""
    # In Chinese, the default, as the language asked for is not one of ours.
    assert "参数 --lang 不能取" in completed.stderr
    assert re.search(r"可选：'?zh'?, '?en'?", completed.stderr)  # quoted from 3.12.8
    assert "Traceback" not in completed.stderr
    assert list(tmp_path.iterdir()) == []  # refused before anything ran


# --- seqlab demo's closing screen -----------------------------------------------------------------


def test_the_demo_summary_shows_both_scores_the_time_and_what_next(course):
    lab = course.lab("rnn-numpy")  # a fast lab, graded for real
    reference = grade_submission(lab, read_submission(lab.solution_path), include_hidden=True)
    starter = grade_submission(lab, read_submission(lab.starter_path), include_hidden=False)
    paper = make_paper(load_quiz(course.banks_dir, "attention"), DEMO_STUDENT)
    sheet = Path("sample-answers.txt")
    sample = check_quiz(paper, parse_sheet(demo_sheet(paper), sheet, paper), sheet)
    rows = [Graded(lab.id, reference, starter, 1.5), Graded("attention", sample, None, 0.25)]
    out = Console(record=True, width=100, file=io.StringIO())
    out.print(summary(rows, "zh"))
    text = out.export_text()
    lab_line = next(line for line in text.splitlines() if f"│ {lab.id} " in line)
    assert f"{reference.score:g}/{reference.max_score:g}" in lab_line
    assert f"{starter.score:g}/{starter.max_score:g}" in lab_line and "1.5 秒" in lab_line
    quiz_line = next(line for line in text.splitlines() if "│ attention " in line)
    assert f"{sample.score:g}/{sample.max_score:g}" in quiz_line
    assert "演示小结" in text and "接下来可以试试" in text
    for command in ("seqlab serve", "%seqlab check", "seqlab grade DIR --lab LAB"):
        assert command in text


@pytest.mark.slow  # every lab's reference and starter, for real (≈ 20-40 s)
def test_make_demo_ends_with_one_summary_of_every_lab_and_quiz(course):
    completed = subprocess.run(
        [sys.executable, "-m", "graders.cli", "--lang", "en", "demo"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    _, marker, closing = completed.stdout.rpartition(" Demo summary ")
    assert marker and "Score" not in closing  # no report after the summary
    rows = {}
    for line in closing.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 6:
            rows[cells[1]] = cells[2:5]
    for lab_id in course.lab_ids():
        reference, starter, seconds = rows[lab_id]
        assert re.fullmatch(r"\d+/\d+", reference) and re.fullmatch(r"\d+/\d+", starter)
        assert re.fullmatch(r"\d+\.\d s", seconds)
    for quiz_id in bank_ids(course.banks_dir):
        assert re.fullmatch(r"\d+/\d+", rows[quiz_id][0]) and rows[quiz_id][1] == ""
    assert closing.rstrip().endswith("exports the scores")
    for command in ("seqlab serve", "%seqlab check", "seqlab grade DIR --lab LAB"):
        assert command in closing


def test_list_goes_on_past_a_broken_lab_and_names_it(capsys, tmp_path, course):
    import shutil

    root = tmp_path / "course"
    shutil.copytree(course.labs_dir, root / "graders" / "labs")
    broken = root / "graders" / "labs" / "seq2seq.toml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\nnot_a_field = 1\n")
    code, out, err = run_cli(capsys, "--lang", "en", "--course", str(root), "list")
    assert code == 2 and "rnn-numpy" in out and "seq2seq.toml" in err


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("grade", "x", "--workers", "abc"), "请给出 1 到", "give a whole number from 1 to"),
        (("grade", "x", "--workers", "99999999999999999999"), "请给出 1 到", "from 1 to"),
        (("grade", "x", "--workers", "0"), "请给出 1 到", "from 1 to"),
        (("serve", "--graders", "1.5"), "命令行参数有误", "--graders"),
        (("check",), "命令行参数有误", "FILE"),
    ],
)
def test_a_bad_argument_is_one_paragraph_in_the_readers_language(args, zh, en, tmp_path):
    """argparse's own refusals (a value a type refuses, a missing argument): no usage block,
    the sentence in the language asked for, exit 2, before anything runs. `--workers` is
    bounded by the machine: more than 4 per core only waits for the processor."""
    for lang, words in (("zh", zh), ("en", en)):
        completed = subprocess.run(
            [sys.executable, "-m", "graders.cli", *args, "--lang", lang],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert completed.returncode == 2 and completed.stdout == "", completed
        said = completed.stderr
        assert words in said and "usage:" not in said and "Traceback" not in said, said
        assert len(said.strip().splitlines()) == 1, said
    assert list(tmp_path.iterdir()) == []


def test_argparse_s_own_refusals_are_said_in_chinese_and_blamed_on_the_command(tmp_path):
    """argparse has no Chinese: its sentences are said again from the catalogue, and an
    unknown option after a command (found by the top parser) names that command's help."""
    cases = [
        (("serve", "--port", "abc"), "参数 --port：“abc” 不可用", "seqlab serve"),
        (("check",), "缺少必需的参数：FILE", "seqlab check"),
        (("check", "--lab"), "参数 --lab 缺少取值", "seqlab check"),
        (("grade", "g1", "--bogus"), "不认识的参数：--bogus", "seqlab grade --help"),
        (("nosuch",), "参数 command 不能取 'nosuch'（可选：", "seqlab --help"),
    ]
    for args, zh, where in cases:
        completed = subprocess.run(
            [sys.executable, "-m", "graders.cli", "--lang", "zh", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        said = completed.stderr
        assert completed.returncode == 2 and zh in said and where in said, said
        assert "usage:" not in said and "Traceback" not in said
