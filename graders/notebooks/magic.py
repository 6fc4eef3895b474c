"""The IPython extension: `%load_ext graders.notebooks.magic`, then

    %seqlab check [NOTEBOOK] [--lang zh|en] [--lab ID] [--course DIR]

grades the notebook on the lab's public test sets through the same engine and sandbox as
`seqlab check` (the student's code runs in a sandboxed process, never in this kernel), and
shows the result as HTML. It grades the notebook **as saved on disk** — save first.

Which notebook (the first that applies):
1. NOTEBOOK, if given (relative to the kernel's working folder);
2. `JPY_SESSION_NAME`, which jupyter_server (JupyterLab, Notebook 7) sets in the environment
   of a kernel it starts for a notebook: the notebook's path when the kernel started;
3. `__vsc_ipynb_file__`, which VS Code sets in the kernel's namespace;
4. the only notebook in the working folder named like a lab's file (`rnn_numpy.ipynb`).
Otherwise it says so and asks for the path. The jupyter_server REST API is not queried: it
needs the server's token, and the three ways above cover JupyterLab, VS Code and nbclient.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import HTML, display

from graders.errors import SeqlabError, UsageError
from graders.messages import LANGS, say
from graders.present.html import error_html, notebook_html
from graders.present.view import build
from graders.results import LabResult
from graders.service import choose_lab, grade_lab
from graders.spec import Course
from graders.submission import read_submission


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%seqlab", add_help=False, exit_on_error=False)
    parser.add_argument("command", choices=("check",))
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("--lang", choices=LANGS, default="zh")
    parser.add_argument("--lab")
    parser.add_argument("--course", type=Path)
    return parser


def find_notebook(explicit: str | None, namespace: dict, course: Course) -> Path:
    """The notebook to grade (see the module docstring for the order)."""
    if explicit:
        return Path(explicit)
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        for candidate in (Path(session), Path.cwd() / Path(session).name):
            if candidate.suffix == ".ipynb" and candidate.is_file():
                return candidate
    vscode = namespace.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and Path(vscode).is_file():
        return Path(vscode)
    stems = {Path(lab.entry).stem for lab in course.labs()}
    found = sorted(p for p in Path.cwd().glob("*.ipynb") if p.stem in stems)
    if len(found) == 1:
        return found[0]
    raise UsageError("notebook.not_found", cwd=Path.cwd())


def check_notebook(path: Path, course: Course, lab_id: str | None = None) -> LabResult:
    """The notebook's public sets, through the grading service; its error if it has none."""
    submission = read_submission(path)
    lab = choose_lab(course, submission.path, lab_id)
    outcome = grade_lab(lab, submission, include_hidden=False)
    if outcome.result is None:
        raise outcome.error
    return outcome.result


@magics_class
class SeqlabMagics(Magics):
    @line_magic
    def seqlab(self, line: str) -> None:
        lang = "zh"
        try:
            try:
                args = _parser().parse_args(shlex.split(line))
            except (argparse.ArgumentError, SystemExit, ValueError):
                raise UsageError("notebook.magic_usage", line=line) from None
            lang = args.lang
            # The kernel runs in the notebook's folder: a student's release is found from it.
            course = Course.locate(args.course, near=Path.cwd())
            path = find_notebook(args.notebook, self.shell.user_ns, course)
            result = check_notebook(path, course, args.lab)
        except SeqlabError as error:
            display(HTML(error_html(error.render(lang))))
            return
        except Exception as error:  # our own bug: say so plainly, no traceback in the cell
            display(
                HTML(error_html(say("internal", lang, error=f"{type(error).__name__}: {error}")))
            )
            return
        display(HTML(notebook_html(build(result, lang))))


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(SeqlabMagics)
