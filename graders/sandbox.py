"""Run an untrusted program against test inputs: the only module that starts processes.

This is the always-on isolation layer (SANDBOX.md, layer 0): a separate `python -I`
process with an almost empty environment, a fresh temporary folder holding only the program,
stdin from the test set, its own session and process group, rlimits (CPU soft = hard, address
space, file size, open files, no core), a wall-clock deadline that kills the whole group, and
stdout/stderr read with a byte cap. The program never sees expected outputs: they are not on
its command line, in its folder or in its environment.

Two ways to run a lab's test sets:
- fork mode: one process runs the program once and forks a child per set at its first read
  of stdin (see zygote.py), so expensive set-up such as training is paid once;
- fresh mode: one new process per set.
Either way every set gets its own RunResult.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import SandboxError
from graders.spec import Limits

ISOLATION_LEVEL = "process"  # separate process + rlimits; no namespaces or syscall filter yet
ZYGOTE_SOURCE = Path(__file__).with_name("zygote.py").read_text(encoding="utf-8")
# Only what a well-behaved numeric program needs; nothing of the grader's environment leaks.
CHILD_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}
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
    wall_seconds: float
    cpu_seconds: float
    peak_memory_kb: int
    timed_out: bool = False
    output_exceeded: bool = False
    memory_exceeded: bool = False
    reported: bool = True  # False: the run ended without telling us about this set


def run_sets(
    program: str, filename: str, stdins: list[str], limits: Limits, *, fork_at_input: bool
) -> list[RunResult]:
    """Run `program` once per stdin (or once, forked per stdin) and return one result each."""
    workdir = Path(tempfile.mkdtemp(prefix="seqlab-run-"))
    try:
        (workdir / filename).write_text(program, encoding="utf-8")
        if fork_at_input and len(stdins) > 1:
            return _run_forked(workdir, filename, stdins, limits)
        return [_run_fresh(workdir, filename, stdin, limits) for stdin in stdins]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- starting and watching one process -------------------------------------------------------


def _memfd(text: str) -> int:
    """An anonymous in-memory file holding a test set's stdin (nothing on disk to find)."""
    writable = os.memfd_create("stdin")
    try:
        os.write(writable, text.encode("utf-8"))
        # The program gets a read-only descriptor: it must not rewrite any set's input.
        return os.open(f"/proc/self/fd/{writable}", os.O_RDONLY)
    finally:
        os.close(writable)


def _limit_config(limits: Limits, passed_fds: int) -> dict[str, int]:
    return {
        "cpu_seconds": int(limits.cpu_seconds),
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "file_bytes": limits.file_kb * 1024,
        "open_files": limits.open_files + passed_fds,
    }


def _start(workdir: Path, config: dict, stdio: tuple[int, int, int], passed: list[int]):
    command = [sys.executable, "-I", "-X", "utf8", "-c", ZYGOTE_SOURCE, json.dumps(config)]
    environment = {**CHILD_ENVIRONMENT, "HOME": str(workdir), "TMPDIR": str(workdir)}
    try:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=environment,
            stdin=stdio[0],
            stdout=stdio[1],
            stderr=stdio[2],
            pass_fds=passed,
            start_new_session=True,
        )
    except OSError as error:
        raise SandboxError("sandbox.start_failed", reason=error) from error
    finally:
        for fd in (*stdio, *passed):
            os.close(fd)  # the child has its copies; ours would keep the pipes from closing


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


def _watch(
    process: subprocess.Popen, pipes: _Pipes, started: float, deadline: Callable[[], float]
) -> _Ended:
    """Read pipes until the process has ended and its pipes are closed, or the deadline.

    `deadline()` may move as the run reports progress. Everything left in the process group
    is killed at the end, so nothing the program started outlives its run.
    """
    reaped: tuple[int, resource.struct_rusage] | None = None
    ended_at = 0.0
    killed = False
    while True:
        now = time.monotonic()
        if reaped is None:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                reaped, ended_at = (status, usage), now
        if reaped is not None and (pipes.open_count == 0 or now - ended_at > GRACE_SECONDS):
            break
        if now >= deadline():
            killed = reaped is None
            break
        pipes.poll(min(0.05, max(deadline() - now, 0.0)))
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if reaped is None:
        _, status, usage = os.wait4(process.pid, 0)
        reaped, ended_at = (status, usage), time.monotonic()
    process.returncode = os.waitstatus_to_exitcode(reaped[0])  # Popen must not wait again
    pipes.poll(0)
    pipes.close_all()
    return _Ended(reaped[0], reaped[1], ended_at - started, killed)


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
    reported: bool = True,
) -> RunResult:
    cap = limits.output_kb * 1024
    if os.WIFSIGNALED(status):
        exit_code, signal_number = None, os.WTERMSIG(status)
    else:
        exit_code, signal_number = os.WEXITSTATUS(status), None
    # RLIMIT_CPU with soft = hard ends the process with SIGKILL (or SIGXCPU) at the limit.
    cpu_exhausted = signal_number in (signal.SIGKILL, signal.SIGXCPU) and (
        cpu >= limits.cpu_seconds - 0.5
    )
    return RunResult(
        stdout=stdout[:cap],
        stderr=stderr[:cap],
        exit_code=exit_code,
        signal=signal_number,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_memory_kb=peak_kb,
        timed_out=killed or cpu_exhausted,
        output_exceeded=flooded or len(stdout) > cap or len(stderr) > cap,
        memory_exceeded=exit_code not in (0, None)
        and any(marker in stderr for marker in MEMORY_ERROR_MARKERS),
        reported=reported,
    )


