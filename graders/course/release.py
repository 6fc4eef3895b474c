"""`seqlab release DIR [--upto LEVEL]`: what students get, and nothing they must not.

Written: the engine (graders/ and quizzes/ code, pyproject.toml), a README for students (both
languages: install, check, quizzes, hand-in — not the instructor's), the course index, every
lab's task page, starter and notebook (exercises/), every lab spec with its hidden sets
removed but counted (rebuilt from the parsed data, so no comment about a hidden set survives:
only their number and points stay, so a check says they run on submission), and each quiz as
a keyless bank (answers, explanations and sources taken out: `seqlab quiz take` records
answers on a sheet to hand in) and as papers (papers/<quiz>.<lang>.md); both handed in by
the CLI, which reads the banks. Left out: solutions/, tests/ (the mistake corpus), the
quiz keys, hidden sets.

`--upto LEVEL` writes one stage of a 闯关 course: only the labs up to that 关卡, so a later
lab's starter (which may hold an earlier lab's answers as locked code) is not handed out
before the earlier lab is done.

With it, `pip install ./DIR` (editable or not) and `seqlab check FILE` work: the check finds
the course from the file's own folder.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import jinja2
import tomlkit

from graders.course.index import course_index
from graders.spec import Course, LabSpec

CODE_PACKAGES = ("graders", "quizzes")
TEMPLATES = Path(__file__).parent / "templates"


def public_spec(text: str) -> str:
    """The spec without its hidden sets, but with how many there are and their points
    (`hidden_sets`, `hidden_points`): a check in the release says they run on submission."""
    data = tomllib.loads(text)
    tests = data.get("tests", [])
    hidden = [test for test in tests if test.get("hidden", False)]
    data["tests"] = [test for test in tests if not test.get("hidden", False)]
    if hidden:  # first: a key after a table would be read as the table's
        counts = {"hidden_sets": len(hidden), "hidden_points": sum(t["points"] for t in hidden)}
        data = {**counts, **data}
    return tomlkit.dumps(data)


def released_labs(course: Course, upto: int | None) -> list[LabSpec]:
    """The labs of a release: all, or those of 关卡 up to `upto` (a lab without a level is
    outside every stage but the whole course)."""
    labs = course.labs()
    if upto is None:
        return labs
    return [lab for lab in labs if lab.level is not None and lab.level <= upto]


def student_readme(folder: Path, labs: list[LabSpec], quizzes: list[str], upto: int | None):
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    title = "seqlab 学生版 · seqlab, students' copy"
    if upto is not None:
        title += f" (关卡 ≤ {upto} · levels up to {upto})"
    return environment.get_template("release_readme.md").render(
        title=title,
        folder=folder.name,
        labs=labs,
        example=labs[0] if labs else None,  # a stage of quizzes only has no lab
        quizzes=quizzes,
        upto=upto,
        torch=torch_requirement(folder / "pyproject.toml"),
    )


def torch_requirement(pyproject: Path) -> str:
    """The release's own torch pin (`torch==2.13.0`), for the README's CPU-build install line:
    on Linux, PyPI's default torch wheel is the CUDA one."""
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        table = {}
    dependencies = table.get("project", {}).get("dependencies", [])
    pins = [d.replace(" ", "") for d in dependencies if d.replace(" ", "").startswith("torch")]
    return next((p for p in pins if p[5:6] in "=<>~!"), "torch")


# Not code: caches, the web editor's npm packages, and course data (written below, without
# its secrets).
SKIPPED = {"__pycache__", "node_modules", "labs", "banks"}


def _copy_code(source: Path, target: Path) -> None:
    """The package with its templates and static files (a check renders HTML too)."""
    for path in sorted(source.rglob("*")):
        inner = path.relative_to(source).parts
        if not path.is_file() or SKIPPED.intersection(inner) or path.suffix == ".pyc":
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def write_release(
    course: Course,
    folder: Path,
    papers: dict[str, str],
    banks: dict[str, str],
    upto: int | None = None,
) -> list[Path]:
    """Write the student release into `folder` (new or empty); the files written. `papers`
    and the keyless `banks` (by file name) are handed in by the CLI: this package never reads
    quiz banks."""
    root = course.root
    labs = released_labs(course, upto)
    for package in CODE_PACKAGES:
        _copy_code(root / package, folder / package)
    shutil.copyfile(root / "pyproject.toml", folder / "pyproject.toml")
    labs_dir = folder / "graders" / "labs"
    labs_dir.mkdir(parents=True, exist_ok=True)
    if labs:  # a stage of quizzes only has no exercises/, not an empty table of labs
        (folder / "exercises").mkdir(exist_ok=True)
        (folder / "exercises" / "README.md").write_text(course_index(labs), encoding="utf-8")
    for lab in labs:
        text = lab.spec_path.read_text(encoding="utf-8")
        (labs_dir / lab.spec_path.name).write_text(public_spec(text), encoding="utf-8")
        shutil.copytree(
            lab.starter_path.parent,
            folder / "exercises" / lab.id,
            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
        )
    banks_dir = folder / "quizzes" / "banks"
    banks_dir.mkdir(parents=True, exist_ok=True)
    for name, text in banks.items():
        (banks_dir / name).write_text(text, encoding="utf-8")
    quizzes = sorted(Path(name).stem for name in banks)
    for name, text in papers.items():
        path = folder / "papers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    readme = student_readme(folder, labs, quizzes, upto)
    (folder / "README.md").write_text(readme, encoding="utf-8")
    return sorted(p for p in folder.rglob("*") if p.is_file())
