"""The IPython extension: `%load_ext graders.notebooks.magic`, then

    %seqlab check [NOTEBOOK] [--saved] [--lang zh|en] [--lab ID] [--course DIR]

grades the notebook on the lab's public test sets through the same engine and sandbox as
`seqlab check` (the student's code runs in a sandboxed process, never in this kernel), and
shows the result as HTML.

It grades the notebook **as it is on screen**: in JupyterLab and Notebook 7 the check first
has the frontend save the notebook and finds the saved file by a nonce (graders/notebooks/
live.py says how, and why the kernel's history or the server's copy are not enough). Where
that cannot be done it refuses rather than grade a file that may be stale; `--saved` grades
the file as saved, and a NOTEBOOK named here is graded as saved on disk. With no frontend
(nbclient, papermill, `nbgrader validate`) it grades the cells the kernel executed.

Loading the extension again is silent, in any order and any cell: `%load_ext` of it once
loaded does nothing and says nothing (a README snippet pasted above the check cell's own
line, or run after it), `%reload_ext` and `%unload_ext` remove everything a load registered
before registering it anew, so nothing runs twice. The lab's entry cell (`if __name__ ==
"__main__":`, which reads standard input) is skipped in the kernel with a note, so Run All
ends without an error.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import HTML, display

from graders.errors import SeqlabError, UsageError
from graders.messages import LANGS, say
from graders.notebooks import live, reuse, server
from graders.notebooks.build import is_entry_cell
from graders.present.html import error_html, notebook_html
from graders.present.view import build
from graders.results import LabResult
from graders.service import grade_lab
from graders.spec import Course
from graders.submission import Submission, read_submission


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """argparse would print its English usage on stderr and exit; the magic says what is
        wrong in the student's language instead (notebook.magic_usage), and only that."""
        raise argparse.ArgumentError(None, message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%seqlab", add_help=False, exit_on_error=False)
    parser.add_argument("command", choices=("check",))
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("--saved", action="store_true")
    parser.add_argument("--lang", choices=LANGS, default="zh")
    parser.add_argument("--lab")
    parser.add_argument("--course", type=Path)
    return parser


def find_notebook(explicit: str | None, namespace: dict, course: Course) -> Path:
    """The notebook file to grade as saved, without asking the frontend: the one named, VS
    Code's, the session's if it still exists, else the only lab notebook in the folder."""
    if explicit:
        return Path(explicit)
    frontend = live.Frontend.detect(namespace)
    if frontend.kind == "vscode" and frontend.path.is_file():
        return frontend.path
    if frontend.kind == "jupyter":
        # Only the server's word names the notebook on screen: the session's first path and
        # the kernel's folder are where it *was* (a moved or renamed notebook), and a file
        # there now is another notebook, maybe a correct stale copy.
        current = server.current_notebook()
        if current is not None and current.is_file():
            return current
        raise UsageError("notebook.saved_unknown", cwd=Path.cwd())
    return live.headless_notebook(course)


def check_notebook(
    notebook: Path | Submission, course: Course, lab_id: str | None = None, *, reuse_last=False
) -> LabResult:
    """The notebook's public sets, through the grading service; its error if it has none.
    Every result is kept as the kernel's last check (reuse.py); `reuse_last` (the grade
    cells) returns that one instead when it graded exactly this program."""
    submission = notebook if isinstance(notebook, Submission) else read_submission(notebook)
    lab = live.lab_for(submission.path, course, lab_id)
    key = reuse.key_of(lab, submission, course)
    if reuse_last and (kept := reuse.recall(key)) is not None:
        return kept
    outcome = grade_lab(lab, submission, include_hidden=False)
    if outcome.result is None:
        raise outcome.error
    reuse.remember(key, outcome.result)
    return outcome.result


def notebook_to_grade(args: argparse.Namespace, namespace: dict, course: Course, lang: str):
    """(path or submission, display handle or None): the saved file that is what the student
    sees; with no frontend, the cells the kernel executed (live.executed_notebook)."""
    if args.notebook or args.saved:
        return find_notebook(args.notebook, namespace, course), None
    frontend = live.Frontend.detect(namespace)
    if frontend.kind == "none":
        from IPython import get_ipython

        return live.executed_notebook(get_ipython(), course), None
    if frontend.kind == "vscode":
        raise UsageError("notebook.cannot_save", frontend="VS Code")
    nonce = live.new_nonce()
    handle = display(HTML(live.save_request_html(nonce, lang)), display_id=True)
    path = live.wait_for_save(nonce, live.search_folders(server.current_notebook()))
    if path is None:
        raise UsageError("notebook.not_saved", seconds=f"{live.SAVE_SECONDS:g}")
    return path, handle


def _show(html: str, handle) -> None:
    if handle is None:
        display(HTML(html))
    else:  # the "saving…" line becomes the result
        handle.update(HTML(html))


def raw_lang(line: str) -> str | None:
    """`--lang en` / `--lang=en` read from the raw arguments, so that a line argparse cannot
    understand is still answered in the language asked for."""
    words = line.split()
    for k, word in enumerate(words):
        value = word.partition("=")[2] if word.startswith("--lang=") else None
        if word == "--lang" and k + 1 < len(words):
            value = words[k + 1]
        if value in LANGS:
            return value
    return None


@magics_class
class SeqlabMagics(Magics):
    @line_magic
    def seqlab(self, line: str) -> None:
        lang, handle = "zh", None
        try:
            try:
                args = _parser().parse_args(shlex.split(line))
            except (argparse.ArgumentError, SystemExit, ValueError):
                error = UsageError("notebook.magic_usage", line=line)
                asked = raw_lang(line)
                # No language to be read: both, the student's is among them.
                text = "\n".join(error.render(x) for x in ([asked] if asked else LANGS))
                _show(error_html(text), handle)
                return
            lang = args.lang
            # The kernel runs in the notebook's folder: a student's release is found from it.
            course = Course.locate(args.course, near=Path.cwd())
            path, handle = notebook_to_grade(args, self.shell.user_ns, course, lang)
            result = check_notebook(path, course, args.lab)
        except SeqlabError as error:
            _show(error_html(error.render(lang)), handle)
            return
        except Exception as error:  # our own bug: say so plainly, no traceback in the cell
            _show(
                error_html(say("internal", lang, error=f"{type(error).__name__}: {error}")), handle
            )
            return
        _show(notebook_html(build(result, lang)), handle)


def skip_entry_cell(lines: list[str]) -> list[str]:
    """The lab's entry cell reads the test input from standard input, which a kernel does
    not have: it would end Run All in a ValueError. The kernel runs a note instead; the cell
    itself is unchanged (it is part of the program that is graded)."""
    source = "".join(lines)
    if not is_entry_cell(source.lstrip()):
        return lines
    note = " / ".join(say("notebook.entry_skipped", lang) for lang in LANGS)
    return [f"print({note!r})\n"]


# What a load registers, each found by name on unload: `%reload_ext` re-imports this module,
# so the functions registered before are other objects than this module's.
MAGICS = "seqlab"
QUIET = "_seqlab_previous"  # on our `%load_ext`: the one it wraps, put back on unload


def _quiet_load_ext(shell, previous):
    """IPython's `%load_ext`, except that loading this extension once loaded does nothing
    and prints nothing (IPython would print "already loaded", even within one cell, and no
    hook of ours runs between two lines of a cell). Any other extension: IPython's own."""

    def load_ext(module_str: str):
        if module_str.strip() == __name__ and __name__ in shell.extension_manager.loaded:
            return None
        return previous(module_str)

    setattr(load_ext, QUIET, previous)
    load_ext.__doc__ = previous.__doc__
    return load_ext


def _is_ours(transformer: object) -> bool:
    return getattr(transformer, "__module__", None) == __name__ and (
        getattr(transformer, "__name__", None) == skip_entry_cell.__name__
    )


def unload_ipython_extension(ipython) -> None:
    """Remove whatever a load registered (`%unload_ext`, and `%reload_ext` before it loads
    again): the magic, the entry-cell transformer, the quiet `%load_ext`."""
    line = ipython.magics_manager.magics["line"]
    line.pop(MAGICS, None)
    ipython.magics_manager.registry.pop(SeqlabMagics.__name__, None)
    ipython.input_transformers_post[:] = [
        t for t in ipython.input_transformers_post if not _is_ours(t)
    ]
    loader = line.get("load_ext")
    if hasattr(loader, QUIET):
        line["load_ext"] = getattr(loader, QUIET)


def load_ipython_extension(ipython) -> None:
    unload_ipython_extension(ipython)  # never registered twice, whatever came before
    ipython.register_magics(SeqlabMagics)
    ipython.input_transformers_post.append(skip_entry_cell)
    line = ipython.magics_manager.magics["line"]
    if "load_ext" in line:
        line["load_ext"] = _quiet_load_ext(ipython, line["load_ext"])
