"""Run an untrusted program against test inputs: the only code that starts processes.

Every run goes through the layers this machine allows (probe.py decides, launch.py composes
them): at least a separate `python -I` with rlimits, its own session and capped output; where
possible bubblewrap namespaces, the seccomp filter, Landlock and a cgroup. The program never
sees expected outputs: they are not on its command line, in its folder or environment.

Budgets (one per run, so a hanging submission costs one budget, never one per test set):
- `limits.wall_seconds`: the whole run — start, imports, training and every test set.
- `limits.set_seconds`: each test set after the shared part, in fork mode.

Two ways to run a lab's test sets:
- fork mode: one process runs the program once and, at its first read of stdin, forks a
  child per set, all side by side (see zygote.py), so expensive set-up such as training is
  paid once;
- fresh mode: one new process per set, one after another, sharing the run's budget.
Either way every set gets its own RunResult, built from what the grader itself observed
(wiring.py): its clock, the pipes' ends, the cgroup's counters and the exit status it reaped.
A run that ends before the zygote said `start` failed in our code, never in the student's:
that is a SandboxError (ZygoteFailed), not a verdict.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from graders.errors import SandboxError
from graders.sandbox import probe, process
from graders.sandbox.launch import Launch
from graders.sandbox.wiring import (
    CONTROL_CAP,
    GATE_WAIT_FACTOR,
    ControlLog,
    Pipes,
    SetWiring,
    Stream,
)
from graders.spec import Limits

# After the main process ends, how long leftovers may keep pipes open before being killed.
GRACE_SECONDS = 0.3
MEMORY_ERROR_MARKERS = (b"MemoryError", b"can't allocate memory", b"Cannot allocate memory")


@dataclass(frozen=True)
class RunResult:
    stdout: bytes
    stderr: bytes
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    wall_seconds: float  # this set's own time (after the shared part, in fork mode)
    cpu_seconds: float
    peak_memory_kb: int
    timed_out: bool = False
    output_exceeded: bool = False
    memory_exceeded: bool = False
    reported: bool = True  # False: the run ended without telling us about this set
    shared_seconds: float | None = None  # fork mode: the shared part before the fork
    time_limit: float | None = None  # the budget that ran out, when timed_out
    # The stream that went past the output limit, when output_exceeded: standard output
    # first (what the student printed), then standard error, then the control pipe.
    overflowed: Stream | None = None


# Called with a set's position in `stdins` and its result as soon as the grader has seen that
# set end, before the run's other sets have (once per set; a set cut short by the run's end
# is handed over with the run's results). Called on the thread that watches the run: keep it
# quick, or the sets still running are read late.
SetDone = Callable[[int, RunResult], None]


def run_sets(
    program: str,
    filename: str,
    stdins: list[str],
    limits: Limits,
    *,
    fork_at_input: bool,
    cpus: float | None = None,
    after: threading.Event | None = None,
    on_set: SetDone | None = None,
) -> list[RunResult]:
    """Run `program` once per stdin (or once, forked per stdin) and return one result each.
    `cpus`: the cores this run may use in all (the cgroup's CPU share; None: no cap).
    `after`: the sets get their input only once this is set (wiring.py's gate).
    `on_set`: each set's result as soon as it ends (SetDone)."""
    isolation = probe.current()
    if fork_at_input and len(stdins) > 1:
        with Launch(isolation, limits, cpus) as launch:
            return _run_forked(launch, program, filename, stdins, limits, after, on_set)
    # Fresh runs read their input from the start: they wait instead, and never run beside
    # the run they wait for (a run that never ends is our failure to report, not to ignore).
    if after is not None and not after.wait(GATE_WAIT_FACTOR * limits.wall_seconds):
        raise SandboxError("sandbox.start_failed", reason="the run before this one never ended")
    run_ends = time.monotonic() + limits.wall_seconds
    results = []
    for index, stdin in enumerate(stdins):
        with Launch(isolation, limits, cpus) as launch:
            results.append(_run_fresh(launch, program, filename, stdin, limits, run_ends))
        if on_set is not None:
            on_set(index, results[-1])
    return results


class ZygoteFailed(SandboxError):
    """The run ended before the zygote reached the student's program: our failure."""

    def __init__(self, status: int, stderr: bytes) -> None:
        last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        reason = f"the sandboxed process ended before the program started ({status}: {last[0]})"
        super().__init__("sandbox.start_failed", reason=reason)


# --- starting and watching one process -------------------------------------------------------


def limit_config(limits: Limits, passed_fds: int) -> dict[str, int]:
    return {
        "cpu_seconds": int(limits.cpu_seconds),
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "file_bytes": limits.file_kb * 1024,
        "open_files": limits.open_files + passed_fds,
    }


@dataclass(frozen=True)
class Ended:
    """How the run's main process ended, as the grader (or the warm worker) saw it."""

    status: int  # its wait status, reaped by us (or by the worker, which runs no student code)
    cpu_seconds: float  # the cgroup's count where there is one, else the reaped rusage
    peak_kb: int
    wall_seconds: float
    killed: bool  # the grader's deadline ended it
    oom: bool  # the kernel killed a process of the run at the cgroup's memory ceiling


def _watch(
    launch: Launch,
    child: subprocess.Popen,
    poll: Callable[[float], None],
    pipes: Pipes,
    started: float,
    deadline: Callable[[], float],
) -> Ended:
    """Poll the run's pipes until the process has ended and its pipes are closed, or the
    deadline (which may move as the run forks). Everything the run started is killed at the
    end (its process group and its cgroup), so nothing outlives its run. The process's pidfd
    wakes the poll when it ends: its pipes close a moment before it exits, and a poll with
    nothing left to read would otherwise sleep out its timeout."""
    reaped = None
    ended_at = 0.0
    killed = False
    pidfd = os.pidfd_open(child.pid)
    pipes.wake_on(pidfd)
    try:
        while True:
            now = time.monotonic()
            if reaped is None:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    reaped, ended_at = (status, usage), now
                    pipes.stop_waking(pidfd)  # readable from now on
            if reaped is not None and (pipes.open_count == 0 or now - ended_at > GRACE_SECONDS):
                break
            if now >= deadline():
                killed = reaped is None
                break
            poll(min(0.05, max(deadline() - now, 0.0)))
    finally:
        pipes.stop_waking(pidfd)
        os.close(pidfd)
    launch.kill_all(child.pid)
    if reaped is None:
        _, status, usage = os.wait4(child.pid, 0)
        reaped, ended_at = (status, usage), time.monotonic()
    child.returncode = os.waitstatus_to_exitcode(reaped[0])  # Popen must not wait again
    status, usage = reaped
    cpu = launch.cpu_seconds()
    return Ended(
        status=launch.wait_status(status),
        cpu_seconds=cpu if cpu is not None else usage.ru_utime + usage.ru_stime,
        peak_kb=usage.ru_maxrss,
        wall_seconds=ended_at - started,
        killed=killed,
        oom=launch.oom_killed(),
    )


# --- turning what we saw into results --------------------------------------------------------


def _result(
    *,
    stdout: bytes,
    stderr: bytes,
    status: int,
    wall: float,
    cpu: float,
    peak_kb: int,
    limits: Limits,
    killed: bool,
    flooded: frozenset[Stream],
    oom: bool,
    time_limit: float,
    reported: bool = True,
    shared: float | None = None,
) -> RunResult:
    cap = limits.output_kb * 1024
    if os.WIFSIGNALED(status):
        exit_code, signal_number = None, os.WTERMSIG(status)
    else:
        exit_code, signal_number = os.WEXITSTATUS(status), None
    # RLIMIT_CPU with soft = hard ends the process with SIGKILL (or SIGXCPU) at the limit.
    cpu_exhausted = signal_number in (signal.SIGKILL, signal.SIGXCPU) and (
        cpu >= min(limits.cpu_seconds, time_limit) - 0.5
    )
    out_of_memory = (oom and signal_number == signal.SIGKILL) or (
        exit_code not in (0, None) and any(marker in stderr for marker in MEMORY_ERROR_MARKERS)
    )
    timed_out = (killed or cpu_exhausted) and not out_of_memory
    long = {
        name for name, data in ((Stream.STDOUT, stdout), (Stream.STDERR, stderr)) if len(data) > cap
    }
    overflowed = next((name for name in Stream if name in flooded | long), None)
    return RunResult(
        stdout=stdout[:cap],
        stderr=stderr[:cap],
        exit_code=exit_code,
        signal=signal_number,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_memory_kb=peak_kb,
        timed_out=timed_out,
        output_exceeded=overflowed is not None,
        memory_exceeded=out_of_memory,
        reported=reported,
        shared_seconds=shared,
        time_limit=time_limit if timed_out else None,
        overflowed=overflowed,
    )


def whole_run(
    ended: Ended,
    stdout: bytes,
    stderr: bytes,
    flooded: frozenset[Stream],
    limits: Limits,
    budget: float,
) -> RunResult:
    """The result of one process run from start to end, as the grader itself measured it."""
    return _result(
        stdout=stdout,
        stderr=stderr,
        status=ended.status,
        wall=ended.wall_seconds,
        cpu=ended.cpu_seconds,
        peak_kb=ended.peak_kb,
        limits=limits,
        killed=ended.killed,
        flooded=flooded,
        oom=ended.oom,
        time_limit=budget,
    )


def _config(filename: str, limits: Limits, passed: int, control: int, fork=None) -> str:
    limit_values = limit_config(limits, passed)
    return json.dumps(
        {"program": filename, "limits": limit_values, "control": control, "fork": fork}
    )


def _run_fresh(
    launch: Launch, program: str, filename: str, stdin: str, limits: Limits, run_ends: float
) -> RunResult:
    pipes = Pipes()
    control = ControlLog(sets=0)
    cap = limits.output_kb * 1024
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    control_r, control_w = os.pipe()
    pipes.add(out_r, cap)
    pipes.add(err_r, cap)
    pipes.add(control_r, CONTROL_CAP, control.feed)
    started = time.monotonic()

    def deadline() -> float:  # a flooded control pipe ends the run at once
        return started if control_r in pipes.flooded else run_ends

    stdio = (process.memfd_with(stdin), out_w, err_w)
    config = _config(filename, limits, 1, control_w)
    child = launch.start(program, filename, config, stdio, [control_w])
    try:
        ended = _watch(launch, child, pipes.poll, pipes, started, deadline)
    finally:
        pipes.poll(0)
        pipes.close_all()
    stdout, stderr = bytes(pipes.data[out_r]), bytes(pipes.data[err_r])
    if not control.started:
        raise ZygoteFailed(ended.status, stderr)
    flooded = pipes.streams(stdout=out_r, stderr=err_r, control=control_r)
    return whole_run(ended, stdout, stderr, flooded, limits, limits.wall_seconds)


def forked_results(wiring: SetWiring, ended: Ended, limits: Limits) -> list[RunResult]:
    """One result per set of a run that forks per set (call after `wiring.close()`)."""
    pipes = wiring.pipes
    common_err = bytes(pipes.data[wiring.err])
    if not wiring.control.started:
        raise ZygoteFailed(ended.status, common_err)
    if wiring.forked_at is None:
        # The program never read stdin (or died first): every set saw the same run.
        common_out = bytes(pipes.data[wiring.out])
        flooded = wiring.flooded
        whole = whole_run(ended, common_out, common_err, flooded, limits, limits.wall_seconds)
        return [whole] * len(wiring.set_readers)
    return [
        _set_result(wiring, index, limits, killed=ended.killed, oom=ended.oom)
        for index in range(len(wiring.set_readers))
    ]


def _set_result(
    wiring: SetWiring, index: int, limits: Limits, *, killed: bool, oom: bool
) -> RunResult:
    """One forked set's result: the run's shared output before its own, as the grader saw it.
    `killed`: the grader's deadline ended the run; `oom`: the cgroup's ceiling was hit."""
    run = wiring.set_run(index, limits)
    timed_out = not run.finished and killed
    claim = run.claim if run.finished else None
    return _result(
        stdout=bytes(wiring.pipes.data[wiring.out]) + run.stdout,
        stderr=bytes(wiring.pipes.data[wiring.err]) + run.stderr,
        status=claim.status if claim else signal.SIGKILL,
        wall=run.wall_seconds,
        cpu=claim.cpu_seconds if claim else 0.0,
        peak_kb=claim.peak_kb if claim else 0,
        limits=limits,
        killed=timed_out,
        flooded=wiring.flooded | run.flooded,
        oom=oom,
        time_limit=wiring.set_budget(limits),
        # Finished without a word (the run was cut short), or still running when the
        # run ended by itself: we cannot say how it ended.
        reported=claim is not None or timed_out,
        shared=wiring.shared_seconds,
    )


class EarlyResults:
    """Hands each forked set's result to `on_set` as soon as the wiring sees it over
    (`SetWiring.ended_sets`), while the run's other sets go on; `finish` hands over the rest
    from the run's final results. An early result is the set's own output and status, as the
    final one is; what only the whole run can tell — the cgroup's memory ceiling, shared
    output written after the fork — reaches the final result only (a preview, replaced)."""

    def __init__(self, wiring: SetWiring, limits: Limits, on_set: SetDone | None) -> None:
        self.wiring, self.limits, self.on_set = wiring, limits, on_set
        self.sent: set[int] = set()

    def poll(self) -> None:
        if self.on_set is None:
            return
        for index in self.wiring.ended_sets(self.limits):
            if index not in self.sent:
                self.sent.add(index)
                self.on_set(
                    index, _set_result(self.wiring, index, self.limits, killed=False, oom=False)
                )

    def finish(self, results: list[RunResult]) -> list[RunResult]:
        if self.on_set is not None:
            for index, result in enumerate(results):
                if index not in self.sent:
                    self.sent.add(index)
                    self.on_set(index, result)
        return results


def _run_forked(
    launch: Launch,
    program: str,
    filename: str,
    stdins: list[str],
    limits: Limits,
    after: threading.Event | None,
    on_set: SetDone | None,
) -> list[RunResult]:
    wiring = SetWiring.create(stdins, limits, after)
    early = EarlyResults(wiring, limits, on_set)
    ends = wiring.child_fds
    fork = wiring.fork_config(limits, lambda position: ends[position])
    config = _config(filename, limits, len(ends) - 3, ends[3], fork)
    wiring.begin()
    child = launch.start(program, filename, config, tuple(ends[:3]), ends[3:])

    def poll(timeout: float) -> None:
        wiring.poll(timeout)
        early.poll()

    try:
        ended = _watch(
            launch,
            child,
            poll,
            wiring.pipes,
            wiring.started,
            lambda: wiring.deadline(limits),
        )
    finally:
        wiring.close()
    return early.finish(forked_results(wiring, ended, limits))
