"""The adversarial corpus (attacks.toml) against real labs, at every isolation level this
machine reaches: strongest, and again with the stronger layers switched off.

For each attack and level, `seqlab grade` runs in its own process (so an attack that kills
the grader kills only that process) against a copy of the course in which every lab has an
extra hidden set carrying a canary. It must: answer with a result for every set, within the
lab's budget + 2 s; score no more than allowed; show neither the canary nor ESCAPED:… in
anything it prints; leave no file or process carrying the attack's marker; and let nothing
reach the loopback listeners. Below an attack's `contained_from` level the test is a strict
xfail that names the level: reported, never silently skipped — and if a weaker level starts
containing it, the strict xfail fails and the table must be updated.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from pathlib import Path

import pytest

from graders.markers import parse
from graders.results import LEVELS
from graders.sandbox.probe import detect
from graders.spec import Course

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = tomllib.loads((Path(__file__).with_name("attacks.toml")).read_text(encoding="utf-8"))
CANARY = f"seqlab-canary-{uuid.uuid4().hex[:16]}"
# What switching layers off leaves, per level (probe.py decides what the rest reaches).
LEVEL_FLAGS = {
    "strong": [],
    "medium": ["bwrap"],
    "weak": ["bwrap", "landlock", "seccomp", "cgroup"],
}
STARTUP_ALLOWANCE = 0.0  # the bound includes seqlab's own start


def reachable_levels() -> list[str]:
    levels = []
    for level, off in LEVEL_FLAGS.items():
        if detect(frozenset(off)).level == level:
            levels.append(level)
    return levels


def cases():
    for level in reachable_levels():
        for name, attack in ATTACKS.items():
            contained_from = attack.get("contained_from", "weak")
            marks = []
            if LEVELS.index(level) < LEVELS.index(contained_from):
                reason = (
                    f"not contained at level {level} (needs {contained_from}): {attack['about']}"
                )
                marks.append(
                    pytest.mark.xfail(strict=True, run=attack.get("run_below", True), reason=reason)
                )
            yield pytest.param(level, name, marks=marks, id=f"{level}:{name}")


# --- the course copy with canaries ------------------------------------------------------------


@pytest.fixture(scope="session")
def canary_course(tmp_path_factory) -> Path:
    """The labs the attacks use, each with one more hidden set holding the canary."""
    root = tmp_path_factory.mktemp("canary-course")
    labs = sorted({attack["lab"] for attack in ATTACKS.values()})
    (root / "graders" / "labs").mkdir(parents=True)
    (root / "quizzes" / "banks").mkdir(parents=True)
    for lab in labs:
        for part in ("exercises", "solutions"):
            shutil.copytree(ROOT / part / lab, root / part / lab)
        spec = (ROOT / "graders" / "labs" / f"{lab}.toml").read_text(encoding="utf-8")
        first_stdin = tomllib.loads(spec)["tests"][0]["stdin"]
        spec += (
            f'\n[[tests]]\nname = "canary"\nstdin = """{first_stdin}{CANARY}\n"""\n'
            f'expected = "{CANARY}\\n"\npoints = 1\nhidden = true\n'
        )
        (root / "graders" / "labs" / f"{lab}.toml").write_text(spec, encoding="utf-8")
        solution = next((root / "solutions" / lab).glob("*.py"))
        solution.write_text(solution.read_text(encoding="utf-8") + f"# {CANARY}\n")
    return root


class Listeners:
    """A TCP and a UDP socket on 127.0.0.1 that count what reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.received: list[str] = []
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(self.tcp, selectors.EVENT_READ)
        selector.register(self.udp, selectors.EVENT_READ)
        while not self.stopping:
            for key, _ in selector.select(0.1):
                if key.fileobj is self.tcp:
                    connection, _ = self.tcp.accept()
                    self.received.append("tcp")
                    connection.close()
                else:
                    self.udp.recvfrom(65536)
                    self.received.append("udp")

    def close(self) -> None:
        self.stopping = True
        self.thread.join(2)
        self.tcp.close()
        self.udp.close()


@pytest.fixture(scope="session")
def listeners():
    found = Listeners()
    yield found
    found.close()


# --- one attack ----------------------------------------------------------------------------


