"""`seqlab grade` on many submissions: the class folder, zips, quizzes, feedback, exit codes."""

import csv
import json
import re
import zipfile

import pytest
from batch_helpers import BROKEN_MARKERS, LEAKER, REFERENCE, STARTER, snapshot, write_class

from graders.cli import main
from graders.cli.demo import DEMO_STUDENT, demo_sheet
from quizzes.bank import load_quiz
from quizzes.paper import make_paper


def run_cli(capsys, *args):
    code = main(["--lang", "en", *map(str, args)])
    captured = capsys.readouterr()
    # Ours never shows a traceback; a student's program's own, in a set's stderr, is data.
    out = re.sub(r'"stderr": "(?:[^"\\]|\\.)*"', '"stderr": ""', captured.out)
    assert "Traceback" not in captured.err and "Traceback" not in out
    return code, captured.out, captured.err


def test_one_file_keeps_the_single_report(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rnn_numpy.py"
    path.write_text(REFERENCE, encoding="utf-8")
    code, out, _ = run_cli(capsys, "grade", path, "--json")
    data = json.loads(out)
    assert code == 0 and data["lab"] == "rnn-numpy" and data["score"] == data["max_score"]
    assert not (tmp_path / "seqlab-gradebook.sqlite").exists()  # no gradebook for one file


def test_a_class_of_20_grades_into_gradebook_csv_and_feedback(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "class"
    expected = write_class(folder)
    assert len(expected) == 20
    before = snapshot(folder)
    db = tmp_path / "book.sqlite"
    code, out, _ = run_cli(
        capsys,
        "grade",
        folder,
        "--lab",
        "rnn-numpy",
        "--workers",
        "2",
        "--db",
        db,
        "--feedback",
        tmp_path / "feedback",
        "--json",
    )
    assert code == 1
    document = json.loads(out)
    by_student = {s["student"]: s for s in document["submissions"]}
    assert set(by_student) == set(expected)
    for student, score in expected.items():
        assert by_student[student]["score"] == score, (student, by_student[student])
    broken = by_student["broken-markers"]
    assert broken["status"] == "error" and "Begin" in broken["message"]
    loop = by_student["hostile-loop"]["result"]["tests"]
    assert {t["verdict"] for t in loop} == {"TLE"}
    assert snapshot(folder) == before  # the students' files are untouched
    # The export: student × lab, and per set.
    code, out, _ = run_cli(capsys, "gradebook", "export", "--db", db, "--csv", tmp_path / "s.csv")
    assert code == 0
    with open(tmp_path / "s.csv", encoding="utf-8") as stream:
        scores = {r["student"]: r["rnn-numpy"] for r in csv.DictReader(stream)}
    assert scores == {s: f"{v:g}" if v is not None else "0" for s, v in expected.items()}
    code, *_ = run_cli(
        capsys, "gradebook", "export", "--db", db, "--csv", tmp_path / "p.csv", "--per-set"
    )
    assert code == 0
    # Feedback: a Markdown and an HTML page per student.
    for student in expected:
        assert (tmp_path / "feedback" / student / "rnn-numpy.md").is_file()
        assert (tmp_path / "feedback" / student / "rnn-numpy.html").is_file()
    # A rerun grades nothing again and summarises everyone.
    code, out, _ = run_cli(capsys, "grade", folder, "--lab", "rnn-numpy", "--db", db)
    assert code == 1
    assert "0 graded now, 20 skipped" in " ".join(out.split())
    assert "Pass rate per test set" in out and "Slowest submissions" not in out


def test_terminal_summary_shows_progress_rows_and_statistics(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(REFERENCE, encoding="utf-8")
    (folder / "bob.py").write_text(STARTER, encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "grade", folder, "--lab", "rnn-numpy", "--db", tmp_path / "b.sqlite"
    )
    text = " ".join(out.split())
    assert code == 1
    assert "alice 100/100 AC AC AC AC AC" in text and "bob 0/100 RE" in text
    assert "2/2" in text  # the progress bar's count
    for heading in ("Score distribution", "Pass rate per test set", "Verdicts:", "Slowest"):
        assert heading in text
    assert "2 submissions: 2 graded now" in text and "1 at full marks" in text


def test_exit_codes_all_full_marks_and_nothing_gradable(capsys, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "alice.py").write_text(REFERENCE, encoding="utf-8")
    (good / "bob.py").write_text(REFERENCE + "\n", encoding="utf-8")
    code, *_ = run_cli(capsys, "grade", good, "--lab", "rnn-numpy", "--db", tmp_path / "a.db")
    assert code == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "carol.py").write_text(BROKEN_MARKERS, encoding="utf-8")
    (bad / "dan.py").write_bytes(b"\xff\xfe")
    code, out, _ = run_cli(capsys, "grade", bad, "--lab", "rnn-numpy", "--db", tmp_path / "b.db")
    assert code == 2 and "UTF-8" in " ".join(out.split())
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli(capsys, "grade", empty, "--lab", "rnn-numpy", "--db", tmp_path / "c.db")
    assert code == 2 and "No submissions found" in err


def test_batch_needs_a_lab(capsys, tmp_path):
    code, _, err = run_cli(capsys, "grade", tmp_path, "--db", tmp_path / "x.db")
    assert code == 2 and "--lab" in err and "rnn-numpy" in err


def test_a_moodle_zip_grades_end_to_end(capsys, tmp_path):
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Alice Smith_101_assignsubmission_file_/rnn_numpy.py", REFERENCE)
        zf.writestr("Bob Li_102_assignsubmission_file_/rnn_numpy.py", STARTER)
    code, out, _ = run_cli(
        capsys, "grade", archive, "--lab", "rnn-numpy", "--db", tmp_path / "m.db", "--json"
    )
    scores = {s["student"]: s["score"] for s in json.loads(out)["submissions"]}
    assert code == 1 and scores == {"alice-smith-101": 100, "bob-li-102": 0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.db", "moodle.zip"]


def test_quiz_sheets_go_through_the_same_command(capsys, tmp_path, course):
    bank = load_quiz(course.banks_dir, "attention")
    folder = tmp_path / "sheets"
    folder.mkdir()
    for student in ("s001", DEMO_STUDENT):
        (folder / f"{student}.txt").write_text(demo_sheet(make_paper(bank, student)))
    (folder / "s002.txt").write_text("1 Z\n")  # no option Z: this sheet cannot be scored
    code, out, _ = run_cli(
        capsys, "grade", folder, "--lab", "attention", "--db", tmp_path / "q.db", "--json"
    )
    document = json.loads(out)
    by_student = {s["student"]: s for s in document["submissions"]}
    assert code == 1 and document["kind"] == "quiz"
    # demo_sheet gets every question right but the last, on each student's own paper.
    last = make_paper(bank, "s001").questions[-1].question.points
    assert by_student["s001"]["score"] == bank.max_score - last
    assert by_student[DEMO_STUDENT]["score"] == bank.max_score - last
    assert by_student["s002"]["status"] == "error"


def hidden_data(lab) -> list[str]:
    """Each hidden set's stdin, its expected output, and each of its numeric lines."""
    found = []
    for test in lab.tests:
        if test.hidden:
            found += [test.stdin.strip(), test.expected.strip()]
            found += [line for line in test.expected.split("\n") if line.startswith(("h_", "y_"))]
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feedback_never_holds_hidden_sets_data(capsys, tmp_path, course, lang):
    lab = course.lab("rnn-numpy")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "right.py").write_text(REFERENCE, encoding="utf-8")
    (folder / "leaker.py").write_text(LEAKER, encoding="utf-8")
    (folder / "wrong.py").write_text(STARTER, encoding="utf-8")
    feedback = tmp_path / "feedback"
    main(
        [
            "--lang",
            lang,
            "grade",
            str(folder),
            "--lab",
            "rnn-numpy",
            "--db",
            str(tmp_path / "f.db"),
            "--feedback",
            str(feedback),
        ]
    )
    capsys.readouterr()
    files = sorted(feedback.rglob("*.*"))
    assert len(files) == 6
    secrets = hidden_data(lab)
    assert len(secrets) > 6
    for path in files:
        content = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in content, (path, secret)
    # The public sets are shown 头歌 style, in the chosen language.
    page = (feedback / "leaker" / "rnn-numpy.md").read_text(encoding="utf-8")
    public = next(t for t in lab.tests if not t.hidden)
    assert public.stdin.strip() in page
    assert ("测试输入" in page) == (lang == "zh") and ("预期输出" in page) == (lang == "zh")
    html = (feedback / "leaker" / "rnn-numpy.html").read_text(encoding="utf-8")
    assert "<pre>" in html and ('<html lang="zh">' in html) == (lang == "zh")


def test_feedback_html_escapes_what_the_program_printed(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    hostile = REFERENCE.replace(
        "        y = self.Why @ h + self.by\n",
        "        print('<script>alert(1)</script>\\x1b]0;owned\\x07\\x1b[2J')\n"
        "        y = self.Why @ h + self.by\n",
    )
    assert hostile != REFERENCE
    (folder / "mallory.py").write_text(hostile, encoding="utf-8")
    main(
        [
            "grade",
            str(folder),
            "--lab",
            "rnn-numpy",
            "--db",
            str(tmp_path / "x.db"),
            "--feedback",
            str(tmp_path / "fb"),
        ]
    )
    capsys.readouterr()
    html = (tmp_path / "fb" / "mallory" / "rnn-numpy.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    # The Markdown file is read in terminals too: escape sequences shown, not obeyed.
    markdown = (tmp_path / "fb" / "mallory" / "rnn-numpy.md").read_text(encoding="utf-8")
    assert "\x1b" not in markdown and "\\x1b]0;owned" in markdown
