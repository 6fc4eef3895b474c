"""A Gradescope bundle unpacked into an /autograder-shaped folder, and run_autograder run on
an upload there (tests/test_gradescope_links.py, tests/test_gradescope_uploads.py)."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from graders.cli import main


def unpacked_bundle(lab_id: str, tmp_path: Path) -> Path:
    """`seqlab export gradescope` for the lab, unzipped into tmp_path/autograder/source."""
    out = tmp_path / "out"
    assert main(["--lang", "en", "export", "gradescope", "--lab", lab_id, str(out)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out / f"autograder-{lab_id}.zip") as archive:
        archive.extractall(root / "source")
    return root


def run_upload(
    root: Path, files: dict[str, str], links: dict[str, str] | None = None, **env: str
) -> tuple[subprocess.CompletedProcess, dict | None]:
    """The upload (files by name, symbolic links by name → target) in root/submission, then
    run_autograder as Gradescope runs it; its process and results.json (None: not written)."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    submission.mkdir()
    for name, text in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text, encoding="utf-8")
    for name, target in (links or {}).items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).symlink_to(target)
    environment = {
        **os.environ,
        "SEQLAB_AUTOGRADER_ROOT": str(root),
        "SEQLAB_PYTHON": sys.executable,
        **env,
    }
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = root / "results" / "results.json"
    return done, json.loads(results.read_text(encoding="utf-8")) if results.exists() else None