def submission(course: Path, lab_id: str, attack: dict, marker: str, ports: tuple[int, int]):
    """The reference with the attack in place of one blank (seq2seq: training skipped)."""
    lab = Course.locate(course).lab(lab_id)
    layout = parse(lab.starter_path.read_text(encoding="utf-8"), str(lab.starter_path))
    reference = parse(lab.solution_path.read_text(encoding="utf-8"), str(lab.solution_path))
    index = attack.get("blank", 1) - 1
    template_line = reference.blanks[index].body[0]
    indent = template_line[: len(template_line) - len(template_line.lstrip())]
    code = (
        attack["code"]
        .replace("@MARKER@", marker)
        .replace("@TCP_PORT@", str(ports[0]))
        .replace("@UDP_PORT@", str(ports[1]))
    )
    body = tuple(
        indent + line if line.strip() else line for line in code.lstrip("\n").splitlines(True)
    )
    bodies = [blank.body for blank in reference.blanks]
    bodies[index] = body
    if lab_id == "seq2seq" and index != 2:
        bodies[2] = ("pass\n",)  # skip training: the attack is elsewhere
    return lab, layout.render(bodies)


def traces(marker: str, course: Path) -> list[str]:
    """Files and processes the attack left behind (found by its marker)."""
    import numpy

    places = [
        "/tmp",
        "/var/tmp",
        "/dev/shm",
        "/work",
        os.path.expanduser("~"),
        str(course),
        str(course.parent),
        str(Path(numpy.__file__).parent),
    ]
    places += [p for p in sys.path if p.endswith("site-packages")]
    try:
        import torch

        places.append(str(Path(torch.__file__).parent))
    except ImportError:
        pass
    found = [path for place in places for path in glob.glob(f"{place}/*{marker}*")]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(f"process {entry.name}")
            except OSError:
                pass
    return found


def clean_up(found: list[str]) -> None:
    for item in found:
        if item.startswith("process "):
            with contextlib.suppress(OSError):
                os.kill(int(item.split()[1]), signal.SIGKILL)
        else:
            Path(item).unlink(missing_ok=True)


@pytest.mark.adversarial
@pytest.mark.parametrize(("level", "name"), list(cases()))
def test_attack_is_contained(level, name, canary_course, listeners, tmp_path):
    attack = ATTACKS[name]
    marker = f"seqlab-attack-{uuid.uuid4().hex[:12]}"
    ports = (listeners.tcp.getsockname()[1], listeners.udp.getsockname()[1])
    lab, text = submission(canary_course, attack["lab"], attack, marker, ports)
    path = tmp_path / lab.entry
    path.write_text(text, encoding="utf-8")
    flags = [arg for layer in LEVEL_FLAGS[level] for arg in ("--without", layer)]
    command = [sys.executable, "-c", "import sys; from graders.cli import main; sys.exit(main())"]
    command += [*flags, "--course", str(canary_course), "--lang", "en"]
    command += ["grade", str(path), "--lab", lab.id, "--json"]
    received_before = len(listeners.received)
    budget = lab.limits.wall_seconds + 2
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=canary_course, capture_output=True, timeout=budget + 30, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"seqlab grade hung on {name} at level {level}")
    elapsed = time.monotonic() - started
    time.sleep(0.2)  # let a leftover process show itself
    left = traces(marker, canary_course)
    clean_up(left)

    shown = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    assert done.returncode in (0, 1), (
        f"seqlab did not answer (exit {done.returncode}): {shown[-800:]}"
    )
    result = json.loads(done.stdout)
    assert result["isolation"]["level"] == level
    assert len(result["tests"]) == len(lab.tests), "every set must have a result"
    assert result["score"] <= attack.get("max_score", 0), result["tests"]
    assert elapsed <= budget + STARTUP_ALLOWANCE, f"took {elapsed:.1f} s, budget {budget} s"
    assert CANARY not in shown, "hidden data reached what the student sees"
    assert "ESCAPED:" not in shown, [t.get("actual") for t in result["tests"]]
    assert left == [], f"left behind: {left}"
    assert listeners.received[received_before:] == [], "a connection left the sandbox"


@pytest.mark.adversarial
def test_the_strongest_level_here_is_tested_and_explained():
    # Every level the machine reaches is in the matrix; doctor explains what is missing.
    levels = reachable_levels()
    assert levels and levels[-1] == "weak"
    strongest = detect(frozenset()).level
    assert strongest == levels[0]
    assert len({case.values[1] for case in cases()}) >= 30
