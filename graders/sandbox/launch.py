"""Compose the layers into the start of one sandboxed process, and clean up after it.

One `Launch` per process: it owns what the run needs outside itself — a host run folder
(levels without bubblewrap), the run's cgroup, the seccomp program's descriptor — starts
the zygote through the active layers, kills everything the run left at the end and
removes all of it. `runner.py` decides what to run and watches it; this module decides how.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
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
    def __init__(self, isolation: Isolation, limits: Limits) -> None:
        self.isolation = isolation
        self.group: cgroup.RunCgroup | None = None
        self.workdir: Path | None = None
        self._closing: list[int] = []
        if isolation.uses("cgroup"):
            memory = limits.memory_mb * 1024 * 1024
            try:
                self.group = cgroup.RunCgroup.create(memory, MAX_TASKS)
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
        seccomp_fd = seccomp.program_fd() if self.isolation.uses("seccomp") else None
        extra = [program_fd] + ([seccomp_fd] if seccomp_fd is not None else [])
        self._closing += extra
        passed.extend(extra)
        argv = bwrap.command(
            process.zygote_command(config_json),
            program_fd=program_fd,
            filename=filename,
            seccomp_fd=seccomp_fd,
            run_folder_bytes=RUN_FOLDER_BYTES,
            env=process.environment("/tmp"),
        )
        return argv, {}, "/"

    def _host(self, program: str, filename: str, config_json: str, installers: list):
        self.workdir = Path(tempfile.mkdtemp(prefix="seqlab-run-"))
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

    def close(self) -> None:
        if self.group is not None:
            self.group.kill_all()
            self.group.remove()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Launch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def landlock_readable() -> list[Path]:
    """What a Landlock-confined run may read: system libraries, the interpreter, the venv."""
    trees = ["/usr", "/bin", "/lib", "/lib64", *bwrap.interpreter_trees()]
    return [Path(p) for p in (*trees, *LANDLOCK_READABLE)]


def _chain(installers: list[Callable[[], None]]) -> Callable[[], None]:
    def run_all() -> None:
        for install in installers:
            install()

    return run_all
