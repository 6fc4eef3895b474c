"""Warm workers: pay `import torch` and the first optimizer step once per worker, not once
per submission.

A worker is one bubblewrap sandbox (the strong level: namespaces, seccomp, a cgroup with the
pool's CPU share) running worker.py's loop. It imports the lab template's modules,
takes one optimizer step, then waits on a Unix socket. For each submission the grader sends
descriptors only — the program as an in-memory file, the sets' stdin, output and control
pipes — and the worker forks a fresh child that makes its own mount and IPC namespaces with
fresh size-limited tmpfs (/sandbox, /tmp, /dev/shm), drops every capability, confines itself
with Landlock and the full seccomp filter, and runs the program exactly as a cold run would.
Because the child is a fork in namespaces of its own, nothing it changes in memory or on
disk reaches the worker or the next submission; processes it leaves are killed by the
worker, pid 1 of its namespace, which then proves itself clean (worker.serve) or retires.
The grader keeps its own clock and deadlines (it asks the worker to stop a run at its
deadline) and reads the outputs itself, as in runner.py.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import queue
import select
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from graders.errors import SandboxError
from graders.results import Isolation
from graders.sandbox import probe, process
from graders.sandbox.bwrap import RUN_FOLDER, TMPFS_BYTES
from graders.sandbox.launch import RUN_FOLDER_BYTES, Launch, cpu_share, landlock_readable
from graders.sandbox.runner import (
    GRACE_SECONDS,
    EarlyResults,
    Ended,
    RunResult,
    SetDone,
    ZygoteFailed,
    forked_results,
    limit_config,
    run_sets,
)
from graders.sandbox.seccomp import filter_program
from graders.sandbox.wiring import GATE_WAIT_FACTOR, SetWiring
from graders.spec import Limits

Runner = Callable[..., list[RunResult]]
# A library's word to whoever runs it (the grader side never prints: test_architecture.py);
# with no logging set up, Python's last-resort handler writes it to stderr.
LOG = logging.getLogger(__name__)

READY_SECONDS = 120.0  # a worker importing torch on a busy machine
WORKER_SLACK = 5.0  # how long after a stop a silent worker counts as hung
RETIRE_AFTER = 200  # submissions per worker, as defence in depth: then a fresh one
SOURCES = {
    name: Path(__file__).with_name(f"{name}.py").read_text(encoding="utf-8")
    for name in ("landlock", "seccomp", "zygote")
}
# Each submission's writable world: a fresh tmpfs of its own on each, with these sizes.
SUBMISSION_MOUNTS = {RUN_FOLDER: RUN_FOLDER_BYTES, "/tmp": TMPFS_BYTES, "/dev/shm": TMPFS_BYTES}
# … and the only places it may write (Landlock): those mounts, and /dev/null.
SUBMISSION_WRITABLE = (*SUBMISSION_MOUNTS, "/dev/null")


class WorkerLost(Exception):
    """The worker died, stopped answering, failed before the program started, or found it
    could not prove itself clean: the submission must be run again on a fresh worker."""


def template_imports(template: str) -> list[str]:
    """The modules a lab's template imports at top level: what a worker preloads."""
    names: list[str] = []
    for node in ast.parse(template).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return list(dict.fromkeys(names))


