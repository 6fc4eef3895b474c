import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import settings

from graders.spec import Course

# Property tests check what a function returns, not how fast: on a loaded machine (the suite's
# own workers, two cores) one example took 0.5 s against hypothesis's default 0.2 s deadline.
settings.register_profile("seqlab", deadline=None)
settings.load_profile("seqlab")


@pytest.fixture(scope="session")
def course() -> Course:
    return Course.locate()


# --- a throwaway PostgreSQL server (the gradebook's tests run on it and on SQLite) ---------

PG_WAIT_SECONDS = 60


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        pytest.fail(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: "
            "run `make system` (it installs the Debian package postgresql)",
            pytrace=False,
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server in a temporary folder, stopped at the end of the session.

    PostgreSQL refuses to run as root, so as root the server runs as `nobody`."""
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="seqlab-pg-"))
    user = {}
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    data, port = folder / "data", _free_port()

    def run(*command: str) -> None:
        done = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=PG_WAIT_SECONDS, **user
        )
        if done.returncode != 0:
            pytest.fail(f"{command[0]} failed: {done.stdout}{done.stderr}", pytrace=False)

    run(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "seqlab",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    options = f"-k {folder} -h 127.0.0.1 -p {port} -c fsync=off"
    run(
        pg_ctl,
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "-t",
        str(PG_WAIT_SECONDS),
        "start",
    )
    try:
        yield f"postgresql://seqlab@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"],
            cwd=folder,
            capture_output=True,
            timeout=PG_WAIT_SECONDS,
            **user,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server, request):
    """A fresh, empty database on the throwaway server for one test."""
    import psycopg

    name = "t" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The gradebook's database: a SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gradebook.sqlite'}"
    return request.getfixturevalue("postgres_url")


# --- how `make test` spreads the suite over xdist workers ----------------------------------


# The files whose tests are independent and CPU-bound: spread over the workers test by test.
SPREAD = ("tests/adversarial/", "tests/test_labs.py")


def scope_of(nodeid: str) -> str:
    """What stays on one worker: a test file's tests, in their order (its module-scoped
    fixtures — servers, pools, databases — set up once; tests that follow one another still
    do); a lab's checks from the course plugin (its warm workers shared); a SPREAD file's test
    alone, wherever a worker is free."""
    if nodeid.startswith("seqlab::"):  # seqlab::<lab>:<check>
        return nodeid.split(":", 3)[2]
    if nodeid.startswith(SPREAD):
        return nodeid
    return nodeid.split("::", 1)[0]


# The longest scopes (`--durations` of a whole run: each 40 s or more, mostly waiting on
# servers, real nbgrader and trainings), handed out first.
LONGEST = (
    "tests/adversarial/test_web_victims.py",
    "tests/test_web_scale.py",
    "tests/test_notebooks.py",
    "tests/test_nbgrader_validate.py",
    "tests/test_cli.py",
    "tests/test_exports.py",
    "tests/test_web_faults.py",
)


def scope_rank(scope: str) -> int:
    """Longest first (a worker that starts a long scope last keeps the run waiting for it):
    the LONGEST files and the seq2seq labs' checks, then the attack corpus and seed sweeps
    (seconds each, many), then every other file."""
    if scope.startswith(LONGEST) or scope.startswith("seq2seq"):
        return 0
    if scope.startswith(SPREAD) or not scope.startswith("tests/"):  # a lab's checks
        return 1
    return 2


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """pytest-xdist's own `--dist loadgroup` does not group here (pytest 9 ignores the node id
    suffix it marks groups with), and `--dist loadfile` would put the whole course plugin on
    one worker: its load-by-scope scheduler, with our scopes, handed out longest first (its
    own order, most tests first, left the attack corpus's single long tests to the end)."""
    from xdist.scheduler import LoadScopeScheduling

    class ByScope(LoadScopeScheduling):
        ordered = False  # the queue put in our order (at the first unit handed out)

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            # The queue (scope → its tests, in collection order) is built by schedule(), which
            # then assigns the first units: put it in our order before the first is taken.
            # (Only the queue: a worker runs a test by its index in its own collection.)
            if not self.ordered:
                units = sorted(
                    self.workqueue.items(), key=lambda unit: (scope_rank(unit[0]), -len(unit[1]))
                )
                self.workqueue.clear()
                self.workqueue.update(units)
                self.ordered = True
            super()._assign_work_unit(node)

    return ByScope(config, log)
