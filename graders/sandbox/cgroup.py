"""A control group per run: a memory ceiling, a process count and a CPU share for everything
the run starts, the CPU time it used, and one place to kill it all at the end —
double-forked, setsid'd processes included.

Needs root or a delegated subtree. cgroup v1 (one hierarchy per controller — `memory`,
`pids`, `cpu`, `cpuacct` — as on this machine, or `cpu,cpuacct` mounted together) and v2 (one
unified hierarchy: `memory.max`, `pids.max`, `cpu.max`, `cpu.stat`, `cgroup.kill`) are both
handled; the run's cgroup is made inside the grader's own, so it inherits its limits.

The CPU share is what stops one run from taking the cores another run was promised: a
submission that starts 16 busy processes gets at most `cpus` cores between them, and its CPU
time is what the kernel counted for the whole group, not a sum of per-process reports.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graders.sandbox import process

ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
_serial = itertools.count()
# v1 controllers a run needs, and those it uses where the machine has them.
REQUIRED_V1 = ("memory", "pids")
OPTIONAL_V1 = ("cpu", "cpuacct")


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
    # v1: controller → folder (co-mounted controllers share one); v2: {"": folder}
    folders: dict[str, Path]

    @classmethod
    def create(cls, memory_bytes: int, max_pids: int, cpus: float | None = None) -> RunCgroup:
        # The pid names whose group it is (for _sweep_stale); the random part keeps a group
        # that outlived its process (a killed grader) from colliding with a reused pid's.
        name = f"seqlab-{os.getpid()}-{next(_serial)}-{secrets.token_hex(4)}"
        own = _own_paths()
        group: RunCgroup | None = None
        try:
            if (ROOT / "memory" / "memory.limit_in_bytes").exists() and (ROOT / "pids").is_dir():
                folders = {}
                for controller in (*REQUIRED_V1, *OPTIONAL_V1):
                    mount = (ROOT / controller).resolve()  # `cpu` may link to `cpu,cpuacct`
                    if mount.is_dir():
                        folders[controller] = _parent(mount, own.get(controller, "/")) / name
                group = cls(1, folders)
                for folder in group.distinct_folders():
                    _sweep_stale(folder.parent)
                    folder.mkdir()
                memory = folders["memory"]
                (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap accounting: the limit above holds
                    (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
                (folders["pids"] / "pids.max").write_text(str(max_pids))
                if cpus is not None and "cpu" in folders:
                    (folders["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                    (folders["cpu"] / "cpu.cfs_quota_us").write_text(str(_quota(cpus)))
                return group
            if (ROOT / "cgroup.controllers").exists():
                folder = _parent(ROOT, own.get("", "/")) / name
                group = cls(2, {"": folder})
                _sweep_stale(folder.parent)
                folder.mkdir()
                (folder / "memory.max").write_text(str(memory_bytes))
                (folder / "memory.swap.max").write_text("0")
                (folder / "pids.max").write_text(str(max_pids))
                if cpus is not None:
                    with contextlib.suppress(OSError):  # cpu not delegated: usage still counts
                        (folder / "cpu.max").write_text(f"{_quota(cpus)} {CPU_PERIOD_US}")
                return group
        except OSError as error:
            if group is not None:
                group.remove()
            raise CgroupUnavailable(f"cannot create a cgroup under {ROOT}: {error}") from error
        raise CgroupUnavailable(f"no memory and pids controllers under {ROOT}")

    def distinct_folders(self) -> list[Path]:
        """Each folder once (co-mounted v1 controllers share a folder)."""
        seen: dict[Path, None] = {}
        for folder in self.folders.values():
            seen.setdefault(folder, None)
        return list(seen)

    def join_installer(self) -> Callable[[], None]:
        """For the child before exec: move itself into the run's cgroup(s)."""
        targets = [str(folder / "cgroup.procs") for folder in self.distinct_folders()]

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
        for folder in self.distinct_folders():
            with contextlib.suppress(OSError):
                members |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
        return members

    def kill_all(self, timeout: float = 2.0) -> None:
        """SIGKILL every process in the run until none is left (new forks included)."""
        if self.version == 2:
            with contextlib.suppress(OSError):
                (self.folders[""] / "cgroup.kill").write_text("1")
        deadline = time.monotonic() + timeout
        while (members := self._members()) and time.monotonic() < deadline:
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def oom_kills(self) -> int:
        """How many processes of the group the kernel killed at the memory ceiling."""
        if self.version == 1:
            events = self.folders["memory"] / "memory.oom_control"
        else:
            events = self.folders[""] / "memory.events"
        with contextlib.suppress(OSError, ValueError):
            for line in events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for exceeding the memory ceiling."""
        return self.oom_kills() > 0

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) of everything the group ran, as the kernel counted it."""
        with contextlib.suppress(OSError, ValueError, KeyError):
            if self.version == 1:
                usage_ns = (self.folders["cpuacct"] / "cpuacct.usage").read_text()
                return int(usage_ns) / 1e9
            for line in (self.folders[""] / "cpu.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
        return None

    def remove(self) -> None:
        # A killed process may still count in the group for a moment (EBUSY): try a little
        # longer, bounded; what is left is swept by the next grader (_sweep_stale).
        for folder in self.distinct_folders():
            for _attempt in range(REMOVE_TRIES):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(REMOVE_PAUSE)


REMOVE_TRIES, REMOVE_PAUSE = 20, 0.025
_swept: set[Path] = set()


def _sweep_stale(parent: Path) -> None:
    """Once per folder per process: remove the empty groups of seqlab processes that are gone
    (killed before they could remove their own). A group still in use is not empty, or its
    process is alive: neither is touched."""
    if parent in _swept:
        return
    _swept.add(parent)
    with contextlib.suppress(OSError):
        for child in parent.glob("seqlab-*"):
            pid = child.name.split("-")[1]
            if not pid.isdigit() or process.alive(int(pid)):
                continue
            with contextlib.suppress(OSError):
                child.rmdir()


def _quota(cpus: float) -> int:
    return max(int(cpus * CPU_PERIOD_US), 1000)