def pool_closed() -> SandboxError:
    """A worker asked of a pool that was closed: a bug of the caller's, or the end of a batch
    racing a replacement's start; said, never waited on forever."""
    return SandboxError("sandbox.start_failed", reason="this warm pool was closed")


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
        if not self.thread.is_alive():  # stopped: a job queued now would wait forever
            raise pool_closed()
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
        self,
        modules: list[str],
        limits: Limits,
        isolation: Isolation,
        spawner: Spawner,
        cpus: float | None = None,
    ) -> None:
        if not isolation.uses("bwrap") or not isolation.uses("seccomp"):
            raise SandboxError("sandbox.start_failed", reason="warm workers need level strong")
        self.launch = Launch(isolation, limits, cpus, worker=True)
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        settings = {
            "socket": theirs.fileno(),
            "preload": modules,
            "landlock_source": SOURCES["landlock"],
            "seccomp_source": SOURCES["seccomp"],
            "zygote_source": SOURCES["zygote"],
            "seccomp_program": filter_program(own_network=True).hex(),  # bubblewrap's
            "readable": [str(path) for path in landlock_readable()],
            "folder": RUN_FOLDER,
            "mounts": SUBMISSION_MOUNTS,
            "writable": list(SUBMISSION_WRITABLE),
        }
        config = json.dumps({"serve": settings})
        null = os.open(os.devnull, os.O_RDWR)
        stdio = (null, os.dup(null), os.dup(null))
        passed = [theirs.detach()]
        self.process = spawner.run(
            lambda: self.launch.start("", "worker.py", config, stdio, passed)
        )
        self.served = 0

    def wait_ready(self) -> None:
        ready = self._receive(time.monotonic() + READY_SECONDS)
        if ready is None or ready.get("event") != "ready":
            self.close()
            raise SandboxError("sandbox.start_failed", reason="a warm worker did not start")

    def _receive(self, deadline: float) -> dict | None:
        ready, _, _ = select.select([self.channel], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return None
        with contextlib.suppress(OSError, ValueError):
            data = self.channel.recv(1 << 16)
            return json.loads(data) if data else None
        return None

    def run(
        self,
        program: str,
        filename: str,
        stdins: list[str],
        limits: Limits,
        after: threading.Event | None = None,
        on_set: SetDone | None = None,
    ):
        self.served += 1
        wiring = SetWiring.create(stdins, limits, after)
        early = EarlyResults(wiring, limits, on_set)
        ends = wiring.child_fds
        # Descriptors travel as a list after the program; the plan names them by position.
        request = {
            "serial": self.served,
            "program": filename,
            "limits": limit_config(limits, len(ends) - 3),
            "control": 4,
            "fork": wiring.fork_config(limits, lambda position: position + 1),
            # The worker's own backstop, should the grader go silent: the grader stops the run
            # at its deadline, which a run held at the gate pushes back.
            "wall_seconds": GATE_WAIT_FACTOR * limits.wall_seconds + WORKER_SLACK,
            "environment": process.CHILD_ENVIRONMENT,
        }
        program_fd = process.memfd_with(program)
        cpu_before, ooms_before = self.launch.cpu_seconds(), self.launch.oom_kills()
        wiring.begin()
        try:
            try:
                socket.send_fds(self.channel, [json.dumps(request).encode()], [program_fd, *ends])
            finally:
                for fd in (program_fd, *ends):
                    os.close(fd)
            done, killed, ended_at = self._watch(wiring, limits, early)
        except OSError as error:
            raise WorkerLost(str(error)) from error
        finally:
            wiring.close()
        if done.get("residue"):
            raise WorkerLost(f"not clean after a submission: {'; '.join(done['residue'])}")
        cpu_after = self.launch.cpu_seconds()
        ended = Ended(
            status=int(done["status"]),
            cpu_seconds=cpu_after - cpu_before
            if cpu_after is not None and cpu_before is not None
            else float(done["cpu"]),
            peak_kb=int(done["maxrss_kb"]),
            wall_seconds=ended_at - wiring.started,
            killed=killed or bool(done["stopped"]),
            oom=self.launch.oom_kills() > ooms_before,
        )
        try:
            return early.finish(forked_results(wiring, ended, limits))
        except ZygoteFailed as error:
            raise WorkerLost(str(error)) from error

    def _watch(
        self, wiring: SetWiring, limits: Limits, early: EarlyResults
    ) -> tuple[dict, bool, float]:
        """Read the run's pipes until the worker reports the submission done, handing on
        each set that ends before then. At the grader's deadline, ask the worker to stop it.
        → (report, we stopped it, when)."""
        done: dict | None = None
        ended_at = 0.0
        stop_sent: float | None = None
        # The worker's report wakes the poll: it comes a moment after the sets' pipes close,
        # and a poll with nothing left to read would otherwise sleep out its timeout.
        wiring.pipes.wake_on(self.channel.fileno())
        while True:
            now = time.monotonic()
            if done is None and select.select([self.channel], [], [], 0)[0]:
                data = self.channel.recv(1 << 16)
                if not data:
                    raise WorkerLost("the worker is gone")
                message = json.loads(data)
                if message.get("serial") == self.served:
                    done, ended_at = message, now
                    wiring.pipes.stop_waking(self.channel.fileno())  # not read from now on
            if done is not None:
                if wiring.pipes.open_count == 0 or now - ended_at > GRACE_SECONDS:
                    return done, stop_sent is not None, ended_at
            elif stop_sent is None and now >= wiring.deadline(limits):
                stop = {"event": "stop", "serial": self.served}
                self.channel.send(json.dumps(stop).encode())
                stop_sent = now
            elif stop_sent is not None and now > stop_sent + WORKER_SLACK:
                raise WorkerLost("no answer after the deadline")
            wiring.poll(0.02)
            early.poll()

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
    and batch grading use it like the cold runner. Thread-safe: one submission per worker.

    A worker that dies, hangs, fails before the program starts, or cannot prove itself clean
    after a submission is replaced, and that submission runs again on the fresh worker (cold
    after a second loss). A worker retires after RETIRE_AFTER submissions all the same; its
    replacement starts in the background, so no student waits for it."""

    def __init__(
        self,
        template: str,
        limits: Limits,
        workers: int,
        retire_after: int = RETIRE_AFTER,
        preload: list[str] | None = None,
    ) -> None:
        # What the workers import before they wait: `preload` (service/preload.py: what the
        # lab's reference loads), else the template's top-level imports.
        self.modules = preload or template_imports(template)
        self.limits = limits
        self.retire_after = retire_after
        self.cpus = cpu_share(workers)
        self.isolation = probe.current()
        self.idle: queue.Queue[WarmWorker] = queue.Queue()
        self.gated: list[threading.Event] = []  # the gates of runs that took a worker early
        self.lock = threading.Lock()
        self.spawner = Spawner()
        self.closed = False
        # Start them all, then wait: they import torch side by side.
        self.workers = [self._new() for _ in range(workers)]
        for worker in self.workers:
            worker.wait_ready()
            self.idle.put(worker)

    def _new(self) -> WarmWorker:
        return WarmWorker(self.modules, self.limits, self.isolation, self.spawner, self.cpus)

    def _replace(self, worker: WarmWorker) -> WarmWorker:
        worker.close()
        if self.closed:
            raise pool_closed()
        fresh = self._new()
        fresh.wait_ready()
        with self.lock:
            if self.closed:  # closed while it started: close() never saw it, so close it here
                fresh.close()
                raise pool_closed()
            self.workers = [fresh if w is worker else w for w in self.workers]
        return fresh

    def _retire_in_background(self, worker: WarmWorker) -> None:
        def replace() -> None:
            if self.closed:
                worker.close()
                return
            try:
                self.idle.put(self._replace(worker))
            except SandboxError as error:
                # A pool closed while its replacement started (the end of a batch) is no
                # failure; otherwise the pool shrinks by one and the others keep grading.
                if not self.closed:
                    LOG.warning("%s", error)

        threading.Thread(target=replace, name="seqlab-retire", daemon=True).start()

    def run_sets(
        self,
        program: str,
        filename: str,
        stdins: list[str],
        limits: Limits,
        *,
        fork_at_input,
        cpus: float | None = None,
        after: threading.Event | None = None,
        on_set: SetDone | None = None,
    ) -> list[RunResult]:
        """`on_set`: as the cold runner's; a submission run again on a fresh worker may hand
        a set over again (the engine keeps the first)."""
        cpus = cpus or self.cpus
        if not fork_at_input:
            return run_sets(
                program, filename, stdins, limits, fork_at_input=False, cpus=cpus, on_set=on_set
            )
        if self.closed:  # a bug of the caller's; said, not waited on forever
            raise pool_closed()
        worker = self._take(after)
        healthy = True
        try:
            for _attempt in range(2):
                try:
                    return worker.run(program, filename, stdins, limits, after, on_set)
                except WorkerLost:
                    worker = self._replace(worker)
            # Two workers lost on one submission: grade it cold rather than not at all.
            return run_sets(
                program,
                filename,
                stdins,
                limits,
                fork_at_input=True,
                cpus=cpus,
                after=after,
                on_set=on_set,
            )
        except BaseException:
            # Anything else (a bug, an interrupt): the worker may still be busy with this run,
            # so it never goes back to the others as it is.
            healthy = False
            raise
        finally:
            if after is not None:
                self._untake(after)
            if healthy and worker.served < self.retire_after:
                self.idle.put(worker)
            else:
                self._retire_in_background(worker)

    def _take(self, after: threading.Event | None) -> WarmWorker:
        """An idle worker. A run held at a gate (its other run still going) takes one at once
        only while, with it, runs waiting at their gates hold fewer than all the workers —
        at least one is always idle or with a run that waits for nothing, so the runs the
        gates wait for always get a worker — else it waits for its gate to open first.
        Taken at once, its start (and a lab's training) goes side by side with the run its
        gate waits for, as engine.grade_program means it to; its input still waits."""
        if after is not None and not after.is_set():
            with self.lock, contextlib.suppress(queue.Empty):
                waiting = sum(1 for gate in self.gated if not gate.is_set())
                if waiting + 1 < len(self.workers):
                    worker = self.idle.get_nowait()
                    self.gated.append(after)
                    return worker
            after.wait(GATE_WAIT_FACTOR * self.limits.wall_seconds)
        return self.idle.get()

    def _untake(self, after: threading.Event | None) -> None:
        with self.lock, contextlib.suppress(ValueError):
            self.gated.remove(after)  # absent: taken once its gate was open

    def close(self) -> None:
        with self.lock:
            self.closed = True
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
