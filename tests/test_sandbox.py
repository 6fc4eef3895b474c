"""The runner: limits, isolation basics and the fork-at-input mode, with real processes."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from graders.errors import SandboxError
from graders.sandbox import current, run_sets
from graders.sandbox.launch import remove_run_folder
from graders.sandbox.probe import DISABLE_VARIABLE
from graders.spec import Limits

# Times what it measures (CPU shares, wall limits, response times): `make test` runs it
# alone, after the parallel run.
pytestmark = pytest.mark.serial

LIMITS = Limits(wall_seconds=3, cpu_seconds=2, memory_mb=512, output_kb=16)
MODES = pytest.mark.parametrize("fork", [False, True], ids=["fresh", "fork"])


def run(program: str, stdins: list[str], fork: bool, limits: Limits = LIMITS):
    return run_sets(textwrap.dedent(program), "main.py", stdins, limits, fork_at_input=fork)


@MODES
def test_each_set_gets_its_own_stdin_and_its_own_output(fork):
    program = """
        import sys
        print("ready")
        for line in sys.stdin:
            print(line.strip().upper())
    """
    results = run(program, ["a\nb\n", "c\n", ""], fork)
    assert [r.stdout for r in results] == [b"ready\nA\nB\n", b"ready\nC\n", b"ready\n"]
    assert all(r.exit_code == 0 and not r.timed_out for r in results)


def test_fork_mode_runs_the_expensive_part_once_and_each_set_in_its_own_process():
    program = """
        import os, sys, time
        time.sleep(1.0)  # stands for training
        setup_pid = os.getpid()
        word = sys.stdin.readline().strip()
        print(word, os.getpid() != setup_pid)
    """
    started = time.monotonic()
    results = run(program, ["x\n", "y\n", "z\n"], fork=True)
    elapsed = time.monotonic() - started
    assert [r.stdout for r in results] == [b"x True\n", b"y True\n", b"z True\n"]
    assert elapsed < 2.5, "the one-second set-up must run once, not once per set"
    assert all(r.shared_seconds >= 1.0 for r in results), "the shared part is reported once"
    assert all(r.wall_seconds < 1.0 for r in results), "a set's own time excludes the shared part"


@MODES
def test_fork_and_fresh_modes_agree_on_seeded_randomness_and_input(fork):
    program = """
        import random
        random.seed(5)
        before = random.random()
        name = input()
        print(name, round(before, 6), round(random.random(), 6))
    """
    results = run(program, ["ann\n", "bob\n"], fork)
    fresh = run(program, ["ann\n", "bob\n"], fork=False)
    assert [r.stdout for r in results] == [r.stdout for r in fresh]
    assert results[0].stdout.startswith(b"ann ")


def test_a_program_that_never_reads_stdin_gives_every_set_the_same_run():
    results = run("print('hello')\n", ["1\n", "2\n"], fork=True)
    assert [r.stdout for r in results] == [b"hello\n", b"hello\n"]


@MODES
def test_crash_is_reported_with_a_traceback_of_the_program_only(fork):
    results = run("import sys\nsys.stdin.read()\nx = 1 / 0\n", ["a\n", "b\n"], fork)
    for result in results:
        assert result.exit_code == 1
        assert b"ZeroDivisionError" in result.stderr
        assert b'File "main.py", line 3' in result.stderr
        assert b"<string>" not in result.stderr, "the launcher's own frames must not show"


@MODES
def test_sys_exit_codes_pass_through(fork):
    results = run("import sys\nsys.stdin.read()\nprint('x')\nsys.exit(3)\n", ["", ""], fork)
    assert [(r.exit_code, r.stdout) for r in results] == [(3, b"x\n"), (3, b"x\n")]


@MODES
@pytest.mark.parametrize("body", ["while True: pass", "import time; time.sleep(60)"])
def test_endless_programs_are_stopped_at_the_wall_limit(fork, body):
    started = time.monotonic()
    results = run(f"import sys\nsys.stdin.read()\n{body}\n", ["a\n"], fork)
    assert results[0].timed_out and results[0].exit_code is None
    assert time.monotonic() - started < LIMITS.wall_seconds + 2


def test_trapping_sigxcpu_does_not_escape_the_cpu_limit():
    program = """
        import signal
        signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        while True:
            pass
    """
    limits = Limits(wall_seconds=20, cpu_seconds=1, memory_mb=512, output_kb=16)
    started = time.monotonic()
    result = run(program, [""], fork=False, limits=limits)[0]
    assert result.timed_out and result.cpu_seconds >= 0.9
    assert time.monotonic() - started < 5, "the CPU limit, not the wall limit, must stop it"


@MODES
def test_output_flood_is_capped_and_stopped(fork):
    results = run(
        "import sys\nsys.stdin.read()\nwhile True:\n    print('x' * 1000)\n", ["", ""], fork
    )
    for result in results:
        assert result.output_exceeded
        assert len(result.stdout) <= LIMITS.output_kb * 1024


@MODES
def test_memory_bomb_hits_the_address_space_limit(fork):
    results = run(
        "import sys\nsys.stdin.read()\nblock = bytearray(2 * 1024 ** 3)\n", ["", ""], fork
    )
    assert all(r.memory_exceeded and r.exit_code == 1 for r in results)


def test_the_program_sees_no_grader_environment_and_only_its_own_file(monkeypatch):
    monkeypatch.setenv("SEQLAB_SECRET_TOKEN", "hunter2")
    program = """
        import os
        print(sorted(os.environ))
        print(os.listdir("."))
    """
    result = run(program, [""], fork=False)[0]
    assert b"SEQLAB_SECRET_TOKEN" not in result.stdout and b"hunter2" not in result.stdout
    assert b"['main.py']" in result.stdout


def test_processes_left_behind_are_killed_with_the_run():
    # The pid the program sees may be in its own namespace: find the leftover by a marker
    # in its command line instead, among all processes of the machine.
    marker = f"seqlab-leftover-{uuid.uuid4().hex}"
    program = f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{marker}"])
        print("started")
    """
    result = run(program, [""], fork=False)[0]
    assert result.stdout == b"started\n", result.stderr
    assert processes_with(marker) == [], "a process outlived its run"


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for its parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes() and alive(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_forged_reports_on_inherited_descriptors_do_not_change_outputs():
    # Before the fork the program can write to every descriptor it inherited, the control
    # pipe included; the grader still reads each set's real output.
    program = """
        import os, sys
        fake = b'{"event": "fork", "prefork_wall": 0}\\n'
        fake += b'{"event": "set", "index": 0, "status": 0}\\n'
        for fd in range(3, 64):
            try:
                os.write(fd, fake)
            except OSError:
                pass
        print(sys.stdin.read().strip()[::-1])
    """
    results = run(program, ["abc\n", "xyz\n"], fork=True)
    assert [r.stdout.split(b"\n")[-2] for r in results] == [b"cba", b"zyx"]


# --- issue 13: the grader keeps its own clock; nothing the run writes can buy it time --------


def test_forged_fork_and_reports_cannot_lengthen_a_sets_time():
    # Before the fork the program lifts the zygote's own set budget and forges a fork event
    # and per-set reports ("passed in 0.05 s"); then every set sleeps past its budget.
    program = """
        import json, os, sys, time
        plan = sys.stdin._seqlab_plan
        plan.set_seconds = 10 ** 6
        lies = [{"event": "fork", "prefork_wall": 99.0}]
        lies += [{"event": "set", "index": i, "status": 0, "wall": 0.05, "timed_out": False}
                 for i in range(2)]
        for lie in lies:
            os.write(plan.control.fd, (json.dumps(lie) + "\\n").encode())
        word = sys.stdin.readline().strip()
        time.sleep(4)
        print(word)
    """
    limits = Limits(wall_seconds=20, set_seconds=1, memory_mb=512, output_kb=16)
    started = time.monotonic()
    results = run(program, ["a\n", "b\n"], fork=True, limits=limits)
    assert all(r.timed_out and r.stdout == b"" for r in results), results
    assert all(0.9 <= r.wall_seconds <= 1.5 for r in results), "the grader's clock, not theirs"
    assert time.monotonic() - started < 4, "the set budget, stamped by the grader, ends it"


def test_a_run_that_hides_its_fork_never_gets_the_sets_input():
    # Silencing the control pipe would keep the grader from stamping the fork (and so from
    # starting the set budget): then no set ever receives its input.
    program = """
        import os, sys
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdin._seqlab_plan.control.fd)
        print("read:", sys.stdin.readline().strip() or "nothing")
    """
    limits = Limits(wall_seconds=2, set_seconds=1, memory_mb=512, output_kb=16)
    results = run(program, ["secret-a\n", "secret-b\n"], fork=True, limits=limits)
    assert all(r.timed_out for r in results)
    assert not any(b"secret" in r.stdout for r in results)


def test_a_control_pipe_flood_costs_the_grader_little():
    program = """
        import os, sys
        chunk = b"{}\\n" * 8192
        for _ in range(64):  # 1.5 MiB of tiny lines
            try:
                os.write(sys.stdin._seqlab_plan.control.fd, chunk)
            except OSError:
                break
        print(sys.stdin.readline().strip())
    """
    cpu_before, started = time.process_time(), time.monotonic()
    results = run(program, ["a\n", "b\n"], fork=True, limits=Limits(wall_seconds=20))
    assert time.process_time() - cpu_before < 0.5, "the grader's own CPU for one run"
    # Past its cap the control pipe is a flood like any other: the run stops at once.
    assert all(r.output_exceeded for r in results)
    assert time.monotonic() - started < 5


def test_siblings_cannot_read_each_others_input():
    program = """
        import glob, os, sys
        mine = sys.stdin.readline().strip()
        seen = []
        for link in glob.glob("/proc/[0-9]*/fd/0"):
            if os.path.dirname(os.path.dirname(link)) == f"/proc/{os.getpid()}":
                continue
            try:
                with open(link, "rb") as handle:
                    os.set_blocking(handle.fileno(), False)
                    seen.append(handle.read() or b"")
            except (OSError, TypeError):
                pass
        print(mine, b"".join(seen).decode())
    """
    results = run(program, ["first-input\n", "second-input\n"], fork=True)
    assert results[0].stdout.split() == [b"first-input"], results[0]
    assert results[1].stdout.split() == [b"second-input"], results[1]


def test_busy_processes_get_no_more_than_the_runs_cpu_share():
    # Six processes, each burning 0.4 s of CPU: the cgroup counts all of them, and holds
    # them to one core between them, so the run lasts at least their CPU time.
    program = """
        import os, time
        for _ in range(6):
            if os.fork() == 0:
                while time.process_time() < 0.4:
                    pass
                os._exit(0)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
        print("done")
    """
    limits = Limits(wall_seconds=20, memory_mb=512, output_kb=16)
    program = textwrap.dedent(program)
    (run_result,) = run_sets(program, "main.py", [""], limits, fork_at_input=False, cpus=1)
    assert run_result.stdout == b"done\n"
    assert run_result.cpu_seconds >= 2.3, run_result  # every process's share, counted
    assert run_result.wall_seconds >= run_result.cpu_seconds / 1.15, run_result  # one core


def test_a_run_that_dies_before_the_program_starts_is_our_failure():
    # An address space too small for the interpreter: nothing of the student's ever ran, so
    # this is the sandbox's failure (an internal error), never the student's runtime error.
    limits = Limits(wall_seconds=5, memory_mb=1, output_kb=16)
    for fork in (False, True):
        with pytest.raises(SandboxError) as caught:
            run("print('hello')\n", ["a\n", "b\n"], fork=fork, limits=limits)
        assert caught.value.key == "sandbox.start_failed"


def test_a_run_folder_locked_by_its_program_is_removed_all_the_same():
    # As a grader that is not root (root ignores the lock): a forked child of this test
    # becomes `nobody`, makes a run folder, locks it the way a program can, removes it.
    parent = Path(tempfile.mkdtemp(prefix="seqlab-lock-test-"))  # pytest's is root's alone
    parent.chmod(0o777)
    folder = parent / "run"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            (folder / "a" / "b").mkdir(parents=True)
            (folder / "a" / "b" / "file").write_text("x")
            for locked in (folder / "a" / "b", folder / "a", folder):
                locked.chmod(0)
            remove_run_folder(folder)
            code = 0 if not folder.exists() else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(parent)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_run_held_at_its_gate_gets_its_input_only_then_and_keeps_its_budget():
    # The engine holds the hidden sets' run until the public run has ended: until then its
    # sets have no input, and the wait is not taken from its budget.
    gate = threading.Event()
    program = """
        import sys, time
        word = sys.stdin.readline().strip()
        print(word, round(time.time(), 1))
    """
    limits = Limits(wall_seconds=2, set_seconds=1, memory_mb=512, output_kb=16)
    timer = threading.Timer(2.5, gate.set)  # longer than the whole run's budget
    timer.start()
    opened = time.time() + 2.5
    results = run_sets(
        textwrap.dedent(program), "main.py", ["a\n", "b\n"], limits, fork_at_input=True, after=gate
    )
    timer.join()
    for result, word in zip(results, ("a", "b"), strict=True):
        assert not result.timed_out and result.exit_code == 0, result
        printed_word, when = result.stdout.split()
        assert printed_word.decode() == word
        assert float(when) >= opened - 0.2, "the input came only once the gate was open"


CHANNELS = """
    import ctypes, fcntl, mmap, os, resource, socket, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    fd = os.open(sys.executable, os.O_RDONLY)
    # A page of the interpreter's file, mapped read-only: what eviction and queries act on.
    page = ctypes.c_void_p(libc.mmap(None, mmap.PAGESIZE, mmap.PROT_READ, mmap.MAP_PRIVATE, fd, 0))


    def checked(result):
        if result < 0:
            raise OSError(ctypes.get_errno(), "refused")
        return result


    def pageout():
        checked(libc.madvise(page, mmap.PAGESIZE, 21))  # MADV_PAGEOUT


    def mincore():
        checked(libc.mincore(page, mmap.PAGESIZE, ctypes.create_string_buffer(1)))


    def named(family, kind, address):
        # Binding a name another run could try: "in use" is a bit (abstract Unix names are
        # shared by every run without a network namespace of its own, loopback ports too).
        socket.socket(family, kind).bind(address)


    def in_child(call):
        # A run's first process leads its session: a child is what could move.
        pid = os.fork()
        if pid == 0:
            try:
                call()
                os._exit(0)
            except OSError:
                os._exit(1)
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
            raise OSError("refused")


    IOPRIO_SET, IOPRIO_WHO_PROCESS = 251, 1  # x86-64
    neighbour = 1 if os.getpid() != 1 else 2  # any other process, by its id (at strong: bwrap's)


    calls = {
        # Values a run sets on itself, read by another through its process id.
        "nice": lambda: os.setpriority(os.PRIO_PROCESS, 0, 5),
        "io-priority": lambda: checked(libc.syscall(IOPRIO_SET, IOPRIO_WHO_PROCESS, 0, 0x6004)),
        "affinity": lambda: os.sched_setaffinity(0, {0}),
        "scheduler": lambda: os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0)),
        "limits-of-another": lambda: resource.prlimit(neighbour, resource.RLIMIT_NOFILE),
        "session-of-another": lambda: os.getsid(neighbour),
        "priority-of-another": lambda: os.getpriority(os.PRIO_PGRP, neighbour),
        "pidfd-of-another": lambda: os.close(os.pidfd_open(neighbour)),
        "own-gids": lambda: os.setresgid(*os.getresgid()),  # shuffled, they were a signal
        "own-group": lambda: in_child(lambda: os.setpgid(0, 0)),
        "own-session": lambda: in_child(os.setsid),
        "abstract-unix-name": lambda: named(socket.AF_UNIX, socket.SOCK_STREAM, "\\0seqlab-x"),
        "udp-port": lambda: named(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0)),
        "flock": lambda: fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB),
        "lockf": lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB),
        "inotify": lambda: os.close(checked(libc.inotify_init())),
        "fadvise": lambda: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED),
        "readahead": lambda: checked(libc.readahead(fd, ctypes.c_long(0), 4096)),
        "mincore": mincore,
        "madvise-pageout": pageout,
        "shmget": lambda: checked(libc.shmget(0, 4096, 0o1600)),
        "msgget": lambda: checked(libc.msgget(0, 0o1600)),
        "semget": lambda: checked(libc.semget(0, 1, 0o1600)),
    }
    for name, call in calls.items():
        try:
            call()
            print(name, "allowed")
        except OSError:
            print(name, "refused")
"""


@pytest.mark.parametrize("level", ["strong", "medium"])
def test_what_two_runs_could_talk_or_leave_bits_through_is_refused(level, monkeypatch):
    # File locks, change notifications, bound names and values read by process id between
    # live runs; the page cache (evict, ask what is cached) and System V IPC, which outlive a
    # run, for later ones.
    if level == "medium":
        monkeypatch.setenv(DISABLE_VARIABLE, "bwrap")
    assert current().level == level
    (result,) = run(CHANNELS, [""], fork=False)
    lines = result.stdout.decode().splitlines()
    # bubblewrap gives a run a network namespace of its own: its abstract names are its own.
    own = {"abstract-unix-name allowed"} if level == "strong" else set()
    refused = [line for line in lines if line not in own]
    assert len(lines) > 20 and all(line.endswith("refused") for line in refused), lines


def test_a_group_left_by_a_killed_grader_neither_collides_nor_stays():
    """A grader killed before it removed its cgroup leaves an empty one named by its pid; the
    next grader with that pid must still get a group of its own, and the leftover is swept."""
    from graders.sandbox import cgroup

    group = cgroup.RunCgroup.create(64 << 20, 16)
    try:
        parent = group.distinct_folders()[0].parent
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        stale = parent / f"seqlab-{dead.pid}-0-deadbeef"
        stale.mkdir()
        cgroup._swept.discard(parent)
        other = cgroup.RunCgroup.create(64 << 20, 16)  # sweeps on its first use of the parent
        other.remove()
        assert not stale.exists()
        names = {f.name for f in group.distinct_folders()} | {
            f.name for f in other.distinct_folders()
        }
        assert len(names) == 2  # two groups, never one name twice
    finally:
        group.remove()
    assert not any(folder.exists() for folder in group.distinct_folders())


def test_a_run_in_its_own_network_namespace_may_name_unix_sockets():
    # bubblewrap gives each run its own abstract names: multiprocessing's resource sharer (and
    # so torch's DataLoader workers) listens on one. Without bubblewrap (medium) they would be
    # shared with every live run, and the filter refuses every socket (the test above).
    assert current().level == "strong"
    program = """
        import os
        from multiprocessing.connection import Client, Listener
        with Listener(family="AF_UNIX") as listener:
            if os.fork() == 0:
                with Client(listener.address) as client:
                    client.send("hello")
                os._exit(0)
            with listener.accept() as server:
                print(server.recv())
            os.wait()
    """
    (result,) = run(program, [""], fork=False)
    assert result.stdout == b"hello\n", result.stderr
