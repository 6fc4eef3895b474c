"""The adversarial corpus (attacks.toml) against real labs, at every isolation level this
machine reaches: strongest, and again with the stronger layers switched off.

For each attack and level, `seqlab grade` runs in its own process (so an attack that kills
the grader kills only that process) against a copy of the course in which every lab has an
extra hidden set carrying a canary. At the level with warm workers (strong) it grades a folder
of two students with one worker: the attacker, then an honest student handing in the
reference, on the same warm worker; at the levels without them, where every submission gets a
fresh sandbox, the attacker alone. It must: answer with a result for every set, within its two
runs' budgets (public sets and hidden sets run apart) + 2 s each; score the attacker no more
than allowed and the victim after it full marks; show no figure of a hidden set; show neither
the canary nor ESCAPED:… in anything it prints; leave no file or process carrying the attack's
marker; and let nothing reach the loopback listeners. Below an attack's `contained_from` level
the test is a strict xfail that names the level: reported, never silently skipped — and if a
weaker level starts containing it, the strict xfail fails and the table must be updated.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from corpus import (
    ATTACKS,
    CANARY,
    LEVEL_FLAGS,
    ROOT,
    clean_up,
    reachable_levels,
    submission,
    system_v_objects,
    traces,
)

from graders.results import LEVELS
from graders.sandbox.probe import detect


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


# --- one attack ----------------------------------------------------------------------------


def attacker_then_victim(tmp_path: Path, lab, text: str) -> Path:
    """A folder of two students: the attack, then the reference (graded in that order)."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    suffix = Path(lab.entry).suffix
    (folder / f"a-attacker{suffix}").write_text(text, encoding="utf-8")
    reference = ROOT / "solutions" / lab.id / lab.entry  # the course's own: no canary in it
    (folder / f"b-victim{suffix}").write_text(reference.read_text(encoding="utf-8"))
    return folder


@pytest.mark.adversarial
@pytest.mark.parametrize(("level", "name"), list(cases()))
def test_attack_is_contained(level, name, canary_course, listeners, tmp_path):
    attack = ATTACKS[name]
    marker = f"seqlab-attack-{uuid.uuid4().hex[:12]}"
    ports = (listeners.tcp.getsockname()[1], listeners.udp.getsockname()[1])
    lab, text = submission(canary_course, attack["lab"], attack, marker, ports)
    flags = [arg for layer in LEVEL_FLAGS[level] for arg in ("--without", layer)]
    command = [sys.executable, "-c", "import sys; from graders.cli import main; sys.exit(main())"]
    command += [*flags, "--course", str(canary_course), "--lang", "en", "grade"]
    warm = level == "strong"  # the level with warm workers: the victim runs on the same one
    if warm:
        folder = attacker_then_victim(tmp_path, lab, text)
        command += [str(folder), "--lab", lab.id, "--json", "--workers", "1"]
        command += ["--db", str(tmp_path / "gradebook.sqlite")]
    else:  # a fresh sandbox per submission: what it leaves is what `traces` looks for
        path = tmp_path / lab.entry
        path.write_text(text, encoding="utf-8")
        command += [str(path), "--lab", lab.id, "--json"]
    received_before = len(listeners.received)
    budget = lab.limits.wall_seconds + 2
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=canary_course, capture_output=True, timeout=3 * budget + 60, check=False
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
    if warm:
        attacker, victim = json.loads(done.stdout)["submissions"]
        assert (attacker["student"], victim["student"]) == ("a-attacker", "b-victim")
        assert attacker["status"] == "graded", attacker  # never blamed on the grader
        result, seconds = attacker["result"], attacker["seconds"]
    else:
        result, seconds = json.loads(done.stdout), elapsed
    assert result["isolation"]["level"] == level
    assert len(result["tests"]) == len(lab.tests), "every set must have a result"
    assert result["score"] <= attack.get("max_score", 0), result["tests"]
    # Public and hidden sets are two runs, the hidden one held until the public one ends.
    assert seconds <= 2 * budget, f"took {seconds:.1f} s"
    assert CANARY not in shown, "hidden data reached what the student sees"
    # A hidden set shows its verdict and score, no figure its program could steer.
    hidden = [t for t in result["tests"] if t["visibility"] == "hidden"]
    assert all(not {"time", "memory_mb"} & set(t) for t in hidden), hidden
    assert "ESCAPED:" not in shown, [t.get("actual") for t in result["tests"]]
    assert left == [], f"left behind: {left}"
    assert system_v_objects() == [], "System V IPC objects outlived the run"
    assert listeners.received[received_before:] == [], "a connection left the sandbox"
    if warm:
        # The next student is unharmed: the honest reference after the attack, on the same
        # warm worker, passes every set (but the canary's, which no program can know).
        assert victim["status"] == "graded", victim
        failed = [t for t in victim["result"]["tests"] if t["status"] != "passed"]
        assert [t["name"] for t in failed] == ["canary"], failed


@pytest.mark.adversarial
def test_the_strongest_level_here_is_tested_and_explained():
    # Every level the machine reaches is in the matrix; doctor explains what is missing.
    levels = reachable_levels()
    assert levels and levels[-1] == "weak"
    strongest = detect(frozenset()).level
    assert strongest == levels[0]
    assert len({case.values[1] for case in cases()}) >= 30
