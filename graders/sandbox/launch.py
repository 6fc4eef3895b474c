"""Compose the layers into the start of one sandboxed process, and clean up after it.

One `Launch` per process: it owns what the run needs outside itself — a host run folder
(levels without bubblewrap), the run's cgroup, the seccomp program's descriptor — starts
the zygote through the active layers, kills everything the run left at the end and
removes all of it. `runner.py` decides what to run and watches it; this module decides how.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from graders.errors import SandboxError
from graders.sandbox import bwrap, cgroup, landlock, process, seccomp
from graders.sandbox.probe import Isolation
from graders.spec import Limits

RUN_FOLDER_BYTES = 64 * 1024 * 1024  # what a run may write in all (bubblewrap's tmpfs)
MAX_TASKS = 256  # processes and threads of one run (torch starts a few threads per process)
# Read-only for Landlock runs besides /usr and the interpreter: what start-up reads.
LANDLOCK_READABLE = (
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/proc/cpuinfo",
    "/sys/devices/system/cpu",
    "/dev/urandom",
    "/dev/random",
)


class Launch:
    """`cpus`: the cores the run may use in all (None: no cap). `worker`: the process is a warm
    worker (warm.py), which keeps CAP_SYS_ADMIN inside its own user namespace to give each
    submission fresh mounts, and is filtered without `mount`/`unshare` — its children drop
    both before any student code runs."""

    def __init__(
        self, isolation: Isolation, limits: Limits, cpus: float | None = None, *, worker=False
    ) -> None:
        self.isolation = isolation
        self.worker = worker
        self.group: cgroup.RunCgroup | None = None
        self.workdir: Path | None = None
        self._closing: list[int] = []
        if isolation.uses("cgroup"):
            memory = limits.memory_mb * 1024 * 1024
            try:
                self.group = cgroup.RunCgroup.create(memory, MAX_TASKS, cpus)
            except cgroup.CgroupUnavailable as error:
                raise SandboxError("sandbox.start_failed", reason=error) from error

    # --- starting ---------------------------------------------------------------------

    def start(
        self,
        program: str,
        filename: str,
        config_json: str,
        stdio: tuple[int, int, int],
        passed: list[int],
    ) -> subprocess.Popen:
        """Start the zygote on `program`; closes our copies of `stdio` and `passed`."""
        process.keep_grader_unreadable()
        installers: list[Callable[[], None]] = []
        if self.group is not None:
            installers.append(self.group.join_installer())
        try:
            if self.isolation.uses("bwrap"):
                argv, env, cwd = self._bwrap(program, filename, config_json, passed)
            else:
                argv, env, cwd = self._host(program, filename, config_json, installers)
            return subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=stdio[0],
                stdout=stdio[1],
                stderr=stdio[2],
                pass_fds=passed,
                start_new_session=True,
                preexec_fn=_chain(installers) if installers else None,
            )
        except OSError as error:
            raise SandboxError("sandbox.start_failed", reason=error) from error
        finally:
            for fd in (*stdio, *passed, *self._closing):
                with contextlib.suppress(OSError):
                    os.close(fd)  # the child has its copies; ours would keep pipes open
            self._closing.clear()

    def _bwrap(self, program: str, filename: str, config_json: str, passed: list[int]):
        program_fd = process.memfd_with(program)
        uses_seccomp = self.isolation.uses("seccomp")
        seccomp_fd = seccomp.program_fd(worker=self.worker) if uses_seccomp else None
        extra = [program_fd] + ([seccomp_fd] if seccomp_fd is not None else [])
        self._closing += extra
        passed.extend(extra)
        argv = bwrap.command(
            process.zygote_command(config_json, worker=self.worker),
            program_fd=program_fd,
            filename=filename,
            seccomp_fd=seccomp_fd,
            run_folder_bytes=RUN_FOLDER_BYTES,
            env=process.environment("/tmp"),
            keep_capabilities=bwrap.WORKER_CAPABILITIES if self.worker else (),
        )
        return argv, {}, "/"

    def _host(self, program: str, filename: str, config_json: str, installers: list):
        self.workdir = Path(tempfile.mkdtemp(prefix="seqlab-run-", dir=runs_parent()))
        (self.workdir / filename).write_text(program, encoding="utf-8")
        installers.append(process.capability_dropper())
        if self.isolation.uses("landlock"):
            ruleset = landlock.build_ruleset(
                landlock_readable(), [self.workdir, Path("/dev/null")], landlock.abi_version()
            )
            self._closing.append(ruleset)
            installers.append(landlock.child_installer(ruleset))
        if self.isolation.uses("seccomp"):
            installers.append(seccomp.child_installer(seccomp.filter_program()))
        home = str(self.workdir)
        return process.zygote_command(config_json), process.environment(home), home

    # --- ending -----------------------------------------------------------------------

    def kill_all(self, process_group: int) -> None:
        """Kill everything the run started: its process group, and all of its cgroup."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process_group, 9)
        if self.group is not None:
            self.group.kill_all()

    def wait_status(self, status: int) -> int:
        """The run's own wait status. bubblewrap exits with 128 + n when its child was killed
        by signal n; turn that back into the status of a death by signal."""
        if self.isolation.uses("bwrap") and os.WIFEXITED(status) and os.WEXITSTATUS(status) > 128:
            return os.WEXITSTATUS(status) - 128
        return status

    def oom_killed(self) -> bool:
        return self.group is not None and self.group.oom_killed()

    def oom_kills(self) -> int:
        return self.group.oom_kills() if self.group is not None else 0

    def cpu_seconds(self) -> float | None:
        """The CPU time of everything the run started, where a cgroup counts it."""
        return self.group.cpu_seconds() if self.group is not None else None

    def close(self) -> None:
        if self.group is not None:
            self.group.kill_all()
            self.group.remove()
        if self.workdir is not None:
            remove_run_folder(self.workdir)

    def __enter__(self) -> Launch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


