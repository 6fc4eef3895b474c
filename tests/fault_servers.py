"""Servers a fault test stops and starts again on the same port and the same data: a
PostgreSQL server (as `nobody` when run as root: it refuses root), a redis-server (no
persistence, as deployed by default: a restart loses every message it held) and `seqlab serve`
(killed with SIGKILL, its whole process group, as a machine or an OOM kill would).
Loopback only; every wait bounded; `stop()` is safe to call twice."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class Postgres:
    """In a folder of its own under /tmp (pytest's are private to root; `nobody` must reach
    it); `remove()` deletes it once stopped."""

    def __init__(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="seqlab-pg-"))
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            pytest.fail("PostgreSQL not found: run `make system` (package postgresql)", False)
        self.bin, self.folder, self.port = found[-1].parent, folder, free_port()
        self.user: dict = {}
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
            self.user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self._run(
            *(str(self.bin / "initdb"), "-D", str(folder / "data"), "-U", "seqlab"),
            *("--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"),
        )
        self.server = f"postgresql://seqlab@127.0.0.1:{self.port}"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=WAIT_SECONDS + 10, **self.user
        )
        if done.returncode != 0:
            pytest.fail(f"{command[0]} failed: {done.stdout}{done.stderr}", pytrace=False)

    def start(self) -> None:
        options = f"-k {self.folder} -h 127.0.0.1 -p {self.port} -c fsync=off"
        self._run(
            *(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options),
            *("-l", str(self.folder / "log"), "-w", "-t", str(WAIT_SECONDS), "start"),
        )

    def stop(self, mode: str = "fast") -> None:
        """fast: every session is ended at once (what a restart does to its clients)."""
        with contextlib.suppress(subprocess.SubprocessError):
            subprocess.run(
                [
                    *(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data")),
                    *("-m", mode, "-w", "-t", "30", "stop"),
                ],
                capture_output=True,
                timeout=WAIT_SECONDS,
                **self.user,
            )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"{self.server}/{name}"


class Redis:
    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail("redis-server not found: run `make system` (package redis-server)", False)
        self.folder, self.port = folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                *(self.binary, "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--dir", str(self.folder), "--save", "", "--appendonly", "no"),
            ],
            stdout=(self.folder / "log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start: {(self.folder / 'log').read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        _stop_group(self.process)


class Serve:
    """`seqlab serve` (or `seqlab worker`) in its own process group, its output appended to
    `log`; `start()` again after `kill()` reuses the port, the database and the cookie key."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str], port: int = 0):
        self.command, self.log, self.env, self.port = command, log, env, port
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )
        if not wait:
            return
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/login", timeout=2).status_code == 200:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.command[:2]} did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop_group(self.process)
