"""Attacks through the grader's input (security review, issue 13, "the rest").

Zip bombs (one member that expands a thousandfold, many members each under the per-member
cap, bzip2 that expands in one call), a symbolic link handed to `seqlab grade` as a file,
escape sequences in a program's output and in file and member names, a notebook nested
100000 deep, and a line that made the damaged-marker hint backtrack for minutes. Each is
built here, run through the real command or collector, and must be refused or shown safely —
and the honest submission next to it must still be graded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from batch_helpers import REFERENCE, STARTER, blank

from graders.batch import reading
from graders.batch.collect import collect
from graders.cli import main
from graders.errors import SubmissionError
from graders.submission import open_file
from graders.textsafe import json_text, visible

pytestmark = pytest.mark.adversarial

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "rnn_numpy.py"
MIB = 1 << 20
# Raw C0 (but newline and tab), DEL and C1: what must never reach a terminal from a student.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["--lang", "en", *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err


def run_process(*args, timeout: float = 120) -> tuple[int, str, str, int]:
    """`seqlab ARGS` in its own process: exit code, stdout, stderr and its peak RSS in KiB
    (the largest of it and the processes it waited for, as getrusage reports)."""
    measure = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[2:], timeout=float(sys.argv[1])).returncode\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    command = [sys.executable, "-c", measure, str(timeout), sys.executable, "-m", "graders.cli"]
    done = subprocess.run(
        [*command, "--lang", "en", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        cwd=ROOT,
    )
    *err, rss = done.stderr.rstrip("\n").split("\n")
    return done.returncode, done.stdout, "\n".join(err), int(rss)


def gather(*paths):
    return collect([Path(p) for p in paths], entry=ENTRY, assignment="rnn-numpy")


def by_student(collection):
    return {item.student: item for item in collection.items}


def count_decompressed(monkeypatch) -> list[int]:
    """Every chunk zipfile hands out while decompressing, by size: what the collector read."""
    sizes: list[int] = []
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    return sizes


def write_zip(path: Path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# --- 1. zip bombs -------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_with_small_memory_and_the_honest_member_is_graded(tmp_path):
    # 60 members of 8 MiB of zeros: 480 MiB inside a ~0.5 MB file, each member exactly at the
    # per-member cap. Before: every member was read into memory up front (RSS above 500 MB).
    members = {f"s{n:03d}.py": bytes(8 * MIB) for n in range(60)}
    members["alice.py"] = REFERENCE.encode()
    bomb = write_zip(tmp_path / "bomb.zip", members)
    assert bomb.stat().st_size < 1 * MIB
    code, out, err, rss_kib = run_process(
        "grade", bomb, "--lab", "rnn-numpy", "--db", tmp_path / "b.db", "--workers", 1, "--json"
    )
    assert rss_kib < 250 * 1024, f"peak RSS {rss_kib // 1024} MiB"
    assert code == 1, err  # graded, below full marks: the bomb's members are zeros
    rows = {row["student"]: row for row in json.loads(out)["submissions"]}
    assert rows["alice"]["score"] == 100
    for name in (f"s{n:03d}" for n in range(60)):
        assert rows[name]["status"] == "error"
        message = rows[name]["message"]
        assert str(bomb) in message and f"'{name}.py'" in message, message
        assert "100 times its compressed size" in message, message


def test_one_bomb_member_is_stopped_after_the_free_mebibyte(tmp_path, monkeypatch):
    bomb = write_zip(tmp_path / "one.zip", {"bomb.py": bytes(8 * MIB), "good.py": b"fine\n"})
    sizes = count_decompressed(monkeypatch)
    found = by_student(gather(bomb))
    # Counted as decompressed: stopped one chunk past the free MiB, not at 8 MiB.
    assert sum(sizes) <= reading.RATIO_FREE_BYTES + reading.CHUNK + len(b"fine\n")
    assert found["bomb"].error.key == "batch.zip_ratio"
    assert found["good"].content() == b"fine\n"


def test_many_members_under_every_cap_stop_at_the_archive_budget(tmp_path, monkeypatch):
    # 100 members of 512 KiB of zeros: each under the per-member cap and the ratio's free MiB.
    monkeypatch.setattr(reading, "MAX_ARCHIVE_BYTES", 4 * MIB)
    bomb = write_zip(tmp_path / "many.zip", {f"s{n:03d}.py": bytes(MIB // 2) for n in range(100)})
    sizes = count_decompressed(monkeypatch)
    found = by_student(gather(bomb))
    collected = [s for s, item in found.items() if item.error is None]
    refused = [item.error for item in found.values() if item.error is not None]
    assert sum(sizes) <= 4 * MIB + reading.CHUNK  # never past the budget (+ one chunk)
    assert len(collected) == 8 and len(refused) == 92  # the rest of the archive, up to it
    assert {error.key for error in refused} == {"batch.zip_budget"}
    text = refused[-1].render("en")
    assert str(bomb) in text and "'s099.py'" in text and "4 MB" in text
    assert "'s099.py'" in refused[-1].render("zh")


def test_the_batch_budget_spans_archives(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BATCH_BYTES", 3 * MIB)
    first = write_zip(tmp_path / "a.zip", {f"a{n}.py": bytes(MIB // 2) for n in range(4)})
    second = write_zip(tmp_path / "b.zip", {f"b{n}.py": bytes(MIB // 2) for n in range(4)})
    found = by_student(gather(first, second))
    assert all(found[f"a{n}"].error is None for n in range(4))
    assert [found[f"b{n}"].error is None for n in range(4)] == [True, True, False, False]
    assert found["b3"].error.key == "batch.budget" and "b.zip/b3.py" in str(found["b3"].error)


def test_bzip2_members_are_refused_unread(tmp_path, monkeypatch):
    # bzip2 packs 8 MiB of zeros into 48 bytes, and zipfile decompresses all its input in one
    # call: 4 KiB of it could be gigabytes before any count saw them.
    archive = write_zip(tmp_path / "bz.zip", {"bz.py": bytes(8 * MIB)}, method=zipfile.ZIP_BZIP2)
    assert archive.stat().st_size < 1000
    sizes = count_decompressed(monkeypatch)
    item = by_student(gather(archive))["bz"]
    assert item.error.key == "batch.zip_method" and "bzip2" in str(item.error)
    assert sizes == []


def test_a_file_larger_than_the_cap_is_refused_not_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reading, "MAX_MEMBER_BYTES", 1000)
    (tmp_path / "big.py").write_bytes(b"#" * 5000)
    assert by_student(gather(tmp_path / "big.py"))["big"].error.key == "file.too_big"
    huge = tmp_path / "huge.py"
    with huge.open("wb") as stream:  # sparse: 9 MiB on paper, nothing on disk
        stream.truncate(9 * MIB)
    code, _, err = run_cli(capsys, "grade", huge, "--lab", "rnn-numpy")
    assert code == 2 and "larger than 8 MB" in err


# --- 2. symbolic links given as files -----------------------------------------------------


@pytest.fixture
def drop(tmp_path) -> Path:
    """A drop folder where x.py is a link to the lab's reference and y.py is real work."""
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "x.py").symlink_to(ROOT / "solutions" / "rnn-numpy" / ENTRY)
    (folder / "y.py").write_text(STARTER, encoding="utf-8")
    return folder


