"""`seqlab export gradescope --lab ID DIR`: DIR/autograder-<lab>.zip for Gradescope.

The zip holds, at its root, `setup.sh` (builds the image: Python 3.11, bubblewrap, seqlab and
every dependency at pinned versions), `requirements.txt` (those pins: the versions this
machine runs, where the labs pass) and `run_autograder` (grades the submission through
graders/course/gradescope_run.py and writes /autograder/results/results.json), and
`seqlab/`: the engine, the lab's spec (hidden sets included: the bundle is for staff and
Gradescope, never for students) and its starter.

Gradescope's default image is Ubuntu 22.04 with Python 3.10; seqlab needs 3.11 (tomllib,
enum.StrEnum, ExceptionGroup in the sandbox), which Ubuntu 22.04's own archive carries as
python3.11, so setup.sh installs that rather than the project supporting an older Python.
"""

from __future__ import annotations

import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from graders.losses import band_path
from graders.mistakes import export_records
from graders.service.isolation import CLASS_ISOLATION
from graders.spec import LabSpec

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu 22.04: its python3 is
# 3.10, seqlab needs 3.11, which the distribution's archive has as python3.11).
set -euo pipefail
ROOT="${SEQLAB_AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
if [ -z "${SEQLAB_SKIP_APT:-}" ]; then
    apt-get update -qq
    # bubblewrap and libseccomp: the strong sandbox (namespaces and the system-call filter).
    apt-get install -y -qq python3.11 python3.11-venv bubblewrap libseccomp2
fi
"${SEQLAB_BASE_PYTHON:-python3.11}" -m venv "$ROOT/seqlab-venv"
# Every package at the version the labs were validated with; torch's CPU wheel (the CUDA
# build is gigabytes and the labs use no GPU). SEQLAB_TORCH_INDEX="" leaves torch to pip's own
# configuration (a local wheel or mirror, as in the test root).
TORCH_INDEX="${SEQLAB_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
"$ROOT/seqlab-venv/bin/pip" install --quiet ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} \\
    -r "$ROOT/source/requirements.txt"
# Not editable: the engine is copied into the venv, so no sandboxed run, which may read the
# venv, can read the course folder beside it (the lab's hidden sets).
"$ROOT/seqlab-venv/bin/pip" install --quiet --no-deps "$ROOT/source/seqlab"
"$ROOT/seqlab-venv/bin/seqlab" doctor --course "$ROOT/source/seqlab"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It writes results/results.json — or, when seqlab
# itself is missing or broken, exits non-zero without one: Gradescope then reports an
# autograder failure to staff instead of giving the student a 0.
set -euo pipefail
ROOT="${{SEQLAB_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{SEQLAB_PYTHON:-$ROOT/seqlab-venv/bin/python}}"
if [ ! -x "$PYTHON" ]; then
    echo "seqlab is not installed ($PYTHON is missing): setup.sh did not complete." >&2
    exit 70
fi
# The level below which the lab's spec could be readable by the student's program: below
# it nothing is graded (staff may lower it knowingly with SEQLAB_REQUIRE_ISOLATION=weak).
exec "$PYTHON" -m graders.course.gradescope_run "$ROOT" {lab} {lang} \\
    "${{SEQLAB_REQUIRE_ISOLATION:-{level}}}"
"""


def pinned_requirements(distribution: str = "seqlab") -> list[str]:
    """`distribution`'s run-time dependencies and theirs, each at the version installed here."""
    pins: dict[str, str] = {}
    pending = [(Requirement(text), ()) for text in metadata.requires(distribution) or []]
    while pending:
        requirement, extras = pending.pop()
        wanted = ("", *extras)  # the parent's extras (psycopg[binary]) bring their packages
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in wanted
        ):
            continue  # an optional extra's, or another platform's
        name = requirement.name.lower().replace("_", "-")
        if name in pins:
            continue
        try:
            installed = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # a dependency this platform does without
        pins[name] = installed.version
        pending += [(Requirement(t), tuple(requirement.extras)) for t in installed.requires or []]
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def _add_package(archive: zipfile.ZipFile, folder: Path, name: str) -> None:
    skipped = {"__pycache__", "node_modules", "labs", "banks"}  # course data: added below
    for path in sorted(folder.rglob("*")):
        inner = path.relative_to(folder).parts
        if path.is_file() and not skipped.intersection(inner) and path.suffix != ".pyc":
            archive.write(path, f"seqlab/{name}/{path.relative_to(folder).as_posix()}")


def _add_tree(archive: zipfile.ZipFile, folder: Path, name: str, pattern: str) -> None:
    for path in sorted(folder.rglob(pattern)):
        if "__pycache__" not in path.parts and path.is_file():
            archive.write(path, f"seqlab/{name}/{path.relative_to(folder).as_posix()}")


def _executable(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16
    archive.writestr(info, text)


def export_bundle(lab: LabSpec, folder: Path, lang: str = "en") -> list[Path]:
    root = lab.course_root
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"autograder-{lab.id}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _executable(archive, "setup.sh", SETUP)
        run = RUN.format(lab=lab.id, lang=lang, level=CLASS_ISOLATION)
        _executable(archive, "run_autograder", run)
        archive.writestr("requirements.txt", "\n".join(pinned_requirements()) + "\n")
        for name in ("pyproject.toml", "README.md"):
            archive.write(root / name, f"seqlab/{name}")
        for package in ("graders", "quizzes"):  # code, templates and static files
            _add_package(archive, root / package, package)
        archive.write(lab.spec_path, f"seqlab/graders/labs/{lab.spec_path.name}")
        records = export_records(lab)  # staff side, like the spec: never in results.json
        if records is not None:
            archive.writestr(f"seqlab/graders/labs/mistakes/{lab.id}.json", records)
        band = band_path(lab.spec_path, lab.id)  # the loss curve's band: its sentence
        if lab.curve is not None and band.is_file():
            archive.write(band, f"seqlab/graders/labs/curves/{band.name}")
        _add_tree(archive, lab.starter_path.parent, f"exercises/{lab.id}", "*")
    return [path]
