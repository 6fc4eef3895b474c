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
Without a frontend (nbclient, papermill: no JPY_SESSION_NAME) the file is the notebook.

The lab: `--lab`, else the notebook's own metadata (`seqlab.lab`, written by `seqlab build`),
else its file name, else the name the session started with (JPY_SESSION_NAME).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from graders.errors import UsageError
from graders.messages import say
from graders.spec import Course, LabSpec

SAVE_SECONDS = 20.0  # a save is well under a second; a busy shared machine gets room
POLL_SECONDS = 0.1
MAX_SCAN_BYTES = 8 * 1024 * 1024  # submission.MAX_FILE_BYTES: larger files are refused anyway

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


def search_folders() -> list[Path]:
    """Where a saved notebook may be: the kernel's folder and its session path's folder."""
    folders = [Path.cwd()]
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
        notebook = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None  # unreadable: reading it as a submission says why
    seqlab = notebook.get("metadata", {}).get("seqlab") if isinstance(notebook, dict) else None
    lab = seqlab.get("lab") if isinstance(seqlab, dict) else None
    return lab if isinstance(lab, str) else None


def lab_for(path: Path, course: Course, lab_id: str | None) -> LabSpec:
    """The lab the notebook is for (see the module docstring for the order)."""
    if lab_id:
        return course.lab(lab_id)
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
    """With no frontend to ask: the only notebook in the folder that is a lab's, by its
    metadata or its name (the starter's, or the lab id: nbgrader names it so)."""
    ids = set(course.lab_ids())
    stems = {Path(lab.entry).stem for lab in course.labs()} | ids
    found = sorted(
        p for p in Path.cwd().glob("*.ipynb") if p.stem in stems or metadata_lab(p) in ids
    )
    if len(found) == 1:
        return found[0]
    raise UsageError("notebook.not_found", cwd=Path.cwd())


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