def test_a_symlinked_file_argument_is_refused_like_a_folder_member(drop, tmp_path, capsys):
    link = drop / "x.py"
    code, out, err = run_cli(capsys, "grade", link, "--lab", "rnn-numpy")  # the single report
    assert code == 2 and "symbolic link" in err and "100" not in out
    lone = {}
    for label, given in (("file", [link]), ("folder", [drop])):
        if label == "folder":
            (drop / "y.py").unlink()
        db = tmp_path / f"{label}.db"
        code, out, _ = run_cli(capsys, "grade", *given, "--lab", "rnn-numpy", "--db", db, "--json")
        (row,) = json.loads(out)["submissions"]
        lone[label] = (code, row["status"], row["score"])
        assert "symbolic link" in row["message"]
    assert lone["file"] == lone["folder"] == (2, "error", None)


def test_a_glob_with_a_link_grades_the_real_files_only(drop, tmp_path, capsys):
    code, out, _ = run_cli(
        capsys, "grade", *sorted(drop.iterdir()), "--lab", "rnn-numpy", "--db", tmp_path / "g.db"
    )
    text = " ".join(out.split())
    assert code == 1 and "x could not be graded (0 points)" in text and "symbolic link" in text
    assert "y 0/100" in text and "100/100" not in text


def test_check_follows_a_students_own_link(drop, capsys):
    # `seqlab check` (public sets, no grade kept) follows links: cli/grading.py says why.
    code, _, _ = run_cli(capsys, "check", drop / "x.py", "--lab", "rnn-numpy")
    assert code == 0


