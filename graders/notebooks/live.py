"""Which notebook `%seqlab check` grades, and proof that the file holds what is on screen.

The kernel alone cannot know what the student sees. Why not the other ways:
(a) the kernel's history (`In`, `pre_run_cell`) holds only the cells that were *run*: an edit
    typed but not run — the false "all passed" of issue 16 — never reaches the kernel;
(b) the Jupyter server's contents API returns the file as last saved, which is the very file
    that may be stale (and the kernel holds no token to ask it);
(c) so the frontend must say it. The check cell's first output carries a random nonce and a
    small script; JupyterLab 4 and Notebook 7 run scripts in HTML output produced in the
    session (trusted output), and the script presses the notebook panel's own Save button
    (classic Notebook: `Jupyter.notebook.save_checkpoint()`). Saving writes the whole live
    model — every cell as on screen, and this output with its nonce — through the frontend's
    own serialiser, so no DOM scraping (notebook windowing and CodeMirror's viewport show
    only some cells). The kernel waits, bounded, for a notebook file holding the nonce: that
    file *is* the notebook on screen, just saved, whatever it is called now. Rename,
    Duplicate (`-Copy1`) and Save As need no path at all, and a second notebook of the same
    lab in the folder is never mistaken for this one.
If no save arrives (a frontend that runs no scripts, a "file changed on disk" dialog), the
check refuses and says why; `--saved` grades the file as saved, on the student's word.
VS Code's kernel (`__vsc_ipynb_file__`) cannot be asked to save: it is refused the same way.
Without a frontend (nbclient, `nbgrader validate`, papermill: no JPY_SESSION_NAME) no file
can be named for certain: the folder may hold several notebooks of the lab (a `-Copy1`, a
renamed one), and the validator holds its notebook in memory. But a fresh kernel there runs
every code cell once, top to bottom, so its input history *is* the notebook's code so far:
that is what is graded (`executed_notebook`), never a file found by name.

The lab: `--lab`, else the notebook's own metadata (`seqlab.lab`, written by `seqlab build`),
else its file name, else the name the session started with (JPY_SESSION_NAME).
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from graders.cells import is_tool_cell, notebook_lab, program_sources, read_cells
from graders.errors import SeqlabError, UsageError
from graders.messages import say
from graders.spec import Course, LabSpec
from graders.submission import Submission, read_submission, read_text

SAVE_SECONDS = 20.0  # a save is well under a second; a busy shared machine gets room
POLL_SECONDS = 0.1
MAX_SCAN_BYTES = 8 * 1024 * 1024  # submission.MAX_FILE_BYTES: larger files are refused anyway
# The line of a public set's grade cell (nbgrader.VALIDATE): the grader's, not the program.
GRADE_CELL_CALL = "from graders.notebooks.validate import public_set"
EXECUTED = "(executed notebook).ipynb"  # the name results give the kernel's executed cells

# Runs once where the output is shown. Only the panel that holds this output is saved (its
# own toolbar button), never another tab. Retried briefly: the output may be attached to
# the page just after the script runs.
SAVE_SCRIPT = """<script>
(function () {
  var here = document.currentScript, tries = 0;
  function save() {
    var nb = window.Jupyter && window.Jupyter.notebook;
    if (nb && nb.save_checkpoint) { nb.save_checkpoint(); return; }
    var panel = here && here.closest && here.closest(".jp-NotebookPanel");
    var button = panel && panel.querySelector(
      '[data-jp-item-name="save"] jp-button, [data-jp-item-name="save"] button');
    if (button) { button.click(); return; }
    if (++tries < 50) { setTimeout(save, 100); }
  }
  save();
})();
</script>"""


def save_request_html(nonce: str, lang: str) -> str:
    """The check's first output: a line of text, the nonce, and the script that saves."""
    text = say("notebook.saving", lang)
    return f'<div class="seqlab-saving" data-seqlab-save="{nonce}">{text}</div>\n{SAVE_SCRIPT}'


def new_nonce() -> str:
    return f"seqlab-save-{secrets.token_hex(16)}"


def session_path() -> Path | None:
    """The notebook's path when the kernel started (jupyter_server sets it); None if absent."""
    session = os.environ.get("JPY_SESSION_NAME")
    return Path(session) if session else None


def search_folders(current: Path | None = None) -> list[Path]:
    """Where a saved notebook may be: the folder the server says it is in now (`current`,
    graders/notebooks/server.py: a notebook moved to another folder), the kernel's folder,
    and its session path's folder."""
    folders = [Path.cwd()]
    if current is not None and current.parent.is_dir():
        folders.insert(0, current.parent)
    session = session_path()
    if session is not None:
        for folder in (session.parent, Path.cwd() / session.parent):
            if folder.is_absolute() and folder.is_dir() and folder not in folders:
                folders.append(folder)
    return folders


def _holds(path: Path, nonce: bytes) -> bool:
    try:
        if path.stat().st_size > MAX_SCAN_BYTES:
            return False
        return nonce in path.read_bytes()
    except OSError:
        return False


