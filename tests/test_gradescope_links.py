"""The Gradescope bundle's run_autograder with a symbolic link in the upload: a link to a file
inside the upload is graded; one leading outside it (the course folder, its hidden sets) is
refused with a 0 and the reason, and never read."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

from graders.cli import main

LAB = "scaled-dot-product"  # NumPy: quick


def test_a_link_inside_the_upload_is_followed_and_one_outside_is_refused(course, tmp_path):
    out = tmp_path / "out"
    assert main(["--lang", "en", "export", "gradescope", "--lab", LAB, str(out)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out / f"autograder-{LAB}.zip") as archive:
        archive.extractall(root / "source")
    lab = course.lab(LAB)
    reference = lab.solution_path.read_text(encoding="utf-8")
    outside = tmp_path / "elsewhere" / lab.entry  # a right answer, but not in the upload
    outside.parent.mkdir()
    outside.write_text(reference, encoding="utf-8")
    spec = root / "source" / "seqlab" / "graders" / "labs" / f"{LAB}.toml"
    assert spec.is_file()

    def autograde(files: dict[str, str], links: dict[str, str]) -> dict:
        submission = root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        shutil.rmtree(root / "results", ignore_errors=True)
        submission.mkdir()
        for name, text in files.items():
            (submission / name).parent.mkdir(parents=True, exist_ok=True)
            (submission / name).write_text(text, encoding="utf-8")
        for name, target in links.items():
            (submission / name).parent.mkdir(parents=True, exist_ok=True)
            (submission / name).symlink_to(target)
        env = {
            **os.environ,
            "SEQLAB_AUTOGRADER_ROOT": str(root),
            "SEQLAB_PYTHON": sys.executable,
        }
        done = subprocess.run(
            ["bash", str(root / "source" / "run_autograder")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))

    # Links inside the upload: followed (relative or absolute), counted once with their file.
    drafts = {"work/v2.py": reference, "work/v1.py": "x = 1\n"}
    inside_cases = [
        (drafts, {lab.entry: "work/v2.py"}),  # the starter's name picks the link
        (drafts, {lab.entry: str(root / "submission" / "work" / "v2.py")}),
        ({"work/v2.py": reference}, {"latest.py": "work/v2.py"}),  # one file, not two
        ({"work/v2.py": reference}, {"stray.py": str(spec)}),  # a stray link out: not one
    ]
    for files, links in inside_cases:
        document = autograde(files, links)
        assert document["score"] == 100, (files, links, document["output"])

    # Leading outside: the reference beside the upload, the spec with the hidden sets.
    for links in ({lab.entry: str(outside)}, {lab.entry: str(spec)}, {"x.py": "../../x"}):
        document = autograde({}, links)
        assert document["score"] == 0 and document["tests"] == [], links
        assert "symbolic link that leads outside your upload" in document["output"], links
        assert "[[tests]]" not in document["output"] and "hidden" not in document["output"]
