"""`seqlab export gradescope --lab ID DIR`: DIR/autograder-<lab>.zip for Gradescope.

The zip holds, at its root, `setup.sh` (installs seqlab from the bundled source into a venv,
with bubblewrap for the strong sandbox) and `run_autograder` (grades
/autograder/submission/<file> with `seqlab grade … --lab ID --json` and writes
/autograder/results/results.json), and `seqlab/`: the engine, the lab's spec (hidden sets
included: the bundle is for staff and Gradescope, never for students) and its starter.

`run_autograder` reads three environment variables so it can be run outside Gradescope (our
test does): SEQLAB_AUTOGRADER_ROOT (default /autograder), SEQLAB_BIN (default the venv's
seqlab) and SEQLAB_PYTHON (the interpreter that turns seqlab's JSON into results.json).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from graders.messages import say
from graders.mistakes import export_records
from graders.spec import LabSpec

# Gradescope's results.json, as ANCHORS.md describes it (the fields we write).
RESULTS_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["score", "execution_time", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"$ref": "#/$defs/visibility"},
        "stdout_visibility": {"$ref": "#/$defs/visibility"},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "number": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": {"$ref": "#/$defs/visibility"},
                },
                "additionalProperties": False,
            },
        },
        "leaderboard": {"type": "array"},
    },
    "additionalProperties": False,
    "$defs": {"visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]}},
}

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap libseccomp2
python3 -m venv /autograder/seqlab-venv
# CPU wheels of torch: the CUDA build is gigabytes and the labs do not use a GPU.
/autograder/seqlab-venv/bin/pip install --extra-index-url https://download.pytorch.org/whl/cpu \\
    -e /autograder/source/seqlab
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes results/results.json.
set -uo pipefail
ROOT="${{SEQLAB_AUTOGRADER_ROOT:-/autograder}}"
SEQLAB="${{SEQLAB_BIN:-$ROOT/seqlab-venv/bin/seqlab}}"
PYTHON="${{SEQLAB_PYTHON:-$ROOT/seqlab-venv/bin/python}}"
COURSE="$ROOT/source/seqlab"
mkdir -p "$ROOT/results"
FILE="$ROOT/submission/{entry}"
if [ ! -f "$FILE" ] && [ -f "$ROOT/submission/{stem}.ipynb" ]; then
    FILE="$ROOT/submission/{stem}.ipynb"
fi
"$SEQLAB" --lang {lang} grade "$FILE" --lab {lab} --json --course "$COURSE" \\
    > "$ROOT/results/seqlab.json" 2> "$ROOT/results/seqlab.err"
CODE=$?
PYTHONPATH="$COURSE" "$PYTHON" -m graders.course.gradescope "$ROOT/results" "$CODE" {lang}
"""


def results_json(seqlab: dict | None, error: str, lang: str) -> dict:
    """seqlab's result JSON (None if it could not grade) → Gradescope's results.json."""
    if seqlab is None:
        message = error.strip() or say("internal", lang, error="no output")
        return {"score": 0, "execution_time": 0, "output": message, "tests": []}
    tests = []
    for number, test in enumerate(seqlab["tests"], start=1):
        output = [test["output"]]
        if "mistake" in test:  # a name and a hint, never data: hidden sets have it too
            output.append(test["mistake"])
        for key, label in (
            ("input", "report.input"),
            ("expected", "report.expected"),
            ("actual", "report.actual"),
        ):
            if key in test:
                output.append(f"{say(label, lang)}:\n{test[key]}")
        tests.append(
            {
                "name": test["name"],
                "number": str(number),
                "score": test["score"],
                "max_score": test["max_score"],
                "status": test["status"],
                "output": "\n".join(output),
                "visibility": test["visibility"],
            }
        )
    summary = say(
        "report.score", lang, score=f"{seqlab['score']:g}", max_score=f"{seqlab['max_score']:g}"
    )
    return {
        "score": seqlab["score"],
        "execution_time": seqlab["execution_time"],
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


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
    stem = Path(lab.entry).stem
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _executable(archive, "setup.sh", SETUP)
        run = RUN.format(entry=lab.entry, stem=stem, lab=lab.id, lang=lang)
        _executable(archive, "run_autograder", run)
        for name in ("pyproject.toml", "README.md"):
            archive.write(root / name, f"seqlab/{name}")
        _add_tree(archive, root / "graders", "graders", "*.py")
        _add_tree(archive, root / "quizzes", "quizzes", "*.py")
        archive.write(lab.spec_path, f"seqlab/graders/labs/{lab.spec_path.name}")
        records = export_records(lab)  # staff side, like the spec: never in results.json
        if records is not None:
            archive.writestr(f"seqlab/graders/labs/mistakes/{lab.id}.json", records)
        _add_tree(archive, lab.starter_path.parent, f"exercises/{lab.id}", "*")
    return [path]


def main(argv: list[str]) -> int:
    """`python -m graders.course.gradescope RESULTS_DIR EXIT_CODE LANG` (run_autograder)."""
    results, code, lang = Path(argv[0]), int(argv[1]), argv[2]
    error = (results / "seqlab.err").read_text(encoding="utf-8", errors="replace")
    seqlab = None
    if code in (0, 1):
        seqlab = json.loads((results / "seqlab.json").read_text(encoding="utf-8"))
    document = results_json(seqlab, error, lang)
    (results / "results.json").write_text(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
