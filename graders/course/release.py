"""`seqlab release DIR`: what students get, and nothing they must not.

Written: the engine (graders/ and quizzes/ code, pyproject.toml, README.md), every lab's
task page, starter and notebook (exercises/), every lab spec with its hidden sets removed
(rebuilt from the parsed data, so no comment about a hidden set survives), and the quiz
papers without keys (papers/<quiz>.<lang>.md, handed in by the CLI: this package never
reads quiz banks). Left out: solutions/, tests/ (the mistake corpus), the quiz banks (they
hold the answers), hidden sets. With it, `seqlab check FILE` works inside DIR on the
public sets (`pip install -e DIR`, or `python -m graders.cli` from DIR).
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import tomlkit

from graders.spec import Course

CODE_PACKAGES = ("graders", "quizzes")


def public_spec(text: str) -> str:
    data = tomllib.loads(text)
    data["tests"] = [test for test in data.get("tests", []) if not test.get("hidden", False)]
    return tomlkit.dumps(data)


def _copy_code(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def write_release(course: Course, folder: Path, papers: dict[str, str]) -> list[Path]:
    """Write the student release into `folder` (new or empty); the files written."""
    root = course.root
    for package in CODE_PACKAGES:
        _copy_code(root / package, folder / package)
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(root / name, folder / name)
    labs_dir = folder / "graders" / "labs"
    labs_dir.mkdir(parents=True, exist_ok=True)
    (folder / "exercises").mkdir(exist_ok=True)
    shutil.copyfile(root / "exercises" / "README.md", folder / "exercises" / "README.md")
    for lab in course.labs():
        text = lab.spec_path.read_text(encoding="utf-8")
        (labs_dir / lab.spec_path.name).write_text(public_spec(text), encoding="utf-8")
        shutil.copytree(
            lab.starter_path.parent,
            folder / "exercises" / lab.id,
            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
        )
    (folder / "quizzes" / "banks").mkdir(parents=True, exist_ok=True)  # empty: no keys
    for name, text in papers.items():
        path = folder / "papers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(p for p in folder.rglob("*") if p.is_file())