def test_a_file_swapped_after_collection_is_not_graded(drop, tmp_path):
    (item,) = gather(drop / "y.py").items
    (drop / "y.py").unlink()
    (drop / "y.py").symlink_to(ROOT / "solutions" / "rnn-numpy" / ENTRY)  # a link, raced in
    with pytest.raises(SubmissionError) as raised:
        item.submission()
    assert raised.value.key == "batch.symlink"
    (drop / "y.py").unlink()
    (drop / "y.py").write_text(REFERENCE, encoding="utf-8")  # new bytes, same name
    with pytest.raises(SubmissionError) as raised:
        item.submission()
    assert raised.value.key == "batch.changed"


def test_open_file_never_follows_a_link_or_hangs_on_a_fifo(drop, tmp_path):
    with pytest.raises(SubmissionError) as raised:
        open_file(drop / "x.py", follow_symlinks=False)
    assert raised.value.key == "batch.symlink"
    with open_file(drop / "x.py") as stream:  # seqlab check's way
        assert stream.read() == REFERENCE.encode()
    os.mkfifo(tmp_path / "pipe.py")
    with pytest.raises(SubmissionError) as raised:
        open_file(tmp_path / "pipe.py")
    assert raised.value.key == "file.not_a_file"


# --- 3. escape sequences on the instructor's terminal ---------------------------------------

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
EVIL = blank(
    "import sys\n"
    f"print({ESCAPES!r} + 'all 100/100')\n"
    f"print({ESCAPES!r} + 'stderr', file=sys.stderr)\n"
    "raise SystemExit(1)"
)


def test_visible_shows_every_control_but_newline_and_tab():
    assert visible(ESCAPES) == r"\x1b]0;pwned\x07\x1b[2J\x9b31m"
    assert visible("a\tb\nc\r\x00\x7f\x85é中") == "a\tb\nc\\x0d\\x00\\x7f\\x85é中"
    document = {"out": ESCAPES + "é"}
    text = json_text(document)
    assert not RAW_CONTROL.search(text) and "é" in text and json.loads(text) == document


@pytest.mark.parametrize("command", ["check", "grade"])
def test_program_output_escapes_are_shown_not_obeyed(capsys, tmp_path, command):
    path = tmp_path / "evil.py"
    path.write_text(EVIL, encoding="utf-8")
    code, out, err = run_cli(capsys, command, path, "--lab", "rnn-numpy")
    assert code == 1
    assert not RAW_CONTROL.search(out + err), RAW_CONTROL.search(out + err)
    flat = "".join(out.split())
    assert r"\x1b]0;pwned\x07\x1b[2J\x9b31mall100/100" in flat  # actual output, visible
    assert r"\x1b]0;pwned\x07\x1b[2J\x9b31mstderr" in flat  # and stderr
    code, out, _ = run_cli(capsys, command, path, "--lab", "rnn-numpy", "--json")
    assert not RAW_CONTROL.search(out)
    assert json.loads(out)["tests"][0]["actual"].startswith(ESCAPES)  # lossless for machines


