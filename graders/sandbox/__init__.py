"""Running untrusted programs: the only package that starts processes.

`run_sets` (runner.py) runs a program against test sets through the isolation layers this
machine allows — always a separate limited process (process.py, zygote.py), and where
possible bubblewrap namespaces (bwrap.py), a seccomp filter (seccomp.py), Landlock
(landlock.py) and a cgroup per run (cgroup.py). probe.py finds out which layers work and
names the level a result reports; launch.py composes them for one process.
"""

from graders.sandbox.probe import Isolation, current
from graders.sandbox.runner import RunResult, SetDone, run_sets
from graders.sandbox.wiring import Stream

__all__ = ["Isolation", "RunResult", "SetDone", "Stream", "current", "run_sets"]
