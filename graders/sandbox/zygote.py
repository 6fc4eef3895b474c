"""The launcher that runs *inside* the untrusted process (standard library only).

runner.py starts `python -I -X utf8 -c <this file's source> <config JSON>` in a fresh folder.
This code sets the resource limits, then runs the spliced program as `__main__`.

Fork mode (one training run for all test sets): `sys.stdin` is replaced by a proxy. The first
time the program touches stdin — after the locked template has trained the model — the
process flushes its output and forks one child per test set, all at once. Each child gets
that set's stdin, stdout and stderr file descriptors and carries on from the exact point of
the read, so its output is what a fresh run with that stdin would print. The parent waits
for the children side by side (killing each at its set budget, or all at the end of the
run's budget) and reports exit status and resource use on a control pipe.

Nothing here is trusted by the grader: the program can tamper with this code. The reports
are data about the run; the verdict comes from comparing output on the grader's side, and
the grader keeps its own deadline and output caps.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import importlib
import io
import json
import os
import pathlib
import resource
import select
import shutil
import signal
import socket
import sys
import time
import traceback
import types

STARTED = time.monotonic()
# CPython 3.11's input() holds only a borrowed reference to sys.stdin while it runs; when the
# proxy replaces sys.stdin mid-call it must stay alive, or input() reads freed memory.
_KEEP_ALIVE: list[object] = []


def apply_limits(limits: dict[str, int]) -> None:
    # Soft = hard: with soft < hard the program could catch SIGXCPU and keep running.
    for name, value in (
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_FSIZE", limits["file_bytes"]),
        ("RLIMIT_NOFILE", limits["open_files"]),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class ForkPlan:
    def __init__(self, config: dict) -> None:
        self.control = config["control"]
        self.sets = [(s["stdin"], s["stdout"], s["stderr"]) for s in config["sets"]]
        self.wall_seconds = config["wall_seconds"]  # the whole run, measured from our start
        self.set_seconds = config["set_seconds"]  # each set, measured from its fork

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        with contextlib.suppress(OSError):  # the grader stopped listening; it has a deadline
            os.write(self.control, data)

    def fork_all(self) -> io.TextIOWrapper:
        """Return only in a child (wired to its set); the parent exits after the last set.

        All sets run side by side, each under its own small budget, so a submission that
        hangs in every set costs one set budget, not one per set.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        # Objects that exist now are shared with every child: keep the collector from
        # writing to them (and so copying their pages) in each child.
        gc.freeze()
        prefork_wall = time.monotonic() - STARTED
        self.send({"event": "fork", "prefork_wall": prefork_wall, "prefork_cpu": cpu_seconds()})
        run_ends = STARTED + self.wall_seconds
        # The random module reseeds itself in every forked child (os.register_at_fork);
        # a fresh run would carry on from the seeded state, so the child must too.
        random_module = sys.modules.get("random")
        random_state = random_module.getstate() if random_module else None
        running: dict[int, tuple[int, float, int]] = {}  # pidfd → (index, started, pid)
        for index, fds in enumerate(self.sets):
            started = time.monotonic()
            pid = os.fork()
            if pid == 0:
                if random_module:
                    random_module.setstate(random_state)
                return self._become_child(index)
            for fd in fds:
                os.close(fd)  # the child holds this set now; EOF reaches the grader when it ends
            running[os.pidfd_open(pid)] = (index, started, pid)
        while running:
            deadlines = {
                fd: min(started + self.set_seconds, run_ends)
                for fd, (_, started, _) in running.items()
            }
            timeout = max(min(deadlines.values()) - time.monotonic(), 0)
            ready, _, _ = select.select(list(running), [], [], timeout)
            now = time.monotonic()
            for fd in list(running):
                timed_out = fd not in ready and now >= deadlines[fd]
                if fd in ready or timed_out:
                    index, started, pid = running.pop(fd)
                    os.close(fd)
                    self._reap(index, pid, started, timed_out)
        self.send({"event": "done"})
        os._exit(0)

    def _reap(self, index: int, pid: int, started: float, timed_out: bool) -> None:
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        self.send(
            {
                "event": "set",
                "index": index,
                "status": status,
                "wall": time.monotonic() - started,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
                "timed_out": timed_out,
            }
        )

    def _become_child(self, index: int) -> io.TextIOWrapper:
        stdin, stdout, stderr = self.sets[index]
        for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
            os.dup2(fd, target)
        for fds in self.sets[index:]:
            for fd in fds:
                os.close(fd)
        os.close(self.control)
        # A set's CPU is bounded by its own budget, not by what the shared part was allowed.
        seconds = int(self.set_seconds) + 1
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        return io.TextIOWrapper(
            io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="surrogateescape"
        )


class ForkingStdin:
    """Stands in for sys.stdin until first use, then forks and becomes the set's stdin."""

    def __init__(self, plan: ForkPlan) -> None:
        self._seqlab_plan = plan
        self._seqlab_stream: io.TextIOWrapper | None = None

    def _seqlab_real(self) -> io.TextIOWrapper:
        if self._seqlab_stream is None:
            self._seqlab_stream = self._seqlab_plan.fork_all()
            sys.stdin = self._seqlab_stream
        return self._seqlab_stream

    def __getattr__(self, name: str):
        return getattr(self._seqlab_real(), name)

    def __iter__(self):
        return iter(self._seqlab_real())

    def __next__(self):
        return next(self._seqlab_real())

    def __enter__(self):
        return self._seqlab_real().__enter__()

    def __exit__(self, *exc_info):
        return self._seqlab_real().__exit__(*exc_info)


