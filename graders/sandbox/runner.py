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
Either way every set gets its own RunResult.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from graders.sandbox import probe, process
from graders.sandbox.launch import Launch
from graders.spec import Limits

# After the main process ends, how long leftovers may keep pipes open before being killed.
GRACE_SECONDS = 0.3
CONTROL_CAP = 1 << 20
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


def run_sets(
    program: str, filename: str, stdins: list[str], limits: Limits, *, fork_at_input: bool
) -> list[RunResult]:
    """Run `program` once per stdin (or once, forked per stdin) and return one result each."""
    isolation = probe.current()
    if fork_at_input and len(stdins) > 1:
        with Launch(isolation, limits) as launch:
            return _run_forked(launch, program, filename, stdins, limits)
    run_ends = time.monotonic() + limits.wall_seconds
    results = []
    for stdin in stdins:
        with Launch(isolation, limits) as launch:
            results.append(_run_fresh(launch, program, filename, stdin, limits, run_ends))
    return results


# --- starting and watching one process -------------------------------------------------------


def _limit_config(limits: Limits, passed_fds: int) -> dict[str, int]:
    return {
        "cpu_seconds": int(limits.cpu_seconds),
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "file_bytes": limits.file_kb * 1024,
        "open_files": limits.open_files + passed_fds,
    }


