"""Layer 0, always on: what every run gets, whatever else the machine allows.

A separate `python -I -X utf8` (no user site, no PYTHON* variables, no script folder on the
path, so a student's json.py or sitecustomize.py shadows nothing) running the zygote, an
almost empty environment, stdin from a read-only in-memory file, its own session and process
group; the rlimits are applied by the zygote before any student code. On the levels without
bubblewrap the run also drops every capability, so a grader running as root does not lend
its powers (raising rlimits, reading any file) to the student.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

ZYGOTE_SOURCE = Path(__file__).with_name("zygote.py").read_text(encoding="utf-8")
WORKER_SOURCE = Path(__file__).with_name("worker.py").read_text(encoding="utf-8")
# Only what a well-behaved numeric program needs; nothing of the grader's environment leaks.
CHILD_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 4, 24, 47, 4
# nobody/nogroup: the effective gid of a run started as root (capability_dropper), and the
# owner of a root grader's parent of run folders (launch.runs_parent)
OTHER_UID = OTHER_GID = 65534
LAST_CAPABILITY = 63  # the kernel answers EINVAL past its own last one; we just go on


def zygote_command(config_json: str, *, worker: bool = False) -> list[str]:
    """The interpreter running the zygote on one run (or a warm worker's loop)."""
    source = WORKER_SOURCE if worker else ZYGOTE_SOURCE
    return [sys.executable, "-I", "-X", "utf8", "-c", source, config_json]


def environment(home: str) -> dict[str, str]:
    # TEMP and TMP too: in secure-exec mode (capability_dropper) glibc removes TMPDIR.
    return {**CHILD_ENVIRONMENT, "HOME": home, "TMPDIR": home, "TEMP": home, "TMP": home}


def memfd_with(text: str) -> int:
    """A read-only descriptor of an anonymous in-memory file (nothing on disk to find)."""
    writable = os.memfd_create("stdin")
    try:
        os.write(writable, text.encode("utf-8"))
        # The program gets a read-only descriptor: it must not rewrite any set's input.
        return os.open(f"/proc/self/fd/{writable}", os.O_RDONLY)
    finally:
        os.close(writable)


def alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.cache
def keep_grader_unreadable() -> None:
    """Make the grading process undumpable, once, before it starts its first run.

    Without bubblewrap a run keeps the grader's uid. The grader holds what runs must not
    read: the writing ends of the sets' stdin pipes while it feeds them (opened through
    /proc/<pid>/fd they read as well as write), a fresh run's input memfd until the run has
    it. As root the grader is safe anyway (a run without capabilities may not read a process
    that has some); as any other user only this keeps a run out of its /proc/<pid>/fd and
    memory. Children it executes are dumpable again: exec resets the flag."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def capability_dropper() -> Callable[[], None]:
    """For the child before exec: empty the bounding and ambient sets, so that executing the
    interpreter as uid 0 grants no capability at all; and start it undumpable.

    Undumpable from exec on, not from the zygote's first line: between the two the interpreter
    starts (tens of milliseconds) holding every pipe of the run, and a neighbour run of the same
    uid that opened one through /proc/<pid>/fd then would read a set's input or write into its
    output (red team, issue 17). The kernel starts a new image undumpable when the effective
    gid differs from the real one (fs/exec.c), so the child keeps gid 0 as its real gid and
    takes another as its effective one; for uid 0 that changes no file access (the owner's
    bits apply). The price is secure-exec mode: glibc drops TMPDIR (`environment` says it
    again as TEMP and TMP) and ignores MALLOC_ARENA_MAX (the zygote sets the limit itself)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        if os.geteuid() != 0:
            return  # an ordinary user has none to drop
        real = os.getgid()
        other = OTHER_GID if real != OTHER_GID else OTHER_GID - 1
        # uid 0 without CAP_SETGID, or a user namespace that maps no such gid: as any user
        with contextlib.suppress(OSError):
            os.setresgid(real, other, other)
        for capability in range(LAST_CAPABILITY + 1):
            libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    return drop
