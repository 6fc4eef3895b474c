"""A warm worker's loop, run *inside* its sandbox (standard library only; see warm.py).

process.py starts `python -I -X utf8 -c <this file's source> <settings JSON>` in a bubblewrap
sandbox that keeps CAP_SYS_ADMIN inside its own user namespace. The zygote (zygote.py, whose
source arrives in the settings like Landlock's and seccomp's) is loaded as a module: each
submission child runs it exactly as a cold run does.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pathlib
import select
import signal
import socket
import sys
import time
import traceback
import types

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
CAPABILITY_VERSION_3 = 0x20080522
# Where a worker checks after each submission that nothing is left (its own view).
WATCHED_MOUNTS = ("/", "/dev", "/sandbox", "/tmp")


def serve(settings: dict) -> None:
    """Preload the lab's imports once, then fork one fresh child per submission received.

    The parent never reads a program or an input: both arrive as descriptors and only the
    child opens them, so nothing of one submission stays in the memory the next one is
    forked from. Each child makes its own mount and IPC namespaces with fresh, size-limited
    tmpfs on /sandbox, /tmp and /dev/shm (its whole writable world, gone with it: one
    submission cannot fill or plant anything for the next), drops every capability,
    confines itself with Landlock (no signals out) and the full seccomp filter. After each
    submission the parent, pid 1 of the sandbox's pid namespace, kills every other process
    and checks that nothing is left — no process, no System V IPC object, no byte more on
    any of its mounts; at any doubt it says so and retires, and the grader starts a new one.
    """
    channel = socket.socket(fileno=settings["socket"])
    _preload(settings["preload"])
    landlock = _module("landlock", settings["landlock_source"])
    seccomp = _module("seccomp", settings["seccomp_source"])
    zygote = _module("zygote", settings["zygote_source"])
    confine = _confinement(settings, landlock, seccomp)
    gc.collect()
    gc.freeze()
    baseline = _usage()
    channel.sendall(b'{"event": "ready"}\n')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 16, 256)
        except OSError:
            break
        if not message:
            break  # the grader closed the channel: the worker retires
        request = _request(message, fds)
        if request is None:  # a late `stop` for a submission already done, or noise
            continue
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            channel.close()
            _submission_child(request, fds, settings, confine, zygote)
        for fd in fds:
            os.close(fd)
        deadline = started + request["wall_seconds"]
        status, usage, stopped, grader_gone = _wait_for(pid, channel, request["serial"], deadline)
        _clear_namespace()
        residue = _residue(baseline)
        report = {
            "event": "done",
            "serial": request["serial"],
            "status": status,
            "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
            "stopped": stopped,
            "residue": residue,
        }
        with contextlib.suppress(OSError):
            channel.sendall(json.dumps(report).encode() + b"\n")
        if residue or grader_gone:
            break
    os._exit(0)


def _request(message: bytes, fds: list[int]) -> dict | None:
    """A submission to run: its settings and its descriptors (program, stdio, control…)."""
    try:
        request = json.loads(message)
        if request.get("program") and len(fds) >= 5:
            return request
    except (ValueError, AttributeError):
        pass
    for fd in fds:
        os.close(fd)
    return None


def _module(name: str, source: str) -> types.ModuleType:
    """A grader module the worker needs, run from its source (the venv's graders package
    may not be importable inside the sandbox; these use only the standard library)."""
    module = types.ModuleType(f"seqlab_{name}")
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


def _confinement(settings: dict, landlock, seccomp):
    """What a submission child installs on itself once its mounts are made: the Landlock
    domain (read-only system trees; its fresh mounts the only writable places) and the full
    system-call filter, which forbids the mount and unshare the worker kept for itself."""
    abi = landlock.abi_version()
    readable = [pathlib.Path(p) for p in settings["readable"]]
    writable = [pathlib.Path(p) for p in settings["writable"]]
    install_filter = seccomp.child_installer(bytes.fromhex(settings["seccomp_program"]))

    def confine() -> None:
        landlock.child_installer(landlock.build_ruleset(readable, writable, abi))()
        install_filter()

    return confine


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


def _wait_for(pid: int, channel: socket.socket, serial: int, deadline: float):
    """Wait for the submission to end, for the grader's `stop` (its deadline) or for our own
    deadline; then make sure it has ended. → (status, rusage, stopped, grader gone)."""
    pidfd = os.pidfd_open(pid)
    stopped = grader_gone = False
    try:
        while True:
            timeout = max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([pidfd, channel], [], [], timeout)
            if pidfd in ready:
                break
            if channel not in ready:
                stopped = True  # our own deadline: the whole run's budget
                break
            try:
                data = channel.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                grader_gone = stopped = True
                break
            with contextlib.suppress(ValueError, TypeError, KeyError):
                if json.loads(data)["serial"] == serial:  # a late stop is for an older one
                    stopped = True
                    break
    finally:
        os.close(pidfd)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, usage, stopped, grader_gone


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


def _usage() -> dict[str, list[int]]:
    """Blocks and inodes in use on each watched mount, as this worker sees it."""
    usage = {}
    for path in WATCHED_MOUNTS:
        with contextlib.suppress(OSError):
            found = os.statvfs(path)
            usage[path] = [found.f_blocks - found.f_bfree, found.f_files - found.f_ffree]
    return usage


def _residue(baseline: dict[str, list[int]]) -> list[str]:
    """What a finished submission left in the worker's world (empty: all clean)."""
    found = []
    others = [name for name in os.listdir("/proc") if name.isdigit() and int(name) != 1]
    if others:
        found.append(f"processes left: {', '.join(sorted(others))}")
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                objects = len(table.read().splitlines()) - 1
        except OSError:
            objects = 0
        if objects > 0:
            found.append(f"System V {kind} objects left: {objects}")
    for path, used in _usage().items():
        if used != baseline.get(path):
            was = baseline.get(path)
            found.append(f"{path} holds more than before ({used} blocks/inodes, was {was})")
    return found


