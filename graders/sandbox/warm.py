"""Warm workers: pay `import torch` and the first optimizer step once per worker, not once
per submission.

A worker is one bubblewrap sandbox (the strong level: namespaces, seccomp, a cgroup) running
the zygote in serve mode. It imports the lab template's modules, takes one optimizer step,
then waits on a Unix socket. For each submission the grader sends descriptors only — the
program and every set's input as in-memory files, the output and control pipes — and the
worker forks a fresh child that confines itself with its own Landlock domain and runs the
program exactly as a cold run would (fork at input, per-set budgets). Because the child is a
fork, nothing it changes in memory (modules, torch globals, builtins) reaches the worker or
the next submission; its files live in a folder removed afterwards; processes it leaves are
killed by the worker, pid 1 of its namespace. The grader keeps its own deadlines and reads
the outputs itself, as in runner.py. A worker that dies or hangs is replaced.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import queue
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

from graders.errors import SandboxError
from graders.results import Isolation
from graders.sandbox import probe, process
from graders.sandbox.bwrap import RUN_FOLDER
from graders.sandbox.launch import Launch, landlock_readable
from graders.sandbox.runner import (
    GRACE_SECONDS,
    RunResult,
    SetWiring,
    _Ended,
    _limit_config,
    run_sets,
)
from graders.spec import LabSpec, Limits

Runner = Callable[..., list[RunResult]]

READY_SECONDS = 120.0  # a worker importing torch on a busy machine
WORKER_SLACK = 2.0  # how long after the run's deadline a silent worker counts as hung
LANDLOCK_SOURCE = Path(__file__).with_name("landlock.py").read_text(encoding="utf-8")


class WorkerLost(Exception):
    """The worker died or stopped answering; the submission must be run again elsewhere."""


def template_imports(template: str) -> list[str]:
    """The modules a lab's template imports at top level: what a worker preloads."""
    names: list[str] = []
    for node in ast.parse(template).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return list(dict.fromkeys(names))


class Spawner:
    """One long-lived thread that starts every worker process.

    bubblewrap's --die-with-parent is the kernel's parent-death signal, which fires when the
    *thread* that forked the worker ends, not the process: a worker started from a
    short-lived thread would be killed when that thread returns.
    """

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="seqlab-spawner", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (job := self.jobs.get()) is not None:
            start, reply = job
            try:
                reply.put((start(), None))
            except BaseException as error:  # handed back to the caller, raised there
                reply.put((None, error))

    def run(self, start: Callable[[], object]):
        reply: queue.Queue = queue.Queue(1)
        self.jobs.put((start, reply))
        value, error = reply.get()
        if error is not None:
            raise error
        return value

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(5)


