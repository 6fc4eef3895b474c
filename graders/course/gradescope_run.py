"""`run_autograder`'s Python half: one Gradescope submission → results/results.json.

`python -m graders.course.gradescope_run ROOT LAB LANG LEVEL` finds the student's file under
ROOT/submission, grades it through the grading service at isolation LEVEL or better, and
writes ROOT/results/results.json. What is whose fault decides what Gradescope shows:
- the student's (no file, several candidates, a file that cannot be read or spliced, a
  symbolic link leading out of the upload): a results.json with 0 and the reason, like any
  grade. A link to a file inside the upload is read there; one leading outside it (the
  course folder beside it holds the hidden sets) is never opened;
- ours or the author's (a broken seqlab, spec or sandbox, an isolation below LEVEL): no
  results.json and a non-zero exit, which Gradescope reports to staff as an autograder
  failure — never a 0 for the student.
The tests are drawn by present/gradescope.py, as the gradebook's Gradescope export draws them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from graders.cells import notebook_lab
from graders.errors import SeqlabError, SubmissionError
from graders.markers import parse
from graders.messages import say
from graders.present.gradescope import gradescope_tests
from graders.present.view import build
from graders.results import LabResult
from graders.service import Blame, grade_lab, require_isolation
from graders.spec import Course, LabSpec
from graders.submission import Submission, read_bytes, submission_from_bytes

from .upload_listing import (
    MAX_FILES,
    aside_note,
    is_archive,
    left_aside,
    listed,
    unnamed_note,
    upload_files,
)

SUFFIXES = (".py", ".ipynb")
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}


def linked_folders(folder: Path) -> list[Path]:
    """Links to folders in the upload: never followed (one may lead to the course beside it),
    so a student whose work is behind one is told why nothing was found."""
    found: list[Path] = []
    for top, folders, _files in os.walk(folder):
        found += [Path(top) / f for f in sorted(folders) if (Path(top) / f).is_symlink()]
        if len(found) > MAX_FILES:
            break
    return found


def candidates(folder: Path) -> list[Path]:
    """Every .py/.ipynb under the submission folder, symbolic links to files included (hidden
    folders and links to folders left out: os.walk does not follow them)."""
    found: list[Path] = []
    for top, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS and f[0] != ".")
        for name in sorted(files):
            path = Path(top) / name
            if path.suffix.lower() in SUFFIXES and name[0] != ".":
                found.append(path)
        if len(found) > MAX_FILES:
            break
    return found


def inside(path: Path, folder: Path) -> Path | None:
    """The file `path` stands for (itself, or where its links lead) when that is a file inside
    the submission folder; None when a link leads outside it (the course beside it, with the
    hidden sets), nowhere, or round in a loop. Nothing is opened to find out."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(folder.resolve()) and real.is_file() else None


def _distinct(paths: list[Path], folder: Path) -> list[Path]:
    """The files, a link and the file it leads to counted once (the file kept); a stray link
    out of the upload beside real files is not a candidate."""
    unique: dict[Path, Path] = {}
    for path in sorted(paths, key=Path.is_symlink):  # a file before the links to it
        unique.setdefault(inside(path, folder) or path, path)
    chosen = list(unique.values())
    readable = [path for path in chosen if not path.is_symlink() or inside(path, folder)]
    return readable if len(chosen) > 1 and readable else chosen