RUNS_PARENT_PREFIX = "seqlab-runs-"  # then the creator's process id
_RUNS_PARENTS: dict[int, str] = {}  # process id → its parent of run folders (runs_parent)
_RUNS_PARENTS_LOCK = threading.Lock()


def runs_parent() -> str | None:
    """Where this grader makes its runs' host folders (None: the system's temporary folder).

    A run without bubblewrap keeps uid 0 when the grader is root, and owns, as uid 0 does,
    every run folder: a neighbour that found one could read a classmate's program or rewrite
    it before it ran (red team, issue 17). As root the folders live in a parent of this
    process's own that another uid owns with only its search bits set: a run (no capability
    left) can enter its own folder, but neither list the parent nor change its mode, and a
    folder's random name is not to be guessed. A grader that is not root cannot hand a folder
    to another uid; its runs share its uid and the system's temporary folder."""
    if os.geteuid() != 0:
        return None
    with _RUNS_PARENTS_LOCK:
        pid = os.getpid()  # a forked child (a Celery worker's) makes its own
        parent = _RUNS_PARENTS.get(pid)
        if parent is None or not os.path.isdir(parent):  # gone: a cleaner of /tmp, say
            parent = _new_runs_parent()
            if parent is None:
                return None
            _RUNS_PARENTS[pid] = parent
        return parent


def _new_runs_parent() -> str | None:
    _remove_stale_runs_parents()
    parent = tempfile.mkdtemp(prefix=f"{RUNS_PARENT_PREFIX}{os.getpid()}-")
    try:
        os.chown(parent, process.OTHER_UID, process.OTHER_GID)
    except OSError:  # uid 0 without CAP_CHOWN, or a user namespace that maps no 65534: as any user
        os.rmdir(parent)
        return None
    os.chmod(parent, 0o111)
    creator = os.getpid()

    def remove() -> None:  # by its creator only, not by a forked child at its exit
        if os.getpid() == creator:
            shutil.rmtree(parent, ignore_errors=True)

    atexit.register(remove)
    return parent


def _remove_stale_runs_parents() -> None:
    """Parents left by graders that were killed (no exit handler ran), with what their runs
    left in them: each name carries its creator's process id."""
    for stale in Path(tempfile.gettempdir()).glob(f"{RUNS_PARENT_PREFIX}*-*"):
        pid = stale.name.removeprefix(RUNS_PARENT_PREFIX).split("-")[0]
        if not pid.isdigit() or process.alive(int(pid)):
            continue
        for folder in list(stale.iterdir()) if stale.is_dir() else []:
            remove_run_folder(folder)
        shutil.rmtree(stale, ignore_errors=True)


def remove_run_folder(folder: Path) -> None:
    """Remove a run's host folder whatever the run did to it. A program can take its own
    rights away (chmod 0 on a folder), which stops a plain rmtree of a grader that is not
    root: give them back first, then remove, then make sure it is gone. Each run has a folder
    of its own, so a leftover never reaches the next one; it is only reported."""
    pending = [folder]
    while pending:  # not recursive: a run can nest folders deeper than Python's stack
        current = pending.pop()
        with contextlib.suppress(OSError):
            os.chmod(current, 0o700)
            pending += [
                Path(entry.path)
                for entry in os.scandir(current)
                if entry.is_dir(follow_symlinks=False)
            ]
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        warnings.warn(f"could not remove the run folder {folder}", RuntimeWarning, stacklevel=2)


def usable_cores() -> int:
    """The cores this process may run on (its affinity; a container's or taskset's limit)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Gradings side by side per core, at most: each keeps a core busy while its code runs, so
# more than a few per core only wait for the processor — and each brings its own warm
# sandboxed workers, memory that buys no speed. (`seqlab serve --graders`, `seqlab worker
# --concurrency`, `seqlab grade --workers`.)
GRADERS_PER_CORE = 4


def most_graders() -> int:
    return GRADERS_PER_CORE * usable_cores()


def cpu_share(concurrent_runs: int) -> float:
    """Each of `concurrent_runs` runs side by side gets this many cores (at least one)."""
    return max(1.0, (os.cpu_count() or 1) / max(concurrent_runs, 1))


def landlock_readable() -> list[Path]:
    """What a Landlock-confined run may read: system libraries, the interpreter, the venv."""
    return [Path(p) for p in (*bwrap.readable_trees(), *LANDLOCK_READABLE)]


def _chain(installers: list[Callable[[], None]]) -> Callable[[], None]:
    def run_all() -> None:
        for install in installers:
            install()

    return run_all
