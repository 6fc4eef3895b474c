"""The Gradescope bundle's run_autograder on uploads students really make: the whole lab
folder (the untouched starter beside the finished notebook), another lab's notebook under
this lab's name, a link to a folder; and a mistyped SEQLAB_REQUIRE_ISOLATION. Every message
a student reads names their upload, never a path of the grader's machine."""

import pytest
from gradescope_helpers import run_upload, unpacked_bundle

from graders.notebooks.build import make_notebook, notebook_path, notebook_text

LAB = "scaled-dot-product"  # NumPy: quick
OTHER = "rnn-numpy"


@pytest.fixture(scope="module")
def autograde(course, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gs")
    root = unpacked_bundle(LAB, tmp_path)

    def run(files: dict, links: dict | None = None, **env: str):
        done, document = run_upload(root, files, links, **env)
        if document is not None:
            assert str(tmp_path) not in document["output"], document["output"]
        return done, document

    run.root = root
    return run


def notebook(course, lab_id: str, program: str) -> str:
    return notebook_text(make_notebook(course.lab(lab_id), program, None))


def test_the_untouched_starter_beside_a_finished_notebook_is_skipped(course, autograde):
    lab = course.lab(LAB)
    starter = lab.starter_path.read_text(encoding="utf-8")
    finished = notebook(course, LAB, lab.solution_path.read_text(encoding="utf-8"))
    done, document = autograde({lab.entry: starter, notebook_path(lab).name: finished})
    assert done.returncode == 0 and document is not None, done.stderr
    assert document["score"] == 100, document["output"]
    assert (
        f"Graded {notebook_path(lab).name}; not graded, as each is still the untouched starter"
        f" (no blank filled in): {lab.entry}." in (document["output"])
    ), document["output"]
    # Two untouched files: nothing to prefer, the starter's name is graded (0), as before.
    done, document = autograde(
        {lab.entry: starter, notebook_path(lab).name: notebook(course, LAB, starter)}
    )
    assert document["score"] == 0 and "untouched" not in document["output"]


def test_another_labs_notebook_is_named_as_such_without_a_server_path(course, autograde):
    other = course.lab(OTHER)
    theirs = notebook(course, OTHER, other.solution_path.read_text(encoding="utf-8"))
    done, document = autograde({notebook_path(course.lab(LAB)).name: theirs})
    assert done.returncode == 0 and document["score"] == 0, done.stderr
    assert f"the notebook of lab {OTHER}" in document["output"] or (
        f"实验 {OTHER} 的笔记本" in document["output"]
    ), document["output"]
    # A .py of another lab: the count of blanks differs; the starter named as in the release.
    done, document = autograde({course.lab(LAB).entry: other.solution_path.read_text("utf-8")})
    assert document["score"] == 0 and "/autograder" not in document["output"]
    assert f"exercises/{LAB}/" in document["output"], document["output"]


def test_a_link_to_a_folder_is_said_to_be_ignored(course, autograde, tmp_path):
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    (elsewhere / course.lab(LAB).entry).write_text("x = 1\n", encoding="utf-8")
    done, document = autograde({}, {"hw": str(elsewhere)})
    assert done.returncode == 0 and document["score"] == 0
    assert "hw" in document["output"] and (
        "symbolic link" in document["output"] or ("符号链接" in document["output"])
    ), document["output"]


def test_a_mistyped_isolation_level_is_a_clear_autograder_failure(autograde):
    done, document = autograde({"x.py": "x = 1\n"}, SEQLAB_REQUIRE_ISOLATION="strnog")
    assert done.returncode != 0 and document is None
    assert "Traceback" not in done.stderr and "SEQLAB_REQUIRE_ISOLATION" in done.stderr
    assert "strnog" in done.stderr and "strong" in done.stderr, done.stderr


def test_every_file_left_aside_is_named(course, autograde):
    """The whole lab folder beside the finished work under another name: the untouched .py
    and the untouched notebook are both named as skipped, and any other file as not graded."""
    lab = course.lab(LAB)
    starter = lab.starter_path.read_text(encoding="utf-8")
    finished = notebook(course, LAB, lab.solution_path.read_text(encoding="utf-8"))
    untouched = notebook(course, LAB, starter)
    upload = {
        lab.entry: starter,
        notebook_path(lab).name: untouched,
        f"{lab.id}.ipynb": finished,
        "scratch.py": "print(1)\n",
    }
    done, document = autograde(upload)
    assert done.returncode == 0 and document["score"] == 100, document["output"]
    said = document["output"]
    assert f"Graded {lab.id}.ipynb" in said, said
    skipped = said.split("untouched starter", 1)[1]
    assert lab.entry in skipped and notebook_path(lab).name in skipped, said
    assert "Not graded either: scratch.py." in said, said


def test_an_archive_alone_is_named_and_said_not_unpacked(autograde):
    for archive in ("hw.zip", "work/hw.tar.gz"):
        done, document = autograde({archive: "PK\x03\x04 not a real archive"})
        assert done.returncode == 0 and document["score"] == 0, done.stderr
        said = document["output"]
        assert archive in said and "archives are not unpacked" in said, said
        assert "Upload the .py or .ipynb file itself" in said


def test_the_graded_file_and_every_file_not_graded_are_named(course, autograde):
    """Whatever else the upload holds — notes, archives, macOS's __MACOSX and dotfiles — the
    output names the file graded and every file not graded, archives as not unpacked and
    system files as such; with nothing graded, the files beside the archive are named too."""
    lab = course.lab(LAB)
    solution = lab.solution_path.read_text(encoding="utf-8")
    starter = lab.starter_path.read_text(encoding="utf-8")
    archive = "PK\x03\x04 not a real archive"
    cases = [
        # (upload, graded file or None, plain files not graded, archives, system files)
        (
            {lab.entry: solution, "backup.tar.gz": archive, "notes.txt": "n\n",
             f"__MACOSX/._{lab.entry}": "x", ".DS_Store": "x"},
            lab.entry, ["notes.txt"], ["backup.tar.gz"], [f"__MACOSX/._{lab.entry}", ".DS_Store"],
        ),
        (
            {"src/solution.py": solution, "NOTES.md": "n\n", "work.zip": archive},
            "src/solution.py", ["NOTES.md"], ["work.zip"], [],
        ),
        ({lab.entry: starter, "work.zip": archive}, lab.entry, [], ["work.zip"], []),
        ({lab.entry: solution}, lab.entry, [], [], []),
        (
            {"work.zip": archive, "w.tar.gz": archive, "readme.txt": "r\n"},
            None, ["readme.txt"], ["work.zip", "w.tar.gz"], [],
        ),
    ]  # fmt: skip
    for upload, graded, plain, archives, system in cases:
        done, document = autograde(upload)
        assert done.returncode == 0 and document is not None, done.stderr
        said = document["output"]
        if graded is not None:
            assert f"Graded {graded}" in said, said
        if plain:
            assert "not graded" in said.lower() and all(name in said for name in plain), said
        for name in archives:
            assert name in said, said
        if archives:
            assert "not unpacked" in said and "file itself" in said, said
        if system:
            assert "System files" in said and all(name in said for name in system), said
