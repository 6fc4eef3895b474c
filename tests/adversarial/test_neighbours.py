"""A run cannot read what another live run holds: its neighbour's input, and the grader's pipes.

Two graders at the same isolation level work side by side, as two graders of the web or of a
batch do. The victim's grader keeps three runs waiting with a secret in reach of
/proc/<pid>/fd: a fresh run that never reads its memfd stdin; a forked run whose sets do not
read their pipes (one input larger than a pipe holds, so the grader still has the rest to
write); and a run that forges its `fork` event, so the grader feeds the sets' pipes while the
zygote has not forked yet. The attacker's run opens every descriptor of every process it can
see, again and again while the victims wait. Found at level weak (a run keeps the grader's
uid there): every zygote was dumpable until its fork, so the fresh run's input and the forged
run's pipes were readable. The grader's own pipes are readable unless it is undumpable too —
a grader as root is safe anyway, since a run without capabilities may not read a process that
has some; the case `weak, grader without capabilities` stands for a grader that is not root.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from corpus import LEVEL_FLAGS, reachable_levels

from graders.sandbox import process
from graders.sandbox.probe import DISABLE_VARIABLE

WAIT_SECONDS = 6  # how long each victim run holds its secret
LIMITS = "Limits(wall_seconds=12, cpu_seconds=8, memory_mb=512, output_kb=64, set_seconds=10)"

VICTIM_GRADER = textwrap.dedent(
    f"""
    import sys, threading
    from graders.sandbox import run_sets
    from graders.spec import Limits
    secret, marker = sys.argv[1:3]
    limits = {LIMITS}
    waits = "import time; time.sleep({WAIT_SECONDS})\\n"
    forged = (
        "import json, os, sys\\n"
        "plan = getattr(sys.stdin, '_seqlab_plan', None)\\n"
        "if plan is not None:\\n"
        "    os.write(plan.control.fd, (json.dumps({{'event': 'fork'}}) + '\\\\n').encode())\\n"
    )
    runs = {{
        "fresh": (waits, [secret + "\\n"], False),
        "forked": ("import sys; sys.stdin.fileno()\\n" + waits,
                   [(secret + "\\n") * 4000, secret + "\\n"], True),
        "forged": (forged + waits, [secret + "\\n", secret + "\\n"], True),
    }}
    endings = {{}}

    def run(name, program, stdins, fork):
        results = run_sets(program, f"victim-{{marker}}-{{name}}.py", stdins, limits,
                           fork_at_input=fork)
        endings[name] = [r.exit_code for r in results]

    threads = [threading.Thread(target=run, args=(name, *how)) for name, how in runs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(endings)
    """
)

# The secret reaches the attacker as hex: its own program text must not hold the bytes it seeks.
ATTACKER = """
import glob, json, os, time
secret, marker = bytes.fromhex("@SECRET_HEX@"), "@MARKER@"
seen, found, rounds, ends = set(), set(), 0, time.monotonic() + @SCAN_SECONDS@
while time.monotonic() < ends and rounds < 12:
    for folder in glob.glob("/proc/[0-9]*"):
        try:
            with open(folder + "/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    seen.add(folder)
        except OSError:
            continue
    for link in glob.glob("/proc/[0-9]*/fd/*"):
        try:
            with open(link, "rb") as handle:
                os.set_blocking(handle.fileno(), False)
                if secret in (handle.read(1 << 20) or b""):
                    found.add(link)
        except (OSError, TypeError):
            continue
    rounds += bool(seen)  # count the rounds from the first sight of a victim
    time.sleep(0.25)
print(json.dumps({"seen": len(seen), "found": sorted(found)}))
"""

ATTACKER_GRADER = textwrap.dedent(
    f"""
    import sys
    from graders.sandbox import run_sets
    from graders.spec import Limits
    (result,) = run_sets(sys.argv[1], "attacker.py", [""], {LIMITS}, fork_at_input=False)
    sys.stdout.buffer.write(result.stdout)
    sys.stderr.buffer.write(result.stderr)
    """
)

CASES = [pytest.param(level, True, id=level) for level in reachable_levels()]
CASES.append(pytest.param("weak", False, id="weak, grader without capabilities"))


def grader_environment(level: str) -> dict[str, str]:
    return {**os.environ, DISABLE_VARIABLE: ",".join(LEVEL_FLAGS[level])}


@pytest.mark.adversarial
@pytest.mark.parametrize(("level", "grader_has_capabilities"), CASES)
def test_a_run_reads_nothing_another_live_run_or_its_grader_holds(level, grader_has_capabilities):
    if not grader_has_capabilities and os.geteuid() != 0:
        pytest.fail("the case stands for a grader that is not root: run the suite as root")
    secret, marker = f"neighbour-secret-{uuid.uuid4().hex}", uuid.uuid4().hex[:12]
    environment = grader_environment(level)
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM_GRADER, secret, marker],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A grader that is not root has no capability: as root, drop them all to stand for it.
        preexec_fn=None if grader_has_capabilities else process.capability_dropper(),
    )
    try:
        time.sleep(1.0)  # the victims start; the attacker scans while they wait
        attack = ATTACKER.replace("@SECRET_HEX@", secret.encode().hex())
        attack = attack.replace("@MARKER@", marker).replace("@SCAN_SECONDS@", str(WAIT_SECONDS))
        attacker = subprocess.run(
            [sys.executable, "-c", ATTACKER_GRADER, attack],
            env=environment,
            capture_output=True,
            timeout=60,
            check=False,
        )
        victim_out, victim_err = victim.communicate(timeout=60)
    finally:
        victim.kill()
    assert attacker.returncode == 0, attacker.stderr.decode()[-2000:]
    lines = attacker.stdout.decode().strip().splitlines()
    assert lines, attacker.stderr.decode()[-2000:]
    report = json.loads(lines[-1])
    assert report["found"] == [], f"the attacker at level {level} read a neighbour's secret"
    # Above weak the victims are out of sight (bubblewrap's pid namespace; Landlock grants no
    # part of /proc); at weak the attacker must have seen them, or the test proved nothing.
    if level == "weak":
        assert report["seen"] >= 3, f"the attacker never saw the victims: {report}"
    assert victim.returncode == 0, victim_err.decode()[-2000:]
    endings = ast.literal_eval(victim_out.decode().strip().splitlines()[-1])
    # The runs that keep to the protocol end normally (the forged one's sets never ran).
    assert (endings["fresh"], endings["forked"]) == ([0], [0, 0]), endings