def find_submission(folder: Path, lab: LabSpec) -> tuple[Path, list[Path]]:
    """The lab's file however it was uploaded, and the other candidates left aside. In the
    README's order: the starter's name, else its notebook, else nbgrader's <lab>.ipynb,
    anywhere in the folder; else the only .py/.ipynb there is. Two files of the first name
    found (in different folders) are refused, naming both: either may be the work.
    Returned as uploaded (a link stays a link: `read_upload` reads where it leads)."""
    found = candidates(folder)
    stem = Path(lab.entry).stem
    shown = Path(folder.name)  # the student's upload, not where the grader keeps it
    for name in dict.fromkeys((lab.entry, f"{stem}.ipynb", f"{lab.id}.ipynb")):
        chosen = _distinct([path for path in found if path.name == name], folder)
        if len(chosen) > 1:
            names = ", ".join(str(path.relative_to(folder)) for path in chosen[:10])
            raise SubmissionError("gradescope.same_name", path=shown, name=name, names=names)
        if chosen:
            others = _distinct([p for p in found if p.name != name], folder)
            return chosen[0], others
    chosen = _distinct(found, folder)
    if not chosen:
        links = ", ".join(str(p.relative_to(folder)) for p in linked_folders(folder)[:10])
        if links:
            raise SubmissionError("gradescope.folder_link", path=shown, links=links)
        archives = listed(archives_in(folder), folder)
        if archives:
            raise SubmissionError(
                "gradescope.archive", path=shown, suffixes=" ".join(SUFFIXES), archives=archives
            )
        raise SubmissionError("batch.no_file", path=shown, suffixes=" ".join(SUFFIXES))
    if len(chosen) > 1:
        names = ", ".join(str(path.relative_to(folder)) for path in chosen[:10])
        raise SubmissionError("batch.ambiguous", path=shown, names=names, entry=lab.entry)
    return chosen[0], []


def archives_in(folder: Path) -> list[Path]:
    """Archives in the upload (never unpacked: a student's archive is hostile), to name them."""
    return [p for p in upload_files(folder) if is_archive(p) and not p.is_symlink()]


def _blank_bodies(path: Path, folder: Path) -> tuple[tuple[str, ...], ...] | None:
    """A candidate's blank bodies (lines stripped at the end), or None if it cannot be read."""
    try:
        text = read_upload(path, folder).text
        return tuple(tuple(line.rstrip() for line in b.body) for b in parse(text, "x").blanks)
    except (SeqlabError, OSError, ValueError):
        return None


def skip_untouched(
    path: Path, others: list[Path], folder: Path, lab: LabSpec
) -> tuple[Path, list[Path], list[Path]]:
    """A whole lab folder uploaded: the untouched starters (every blank still its placeholder:
    the .py and the notebook) beside a file with work (a completed notebook) are not the one
    to grade. Returns the file to grade, the other files, and every untouched starter left
    aside (empty when nothing was skipped)."""
    if not others:
        return path, others, []
    starter = _blank_bodies(lab.starter_path, lab.starter_path.parent)
    if starter is None or _blank_bodies(path, folder) != starter:
        return path, others, []
    names = (lab.entry, f"{Path(lab.entry).stem}.ipynb", f"{lab.id}.ipynb")
    ranked = sorted(others, key=lambda p: names.index(p.name) if p.name in names else len(names))
    for other in ranked:
        bodies = _blank_bodies(other, folder)
        if bodies is not None and len(bodies) == len(starter) and bodies != starter:
            rest = [p for p in [path, *others] if p != other]
            untouched = [p for p in rest if _blank_bodies(p, folder) == starter]
            return other, [p for p in rest if p not in untouched], untouched
    return path, others, []


def other_lab(path: Path, folder: Path, lab: LabSpec) -> str | None:
    """The lab a notebook's own metadata names, when it is not this assignment's."""
    if path.suffix.lower() != ".ipynb":
        return None
    try:
        real = inside(path, folder) if path.is_symlink() else path
        named = notebook_lab(read_bytes(real, follow_symlinks=False).decode("utf-8", "replace"))
    except (SeqlabError, OSError, TypeError):
        return None
    return named if named and named != lab.id else None


def read_upload(path: Path, folder: Path) -> Submission:
    """The uploaded file; a link only when it leads to a file inside the upload, read there
    (never through a link swapped in since), under the name the student gave it."""
    real = inside(path, folder) if path.is_symlink() else path
    if real is None:
        shown = Path(folder.name) / path.relative_to(folder)
        raise SubmissionError("gradescope.link_outside", path=shown)
    return submission_from_bytes(path, read_bytes(real, follow_symlinks=False))


