"""Generated files and specs: starters, recorded expected outputs, strict spec loading."""

import os
import subprocess
import sys
import textwrap

import pytest

from graders.course.build import record_expected, starter_in_sync, write_starter
from graders.course.validate import validate_lab
from graders.errors import SpecError
from graders.sandbox import RunResult
from graders.spec import Course

SPEC = """\
# a comment the author wants to keep
id = "mini"
entry = "mini.py"
title.zh = "小"
title.en = "Mini"

[[tests]]
name = "double"
stdin = "2\\n"
expected = "old\\n"  # recorded
points = 1
"""

SOLUTION = """\
n = int(input())
########## Begin ##########
print(n * 2)
########## End ##########
"""


@pytest.fixture
def mini(tmp_path):
    (tmp_path / "graders" / "labs").mkdir(parents=True)
    (tmp_path / "solutions" / "mini").mkdir(parents=True)
    (tmp_path / "graders" / "labs" / "mini.toml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "solutions" / "mini" / "mini.py").write_text(SOLUTION, encoding="utf-8")
    return Course.locate(tmp_path)


def fake_runner(stdout: bytes, exit_code: int = 0):
    def runner(program, filename, stdins, limits, fork_at_input):
        return [RunResult(stdout, b"", exit_code, None, 0.1, 0.1, 1024) for _ in stdins]

    return runner


def test_starter_is_written_once_and_then_in_sync(mini):
    lab = mini.lab("mini")
    assert not starter_in_sync(lab)
    assert write_starter(lab) is True
    assert starter_in_sync(lab) and write_starter(lab) is False
    assert "print(n * 2)" not in lab.starter_path.read_text(encoding="utf-8")


def test_a_hand_edited_starter_fails_validation(mini):
    lab = mini.lab("mini")
    write_starter(lab)
    lab.starter_path.write_text(lab.starter_path.read_text() + "# edited\n", encoding="utf-8")
    checks = validate_lab(lab, runner=fake_runner(b"4\n"))
    assert [c.ok for c in checks if c.what == "validate.starter_sync"] == [False]


def test_recording_keeps_the_spec_layout_and_reports_changes(mini):
    lab = mini.lab("mini")
    assert record_expected(lab, runner=fake_runner(b"4\n")) == ["double"]
    text = lab.spec_path.read_text(encoding="utf-8")
    assert "# a comment the author wants to keep" in text and "# recorded" in text
    assert mini.lab("mini").tests[0].expected == "4\n"
    assert record_expected(mini.lab("mini"), runner=fake_runner(b"4\n")) == []


def test_a_crashing_reference_records_nothing(mini):
    lab = mini.lab("mini")
    before = lab.spec_path.read_bytes()
    with pytest.raises(SpecError, match="did not run cleanly on test set double"):
        record_expected(lab, runner=fake_runner(b"", exit_code=1))
    assert lab.spec_path.read_bytes() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("points = 1", "pionts = 1"), "tests[0].points is missing (is 'pionts' a misspelling"),
        (("points = 1", "points = 1\nhiden = true"), "tests[0].hiden is not a known field"),
        (("points = 1", 'points = "1"'), "tests[0].points should be int"),
        (("points = 1", 'points = 1\ncomparator = "fuzzy"'), "tests[0].comparator is 'fuzzy'"),
        (
            ("points = 1\n", "points = 1\n[limits]\nwall_seconds = -1\n"),
            "limits.wall_seconds must be positive",
        ),
        (
            ("points = 1\n", "points = 1\n[limits]\nmemory_mb = true\n"),
            "limits.memory_mb should be int",
        ),
        (('id = "mini"', 'id = "other"'), "but the file is named mini.toml"),
        (("[[tests]]", "[[tests]"), "is not valid TOML"),
    ],
)
def test_spec_mistakes_name_the_file_and_field(mini, change, message):
    path = mini.labs_dir / "mini.toml"
    path.write_text(SPEC.replace(*change), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        mini.lab("mini")
    assert message in str(caught.value) and "mini.toml" in str(caught.value)


def test_comparator_options_are_read(mini):
    path = mini.labs_dir / "mini.toml"
    extra = textwrap.dedent('comparator = "floats"\natol = 0.001\nrtol = 0\n')
    path.write_text(SPEC.replace("points = 1\n", "points = 1\n" + extra), encoding="utf-8")
    assert mini.lab("mini").tests[0].options == {"atol": 0.001, "rtol": 0.0}


def test_a_folder_without_labs_is_not_a_course(tmp_path):
    with pytest.raises(SpecError, match="No course folder"):
        Course.locate(tmp_path)


# --- without the [jupyter] extra ------------------------------------------------------------

# The real command in a Python where `import nbformat` fails, as after `pip install seqlab`.
BLOCK_NBFORMAT = "import sys; sys.modules['nbformat'] = None; "
SEQLAB_WITHOUT_NBFORMAT = [
    sys.executable,
    "-c",
    BLOCK_NBFORMAT + "from graders.cli import main; sys.exit(main())",
]
INSTALL = "pip install -e '.[jupyter]'"  # seqlab is not on PyPI: the course folder


def seqlab(*args: str, jupyter: bool) -> subprocess.CompletedProcess:
    command = [*SEQLAB_WITHOUT_NBFORMAT] if not jupyter else [sys.executable, "-m", "graders.cli"]
    wide = {**os.environ, "COLUMNS": "300"}  # one table row a line
    return subprocess.run(
        [*command, "--lang", "en", *args], capture_output=True, text=True, env=wide, timeout=120
    )


def test_the_blocker_really_keeps_nbformat_out():
    check = [sys.executable, "-c", BLOCK_NBFORMAT + "from nbformat.v4 import new_notebook"]
    assert subprocess.run(check, capture_output=True).returncode != 0


def test_build_and_validate_run_without_nbformat_and_name_the_extra(mini):
    course = str(mini.root)
    notebook = mini.root / "exercises" / "mini" / "mini.ipynb"
    built = seqlab("build", "--record", "--course", course, jupyter=False)
    assert built.returncode == 2 and "Traceback" not in built.stdout + built.stderr
    assert (mini.root / "exercises" / "mini" / "mini.py").is_file()  # the starter is built,
    assert mini.lab("mini").tests[0].expected == "4\n"  # the output recorded
    assert (mini.root / "exercises" / "README.md").is_file()  # and the index
    assert f"notebook {notebook} not written (needs nbformat)" in built.stdout
    assert not notebook.exists() and INSTALL in built.stderr and str(notebook) in built.stderr

    validated = seqlab("validate", "--course", course, jupyter=False)
    assert validated.returncode == 1 and "Traceback" not in validated.stdout + validated.stderr
    rows = [line for line in validated.stdout.splitlines() if "mini" in line]
    assert any("starter scores zero" in row and " ok " in row for row in rows)
    (row,) = [row for row in rows if "notebook generated" in row]
    assert "FAILED" in row and f"not checked: nbformat is not installed; run `{INSTALL}`" in row

    # With nbformat the same course builds its notebook and passes: nothing else was amiss.
    assert seqlab("build", "--course", course, jupyter=True).returncode == 0
    assert notebook.is_file()
    assert seqlab("validate", "--course", course, jupyter=True).returncode == 0
    # A notebook that cannot be checked is not taken as in sync.
    assert seqlab("validate", "--course", course, jupyter=False).returncode == 1


def test_the_nbgrader_export_without_nbformat_names_the_extra_and_writes_nothing(mini, tmp_path):
    target = tmp_path / "nbgrader-course"
    exported = seqlab("export", "nbgrader", str(target), "--course", str(mini.root), jupyter=False)
    assert exported.returncode == 2 and "Traceback" not in exported.stdout + exported.stderr
    assert INSTALL in exported.stderr and not target.exists()
