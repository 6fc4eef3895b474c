"""Collecting submissions from files, folders, nbgrader trees and Moodle/Canvas zips."""

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from batch_helpers import REFERENCE, snapshot

from graders.batch import reading
from graders.batch.collect import collect, safe_id
from graders.errors import SubmissionError

ENTRY = "rnn_numpy.py"


def gather(*paths, entry=ENTRY, assignment="rnn-numpy", suffixes=(".py", ".ipynb")):
    return collect([Path(p) for p in paths], entry=entry, suffixes=suffixes, assignment=assignment)


def students(collection):
    return {item.student: item for item in collection.items}


def make_zip(path: Path, members: dict[str, bytes], *, symlinks=(), times=None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(times or {}).get(name, (2024, 5, 1, 12, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return path


def test_folder_of_files_and_student_folders(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text("a = 1\n")
    (folder / "bob").mkdir()
    (folder / "bob" / ENTRY).write_text("b = 1\n")
    (folder / "bob" / "helper.py").write_text("helper\n")  # the entry file wins
    (folder / "carol").mkdir()
    (folder / "carol" / "my_rnn.py").write_text("c = 1\n")  # the only .py
    (folder / "dan").mkdir()
    (folder / "dan" / "x.py").write_text("x\n")
    (folder / "dan" / "y.py").write_text("y\n")  # two candidates, neither the entry
    (folder / "erin").mkdir()
    (folder / "erin" / "notes.txt").write_text("no code\n")
    (folder / "README.md").write_text("ignored\n")
    (folder / ".hidden.py").write_text("ignored\n")
    before = snapshot(folder)
    found = students(gather(folder))
    assert set(found) == {"alice", "bob", "carol", "dan", "erin"}
    assert found["alice"].content() == b"a = 1\n"
    assert found["bob"].path == folder / "bob" / ENTRY
    assert found["carol"].content() == b"c = 1\n"
    assert found["dan"].error.key == "batch.ambiguous" and "x.py, y.py" in str(found["dan"].error)
    assert found["erin"].error.key == "batch.no_file"
    assert snapshot(folder) == before


def test_single_files_are_named_by_stem_or_by_their_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / ENTRY).write_text("1\n")
    (tmp_path / "b" / ENTRY).write_text("2\n")
    (tmp_path / "zoe.py").write_text("3\n")
    found = students(gather(tmp_path / "a" / ENTRY, tmp_path / "b" / ENTRY, tmp_path / "zoe.py"))
    assert {k: v.content() for k, v in found.items()} == {"a": b"1\n", "b": b"2\n", "zoe": b"3\n"}


def test_a_wrapper_folder_is_looked_through(tmp_path):
    folder = tmp_path / "download"
    (folder / "export" / "bob").mkdir(parents=True)
    (folder / "export" / "alice.py").write_text("a\n")
    (folder / "export" / "bob" / ENTRY).write_text("b\n")
    assert set(students(gather(folder))) == {"alice", "bob"}


def test_nbgrader_tree_takes_only_the_assignment_from_submitted(tmp_path):
    course = tmp_path / "course"
    for student in ("alice", "bob"):
        (course / "submitted" / student / "rnn-numpy").mkdir(parents=True)
        (course / "submitted" / student / "rnn-numpy" / ENTRY).write_text(student)
        (course / "submitted" / student / "other-lab").mkdir(parents=True)
        (course / "submitted" / student / "other-lab" / ENTRY).write_text("other")
    (course / "source" / "rnn-numpy").mkdir(parents=True)
    (course / "source" / "rnn-numpy" / ENTRY).write_text("the instructor's copy")
    (course / "release" / "rnn-numpy").mkdir(parents=True)
    (course / "release" / "rnn-numpy" / ENTRY).write_text("the release")
    for given in (course, course / "submitted"):
        found = students(gather(given))
        assert {k: v.content() for k, v in found.items()} == {"alice": b"alice", "bob": b"bob"}
    other = students(gather(course, assignment="other-lab"))
    assert {v.content() for v in other.values()} == {b"other"}


def test_moodle_zip_folders_and_flat_names(tmp_path):
    archive = make_zip(
        tmp_path / "moodle.zip",
        {
            "Alice Smith_12345_assignsubmission_file_/rnn_numpy.py": b"alice",
            "Alice Smith_12345_assignsubmission_file_/notes.pdf": b"%PDF",
            "Bob Li_67890_assignsubmission_file_/sub/rnn_numpy.py": b"bob",
            "张 三_24680_assignsubmission_file_rnn_numpy.py": b"zhang",
            "__MACOSX/Alice Smith_12345_assignsubmission_file_/._rnn_numpy.py": b"junk",
        },
    )
    found = students(gather(archive))
    assert {k: v.content() for k, v in found.items()} == {
        "alice-smith-12345": b"alice",
        "bob-li-67890": b"bob",
        "张-三-24680": b"zhang",
    }
    assert str(found["alice-smith-12345"].path).startswith(str(archive))


def test_canvas_zip_with_late_and_resubmissions_keeps_the_newest(tmp_path):
    archive = make_zip(
        tmp_path / "submissions.zip",
        {
            "smithalice_12345_1001_rnn_numpy.py": b"first",
            "smithalice_12345_1002_rnn_numpy-1.py": b"second",
            "smithalice_12345_1003_helper.py": b"helper",
            "libob_late_67890_2001_rnn_numpy.py": b"late bob",
        },
        times={"smithalice_12345_1002_rnn_numpy-1.py": (2024, 5, 2, 9, 0, 0)},
    )
    found = students(gather(archive))
    assert {k: v.content() for k, v in found.items()} == {
        "smithalice-12345": b"second",
        "libob-67890": b"late bob",
    }


def test_zip_refuses_traversal_symlinks_and_huge_members_but_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_MEMBER_BYTES", 1000)
    archive = make_zip(
        tmp_path / "evil.zip",
        {
            "good.py": b"fine",
            "../../escape.py": b"escape",
            "link.py": b"/etc/passwd",
            "huge.py": b"#" * 5000,
        },
        symlinks={"link.py"},
    )
    before = snapshot(tmp_path)
    found = students(gather(archive))
    assert found["good"].content() == b"fine"
    assert found["escape"].error.key == "batch.zip_unsafe_path"
    assert found["link"].error.key == "batch.zip_symlink"
    assert found["huge"].error.key == "batch.zip_too_big"
    assert "'huge.py'" in str(found["huge"].error) and "'../../escape.py'" in str(
        found["escape"].error
    )
    assert all(item.sha256 is None for name, item in found.items() if name != "good")
    assert snapshot(tmp_path) == before  # nothing was extracted
    assert not (tmp_path.parent / "escape.py").exists()


def test_a_member_whose_header_lies_about_its_size_is_still_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_MEMBER_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("bomb.py", b"#" * 5000)
    data = bytearray(buffer.getvalue())
    # Rewrite the central directory's uncompressed size (offset 24 in its header) to 10.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    (tmp_path / "bomb.zip").write_bytes(bytes(data))
    item = students(gather(tmp_path / "bomb.zip"))["bomb"]
    assert item.sha256 is None and item.error is not None


def test_a_broken_zip_and_a_missing_file_are_items_with_errors(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"not a zip at all")
    found = students(gather(tmp_path / "broken.zip", tmp_path / "gone.py"))
    assert found["broken"].error.key == "batch.zip_bad"
    assert found["gone"].error.key == "file.missing"


def test_non_utf8_is_collected_and_fails_only_when_read(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    item = students(gather(tmp_path / "latin.py"))["latin"]
    assert item.sha256 is not None
    with pytest.raises(SubmissionError) as raised:
        item.text()
    assert raised.value.key == "file.not_utf8"


def test_the_same_student_twice_keeps_the_newest_and_says_so(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "alice.py").write_text("old\n")
    (tmp_path / "new" / "alice.py").write_text("new\n")
    os.utime(tmp_path / "old" / "alice.py", (1_000_000, 1_000_000))
    collection = gather(tmp_path / "new", tmp_path / "old")
    assert [item.content() for item in collection.items] == [b"new\n"]
    (note,) = collection.notes
    assert note.key == "batch.duplicate" and "old" in str(note.params["dropped"])


def test_student_ids_are_safe_file_names():
    assert safe_id("  Alice   Smith ") == "Alice-Smith"
    assert safe_id("../../etc") == "etc"
    assert safe_id("a/b\\c\x00") == "abc"
    assert safe_id("..") == "unknown"
    assert safe_id("王 小明") == "王-小明"


def test_reference_collects_unchanged(tmp_path):
    (tmp_path / "alice.py").write_text(REFERENCE, encoding="utf-8")
    (item,) = gather(tmp_path).items
    assert item.submission().text == REFERENCE
