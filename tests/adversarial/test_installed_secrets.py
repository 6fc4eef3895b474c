"""Course secrets never sit where a sandboxed program can read them (issue 13).

Every run reads the interpreter's trees (bwrap binds them, Landlock allows them). A wheel that
carried the lab specs as package data put every hidden expected output there; the level
reported for a course whose secrets lie in such a tree must not claim to protect them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEQLAB = [sys.executable, "-c", "import sys; from graders.cli import main; sys.exit(main())"]
LAB = "rnn-numpy"
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]


@pytest.mark.adversarial
def test_a_built_wheel_holds_no_spec_bank_solution_or_corpus(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "node_modules", "frontend")
    for package in ("graders", "quizzes"):
        shutil.copytree(ROOT / package, source / package, ignore=skip)
    records = source / "graders" / "labs" / "mistakes"  # named mistakes' hidden outputs
    records.mkdir(parents=True, exist_ok=True)
    (records / f"{LAB}.json").write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [*PIP_WHEEL, "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("seqlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("graders/engine.py") for name in names), "a wheel of seqlab"
    secrets = [n for n in names if n.endswith(".toml") or "/labs/" in n or "/banks/" in n]
    assert secrets == [], f"course data in the wheel: {secrets}"


@pytest.fixture
def course_in_the_venv():
    """A course copy inside the interpreter's own prefix: mounted into every sandbox."""
    root = Path(sys.prefix) / f"seqlab-exposed-course-{uuid.uuid4().hex[:8]}"
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copy(ROOT / "graders" / "labs" / f"{LAB}.toml", root / "graders" / "labs")
    (root / "graders" / "labs" / "mistakes").mkdir()
    records = {"format": 1, "lab": LAB, "digest": "", "sets": {}, "mistakes": []}
    (root / "graders" / "labs" / "mistakes" / f"{LAB}.json").write_text(json.dumps(records))
    try:
        yield root
    finally:
        shutil.rmtree(root)


def seqlab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [*SEQLAB, "--lang", "en", *args]
    wide = {**os.environ, "COLUMNS": "1000"}  # one table row a line
    return subprocess.run(command, cwd=cwd, env=wide, capture_output=True, text=True, timeout=120)


@pytest.mark.adversarial
def test_secrets_readable_inside_the_sandbox_cap_the_level_and_are_named(course_in_the_venv):
    course = course_in_the_venv
    spec = course / "graders" / "labs" / f"{LAB}.toml"
    doctor = seqlab("--course", str(course), "doctor", cwd=course)
    assert doctor.returncode == 0, doctor.stderr
    assert "Isolation level on this machine: weak" in doctor.stdout
    assert str(spec) in doctor.stdout and "at most weak" in doctor.stdout
    records = course / "graders" / "labs" / "mistakes" / f"{LAB}.json"
    assert str(records) in doctor.stdout  # the named mistakes' records are secrets too

    solution = course / "solutions" / LAB / "rnn_numpy.py"
    refused = seqlab(
        "--course", str(course), "grade", str(solution), "--require-isolation", "strong", cwd=course
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"{LAB}.toml" in refused.stdout + refused.stderr

    graded = seqlab("--course", str(course), "grade", str(solution), "--json", cwd=course)
    isolation = json.loads(graded.stdout)["isolation"]
    assert isolation["level"] == "weak"
    assert any(f"{LAB}.toml" in entry for entry in isolation["exposed"])


@pytest.mark.adversarial
def test_the_course_here_exposes_nothing():
    doctor = seqlab("--course", str(ROOT), "doctor", cwd=ROOT)
    assert doctor.returncode == 0, doctor.stderr
    assert "no spec, bank, corpus or solution" in doctor.stdout.replace("\n", " ")


@pytest.mark.adversarial
@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "nolayeratthislevelconfinesfiles"), ("zh", "没有限制文件访问的隔离层")],
)
def test_doctor_says_the_course_is_readable_where_no_layer_confines_files(lang, said):
    # Level weak without bubblewrap and Landlock: a run reads what the grader's uid may, the
    # course's specs among them, wherever they lie (red team, issue 17: the row said "works").
    layers = ("bwrap", "landlock", "seccomp", "cgroup")
    off = [arg for layer in layers for arg in ("--without", layer)]
    doctor = seqlab(*off, "--lang", lang, "--course", str(ROOT), "doctor", cwd=ROOT)
    assert doctor.returncode == 0, doctor.stderr
    text = "".join(doctor.stdout.split())  # the table may wrap a row anywhere
    assert said in text and "--require-isolationmedium" in text, doctor.stdout
    assert "nospec,bank,corpusorsolution" not in text
    if lang == "zh":  # every row in the reader's language, the layers' reasons included
        assert "已关闭" in text and "switchedoff" not in text and "separate" not in text
    # Landlock alone confines the files again, and the row says so.
    doctor = seqlab("--without", "bwrap", "--course", str(ROOT), "doctor", cwd=ROOT)
    assert "nospec,bank,corpusorsolution" in "".join(doctor.stdout.split())
