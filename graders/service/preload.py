"""What a lab's warm workers import before they wait: learned from one run of its reference.

A warm worker that has imported only the template's top-level modules (`numpy`, `torch`)
still pays, in every forked run, for the submodules the program loads lazily on its first call
(numpy's linalg and random internals, torch's functional and optimizer modules): fork copies
what the parent holds, nothing more. So when a pool starts, the lab's reference runs once,
cold, in the sandbox (a process of its own: nothing of that run is in the workers' memory),
and reports the modules it ended with; the workers import those of the same packages the
template imports. Module names only come back — no output, no data. A reference that fails
or does not report teaches nothing: the workers then preload the template's imports alone.
"""

from __future__ import annotations

import json
import threading

from graders.engine import course_text
from graders.errors import SeqlabError
from graders.sandbox import run_sets
from graders.sandbox.warm import template_imports
from graders.spec import LabSpec

MARK = "seqlab preload:"


def _reporting(program: str, roots: list[str]) -> str:
    """The program, then a report of the loaded modules under `roots` on standard error."""
    return (
        program
        + "\n\nimport sys as _seqlab_sys\n"
        + f"_seqlab_roots = {json.dumps(sorted(set(roots)))}\n"
        + f"print({MARK!r}, *sorted(name for name in _seqlab_sys.modules"
        + " if name.split('.')[0] in _seqlab_roots), file=_seqlab_sys.stderr)\n"
    )


_LEARNED: dict[tuple[str, str, str, str], tuple[str, ...]] = {}  # per lab and content
_LOCK = threading.Lock()


def _learned(lab: LabSpec, template: str, reference: str, stdin: str) -> tuple[str, ...]:
    key = (lab.id, template, reference, stdin)
    with _LOCK:
        if key in _LEARNED:
            return _LEARNED[key]
    roots = [name.split(".")[0] for name in template_imports(template)]
    modules = _run_and_read(lab, _reporting(reference, roots), stdin) if roots else ()
    with _LOCK:
        _LEARNED[key] = modules
    return modules


def _run_and_read(lab: LabSpec, program: str, stdin: str) -> tuple[str, ...]:
    try:
        (run,) = run_sets(program, lab.entry, [stdin], lab.limits, fork_at_input=False)
    except SeqlabError:  # the sandbox cannot start: the run would not teach anything
        return ()
    for line in run.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith(MARK):
            return tuple(line[len(MARK) :].split())
    return ()


def learned_modules(lab: LabSpec) -> list[str]:
    """The modules a worker of this lab imports: the template's, then what its reference
    loads of the same packages (one cold run per lab and content, remembered)."""
    template = course_text(lab.starter_path, lab)
    imports = template_imports(template)
    public = [t for t in lab.tests if not t.hidden]
    if not public or not lab.solution_path.is_file():
        return imports
    reference = course_text(lab.solution_path, lab)
    learned = _learned(lab, template, reference, public[0].stdin)
    return list(dict.fromkeys([*imports, *learned]))