class _Pipes:
    """Reads many pipes at once, each up to its byte cap; closes a pipe that floods."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.data: dict[int, bytearray] = {}
        self.caps: dict[int, int] = {}
        self.flooded: set[int] = set()

    def add(self, fd: int, cap: int) -> int:
        os.set_blocking(fd, False)
        self.data[fd], self.caps[fd] = bytearray(), cap
        self.selector.register(fd, selectors.EVENT_READ)
        return fd

    @property
    def open_count(self) -> int:
        return len(self.selector.get_map())

    def poll(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self._close(key.fd)
                continue
            buffer = self.data[key.fd]
            buffer += chunk
            if len(buffer) > self.caps[key.fd]:
                del buffer[self.caps[key.fd] :]
                self.flooded.add(key.fd)
                self._close(key.fd)  # the writer now gets EPIPE instead of filling our memory

    def _close(self, fd: int) -> None:
        self.selector.unregister(fd)
        os.close(fd)

    def close_all(self) -> None:
        for fd in list(self.selector.get_map()):
            self._close(fd)
        self.selector.close()


@dataclass(frozen=True)
class _Ended:
    status: int
    usage: resource.struct_rusage
    wall_seconds: float
    killed: bool  # we killed it at the deadline
    oom: bool  # the kernel killed a process of the run at the cgroup's memory ceiling


def _watch(
    launch: Launch,
    child: subprocess.Popen,
    pipes: _Pipes,
    started: float,
    deadline: Callable[[], float],
) -> _Ended:
    """Read pipes until the process has ended and its pipes are closed, or the deadline.

    `deadline()` may move as the run reports progress. Everything the run started is killed
    at the end (its process group and its cgroup), so nothing outlives its run.
    """
    reaped: tuple[int, resource.struct_rusage] | None = None
    ended_at = 0.0
    killed = False
    while True:
        now = time.monotonic()
        if reaped is None:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                reaped, ended_at = (status, usage), now
        if reaped is not None and (pipes.open_count == 0 or now - ended_at > GRACE_SECONDS):
            break
        if now >= deadline():
            killed = reaped is None
            break
        pipes.poll(min(0.05, max(deadline() - now, 0.0)))
    launch.kill_all(child.pid)
    if reaped is None:
        _, status, usage = os.wait4(child.pid, 0)
        reaped, ended_at = (status, usage), time.monotonic()
    child.returncode = os.waitstatus_to_exitcode(reaped[0])  # Popen must not wait again
    pipes.poll(0)
    pipes.close_all()
    status = launch.wait_status(reaped[0])
    return _Ended(status, reaped[1], ended_at - started, killed, launch.oom_killed())


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
    flooded: bool,
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
    return RunResult(
        stdout=stdout[:cap],
        stderr=stderr[:cap],
        exit_code=exit_code,
        signal=signal_number,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_memory_kb=peak_kb,
        timed_out=timed_out,
        output_exceeded=flooded or len(stdout) > cap or len(stderr) > cap,
        memory_exceeded=out_of_memory,
        reported=reported,
        shared_seconds=shared,
        time_limit=time_limit if timed_out else None,
    )


def _whole_run(ended: _Ended, pipes: _Pipes, out: int, err: int, limits: Limits, budget: float):
    """The result of one process run from start to end, as the grader itself measured it."""
    usage = ended.usage
    return _result(
        stdout=bytes(pipes.data[out]),
        stderr=bytes(pipes.data[err]),
        status=ended.status,
        wall=ended.wall_seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_kb=usage.ru_maxrss,
        limits=limits,
        killed=ended.killed,
        flooded=bool({out, err} & pipes.flooded),
        oom=ended.oom,
        time_limit=budget,
    )


def _config(filename: str, limits: Limits, passed: int, fork: dict | None = None) -> str:
    return json.dumps({"program": filename, "limits": _limit_config(limits, passed), "fork": fork})


def _run_fresh(
    launch: Launch, program: str, filename: str, stdin: str, limits: Limits, run_ends: float
) -> RunResult:
    pipes = _Pipes()
    cap = limits.output_kb * 1024
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pipes.add(out_r, cap)
    pipes.add(err_r, cap)
    started = time.monotonic()
    stdio = (process.memfd_with(stdin), out_w, err_w)
    child = launch.start(program, filename, _config(filename, limits, 0), stdio, [])
    ended = _watch(launch, child, pipes, started, lambda: run_ends)
    return _whole_run(ended, pipes, out_r, err_r, limits, limits.wall_seconds)


@dataclass
class _ControlLog:
    """What a forked run said on its control pipe: claims to check, never verdicts."""

    prefork_wall: float | None = None
    reports: dict[int, dict] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes, sets: int) -> _ControlLog:
        log = cls()
        for line in data.split(b"\n"):
            try:
                message = json.loads(line)
                event = message["event"]
            except (ValueError, TypeError, KeyError):
                continue
            if event == "fork" and log.prefork_wall is None:
                log.prefork_wall = _number(message.get("prefork_wall"))
            elif event == "set" and log.prefork_wall is not None:
                index = message.get("index")
                if isinstance(index, int) and 0 <= index < sets:
                    log.reports.setdefault(index, message)
        return log


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and value >= 0 else 0.0


@dataclass
class SetWiring:
    """The pipes and in-memory files of one forked run: our reading ends in `pipes`, the
    child's ends in `child_fds` — [stdin, stdout, stderr, control, then stdin, stdout and
    stderr of each set] — which the caller hands over and then closes."""

    pipes: _Pipes
    out: int
    err: int
    control: int
    set_readers: list[tuple[int, int]]
    child_fds: list[int]

    @classmethod
    def create(cls, stdins: list[str], limits: Limits) -> SetWiring:
        cap = limits.output_kb * 1024
        pipes = _Pipes()
        ends: list[int] = [os.open(os.devnull, os.O_RDONLY)]
        readers = []
        for cap_here in (cap, cap, CONTROL_CAP):
            read, write = os.pipe()
            readers.append(pipes.add(read, cap_here))
            ends.append(write)
        set_readers = []
        for stdin in stdins:
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            ends += [process.memfd_with(stdin), out_w, err_w]
            set_readers.append((pipes.add(out_r, cap), pipes.add(err_r, cap)))
        return cls(pipes, *readers, set_readers, ends)

    def fork_config(self, limits: Limits, name) -> dict:
        """The zygote's fork plan, naming each child descriptor by `name(position)`."""
        sets = [
            {"stdin": name(4 + 3 * i), "stdout": name(5 + 3 * i), "stderr": name(6 + 3 * i)}
            for i in range(len(self.set_readers))
        ]
        return {
            "control": name(3),
            "sets": sets,
            "wall_seconds": limits.wall_seconds,
            "set_seconds": limits.set_seconds,
        }

    def log(self) -> _ControlLog:
        return _ControlLog.parse(bytes(self.pipes.data[self.control]), len(self.set_readers))

    def deadline(self, started: float, limits: Limits) -> Callable[[], float]:
        def deadline() -> float:
            # The whole run's budget holds; once the sets are forked they have their own,
            # side by side, plus a moment for the zygote to report.
            run_ends = started + limits.wall_seconds
            prefork = self.log().prefork_wall
            if prefork is None:
                return run_ends
            return min(run_ends, started + prefork + limits.set_seconds + 1.0)

        return deadline

    def results(self, ended: _Ended, limits: Limits) -> list[RunResult]:
        pipes, log = self.pipes, self.log()
        if log.prefork_wall is None:
            # The program never read stdin (or died first): every set saw the same run.
            whole = _whole_run(ended, pipes, self.out, self.err, limits, limits.wall_seconds)
            return [whole] * len(self.set_readers)
        common_out, common_err = bytes(pipes.data[self.out]), bytes(pipes.data[self.err])
        common_flood = bool({self.out, self.err} & pipes.flooded)
        set_budget = min(limits.set_seconds, max(limits.wall_seconds - log.prefork_wall, 0.0))
        results = []
        for index, (set_out, set_err) in enumerate(self.set_readers):
            report = log.reports.get(index)
            status = report.get("status") if report else None
            results.append(
                _result(
                    stdout=common_out + bytes(pipes.data[set_out]),
                    stderr=common_err + bytes(pipes.data[set_err]),
                    # No report: the run was killed before this set finished.
                    status=status if isinstance(status, int) else signal.SIGKILL,
                    wall=_number(report.get("wall")) if report else set_budget,
                    cpu=_number(report.get("cpu")) if report else 0.0,
                    peak_kb=int(_number(report.get("maxrss_kb"))) if report else 0,
                    limits=limits,
                    killed=ended.killed if report is None else bool(report.get("timed_out")),
                    flooded=common_flood or bool({set_out, set_err} & pipes.flooded),
                    oom=ended.oom,
                    time_limit=set_budget,
                    reported=report is not None,
                    shared=log.prefork_wall,
                )
            )
        return results


def _run_forked(
    launch: Launch, program: str, filename: str, stdins: list[str], limits: Limits
) -> list[RunResult]:
    wiring = SetWiring.create(stdins, limits)
    ends = wiring.child_fds
    fork = wiring.fork_config(limits, lambda position: ends[position])
    config = _config(filename, limits, len(ends) - 3, fork)
    started = time.monotonic()
    child = launch.start(program, filename, config, tuple(ends[:3]), ends[3:])
    ended = _watch(launch, child, wiring.pipes, started, wiring.deadline(started, limits))
    return wiring.results(ended, limits)