def _submission_child(request: dict, fds: list[int], settings: dict, confine, zygote) -> None:
    """Become the submission: fresh mounts, its descriptors only, no capability, confined;
    then run it exactly as a cold run would. Never returns into the worker's loop."""
    try:
        _fresh_mounts(settings["mounts"])
        program_fd, stdin, stdout, stderr = fds[:4]
        for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
            os.dup2(fd, target)
        keep = {0, 1, 2, program_fd, *fds[4:]}
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in keep:
                with contextlib.suppress(OSError):
                    os.close(int(name))  # the parent's descriptors are not the program's business
        folder = settings["folder"]
        with open(os.path.join(folder, request["program"]), "wb") as handle:
            while chunk := os.read(program_fd, 1 << 16):
                handle.write(chunk)
        os.close(program_fd)
        os.chdir(folder)
        _drop_capabilities()
        confine()
        os.environ.clear()
        os.environ.update(request["environment"], HOME=folder, TMPDIR="/tmp")
        fork = request["fork"]
        config = {
            "program": request["program"],
            "limits": request["limits"],
            "control": fds[request["control"]],
            "fork": fork
            and {**fork, "sets": [{role: fds[i] for role, i in s.items()} for s in fork["sets"]]},
        }
        zygote.run_submission(config)
    except BaseException:
        # Our own frames failed before the program started (no `start` was sent): the
        # grader reads that as the worker's failure and grades the submission elsewhere.
        traceback.print_exc()
    os._exit(70)


def _fresh_mounts(mounts: dict[str, int]) -> None:
    """A mount and an IPC namespace of our own, with a new tmpfs of the given size on each
    path: what the submission writes lives (and dies) with it, within its own quota."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"{what}: {os.strerror(error)}")

    check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    # Private, so nothing mounted here is seen by the worker (or comes from it).
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    for path, size in mounts.items():
        options = f"size={size},nr_inodes=16384,mode=0700".encode()
        check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), path)


def _drop_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets (the worker kept CAP_SYS_ADMIN in
    its user namespace for the mounts above); with no exec to come, nothing gives them back."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    libc = ctypes.CDLL(None, use_errno=True)
    empty = (Data * 2)()
    if libc.capset(ctypes.byref(Header(CAPABILITY_VERSION_3, 0)), empty) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"capset: {os.strerror(error)}")


if __name__ == "__main__":
    serve(json.loads(sys.argv[1])["serve"])
