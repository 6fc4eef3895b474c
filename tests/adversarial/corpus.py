"""The attack corpus (attacks.toml) and what every test of it needs: the canary course, the
attack placed into a lab's blank, the loopback listeners, and the traces an attack leaves."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import sys
import threading
import tomllib
import uuid
from pathlib import Path

from graders.markers import parse
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


def reachable_levels() -> list[str]:
    levels = []
    for level, off in LEVEL_FLAGS.items():
        if detect(frozenset(off)).level == level:
            levels.append(level)
    return levels


# --- the course copy with canaries ------------------------------------------------------------


# The labs' budgets in the course copy: an attack that spins before the fork costs the whole
# run's (twice: the hidden run after the public one), one that spins in every set each set's —
# CPU the rest of the suite waits for. Still far above what the references need cold (seq2seq
# about 4 s, the NumPy labs 0.3 s), on a loaded machine too. A set's budget also bounds its wall
# time after the fork: a seq2seq reference's set is 0.25 s of CPU, but took over 2 s of wall
# at a load of 15 (2 s failed the honest student after an attack); 4 s keeps twice that. An
# rnn-numpy run's wall includes the hidden run's wait at its gate: 6 s failed an honest
# student's hidden sets at a load of 8. The attacks on the runner's protocol before the fork
# use multi-head, a NumPy lab whose blanks are at module level: on seq2seq each of their runs
# paid torch's import (1.4 s of CPU) twice, at every level.
BUDGETS = {
    "seq2seq": {"wall_seconds": 15, "set_seconds": 4},
    "rnn-numpy": {"wall_seconds": 8, "set_seconds": 2},
    "multi-head": {"wall_seconds": 8, "set_seconds": 2},
}


def make_canary_course(root: Path) -> Path:
    """The labs the attacks use, each with one more hidden set holding the canary."""
    labs = sorted({attack["lab"] for attack in ATTACKS.values()})
    (root / "graders" / "labs").mkdir(parents=True)
    (root / "quizzes" / "banks").mkdir(parents=True)
    for lab in labs:
        for part in ("exercises", "solutions"):
            shutil.copytree(ROOT / part / lab, root / part / lab)
        spec = (ROOT / "graders" / "labs" / f"{lab}.toml").read_text(encoding="utf-8")
        # The attacks are for the sandbox: a lab's code rules (a layer before it, tested in
        # tests/test_rules*.py) would refuse many of them unrun, so the copy has none.
        spec = re.sub(r"(?ms)^\[\[?rules\b[^\n]*\n.*?(?=^\[|\Z)", "", spec)
        assert "rules" not in tomllib.loads(spec), f"{lab}: code rules left in the canary course"
        for limit, seconds in BUDGETS.get(lab, {}).items():
            spec, count = re.subn(rf"(?m)^{limit} = \d+", f"{limit} = {seconds}", spec)
            assert count == 1, f"{lab}: no `{limit}` line to set in its spec"
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


ATTACK_IPC_KEY = 0x5E91AB  # the key attacks.toml's System V attack uses


def system_v_objects() -> list[str]:
    """The host's System V objects under the attacks' key (other programs, a PostgreSQL server
    among them, have objects of their own)."""
    found = []
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as table:
            rows = [line.split() for line in table.read().splitlines()[1:]]
        keys = [int(row[0]) for row in rows]
        found += [f"System V {kind} {key:#x}" for key in keys if key == ATTACK_IPC_KEY]
    return found


def traces(marker: str, course: Path) -> list[str]:
    """Files, run folders and processes the attack left behind (found by its marker)."""
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
    # A run folder on the host (levels without bubblewrap) outliving its run: its program
    # holds the marker.
    for folder in glob.glob("/tmp/seqlab-run-*") + glob.glob("/tmp/seqlab-runs-*/seqlab-run-*"):
        with contextlib.suppress(OSError):
            if any(marker.encode() in path.read_bytes() for path in Path(folder).glob("*.py")):
                found.append(folder)
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
        elif Path(item).is_dir():
            shutil.rmtree(item, ignore_errors=True)
        else:
            Path(item).unlink(missing_ok=True)
