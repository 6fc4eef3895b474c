"""A run cannot read or change what another live run holds: its input, its program, and the
grader's pipes.

Two graders at the same isolation level work side by side, as two graders of the web or of a
batch do. The victim's grader keeps three runs waiting with a secret in reach of
/proc/<pid>/fd: a fresh run that never reads its memfd stdin; a forked run whose sets do not
read their pipes (one input larger than a pipe holds, so the grader still has the rest to
write); and a run that forges its `fork` event, so the grader feeds the sets' pipes while the
zygote has not forked yet. The attacker's run opens every descriptor of every process it can
see, and looks for the victims' programs in the run folders, again and again while they wait.

Found at level weak, where a run keeps the grader's uid (red team, issue 17): every zygote
was dumpable until its fork (the fresh run's input and the forged run's pipes were readable),
and a neighbour's run folder could be found in /tmp, read and rewritten. The grader's own
pipes are readable unless it is undumpable too — a grader as root is safe anyway, since a run
without capabilities may not read a process that has some; the case `weak, grader without
capabilities` stands for a grader that is not root. What is left at weak is in
ARCHITECTURE.md ("Levels").
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from corpus import LEVEL_FLAGS, ROOT, reachable_levels

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
seen, found, files, rounds = set(), set(), set(), 0
ends = time.monotonic() + @SCAN_SECONDS@
while time.monotonic() < ends and rounds < 12:
    # The victims' programs in their run folders: to copy, or to rewrite before they run.
    for path in glob.glob(f"/tmp/*/*{marker}*") + glob.glob(f"/tmp/*/*/*{marker}*"):
        try:
            with open(path, "rb") as handle:
                handle.read()
            files.add(path)
        except OSError:
            continue
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
print(json.dumps({"seen": len(seen), "found": sorted(found), "files": sorted(files)}))
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
    # A grader that is not root cannot give its runs' folders to another uid (launch.py's
    # runs_parent): at weak its runs share its uid, and the folders theirs.
    if grader_has_capabilities:
        assert report["files"] == [], f"the attacker at level {level} reached a program"
    # Above weak the victims are out of sight (bubblewrap's pid namespace; Landlock grants no
    # part of /proc); at weak the attacker must have seen them, or the test proved nothing.
    if level == "weak":
        assert report["seen"] >= 3, f"the attacker never saw the victims: {report}"
    assert victim.returncode == 0, victim_err.decode()[-2000:]
    endings = ast.literal_eval(victim_out.decode().strip().splitlines()[-1])
    # The runs that keep to the protocol end normally (the forged one's sets never ran).
    assert (endings["fresh"], endings["forked"]) == ([0], [0, 0]), endings


@pytest.mark.adversarial
def test_a_run_started_as_root_is_undumpable_from_its_first_instruction(tmp_path):
    # Before the zygote's first line the interpreter starts holding every pipe of the run: a
    # neighbour that opened one through /proc/<pid>/fd then stole a set's input (red team,
    # issue 17). The first thing this interpreter does is ask whether it is dumpable.
    if os.geteuid() != 0:
        pytest.fail("the start as root is what this checks: run the suite as root")
    asks = "import ctypes, tempfile; print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"  # GET_DUMPABLE
    asks += "; print(tempfile.gettempdir())"
    folder = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-I", "-c", asks],
        env=process.environment(folder),
        preexec_fn=process.capability_dropper(),
        capture_output=True,
        text=True,
        check=True,
    )
    dumpable, temporary = done.stdout.split()
    assert dumpable == "0"
    # Secure-exec mode drops TMPDIR; TEMP and TMP still name the run's folder.
    assert temporary == folder


@pytest.mark.adversarial
def test_run_folders_of_a_killed_grader_are_removed_by_the_next_one(tmp_path):
    # A grader killed mid-run leaves its parent of run folders, and a run may have locked its
    # folder (chmod 0): the next grader to make a parent removes them, never a live one's.
    if os.geteuid() != 0:
        pytest.fail("a grader that is not root keeps its run folders in /tmp: run as root")
    from graders.sandbox.launch import RUNS_PARENT_PREFIX

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = Path(tempfile.gettempdir()) / f"{RUNS_PARENT_PREFIX}{gone.stdout.strip()}-test"
    locked = stale / "seqlab-run-left" / "deeper"
    locked.mkdir(parents=True)
    locked.chmod(0)
    stale.chmod(0o111)
    live = Path(tempfile.mkdtemp(prefix=f"{RUNS_PARENT_PREFIX}{os.getpid()}-"))
    try:
        ask = "from graders.sandbox.launch import runs_parent; print(runs_parent())"
        made = subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        parent = Path(made.stdout.strip())
        assert not stale.exists(), "the killed grader's folders stay"
        assert live.exists(), "a live grader's parent was removed"
        assert not parent.exists(), "the new grader's own parent outlived it"
    finally:
        shutil.rmtree(live, ignore_errors=True)


@pytest.mark.adversarial
def test_a_class_is_graded_at_level_weak_only_when_its_staff_ask_for_it(tmp_path):
    # At weak a run keeps uid 0: it can rewrite the lab's spec and zero every student graded
    # after it (red team, issue 17). A folder of students is a class: refused below medium,
    # graded when --require-isolation weak says the risk is known. One student's own file
    # (check, grade FILE) is graded as before.
    reference = (ROOT / "solutions" / "rnn-numpy" / "rnn_numpy.py").read_text(encoding="utf-8")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text(reference, encoding="utf-8")
    off = [
        arg for layer in ("bwrap", "landlock", "seccomp", "cgroup") for arg in ("--without", layer)
    ]
    seqlab = [sys.executable, "-m", "graders.cli", *off, "--lang", "en", "--course", str(ROOT)]

    def grade(*args: str) -> subprocess.CompletedProcess:
        command = [*seqlab, "grade", *args, "--lab", "rnn-numpy", "--json"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    refused = grade(str(folder), "--db", str(tmp_path / "class.sqlite"))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert (
        "below the required medium" in refused.stderr
        and "--require-isolation weak" in refused.stderr
    )
    assert not (tmp_path / "class.sqlite").exists()
    asked = grade(
        str(folder), "--db", str(tmp_path / "class.sqlite"), "--require-isolation", "weak"
    )
    assert asked.returncode == 0, asked.stdout + asked.stderr
    alone = grade(str(folder / "ann.py"))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert json.loads(alone.stdout)["isolation"]["level"] == "weak"


@pytest.mark.adversarial
def test_a_grader_that_cannot_give_its_folders_away_keeps_grading(monkeypatch):
    # A container's user namespace may map no uid 65534 (chown: EINVAL), as a root without
    # CAP_CHOWN gets EPERM: the runs' folders stay in the system's temporary folder, as for a
    # grader that is not root, and grading goes on.
    from graders.sandbox import launch

    def refuse(*args, **kwargs):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(launch.os, "chown", refuse)
    monkeypatch.setattr(launch, "_RUNS_PARENTS", {})
    before = set(Path(tempfile.gettempdir()).glob(f"{launch.RUNS_PARENT_PREFIX}{os.getpid()}-*"))
    assert launch.runs_parent() is None
    after = set(Path(tempfile.gettempdir()).glob(f"{launch.RUNS_PARENT_PREFIX}{os.getpid()}-*"))
    assert after == before, "the parent it could not give away was left behind"