class WarmWorker:
    def __init__(
        self, modules: list[str], limits: Limits, isolation: Isolation, spawner: Spawner
    ) -> None:
        if not isolation.uses("bwrap") or not isolation.uses("seccomp"):
            raise SandboxError("sandbox.start_failed", reason="warm workers need level strong")
        self.launch = Launch(isolation, limits)
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        settings = {
            "socket": theirs.fileno(),
            "preload": modules,
            "landlock_source": LANDLOCK_SOURCE,
            "readable": [str(path) for path in landlock_readable()],
            "folder": RUN_FOLDER,
        }
        config = json.dumps({"serve": settings})
        null = os.open(os.devnull, os.O_RDWR)
        stdio = (null, os.dup(null), os.dup(null))
        passed = [theirs.detach()]
        self.process = spawner.run(
            lambda: self.launch.start("", "worker.py", config, stdio, passed)
        )
        self.oom_seen = False

    def wait_ready(self) -> None:
        ready = self._receive(time.monotonic() + READY_SECONDS)
        if ready is None or ready.get("event") != "ready":
            self.close()
            raise SandboxError("sandbox.start_failed", reason="a warm worker did not start")

    def _receive(self, deadline: float) -> dict | None:
        ready, _, _ = select.select([self.channel], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return None
        with contextlib.suppress(OSError):
            data = self.channel.recv(1 << 16)
            return json.loads(data) if data else None
        return None

    def run(self, program: str, filename: str, stdins: list[str], limits: Limits):
        wiring = SetWiring.create(stdins, limits)
        ends = wiring.child_fds
        request = {
            "program": filename,
            "limits": _limit_config(limits, len(ends) - 3),
            # Descriptors travel as a list; the plan names them by position in it.
            "fork": wiring.fork_config(limits, lambda position: position + 1),
            "wall_seconds": limits.wall_seconds,
            "environment": process.CHILD_ENVIRONMENT,
        }
        program_fd = process.memfd_with(program)
        started = time.monotonic()
        try:
            socket.send_fds(self.channel, [json.dumps(request).encode()], [program_fd, *ends])
        except OSError as error:
            wiring.pipes.close_all()
            raise WorkerLost(str(error)) from error
        finally:
            for fd in (program_fd, *ends):
                os.close(fd)
        ended = self._watch(wiring, wiring.deadline(started, limits))
        if ended is None:
            raise WorkerLost("no answer before the deadline")
        return wiring.results(ended, limits)

    def _watch(self, wiring: SetWiring, deadline: Callable[[], float]) -> _Ended | None:
        pipes, done, ended_at = wiring.pipes, None, 0.0
        try:
            while True:
                now = time.monotonic()
                if done is None:
                    ready, _, _ = select.select([self.channel], [], [], 0)
                    if ready:
                        data = self.channel.recv(1 << 16)
                        if not data:
                            return None  # the worker is gone
                        done, ended_at = json.loads(data), now
                if done is not None and (pipes.open_count == 0 or now - ended_at > GRACE_SECONDS):
                    break
                if now >= deadline() + WORKER_SLACK:
                    return None
                pipes.poll(0.02)
            pipes.poll(0)
        finally:
            pipes.close_all()
        oom = self.launch.oom_killed() and not self.oom_seen
        self.oom_seen = self.oom_seen or oom
        usage = SimpleNamespace(ru_utime=done["cpu"], ru_stime=0.0, ru_maxrss=done["maxrss_kb"])
        return _Ended(done["status"], usage, done["wall"], bool(done["timed_out"]), oom)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()
        self.launch.kill_all(self.process.pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.process.pid, 0)
        self.process.returncode = -9
        self.launch.close()


class WarmPool:
    """N warm workers for one lab; `run_sets` has the runner's signature, so the engine
    and batch grading use it like the cold runner. Thread-safe: one submission per worker."""

    def __init__(self, template: str, limits: Limits, workers: int) -> None:
        self.modules = template_imports(template)
        self.limits = limits
        self.isolation = probe.current()
        self.idle: queue.Queue[WarmWorker] = queue.Queue()
        self.lock = threading.Lock()
        self.spawner = Spawner()
        # Start them all, then wait: they import torch side by side.
        self.workers = [self._new() for _ in range(workers)]
        for worker in self.workers:
            worker.wait_ready()
            self.idle.put(worker)

    def _new(self) -> WarmWorker:
        return WarmWorker(self.modules, self.limits, self.isolation, self.spawner)

    def _replace(self, worker: WarmWorker) -> WarmWorker:
        worker.close()
        fresh = self._new()
        fresh.wait_ready()
        with self.lock:
            self.workers = [fresh if w is worker else w for w in self.workers]
        return fresh

    def run_sets(
        self, program: str, filename: str, stdins: list[str], limits: Limits, *, fork_at_input
    ) -> list[RunResult]:
        if not fork_at_input:
            return run_sets(program, filename, stdins, limits, fork_at_input=False)
        worker = self.idle.get()
        try:
            for _attempt in range(2):
                try:
                    return worker.run(program, filename, stdins, limits)
                except WorkerLost:
                    worker = self._replace(worker)
            # Two workers lost on one submission: grade it cold rather than not at all.
            return run_sets(program, filename, stdins, limits, fork_at_input=True)
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        with self.lock:
            workers, self.workers = self.workers, []
        for worker in workers:
            worker.close()
        self.spawner.stop()

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def available(isolation: Isolation | None = None) -> bool:
    isolation = isolation or probe.current()
    return isolation.uses("bwrap") and isolation.uses("seccomp")


@contextlib.contextmanager
def runner_for(lab: LabSpec, workers: int, *, cold: bool = False) -> Iterator[Runner]:
    """A runner for many gradings of one lab: warm workers where they work and pay (a lab
    that forks at input, the strong level), else the cold runner."""
    if cold or workers < 1 or not lab.fork_at_input or not available():
        yield run_sets
        return
    template = lab.starter_path.read_text(encoding="utf-8")
    with WarmPool(template, lab.limits, workers) as pool:
        yield pool.run_sets