def _whole_run(ended: _Ended, stdout: bytes, stderr: bytes, flooded: bool, limits: Limits):
    """The result of one process run from start to end, as the grader itself measured it."""
    usage = ended.usage
    return _result(
        stdout=stdout,
        stderr=stderr,
        status=ended.status,
        wall=ended.wall_seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_kb=usage.ru_maxrss,
        limits=limits,
        killed=ended.killed,
        flooded=flooded,
    )


def _run_fresh(workdir: Path, filename: str, stdin: str, limits: Limits) -> RunResult:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    config = {"program": filename, "limits": _limit_config(limits, 0), "fork": None}
    started = time.monotonic()
    process = _start(workdir, config, (_memfd(stdin), out_w, err_w), [])
    pipes = _Pipes()
    cap = limits.output_kb * 1024
    pipes.add(out_r, cap)
    pipes.add(err_r, cap)
    ended = _watch(process, pipes, started, lambda: started + limits.wall_seconds)
    stdout, stderr = bytes(pipes.data[out_r]), bytes(pipes.data[err_r])
    return _whole_run(ended, stdout, stderr, bool(pipes.flooded), limits)


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


def _run_forked(workdir: Path, filename: str, stdins: list[str], limits: Limits) -> list[RunResult]:
    cap = limits.output_kb * 1024
    pipes = _Pipes()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    control_r, control_w = os.pipe()
    passed = [control_w]
    set_fds, set_readers = [], []
    for stdin in stdins:
        set_out_r, set_out_w = os.pipe()
        set_err_r, set_err_w = os.pipe()
        stdin_fd = _memfd(stdin)
        passed += [stdin_fd, set_out_w, set_err_w]
        set_fds.append({"stdin": stdin_fd, "stdout": set_out_w, "stderr": set_err_w})
        set_readers.append((pipes.add(set_out_r, cap), pipes.add(set_err_r, cap)))
    config = {
        "program": filename,
        "limits": _limit_config(limits, len(passed)),
        "fork": {"control": control_w, "sets": set_fds, "wall_seconds": limits.wall_seconds},
    }
    started = time.monotonic()
    process = _start(workdir, config, (os.open(os.devnull, os.O_RDONLY), out_w, err_w), passed)
    pipes.add(out_r, cap)
    pipes.add(err_r, cap)
    pipes.add(control_r, CONTROL_CAP)

    def deadline() -> float:
        # Before the fork the program has one set's budget; after it, each set the rest.
        prefork = _ControlLog.parse(bytes(pipes.data[control_r]), len(stdins)).prefork_wall
        if prefork is None:
            return started + limits.wall_seconds
        per_set = max(limits.wall_seconds - prefork, 0.1)
        return started + prefork + per_set * len(stdins) + 1.0

    ended = _watch(process, pipes, started, deadline)
    log = _ControlLog.parse(bytes(pipes.data[control_r]), len(stdins))
    common_out, common_err = bytes(pipes.data[out_r]), bytes(pipes.data[err_r])
    common_flood = bool({out_r, err_r} & pipes.flooded)

    if log.prefork_wall is None:
        # The program never read stdin (or died first): every set saw the same single run.
        return [_whole_run(ended, common_out, common_err, common_flood, limits)] * len(stdins)

    results = []
    for index, (set_out_r, set_err_r) in enumerate(set_readers):
        report = log.reports.get(index)
        status = report.get("status") if report else None
        results.append(
            _result(
                stdout=common_out + bytes(pipes.data[set_out_r]),
                stderr=common_err + bytes(pipes.data[set_err_r]),
                # No report: the run was killed before this set finished.
                status=status if isinstance(status, int) else signal.SIGKILL,
                wall=log.prefork_wall + _number(report.get("wall")) if report else 0.0,
                cpu=_number(report.get("cpu")) if report else 0.0,
                peak_kb=int(_number(report.get("maxrss_kb"))) if report else 0,
                limits=limits,
                killed=ended.killed if report is None else bool(report.get("timed_out")),
                flooded=common_flood or bool({set_out_r, set_err_r} & pipes.flooded),
                reported=report is not None,
            )
        )
    return results
