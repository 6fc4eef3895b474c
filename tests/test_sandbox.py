"""The runner: limits, isolation basics and the fork-at-input mode, with real processes."""

import textwrap
import time
import uuid
from pathlib import Path

import pytest

from graders.sandbox import run_sets
from graders.spec import Limits

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