def test_escapes_in_member_and_file_names_are_shown_not_obeyed(capsys, tmp_path):
    name = "\x1b[2J\x9b31mevil.py"
    archive = write_zip(tmp_path / "class.zip", {name: b"no markers\n", "ok.py": b"x\n"})
    code, out, err = run_cli(
        capsys, "grade", archive, "--lab", "rnn-numpy", "--db", tmp_path / "n.db", "--workers", 1
    )
    assert code == 2
    assert not RAW_CONTROL.search(out + err)
    assert r"class.zip/\x1b[2J\x9b31mevil.py" in "".join(out.split())
    missing = tmp_path / "\x1b]0;pwned\x07.py"
    code, out, err = run_cli(capsys, "check", missing, "--lab", "rnn-numpy")
    assert code == 2 and not RAW_CONTROL.search(out + err)
    assert r"\x1b]0;pwned\x07.py" in err


# --- 4. a notebook nested 100000 deep -------------------------------------------------------


def test_a_deeply_nested_notebook_is_the_students_error_not_ours(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    depth = 100_000
    deep = '{"cells": [' + "[" * depth + "]" * depth + '], "nbformat": 4}'
    (folder / "deep.ipynb").write_text(deep, encoding="utf-8")
    (folder / "alice.py").write_text(REFERENCE, encoding="utf-8")
    db = tmp_path / "d.db"
    for run in ("first", "rerun"):
        code, out, _ = run_cli(capsys, "grade", folder, "--lab", "rnn-numpy", "--db", db, "--json")
        rows = {row["student"]: row for row in json.loads(out)["submissions"]}
        assert code == 1  # alice full marks, deep not graded
        assert rows["deep"]["status"] == "error", rows["deep"]
        assert "deep.ipynb" in rows["deep"]["message"] and "nested" in rows["deep"]["message"]
        # Recorded as the student's: a rerun skips it instead of grading it again forever.
        assert rows["deep"]["skipped"] == (run == "rerun")
    code, _, err = run_cli(capsys, "check", folder / "deep.ipynb", "--lab", "rnn-numpy")
    assert code == 2 and "deep.ipynb" in err and "nested too deeply" in err


@pytest.mark.adversarial
@pytest.mark.parametrize(
    ("name", "text", "command"),
    [
        ("deep.json", '{"1": ' + "[" * 3000 + "]" * 3000 + "}", ("quiz", "check", "attention")),
        ("huge.json", '{"1": ' + "9" * 5000 + "}", ("quiz", "check", "attention")),
        ("huge.toml", "1 = " + "9" * 5000 + "\n", ("quiz", "check", "attention")),
        ("deep.toml", "1 = " + "[" * 3000 + "]" * 3000 + "\n", ("quiz", "check", "attention")),
        ("huge.ipynb", '{"cells": [], "nbformat": ' + "9" * 5000 + "}", ("check",)),
    ],
)
def test_numbers_and_nesting_beyond_the_parsers_are_the_files_fault(
    capsys, tmp_path, name, text, command
):
    # A second look found these as "the grader failed internally": they are the file's.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    lab = ("--lab", "rnn-numpy") if command == ("check",) else ()
    code, _, err = run_cli(capsys, *command, path, *lab)
    assert code == 2 and name in err, err
    assert "internally" not in err and "not your fault" not in err, err


# --- 5. a line that made the damaged-marker hint backtrack ----------------------------------


def test_a_long_line_of_hashes_does_not_hold_the_grader(tmp_path):
    # No markers (so the hint looks for damaged ones) and 5000 `#`: the old pattern took
    # minutes on this in the grader's own process, where no sandbox time limit applies.
    path = tmp_path / "hashes.py"
    path.write_text("#" * 5000 + "\n" + "#" * 3000 + " the end of it\n", encoding="utf-8")
    code, _, err, _ = run_process("check", path, "--lab", "rnn-numpy", timeout=30)
    text = " ".join(err.split())
    assert code == 2 and "0 blank(s)" in text and "Line(s) 2 look like damaged markers" in text