def wait_for_save(nonce: str, folders: list[Path], seconds: float = SAVE_SECONDS) -> Path | None:
    """The notebook file that holds `nonce`, once the frontend has saved it; None if none
    does within `seconds`. Only files changed since the wait began are read."""
    started = time.time() - 2  # file systems with coarse timestamps
    needle = nonce.encode()
    deadline = time.monotonic() + seconds
    while True:
        for folder in folders:
            for path in sorted(folder.glob("*.ipynb")):
                try:
                    changed = path.stat().st_mtime >= started
                except OSError:
                    continue
                if changed and _holds(path, needle):
                    return path
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL_SECONDS)


def metadata_lab(path: Path) -> str | None:
    """The lab id in the notebook's own metadata (`seqlab build` writes it), if any."""
    try:
        return notebook_lab(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None  # unreadable: reading it as a submission says why


def lab_for(path: Path, course: Course, lab_id: str | None) -> LabSpec:
    """The lab the notebook is for (see the module docstring for the order)."""
    if lab_id:
        return course.lab(lab_id)
    if path.name == EXECUTED:
        return folder_lab(course)
    named = metadata_lab(path)
    if named in course.lab_ids():
        return course.lab(named)
    try:
        return course.lab_for_file(path)
    except UsageError:
        session = session_path()
        if session is None or session.name == path.name:
            raise
        return course.lab_for_file(Path(session.name))


def headless_notebook(course: Course) -> Path:
    """`--saved` with no frontend to name the file: the only notebook in the folder that is
    a lab's, by its metadata or its name (the starter's, or the lab id: nbgrader names it so)."""
    ids = set(course.lab_ids())
    stems = {Path(lab.entry).stem for lab in course.labs()} | ids
    found = sorted(
        p for p in Path.cwd().glob("*.ipynb") if p.stem in stems or metadata_lab(p) in ids
    )
    if len(found) == 1:
        return found[0]
    raise UsageError("notebook.not_found", cwd=Path.cwd())


def executed_sources(shell) -> list[str]:
    """The code this kernel ran, cell by cell, as typed (IPython's raw input history, before
    any transformer), grade cells and empty cells left out. Headless, a fresh kernel runs
    the notebook's code cells once, top to bottom: this *is* the notebook's code so far."""
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    return [s.rstrip() for s in history[1:] if s.strip() and GRADE_CELL_CALL not in s]


def _code(sources: list[str]) -> list[str]:
    """The cells that are code: tool cells (`%seqlab check`, added or re-run) and cells of
    comments only (a hidden set's grade cell, which the kernel runs too) are left out."""
    return [
        source
        for source in sources
        if not is_tool_cell(source)
        and not all(line.lstrip().startswith("#") for line in source.split("\n") if line.strip())
    ]


def _file_sources(path: Path) -> list[str] | None:
    try:
        return _code(program_sources(read_text(path), path))
    except SeqlabError:
        return None


def folder_lab(course: Course) -> LabSpec:
    """The lab of the executed cells when no file holds them: that of every lab notebook in
    the folder, by metadata or name, if they agree; refused otherwise (say `--lab`)."""
    ids = set(course.lab_ids())
    stems = {Path(lab.entry).stem: lab.id for lab in course.labs()} | {i: i for i in ids}
    found = set()
    for path in Path.cwd().glob("*.ipynb"):
        lab = metadata_lab(path)
        found.add(lab if lab in ids else stems.get(path.stem))
    found.discard(None)
    if len(found) != 1:
        raise UsageError("spec.cannot_tell_lab", path=EXECUTED, known=", ".join(sorted(ids)))
    return course.lab(found.pop())


def executed_notebook(shell, course: Course) -> Submission:
    """With no frontend to ask (nbclient, `nbgrader validate`, `jupyter nbconvert --execute`,
    papermill): the program of the cells the kernel executed. Never a file chosen by name:
    a file in the folder is used only if its code cells begin with exactly the executed
    ones (then its cell numbers and the cells not yet run, such as the entry cell after the
    check cell, come from it); several such files that differ afterwards are refused; none,
    and the executed cells alone are graded, numbered as the kernel's `In [n]`."""
    sources = _code(executed_sources(shell))
    if not sources:
        raise UsageError("notebook.not_found", cwd=Path.cwd())
    matches: dict[tuple[str, ...], Path] = {}
    for path in sorted(Path.cwd().glob("*.ipynb")):
        found = _file_sources(path)
        if found is not None and found[: len(sources)] == sources:
            matches.setdefault(tuple(found), path)
    if len(matches) > 1:
        names = ", ".join(path.name for path in matches.values())
        raise UsageError("notebook.headless_ambiguous", names=names)
    if matches:
        return read_submission(next(iter(matches.values())))
    name = Path.cwd() / EXECUTED
    program = read_cells(list(enumerate(sources, start=1)), name)
    return Submission(name, program.text, program.places)


@dataclass(frozen=True)
class Frontend:
    """What the kernel knows of the screen: JupyterLab/Notebook (can be asked to save),
    VS Code (cannot), or none (the file is the notebook)."""

    kind: str  # "jupyter" | "vscode" | "none"
    path: Path | None = None

    @classmethod
    def detect(cls, namespace: dict) -> Frontend:
        vscode = namespace.get("__vsc_ipynb_file__")
        if isinstance(vscode, str):
            return cls("vscode", Path(vscode))
        session = session_path()
        if session is not None:
            return cls("jupyter", session)
        return cls("none")
