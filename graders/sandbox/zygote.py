"""The launcher that runs *inside* the untrusted process (standard library only).

runner.py starts `python -I -X utf8 -c <this file's source> <config JSON>` in a fresh folder.
This code sets the resource limits, then runs the spliced program as `__main__`.

Fork mode (one training run for all test sets): `sys.stdin` is replaced by a proxy. The first
time the program touches stdin — after the locked template has trained the model — the
process flushes its output, says `fork` on the control pipe and forks one child per test set,
all at once. Each child gets that set's stdin, stdout and stderr file descriptors and carries
on from the exact point of the read, so its output is what a fresh run with that stdin would
print. The parent reaps the children and says how each ended.

Nothing here is trusted by the grader: the program can tamper with this code. The grader
keeps its own clock and deadlines, feeds each set's input only after it has stamped the
fork, reads the outputs with its own caps, and compares them on its side (wiring.py).
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import io
import json
import os
import resource
import sys
import traceback
import types

PR_SET_DUMPABLE = 4
M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
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


class Control:
    """The control pipe to the grader. Nothing said here is trusted (see wiring.py): `start`
    tells it the program was reached, `fork` starts the sets' budget on its own clock (and
    only then does it send their input), `set` claims how a set ended."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, message: dict) -> None:
        # A newline first: whatever the program left unfinished on this pipe ends there, and
        # cannot swallow the line that follows.
        data = ("\n" + json.dumps(message) + "\n").encode()
        with contextlib.suppress(OSError):  # the grader stopped listening; it has a deadline
            os.write(self.fd, data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class ForkPlan:
    def __init__(self, config: dict, control: Control) -> None:
        self.control = control
        self.sets = [(s["stdin"], s["stdout"], s["stderr"]) for s in config["sets"]]
        self.set_seconds = config["set_seconds"]  # each set's CPU, measured from its fork

    def fork_all(self) -> io.TextIOWrapper:
        """Return only in a child (wired to its set); the parent exits after the last set.

        All sets run side by side. Their budget is the grader's: it stamps the fork when it
        reads the event below, feeds each set's stdin pipe only then, and ends the run at the
        deadline; here the parent only reaps the children and says how each ended.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        # Objects that exist now are shared with every child: keep the collector from
        # writing to them (and so copying their pages) in each child.
        gc.freeze()
        # Again (the program may have undone it): every child is born undumpable.
        _prctl(PR_SET_DUMPABLE, 0)
        self.control.send({"event": "fork"})
        # The random module reseeds itself in every forked child (os.register_at_fork);
        # a fresh run would carry on from the seeded state, so the child must too.
        random_module = sys.modules.get("random")
        random_state = random_module.getstate() if random_module else None
        children: dict[int, int] = {}  # pid → set index
        for index, fds in enumerate(self.sets):
            pid = os.fork()
            if pid == 0:
                if random_module:
                    random_module.setstate(random_state)
                return self._become_child(index)
            for fd in fds:
                os.close(fd)  # the child holds this set now; EOF reaches the grader when it ends
            children[pid] = index
        while children:
            try:
                pid, status, usage = os.wait4(-1, 0)
            except ChildProcessError:
                break
            if pid in children:
                self.control.send(
                    {
                        "event": "set",
                        "index": children.pop(pid),
                        "status": status,
                        "cpu": usage.ru_utime + usage.ru_stime,
                        "maxrss_kb": usage.ru_maxrss,
                    }
                )
        os._exit(0)

    def _become_child(self, index: int) -> io.TextIOWrapper:
        stdin, stdout, stderr = self.sets[index]
        for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
            os.dup2(fd, target)
        for fds in self.sets[index:]:
            for fd in fds:
                os.close(fd)
        self.control.close()
        # A set's CPU is bounded by its own budget, not by what the shared part was allowed.
        seconds = int(self.set_seconds) + 1
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        return io.TextIOWrapper(
            io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="surrogateescape"
        )


def _libc():
    import ctypes  # only where needed: the zygote starts with the standard library's minimum

    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    _libc().prctl(option, value, 0, 0, 0)


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
    # Runs share a uid with each other (and, below level strong, with the grader): a process
    # that is not dumpable keeps its /proc/<pid>/fd (its input: a fresh run's memfd, the sets'
    # pipes once the grader feeds them) and its memory from every other run. From the start,
    # so no moment of the run — before the fork, or in fresh mode — is readable.
    _prctl(PR_SET_DUMPABLE, 0)
    # What MALLOC_ARENA_MAX says, for a run started in secure-exec mode, where glibc ignores
    # it (process.py's capability_dropper): few malloc arenas, so threads do not multiply the
    # address space the memory limit counts.
    _libc().mallopt(M_ARENA_MAX, 2)
    control = Control(config["control"])
    control.send({"event": "start"})  # the last word before any of the student's code runs
    if config.get("fork"):
        sys.stdin = ForkingStdin(ForkPlan(config["fork"], control))
        _KEEP_ALIVE.append(sys.stdin)
    else:
        control.close()  # a fresh run has nothing more to say
    finish(run_program(config["program"]))


def main(config: dict) -> None:
    run_submission(config)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