def run_program(path: str) -> int:
    """Run the program as __main__ and return its exit code, as `python path` would."""
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    sys.argv = [path]
    try:
        with open(path, encoding="utf-8") as handle:
            code = compile(handle.read(), path, "exec")
        exec(code, module.__dict__)
    except SystemExit as exit_request:
        return _exit_code(exit_request.code)
    except SyntaxError as error:
        traceback.print_exception(type(error), error, None)
        return 1
    except BaseException as error:
        # Skip this launcher's own frame: the student should see only their program.
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        return 1
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def finish(code: int) -> None:
    """Exit like the interpreter would, minus tearing down every module.

    With torch loaded, interpreter shutdown takes about a second of CPU — and in a forked
    child it also copies the parent's memory page by page. Exit handlers still run and
    output is flushed, so what the program prints is exactly what a normal exit prints.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # e.g. a broken pipe after an output flood
    os._exit(code)


def run_submission(config: dict) -> None:
    """Set the limits and run the program (forking per set at its first read of stdin)."""
    apply_limits(config["limits"])
    if config.get("fork"):
        sys.stdin = ForkingStdin(ForkPlan(config["fork"]))
        _KEEP_ALIVE.append(sys.stdin)
    finish(run_program(config["program"]))


# --- warm worker mode (see graders/sandbox/warm.py) --------------------------------------------


def serve(settings: dict) -> None:
    """Preload the lab's imports once, then fork one fresh child per submission received.

    The parent never reads a program or an input: both arrive as descriptors and only the
    child opens them, so nothing of one submission stays in the memory the next one is
    forked from. Each child confines itself with its own Landlock domain (its own folder the
    only writable place, no signals out); after each submission the parent, pid 1 of the
    sandbox's pid namespace, kills every other process in it and removes the folder.
    """
    channel = socket.socket(fileno=settings["socket"])
    _preload(settings["preload"])
    landlock = types.ModuleType("seqlab_landlock")
    exec(compile(settings["landlock_source"], "landlock.py", "exec"), landlock.__dict__)
    abi = landlock.abi_version()
    gc.collect()
    gc.freeze()
    channel.sendall(b'{"event": "ready"}\n')
    serial = 0
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 16, 256)
        except OSError:
            break
        if not message:
            break  # the grader closed the channel: the worker retires
        serial += 1
        request = json.loads(message)
        folder = f"{settings['folder']}/submission-{serial}"
        os.mkdir(folder, 0o700)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            channel.close()
            _submission_child(request, fds, folder, landlock, abi, settings["readable"])
        for fd in fds:
            os.close(fd)
        status, usage, timed_out = _wait_until(pid, started + request["wall_seconds"])
        _clear_namespace()
        shutil.rmtree(folder, ignore_errors=True)
        report = {
            "event": "done",
            "status": status,
            "wall": time.monotonic() - started,
            "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
            "timed_out": timed_out,
        }
        channel.sendall(json.dumps(report).encode() + b"\n")
    os._exit(0)


def _preload(modules: list[str]) -> None:
    for name in modules:
        with contextlib.suppress(Exception):  # a failing template import fails in the run
            importlib.import_module(name)
    torch = sys.modules.get("torch")
    if torch is not None:
        # The first optimizer costs ≈ 1.4 s (torch imports _dynamo lazily): pay it once here.
        layer = torch.nn.Linear(2, 1)
        optimizer = torch.optim.Adam(layer.parameters())
        layer(torch.ones(1, 2)).sum().backward()
        optimizer.step()


def _wait_until(pid: int, deadline: float) -> tuple[int, resource.struct_rusage, bool]:
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], max(deadline - time.monotonic(), 0))
    finally:
        os.close(pidfd)
    if not ready:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, usage, not ready


def _clear_namespace() -> None:
    """Kill whatever the submission left (double forks included) and reap it."""
    if os.getpid() != 1:
        return  # only the init of our own pid namespace may signal "everyone"
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.005)
        except ChildProcessError:
            return


def _submission_child(request, fds, folder, landlock, abi, readable) -> None:
    program_fd, stdin, stdout, stderr = fds[:4]
    for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
        os.dup2(fd, target)
    keep = {0, 1, 2, program_fd, *fds[4:]}
    for name in os.listdir("/proc/self/fd"):
        if int(name) not in keep:
            with contextlib.suppress(OSError):
                os.close(int(name))  # the parent's descriptors are not the program's business
    program = os.path.join(folder, request["program"])
    with open(program, "wb") as handle:
        while chunk := os.read(program_fd, 1 << 16):
            handle.write(chunk)
    os.close(program_fd)
    os.chdir(folder)
    ruleset = landlock.build_ruleset(
        [pathlib.Path(p) for p in readable], [pathlib.Path(folder), pathlib.Path("/dev/null")], abi
    )
    landlock.child_installer(ruleset)()
    os.environ.clear()
    os.environ.update(request["environment"], HOME=folder, TMPDIR=folder)
    global STARTED
    STARTED = time.monotonic()
    fork = request.get("fork")
    if fork:
        fork = {
            **fork,
            "control": fds[fork["control"]],
            "sets": [{role: fds[i] for role, i in s.items()} for s in fork["sets"]],
        }
    run_submission({"program": request["program"], "limits": request["limits"], "fork": fork})


def main(config: dict) -> None:
    if config.get("serve"):
        serve(config["serve"])
    else:
        run_submission(config)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
