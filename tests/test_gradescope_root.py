"""The Gradescope bundle where it will run: setup.sh and run_autograder inside an Ubuntu 22.04
root file system shaped like Gradescope's default image (python3 3.10; see tests/gsroot.py),
entered with bubblewrap as root, as Gradescope runs both. Not a fake /autograder on this
machine's Python: the bundle must find its Python 3.11, its pinned packages and its course
there, reach the isolation level the root allows, and keep the spec from the student.

Needs root (debootstrap, overlayfs) and Ubuntu's archive on first use (~6 min to build
the cached root: ~3 min image, ~3 min setup.sh); a cached run takes under a minute.
"""

import json
import os
import shutil
import subprocess
import time
import zipfile

import gsroot
import jsonschema
import pytest

from graders.cli import main
from graders.course.corpus import corpus_program, load_corpus
from graders.present.gradescope import RESULTS_SCHEMA
from graders.spec import Course

# One worker builds and uses the root (make test runs this file three at a time with others).


LAB = "scaled-dot-product"  # NumPy only: fast, and its corpus has a partly wrong answer
# download.pytorch.org is not reachable here: torch comes from the local wheel pip finds.
SETUP_ENV = {"SEQLAB_TORCH_INDEX": ""}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A fresh overlay on the cached root after setup.sh, with this commit's bundle
    unzipped into /autograder/source and setup.sh run again (it installs this commit's
    seqlab into the venv)."""
    if os.geteuid() != 0 or shutil.which("bwrap") is None:  # a missing part fails, named
        pytest.fail(
            "the Ubuntu root needs root (debootstrap, overlayfs) and bubblewrap: "
            "run as root after `make system`",
            pytrace=False,
        )
    out = tmp_path_factory.mktemp("bundle")
    assert main(["--lang", "en", "export", "gradescope", "--lab", LAB, str(out)]) == 0
    source = out / "source"
    with zipfile.ZipFile(out / f"autograder-{LAB}.zip") as archive:
        archive.extractall(source)
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)
    started = time.monotonic()
    try:
        layer = gsroot.setup_layer(source, SETUP_ENV)
    except gsroot.RootUnavailable as error:
        pytest.fail(str(error))
    built = time.monotonic() - started
    overlay = gsroot.Overlay(layer, tmp_path_factory.mktemp("overlay"))
    try:
        autograder = overlay.merged / "autograder"
        shutil.rmtree(autograder / "source")
        shutil.copytree(source, autograder / "source")
        # Gradescope copies run_autograder beside source/ and runs it from there.
        shutil.copy2(source / "run_autograder", autograder / "run_autograder")
        log = tmp_path_factory.mktemp("logs") / "setup.log"
        started = time.monotonic()
        gsroot.run(
            gsroot.enter(overlay.merged, ["bash", "/autograder/source/setup.sh"], SETUP_ENV), log
        )
        print(f"root ready in {built:.0f} s, setup.sh re-run in {time.monotonic() - started:.0f} s")
        yield overlay.merged
    finally:
        overlay.close()


def autograde(root, files: dict[str, str]) -> dict:
    autograder = root / "autograder"
    for folder in ("submission", "results"):
        shutil.rmtree(autograder / folder, ignore_errors=True)
    for name, text in files.items():
        (autograder / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (autograder / "submission" / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        gsroot.enter(root, ["/autograder/run_autograder"]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads((autograder / "results/results.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, RESULTS_SCHEMA)
    return document


def test_the_root_is_gradescopes_ubuntu_and_the_venv_its_python_311(root):
    release = (root / "etc/os-release").read_text(encoding="utf-8")
    assert 'VERSION_ID="22.04"' in release
    line = gsroot.enter(
        root, ["bash", "-c", "python3 --version; /autograder/seqlab-venv/bin/python --version"]
    )
    versions = subprocess.run(line, capture_output=True, text=True, check=True).stdout.split("\n")
    assert versions[0].startswith("Python 3.10.")  # the image's own python3, left alone
    assert versions[1].startswith("Python 3.11.")  # setup.sh's, from Ubuntu's archive


def test_the_run_inside_reaches_the_level_the_root_allows(root):
    doctor = ["/autograder/seqlab-venv/bin/seqlab", "--lang", "en", "doctor"]
    line = gsroot.enter(root, [*doctor, "--course", "/autograder/source/seqlab"])
    report = subprocess.run(line, capture_output=True, text=True, check=True).stdout
    # Ubuntu 22.04's bubblewrap is 0.6.1: no --disable-userns or --size, so the namespaces
    # layer is refused by name rather than failing every run; Landlock and the seccomp filter
    # (which must build on its libseccomp 2.5.3, lacking cachestat) carry the level.
    assert "bubblewrap is older than 0.8" in report, report
    assert "Isolation level on this machine: medium" in report, report


def test_reference_wrong_answer_and_another_name_are_graded_in_the_root(root):
    lab = Course.locate().lab(LAB)  # the reference is the course's: never in the bundle
    reference = lab.solution_path.read_text(encoding="utf-8")
    mistake = next(e for e in load_corpus(lab) if e.name == "mask_after_softmax")
    document = autograde(root, {lab.entry: reference})
    assert document["score"] == 100 and document["tests"], document
    assert (
        autograde(root, {lab.entry: corpus_program(reference, mistake)})["score"] == mistake.score
    )
    assert mistake.score < 100
    nested = autograde(root, {"README.txt": "mine", "hw/my_attention.py": reference})
    assert nested["score"] == 100, nested


def test_the_students_program_cannot_read_the_spec_in_the_root(root):
    here = Course.locate().lab(LAB)
    spec = f"/autograder/source/seqlab/graders/labs/{here.spec_path.name}"
    assert (root / spec.lstrip("/")).is_file()  # it is there, outside the sandbox
    # Any spec it can open makes it fail every set: a 100 means every open was refused.
    attack = f"""import glob as _glob
for _path in [{spec!r}, "../source/seqlab/graders/labs/{here.spec_path.name}",
              *_glob.glob("/autograder/**/*.toml", recursive=True)]:
    try:
        with open(_path, "rb") as _file:
            _file.read(1)
    except OSError:
        continue
    raise SystemExit("read " + _path)
"""
    reference = here.solution_path.read_text(encoding="utf-8")
    document = autograde(root, {here.entry: attack + reference})
    assert document["score"] == 100, document
