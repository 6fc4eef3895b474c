"""The web platform under a class's load: submissions over HTTP on loopback, end to end.

Setups, each on a fresh database:
- embedded: `seqlab serve` alone (in-process queue, one grading thread per core, SQLite);
- embedded1: the same with `--graders 1` (one submission at a time: the ratio is concurrency's);
- celery ×1 / ×2: `seqlab serve --queue celery` + 1 or 2 `seqlab worker` processes, a
  redis-server and a PostgreSQL server started here (as `nobody` when run as root).

N students (a roster) sign in; each then submits the rnn-numpy reference, waits for its result
as the page does — the pushed stream (`--wait events`, routes/events.py) or polling the JSON
every 0.7 s as the page did before (`--wait poll`) — and submits again, `--per-student` times
(within the per-student rate limit, 5 a minute by default: the load is spread across students).
Before the clock starts, one warm-up submission per grading process (pools start at a lab's
first job). Then one student alone submits --lone times, one after another: the median
click-to-result (goal ≤ 0.3 s). Then the class. Prints the
throughput (submissions/s, goal ≥ 40), p50/p95 latency from 评测 (the POST) to the result seen
by the page (goal p95 ≤ 1 s), and how many submissions were lost (not graded, or graded
wrong). Every latency stands beside the lab's floor (bench/floor.py: its sets forked from a
warm parent, no sandbox, no web) and its ratio to it; the load average at start and end.

`--three-seq2seq`: after the class, per setup, one seq2seq submission alone (after a warm-up
one), then three students' at the same moment: each of the three against the lone one
(goal ≤ 1.5x).

    .venv/bin/python bench/web_bench.py [--students 20] [--per-student 5] [--wait events]
                                        [--setups embedded,embedded1,celery1,celery2]
                                        [--lone 5] [--three-seq2seq]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import floor
import httpx
import options

ROOT = Path(__file__).resolve().parent.parent
SETUPS = ("embedded", "embedded1", "celery1", "celery2")
SEQLAB = Path(sys.executable).with_name("seqlab")
LAB = "rnn-numpy"
TRIO_LAB = "seq2seq"
TRIO = ["trio0", "trio1", "trio2", "trio-lone"]  # three at once, and the lone one
ERRORS: list[str] = []  # what the server answered that a page would have had to retry
POLL_SECONDS = 0.7  # the page's interval before the push stream
WAIT_SECONDS = 60  # a server starting
GRADE_SECONDS = 300  # one submission, queue included


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Servers:
    folder: Path
    processes: list[subprocess.Popen]
    pg_stop: list[str] | None = None
    pg_user: dict | None = None

    def start(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 15)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(10)
        self.processes.clear()
        if self.pg_stop:
            subprocess.run(self.pg_stop, capture_output=True, timeout=60, **(self.pg_user or {}))
            self.pg_stop = None


def start_postgres(servers: Servers) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        sys.exit("PostgreSQL server binaries not found: run `make system`")
    bin_dir, folder, port = found[-1].parent, servers.folder / "pg", free_port()
    folder.mkdir()
    user: dict = {}
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    data = folder / "data"
    subprocess.run(
        [
            *(str(bin_dir / "initdb"), "-D", str(data), "-U", "seqlab", "--auth=trust"),
            *("-E", "UTF8", "--no-locale", "--no-sync"),
        ],
        check=True,
        capture_output=True,
        timeout=WAIT_SECONDS,
        **user,
    )
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [
            *(*pg_ctl, "-o", f"-k {folder} -h 127.0.0.1 -p {port} -c fsync=off"),
            *("-l", str(folder / "log"), "-w", "-t", str(WAIT_SECONDS), "start"),
        ],
        check=True,
        capture_output=True,
        timeout=WAIT_SECONDS + 10,
        **user,
    )
    servers.pg_stop, servers.pg_user = [*pg_ctl, "-m", "fast", "-w", "stop"], user
    return f"postgresql://seqlab@127.0.0.1:{port}"


def new_database(server: str) -> str:
    import psycopg

    name = f"bench{int(time.time() * 1000) % 10**9}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def start_redis(servers: Servers) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not found: run `make system`")
    port = free_port()
    servers.start(
        "redis",
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=servers.folder,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            redis.Redis.from_url(url).ping()
            return url
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.05)


def wait_http(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"seqlab serve stopped:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    sys.exit(f"seqlab serve did not answer in {WAIT_SECONDS} s")


# --- the load ------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]


async def signed_in(base: str, username: str, password: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    token = csrf_of((await client.get("/login")).text)
    response = await client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password, "next": "/"},
        follow_redirects=True,
    )
    response.raise_for_status()
    return client, csrf_of(response.text)


async def submit_and_wait(
    client: httpx.AsyncClient, token: str, code: str, wait: str, lab: str = LAB
) -> dict:
    started = time.monotonic()
    try:
        response = await client.post(
            f"/labs/{lab}/submit",
            data={"code": code},
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
    except httpx.TransportError as error:  # counted as lost, never sent again (not idempotent)
        return {"id": None, "status": f"{type(error).__name__}", "latency": None}
    if response.status_code != 200:
        return {"id": None, "status": f"HTTP {response.status_code}", "latency": None}
    attempt_id = response.json()["id"]
    deadline = started + GRADE_SECONDS
    if wait == "events":
        with contextlib.suppress(httpx.TransportError):  # dropped: poll, as the page does
            async with client.stream("GET", f"/api/attempts/{attempt_id}/events") as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("data:"):
                        data = json.loads(line.split(":", 1)[1])
                        if data["status"] in ("done", "error"):
                            return {**data, "latency": time.monotonic() - started}
    fell_back = wait == "events"  # the stream ended without the result: counted in the report
    while time.monotonic() < deadline:
        try:
            response = await client.get(f"/api/attempts/{attempt_id}")
        except httpx.TransportError:  # a keep-alive connection the server closed: a GET repeats
            await asyncio.sleep(0.05)
            continue
        if response.status_code != 200:  # said in the report (the server's log has why)
            ERRORS.append(f"GET /api/attempts: HTTP {response.status_code}")
            await asyncio.sleep(POLL_SECONDS)
            continue
        data = response.json()
        if data["status"] in ("done", "error"):
            return {**data, "latency": time.monotonic() - started, "fell_back": fell_back}
        await asyncio.sleep(POLL_SECONDS)
    return {"id": attempt_id, "status": "timeout", "latency": None}


async def load(
    base: str, students: int, per_student: int, warmups: int, code: str, wait: str, lone: int
) -> dict:
    warm = [await signed_in(base, f"warm{n}", "warm-up-password") for n in range(warmups)]
    await asyncio.gather(*(submit_and_wait(c, t, code, wait) for c, t in warm))
    alone, token = await signed_in(base, "lone", "lone-password")
    lone_results = [await submit_and_wait(alone, token, code, wait) for _ in range(lone)]
    await alone.aclose()
    clients = [await signed_in(base, f"s{n:03d}", f"password-{n:03d}") for n in range(students)]

    async def student(client: httpx.AsyncClient, token: str) -> list[dict]:
        return [await submit_and_wait(client, token, code, wait) for _ in range(per_student)]

    started = time.monotonic()
    results = [r for rs in await asyncio.gather(*(student(c, t) for c, t in clients)) for r in rs]
    wall = time.monotonic() - started
    for client, _token in warm + clients:
        await client.aclose()
    return {"results": results, "wall": wall, "lone": lone_results}


async def three_at_once(base: str, code: str, wait: str) -> dict:
    """One seq2seq submission alone (after a warm-up one), then three at the same moment."""
    clients = [await signed_in(base, name, "trio-password") for name in TRIO]
    alone, token = clients[-1]
    await submit_and_wait(alone, token, code, wait, TRIO_LAB)  # the lab's pool starts
    lone = await submit_and_wait(alone, token, code, wait, TRIO_LAB)
    three = await asyncio.gather(
        *(submit_and_wait(c, t, code, wait, TRIO_LAB) for c, t in clients[:3])
    )
    for client, _token in clients:
        await client.aclose()
    return {"lone": lone, "three": list(three)}


def roster(folder: Path, students: int, warmups: int) -> Path:
    path = folder / "roster.csv"
    rows = [f"s{n:03d},Student {n},password-{n:03d},student" for n in range(students)]
    rows += [f"warm{n},Warm-up {n},warm-up-password,student" for n in range(warmups)]
    rows += ["lone,Alone,lone-password,student"]
    rows += [f"{name},{name},trio-password,student" for name in TRIO]
    path.write_text("username,name,password,role\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_setup(setup: str, args, servers: Servers, shared: dict) -> dict:
    workers = {"embedded": 0, "embedded1": 0, "celery1": 1, "celery2": 2}[setup]
    warmups = max(1, workers, os.cpu_count() if setup == "embedded" else 1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(SEQLAB), "serve", "--port", str(port), "--rate", str(args.rate)]
    serve += ["--roster", str(roster(servers.folder, args.students, warmups))]
    if setup == "embedded1":
        serve += ["--graders", "1"]
    environ = dict(os.environ)
    if workers:
        db = new_database(shared["pg"])
        serve += ["--db", db, "--queue", "celery", "--broker", shared["redis"]]
        for n in range(workers):
            servers.start(
                f"{setup}-worker{n}",
                [str(SEQLAB), "worker", "--db", db, "--broker", shared["redis"]],
                env=environ,
            )
    else:
        serve += ["--db", str(servers.folder / f"{setup}.sqlite")]
    process = servers.start(f"{setup}-serve", serve, env=environ)
    wait_http(base, process, servers.folder / f"{setup}-serve.log")
    code = (ROOT / "solutions" / LAB / "rnn_numpy.py").read_text(encoding="utf-8")
    outcome = asyncio.run(
        load(base, args.students, args.per_student, warmups, code, args.wait, args.lone)
    )
    if args.three_seq2seq:
        trio_code = (ROOT / "solutions" / TRIO_LAB / "seq2seq.py").read_text(encoding="utf-8")
        outcome["trio"] = asyncio.run(three_at_once(base, trio_code, args.wait))
    for process in list(servers.processes):
        if process.args[1] in ("serve", "worker"):
            os.killpg(process.pid, 15)
            process.wait(30)
            servers.processes.remove(process)
    return outcome


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else float("nan")


def report(setup: str, outcome: dict, expected: int, floor_s: float) -> str:
    results = outcome["results"]
    good = [r for r in results if r["status"] == "done" and r["score"] == r["max_score"]]
    latencies = [r["latency"] for r in good]
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = percentile(latencies, 0.95)
    lone = [r["latency"] for r in outcome["lone"] if r["latency"] is not None]
    lone50 = statistics.median(lone) if lone else float("nan")
    label = {
        "embedded": f"embedded, {os.cpu_count()} graders",
        "embedded1": "embedded, 1 grader",
        "celery1": "celery, 1 worker (PG)",
        "celery2": "celery, 2 workers (PG)",
    }[setup]
    line = (
        f"{label:<24} {lone50:8.3f} {floor.ratio(lone50, floor_s):>7}"
        f" {len(results):5d} {outcome['wall']:8.1f} {len(good) / outcome['wall']:8.2f}"
        f" {p50:7.2f} {floor.ratio(p50, floor_s):>7} {p95:7.2f} {expected - len(good):5d}"
    )
    lost = Counter(
        r["status"] if r["status"] != "done" else "graded below full marks"
        for r in results
        if r not in good
    )
    line += (
        f"\n{'':<24} goals: lone p50 {lone50:.3f} s {options.at_most(lone50, 0.3, '0.3 s')};"
        f" {len(good) / outcome['wall']:.1f} subs/s"
        f" {options.at_least(len(good) / outcome['wall'], 40, '40 subs/s')};"
        f" p95 {p95:.2f} s {options.at_most(p95, 1.0, '1 s')}"
    )
    if lost:
        line += "  (lost: " + ", ".join(f"{n} x {why}" for why, n in lost.most_common()) + ")"
    fell_back = sum(1 for r in results + outcome["lone"] if r.get("fell_back"))
    if fell_back:
        line += f"  ({fell_back} results polled: their event stream ended without them)"
    if ERRORS:
        said = ", ".join(f"{n} x {e}" for e, n in sorted(Counter(ERRORS).items()))
        line += f"  (server errors, retried: {said}; see {setup}-serve.log)"
        ERRORS.clear()
    trio = outcome.get("trio")
    if trio:
        lone_s = trio["lone"]["latency"] or float("nan")
        each = [r["latency"] or float("nan") for r in trio["three"]]
        said = ", ".join(f"{t:.2f} s ({floor.ratio(t, lone_s).strip()})" for t in each)
        line += (
            f"\n{'':<24} {TRIO_LAB}: alone {lone_s:.2f} s; three at once {said} "
            f"{options.at_most(max(each) / lone_s, 1.5, '1.5x the lone one, each')}"
        )
    return line


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=options.integer(1, 1000), default=20)
    parser.add_argument("--per-student", type=options.integer(1, 1000), default=5)
    parser.add_argument(
        "--rate", type=options.integer(1, 1000), default=5, help="the server's per-student limit"
    )
    parser.add_argument("--setups", type=options.one_of(SETUPS), default=list(SETUPS))
    parser.add_argument("--wait", choices=("events", "poll"), default="events")
    parser.add_argument(
        "--lone", type=options.integer(1, 1000), default=5, help="one student's submissions, alone"
    )
    parser.add_argument("--three-seq2seq", action="store_true", help="three seq2seq at once")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    args = parser.parse_args()
    for name, value in (("--per-student", args.per_student), ("--lone", args.lone)):
        if value > args.rate:
            options.refuse(
                f"{parser.prog}: argument {name}: {value} submissions a student is more than the"
                f" server accepts in a minute (--rate {args.rate}); give {name} from 1 to"
                f" {args.rate}, or raise --rate."
            )
    setups = args.setups
    servers = Servers(Path(tempfile.mkdtemp(prefix="seqlab-web-bench-")), [])
    servers.folder.chmod(0o755)  # PostgreSQL runs as nobody under it
    shared: dict[str, str] = {}
    try:
        if any(s.startswith("celery") for s in setups):
            shared["pg"], shared["redis"] = start_postgres(servers), start_redis(servers)
        expected = args.students * args.per_student
        print(f"start: {floor.load_line()}", flush=True)
        floor_s = floor.measure(LAB, repeat=3).warm_fork
        print(
            f"{args.students} students × {args.per_student} submissions of {LAB} (reference), "
            f"results {'pushed' if args.wait == 'events' else 'polled every 0.7 s'}; "
            f"floor {floor_s * 1000:.1f} ms a submission (bench/floor.py); goals: lone p50 "
            f"<= 0.3 s, >= 40 subs/s, p95 <= 1 s",
            flush=True,
        )
        columns = (
            *(("lone p50", 8), ("x floor", 7), ("subs", 5), ("wall s", 8), ("subs/s", 8)),
            *(("p50 s", 7), ("x floor", 7), ("p95 s", 7), ("lost", 5)),
        )
        print(f"{'setup':<24}" + "".join(f" {name:>{width}}" for name, width in columns))
        for setup in setups:
            line = report(setup, run_setup(setup, args, servers, shared), expected, floor_s)
            print(line, flush=True)
        print(f"end: {floor.load_line()}")
    finally:
        servers.stop()
        if args.keep_logs:
            print(f"servers' logs kept in {servers.folder}")
        else:
            shutil.rmtree(servers.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