def results_json(result: LabResult, lang: str, note: str = "") -> dict:
    summary = say(
        "report.score", lang, score=f"{result.score:g}", max_score=f"{result.max_score:g}"
    )
    summary = "\n".join([summary, *build(result, lang).pointer, *([note] if note else [])])
    return {
        "score": result.score,
        "execution_time": round(result.execution_time, 3),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": gradescope_tests(result, lang),
    }


def graded_note(path: Path, root: Path, lang: str, starters: list[Path] = ()) -> str:
    """The file graded, and every other file of the upload: each untouched starter said to be
    one, archives said not unpacked, system files (__MACOSX, dotfiles) said ignored."""
    folder = root / "submission"
    file = path.relative_to(folder)
    plain, archives, system = left_aside(folder, [path, *starters])
    ignored = listed(plain, folder)
    if starters:
        note = say("gradescope.starter_skipped", lang, file=file, starter=listed(starters, folder))
        note += " " + say("gradescope.also_ignored", lang, ignored=ignored) if plain else ""
    elif plain:
        note = say("gradescope.graded_file", lang, file=file, ignored=ignored)
    else:
        note = say("gradescope.graded_only", lang, file=file)
    return " ".join([note, aside_note(archives, system, folder, lang)]).strip()


def error_note(error: SubmissionError, folder: Path, lang: str) -> str:
    """A refused upload's message, then every file of it the message does not name."""
    named = ", ".join(str(error.params.get(k, "")) for k in ("names", "archives", "links"))
    paths = [folder / name for name in named.split(", ") if name]
    rest = unnamed_note(folder, paths, lang)
    return error.render(lang) + (" " + rest if rest else "")


def shown(message: str, root: Path, course: Course) -> str:
    """A message as the student may read it: no server path (the grader's folders are not
    theirs to open): the upload as `submission/…`, the course's files as in their release."""
    message = message.replace(str(root / "submission"), "submission")
    return message.replace(str(course.root) + os.sep, "")


def students_zero(message: str) -> dict:
    return {"score": 0, "execution_time": 0, "output": message, "tests": []}


def run(root: Path, lab_id: str, lang: str, level: str) -> dict:
    """results.json's content; raises (an autograder failure) when the fault is not the
    student's."""
    course = Course.locate(root / "source" / "seqlab")
    lab = course.lab(lab_id)
    require_isolation(level, course)
    folder = root / "submission"
    try:
        path, others = find_submission(folder, lab)
    except SubmissionError as error:
        return students_zero(shown(error_note(error, folder, lang), root, course))
    path, others, starters = skip_untouched(path, others, folder, lab)
    named = other_lab(path, folder, lab)
    if named is not None:
        file = path.relative_to(folder)
        said = say("gradescope.other_lab", lang, file=file, other=named, lab=lab.id)
        return students_zero(" ".join([said, unnamed_note(folder, [path], lang)]).strip())
    outcome = grade_lab(lab, lambda: read_upload(path, folder), include_hidden=True)
    if outcome.result is not None:
        note = graded_note(path, root, lang, starters)
        return results_json(outcome.result, lang, note)
    if outcome.blame is Blame.STUDENT:  # a 0 for the graded file: which one, and the rest
        said = "\n".join([outcome.message(lang), graded_note(path, root, lang, starters)])
        return students_zero(shown(said, root, course))
    raise outcome.error


def main(argv: list[str]) -> int:
    root, lab_id, lang, level = Path(argv[0]), argv[1], argv[2], argv[3]
    try:
        document = run(root, lab_id, lang, level)
    except SeqlabError as error:  # ours, the author's or the platform's: staff must see it
        print(error.render(lang), file=sys.stderr)
        return 1
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    (results / "results.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
