"""A control group per run: a memory ceiling and a process count for everything the run
starts, and one place to kill it all at the end — double-forked, setsid'd processes included.

Needs root or a delegated subtree. cgroup v1 (separate `memory` and `pids` hierarchies, as on
this machine) and v2 (one unified hierarchy, `memory.max`, `pids.max`, `cgroup.kill`) are
both handled; the run's cgroup is made inside the grader's own, so it inherits its limits.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_serial = itertools.count()


class CgroupUnavailable(Exception):
    pass


def _own_paths() -> dict[str, str]:
    """controller name ('' for v2) → this process's cgroup path, from /proc/self/cgroup."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _parent(mount: Path, own: str) -> Path:
    nested = mount / own.lstrip("/")
    return nested if nested.is_dir() else mount


@dataclass
class RunCgroup:
    version: int
    folders: tuple[Path, ...]  # v1: one per controller; v2: one

    @classmethod
    def create(cls, memory_bytes: int, max_pids: int) -> RunCgroup:
        name = f"seqlab-{os.getpid()}-{next(_serial)}"
        own = _own_paths()
        try:
            if (ROOT / "memory" / "memory.limit_in_bytes").exists() and (ROOT / "pids").is_dir():
                memory = _parent(ROOT / "memory", own.get("memory", "/")) / name
                pids = _parent(ROOT / "pids", own.get("pids", "/")) / name
                group = cls(1, (memory, pids))
                for folder in group.folders:
                    folder.mkdir()
                (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap accounting: the limit above holds
                    (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
                (pids / "pids.max").write_text(str(max_pids))
                return group
            if (ROOT / "cgroup.controllers").exists():
                folder = _parent(ROOT, own.get("", "/")) / name
                group = cls(2, (folder,))
                folder.mkdir()
                (folder / "memory.max").write_text(str(memory_bytes))
                (folder / "memory.swap.max").write_text("0")
                (folder / "pids.max").write_text(str(max_pids))
                return group
        except OSError as error:
            with contextlib.suppress(UnboundLocalError):
                group.remove()
            raise CgroupUnavailable(f"cannot create a cgroup under {ROOT}: {error}") from error
        raise CgroupUnavailable(f"no memory and pids controllers under {ROOT}")

    def join_installer(self) -> Callable[[], None]:
        """For the child before exec: move itself into the run's cgroup(s)."""
        targets = [str(folder / "cgroup.procs") for folder in self.folders]

        def join() -> None:
            pid = str(os.getpid()).encode()
            for target in targets:
                fd = os.open(target, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)

        return join

    def _members(self) -> set[int]:
        members: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                members |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
        return members

    def kill_all(self, timeout: float = 2.0) -> None:
        """SIGKILL every process in the run until none is left (new forks included)."""
        if self.version == 2:
            with contextlib.suppress(OSError):
                (self.folders[0] / "cgroup.kill").write_text("1")
        deadline = time.monotonic() + timeout
        while (members := self._members()) and time.monotonic() < deadline:
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for exceeding the memory ceiling."""
        events = self.folders[0] / ("memory.oom_control" if self.version == 1 else "memory.events")
        with contextlib.suppress(OSError):
            for line in events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        return False

    def remove(self) -> None:
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
