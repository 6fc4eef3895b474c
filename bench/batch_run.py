"""One `seqlab grade` timed as a whole process: its wall time, its --json document, the CPU
its processes used and the peak memory of one warm worker.

CPU is the command's reaped processes' (getrusage) plus its warm workers' cgroups' (sampled
every 0.1 s): a warm worker is killed at the end, and what it and its forks used is then in
nobody's getrusage. Used by batch_bench.py (every mode) and floor.py (1 vs 2 workers).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _peak_file(pid: int) -> Path | None:
    """The high-water-mark file of the memory cgroup that process `pid` is in."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):  # cgroup v1
            return Path("/sys/fs/cgroup/memory", path.lstrip("/"), "memory.max_usage_in_bytes")
        if controllers == "":  # cgroup v2
            return Path("/sys/fs/cgroup", path.lstrip("/"), "memory.peak")
    return None


def _cgroup_cpu(pid: int) -> float | None:
    """CPU seconds of the cgroup that process `pid` is in (v1 cpuacct, or v2 cpu.stat)."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        for line in lines:
            _, controllers, path = line.split(":", 2)
            folder = path.lstrip("/")
            if "cpuacct" in controllers.split(","):
                usage = Path("/sys/fs/cgroup/cpuacct", folder, "cpuacct.usage").read_text()
                return int(usage) / 1e9
            if controllers == "" and len(lines) == 1:
                stat = Path("/sys/fs/cgroup", folder, "cpu.stat").read_text().split()
                return int(stat[stat.index("usage_usec") + 1]) / 1e6
    except (OSError, ValueError):
        pass
    return None


def _children(pid: int) -> list[int]:
    """Direct children of every thread of `pid` (workers are started from a thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class WorkerMemory(threading.Thread):
    """Samples a running `seqlab grade` every 0.1 s: each warm worker is one bubblewrap
    process, a direct child of the command, in a cgroup of its own; that cgroup's high-water
    mark covers the worker and every submission it forked, up to the moment it is read."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peaks, self.done = pid, {}, threading.Event()
        # CPU seconds of each worker's cgroup (the worker and every submission it forked):
        # killed at the end, they are in nobody's getrusage.
        self.cpu: dict[int, float] = {}

    def run(self) -> None:
        # A worker's cgroup is made inside the grader's own; a child outside it is not a
        # worker (yet), and an exited one reads as the root cgroup: both are skipped.
        own = _peak_file(self.pid)
        started = time.monotonic()
        while not self.done.wait(0.1):
            try:
                children = _children(self.pid)
            except OSError:
                return
            for child in children:
                peak_file = _peak_file(child)
                if own is None or peak_file is None or own.parent not in peak_file.parent.parents:
                    continue
                try:
                    peak = int(peak_file.read_text())
                except (OSError, ValueError):
                    continue  # the worker just ended
                self.peaks[child] = max(peak, self.peaks.get(child, 0))
                used = _cgroup_cpu(child)
                # A pid reused between two looks can read another cgroup's total (once 10^5 s):
                # more than every core since the start is not this worker's.
                possible = (time.monotonic() - started) * (os.cpu_count() or 1) + 1
                if used is not None and used <= possible:
                    self.cpu[child] = max(used, self.cpu.get(child, 0.0))

    def peak_mb(self) -> float | None:
        self.done.set()
        self.join()
        return max(self.peaks.values()) / 2**20 if self.peaks else None


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_batch(
    lab_id: str, folder: Path, extra: list[str], env: dict[str, str]
) -> tuple[float, dict, float | None]:
    """Wall seconds, the --json document, and the peak MB of one warm worker (None: cold).
    The CPU seconds the command and its sandboxes used are in the document, as "_cpu": its
    reaped processes' (getrusage) and its warm workers' cgroups' (sampled every 0.1 s)."""
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "book.sqlite"
        command = [sys.executable, "-m", "graders.cli", "--lang", "en", "grade", str(folder)]
        command += ["--lab", lab_id, "--db", str(database), "--json", *extra]
        started, cpu = time.monotonic(), children_cpu()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        memory = None if "--cold" in extra else WorkerMemory(process.pid)
        if memory:
            memory.start()
        stdout, stderr = process.communicate()
        elapsed = time.monotonic() - started
        peak = memory.peak_mb() if memory else None
        cpu = children_cpu() - cpu + (sum(memory.cpu.values()) if memory else 0.0)
        if process.returncode not in (0, 1):
            raise SystemExit(f"seqlab grade failed: {stderr.decode()[-2000:]}")
    return elapsed, {**json.loads(stdout), "_cpu": cpu}, peak
