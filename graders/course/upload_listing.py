"""Every file of a Gradescope upload, sorted into what the output says about it: the file
graded, the other files not graded, archives (never unpacked: a student's archive is hostile,
and the work inside one is not seen) and system files (macOS's __MACOSX and ._ copies, dotfiles,
caches). The student reads the output to learn what was graded; a file it does not name is a
file they may think was (gradescope_run.py)."""

from __future__ import annotations

import os
from pathlib import Path

from graders.messages import say

ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".gz", ".7z", ".rar")
SYSTEM_FOLDERS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
MAX_FILES = 1000  # a submission folder is the student's: walked with a bound
SHOWN = 10  # names shown per group; more are counted


def upload_files(folder: Path) -> list[Path]:
    """Every file in the upload (links to files too; links to folders are not followed)."""
    found: list[Path] = []
    for top, folders, files in os.walk(folder):
        folders.sort()
        found += [Path(top) / name for name in sorted(files)]
        if len(found) > MAX_FILES:
            break
    return found


def is_system(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return any(part in SYSTEM_FOLDERS or part.startswith(".") for part in parts)


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVES)


def listed(paths: list[Path], folder: Path) -> str:
    shown = ", ".join(str(p.relative_to(folder)) for p in paths[:SHOWN])
    return shown + (f", … (+{len(paths) - SHOWN})" if len(paths) > SHOWN else "")


def left_aside(folder: Path, named: list[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """The upload's files not in `named` (the graded file and those a message already names):
    (the other files, the archives, the system files)."""
    said = {p.relative_to(folder) for p in named}
    rest = [p for p in upload_files(folder) if p.relative_to(folder) not in said]
    system = [p for p in rest if is_system(p, folder)]
    archives = [p for p in rest if p not in system and is_archive(p)]
    plain = [p for p in rest if p not in system and p not in archives]
    return plain, archives, system


def aside_note(archives: list[Path], system: list[Path], folder: Path, lang: str) -> str:
    """Archives said not unpacked (the work may be inside one), system files said ignored."""
    notes = []
    if archives:
        notes.append(say("gradescope.archives_not_graded", lang, files=listed(archives, folder)))
    if system:
        notes.append(say("gradescope.system_files", lang, files=listed(system, folder)))
    return " ".join(notes)


def unnamed_note(folder: Path, named: list[Path], lang: str) -> str:
    """After a message that grades nothing: every file of the upload it does not name."""
    plain, archives, system = left_aside(folder, named)
    notes = [say("gradescope.not_graded", lang, files=listed(plain, folder))] if plain else []
    return " ".join([*notes, aside_note(archives, system, folder, lang)]).strip()
