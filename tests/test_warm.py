"""Warm workers: the same results as a cold run, and nothing carried between submissions."""

import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from graders.engine import grade_submission
from graders.sandbox import run_sets, warm
from graders.spec import Limits
from graders.submission import read_submission

# Times what it measures (CPU shares, wall limits, response times): `make test` runs it
# alone, after the parallel run.
pytestmark = pytest.mark.serial

LIMITS = Limits(wall_seconds=20, set_seconds=3, memory_mb=4096, output_kb=16)


@pytest.fixture(scope="module")
def pool():
    assert warm.available(), "warm workers need isolation level strong: run `make system`"
    with warm.WarmPool("import torch\nimport numpy\n", LIMITS, workers=1) as one_worker:
        yield one_worker


def run(pool, program: str, stdins=("a\n", "b\n")):
    return pool.run_sets(
        textwrap.dedent(program), "main.py", list(stdins), LIMITS, fork_at_input=True
    )


def test_template_imports_are_what_a_worker_preloads():
    template = (
        "import sys\nimport torch.nn as nn\nfrom numpy import linalg\nif x:\n    import json\n"
    )
    assert warm.template_imports(template) == ["sys", "torch.nn", "numpy"]


def test_warm_and_cold_runs_print_the_same(pool):
    program = """
        import sys, random, torch
        torch.manual_seed(3)
        random.seed(4)
        weights = torch.randn(3)
        word = sys.stdin.readline().strip()
        print(word, [round(w, 4) for w in weights.tolist()], random.random())
    """
    warm_results = run(pool, program)
    cold_results = run_sets(
        textwrap.dedent(program), "main.py", ["a\n", "b\n"], LIMITS, fork_at_input=True
    )
    assert [r.stdout for r in warm_results] == [r.stdout for r in cold_results]
    assert all(r.exit_code == 0 for r in warm_results)


def test_nothing_a_submission_changes_reaches_the_next(pool):
    marker = f"seqlab-warm-{uuid.uuid4().hex[:8]}"
    meddler = f"""
        import builtins, json, os, sys, torch
        open("planted-{marker}", "w").write("x")
        for folder in ("/tmp", "..", os.environ["HOME"] + "/.."):
            try:
                open(os.path.join(folder, "{marker}"), "w").write("x")
            except OSError:
                pass
        torch.set_default_dtype(torch.float64)
        torch.manual_seed(123)
        torch.set_num_threads(2)
        torch.seqlab_flag = "{marker}"
        builtins.print = lambda *a, **k: sys.stdout.write("patched\\n")
        sys.modules["json"] = "hijacked"
        sys.stdin.read()
        print("meddled")
    """
    assert run(pool, meddler)[0].stdout == b"patched\n"
    observer = f"""
        import builtins, glob, json, os, sys, torch
        sys.stdin.read()
        print(sorted(os.listdir(".")))
        print(glob.glob("/tmp/*{marker}*") + glob.glob("../*{marker}*") + glob.glob("/*/*{marker}"))
        print(torch.get_default_dtype(), torch.initial_seed() == 123, torch.get_num_threads())
        print(hasattr(torch, "seqlab_flag"), type(json).__name__, print is builtins.print)
    """
    (result, _) = run(pool, observer)
    assert result.stdout.decode().splitlines() == [
        "['main.py']",
        "[]",
        "torch.float32 False 1",
        "False module True",
    ], result.stderr


def test_processes_left_by_a_submission_do_not_survive_it(pool):
    marker = f"seqlab-warm-{uuid.uuid4().hex[:8]}"
    program = f"""
        import os, subprocess, sys
        sys.stdin.read()
        if os.fork() == 0:
            os.setsid()
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{marker}"])
            os._exit(0)
        print("left one behind")
    """
    assert run(pool, program)[0].stdout == b"left one behind\n"
    time.sleep(0.3)
    leftovers = [p.name for p in Path("/proc").glob("[0-9]*") if marker.encode() in _cmdline(p)]
    assert leftovers == []
    # The worker is still there for the next submission.
    assert run(pool, "import sys\nprint(sys.stdin.read().strip())\n")[1].stdout == b"b\n"


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""


def test_an_endless_submission_costs_its_budget_and_the_worker_goes_on(pool):
    started = time.monotonic()
    results = run(pool, "import sys\nsys.stdin.read()\nwhile True:\n    pass\n")
    assert all(r.timed_out for r in results)
    assert time.monotonic() - started < LIMITS.set_seconds + 3
    assert run(pool, "import sys\nprint(sys.stdin.read().strip())\n")[0].stdout == b"a\n"


def test_a_worker_killed_from_outside_is_replaced(pool):
    (victim,) = pool.workers
    victim.launch.kill_all(victim.process.pid)
    results = run(pool, "import sys\nprint(sys.stdin.read().strip())\n")
    assert [r.stdout for r in results] == [b"a\n", b"b\n"]
    assert pool.workers[0] is not victim


def test_a_real_lab_grades_the_same_warm_and_cold(course):
    lab = course.lab("rnn-numpy")
    with warm.WarmPool(lab.starter_path.read_text(encoding="utf-8"), lab.limits, 1) as lab_pool:
        for path in (lab.solution_path, lab.starter_path):
            submission = read_submission(path)
            cold = grade_submission(lab, submission, include_hidden=True)
            hot = grade_submission(lab, submission, include_hidden=True, runner=lab_pool.run_sets)
            assert [(t.name, t.verdict, t.actual) for t in hot.tests] == [
                (t.name, t.verdict, t.actual) for t in cold.tests
            ]


# --- issue 13: a worker proves itself clean after each submission, or retires ---------------

ECHO = "import sys\nprint(sys.stdin.read().strip())\n"


def test_a_full_and_locked_folder_does_not_reach_the_next_submission(pool):
    # Fill every writable place to ENOSPC, then lock the folder against removal: each
    # submission has tmpfs mounts of its own, so the next one starts empty all the same.
    filler = """
        import os, sys
        sys.stdin.read()
        os.makedirs("locked/deeper")
        for folder in (".", "locked/deeper", "/tmp", "/dev/shm"):
            for index in range(100):
                try:
                    with open(f"{folder}/fill-{index}", "wb") as handle:
                        handle.write(b"0" * (1 << 20))
                except OSError:
                    break
        for folder in ("locked/deeper", "locked", "."):
            os.chmod(folder, 0)
        print("filled")
    """
    assert run(pool, filler)[0].stdout == b"filled\n"
    observer = """
        import os, sys
        word = sys.stdin.read().strip()
        print(word, sorted(os.listdir(".")), os.listdir("/tmp"), os.listdir("/dev/shm"))
    """
    results = run(pool, observer)
    assert [r.stdout for r in results] == [b"a ['main.py'] [] []\n", b"b ['main.py'] [] []\n"]


def test_a_worker_that_fails_before_the_program_starts_is_replaced(monkeypatch):
    # A mount the child cannot make: it fails in the worker's own frames, before `start`.
    # That is never the student's error: each worker is replaced and, after two, the
    # submission is graded cold — with the right result.
    broken = {**warm.SUBMISSION_MOUNTS, "/no/such/folder": 1 << 20}
    monkeypatch.setattr(warm, "SUBMISSION_MOUNTS", broken)
    with warm.WarmPool("import numpy\n", LIMITS, workers=1) as broken_pool:
        first = broken_pool.workers[0]
        results = run(broken_pool, ECHO)
        assert [(r.stdout, r.exit_code) for r in results] == [(b"a\n", 0), (b"b\n", 0)]
        assert broken_pool.workers[0] is not first


def test_a_worker_that_cannot_prove_itself_clean_retires(monkeypatch):
    # Weakened on purpose: /tmp writable but not a mount of the submission's own, so a
    # write there stays in the worker. The worker finds it, says so and retires; the
    # submission runs again on a fresh worker, and the next one never sees the file.
    mounts = {k: v for k, v in warm.SUBMISSION_MOUNTS.items() if k != "/tmp"}
    monkeypatch.setattr(warm, "SUBMISSION_MOUNTS", mounts)
    with warm.WarmPool("import numpy\n", LIMITS, workers=1) as weak_pool:
        first = weak_pool.workers[0]
        planter = "import sys\nopen('/tmp/planted', 'w').write('x')\n" + ECHO
        assert [r.stdout for r in run(weak_pool, planter)] == [b"a\n", b"b\n"]
        assert weak_pool.workers[0] is not first
        observer = "import os, sys\nprint(sys.stdin.read().strip(), os.listdir('/tmp'))\n"
        assert [r.stdout for r in run(weak_pool, observer)] == [b"a []\n", b"b []\n"]


def test_workers_retire_after_a_number_of_submissions():
    with warm.WarmPool("import numpy\n", LIMITS, workers=1, retire_after=2) as short_lived:
        first = short_lived.workers[0]
        for _ in range(3):  # the third waits for the replacement, started in the background
            assert [r.stdout for r in run(short_lived, ECHO)] == [b"a\n", b"b\n"]
        assert short_lived.workers[0] is not first
        assert first.process.returncode is not None, "the retired worker was stopped"


def _warm_workers() -> int:
    return sum(b"worker.py" in _cmdline(p) for p in Path("/proc").glob("[0-9]*"))


def test_a_pool_closed_while_a_replacement_starts_says_nothing_and_leaves_nothing(capfd):
    """The end of a batch: the last submission retired its worker, whose replacement is still
    starting when the pool closes. No traceback (it printed one after every `seqlab grade`
    of more than a worker's share), and the replacement does not outlive the pool."""
    before = _warm_workers()
    with warm.WarmPool("import numpy\n", LIMITS, workers=1, retire_after=1) as short_lived:
        assert [r.stdout for r in run(short_lived, ECHO)] == [b"a\n", b"b\n"]
    deadline = time.monotonic() + warm.READY_SECONDS + 5
    while _warm_workers() > before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _warm_workers() == before
    assert capfd.readouterr().err == ""


def test_a_worker_is_never_handed_on_while_a_failed_run_may_still_hold_it(monkeypatch):
    # Our own failure in the middle of a run (here: the watch loop raising): the worker may
    # still be busy with that run, so it is replaced, and the next submission is unharmed.
    with warm.WarmPool("import numpy\n", LIMITS, workers=1) as pool_of_one:
        first = pool_of_one.workers[0]
        watch = warm.WarmWorker._watch

        def failing(self, *args, **kwargs):
            monkeypatch.setattr(warm.WarmWorker, "_watch", watch)  # once
            raise RuntimeError("the grader's own bug")

        monkeypatch.setattr(warm.WarmWorker, "_watch", failing)
        with pytest.raises(RuntimeError):
            run(pool_of_one, "import sys, time\nsys.stdin.read()\ntime.sleep(30)\n")
        started = time.monotonic()
        assert [r.stdout for r in run(pool_of_one, ECHO)] == [b"a\n", b"b\n"]
        assert time.monotonic() - started < 10, "not held up by the old run"
        assert first not in pool_of_one.workers


def test_a_run_held_at_its_gate_never_takes_the_last_idle_worker():
    # A gated run takes a worker early only if another stays idle: else runs waiting at their
    # gates could hold every worker while the runs they wait for wait for a worker.
    gate = threading.Event()
    program = "import sys\nprint(sys.stdin.read().strip())\n"
    with warm.WarmPool("import numpy\n", LIMITS, workers=1) as pool_of_one:
        held = []
        first = threading.Thread(
            target=lambda: held.extend(
                pool_of_one.run_sets(
                    program, "main.py", ["x\n", "y\n"], LIMITS, fork_at_input=True, after=gate
                )
            )
        )
        first.start()
        time.sleep(0.5)
        assert pool_of_one.idle.qsize() == 1, "the only worker is left to an ungated run"
        started = time.monotonic()
        assert [r.stdout for r in run(pool_of_one, program)] == [b"a\n", b"b\n"]
        assert time.monotonic() - started < 5
        gate.set()
        first.join(20)
        assert [r.stdout for r in held] == [b"x\n", b"y\n"]


def test_a_run_held_at_its_gate_starts_at_once_while_a_worker_stays_for_ungated_runs():
    # Two workers, one busy with an ungated run: a gated run takes the other at once (its
    # start goes side by side with the run its gate waits for: that one holds a worker and
    # will end). A second gated run would leave every worker to runs waiting at gates, so it
    # waits for its gate. Each gated run gets its input only once its gate opens.
    gates = [threading.Event(), threading.Event()]
    program = "import sys\nprint(sys.stdin.read().strip())\n"
    slow = "import sys, time\ntime.sleep(1.5)\nprint(sys.stdin.read().strip())\n"
    with warm.WarmPool("import numpy\n", LIMITS, workers=2) as pool:
        held: dict[int, list] = {}

        def gated(k: int) -> None:
            held[k] = pool.run_sets(
                program, "main.py", [f"{k}\n"], LIMITS, fork_at_input=True, after=gates[k]
            )

        ungated = threading.Thread(target=lambda: held.setdefault(9, run(pool, slow)))
        threads = [threading.Thread(target=gated, args=(k,)) for k in range(2)]
        ungated.start()
        time.sleep(0.3)
        threads[0].start()
        time.sleep(0.5)
        assert pool.idle.qsize() == 0, "the gated run took the last idle worker at once"
        ungated.join(20)
        assert [r.stdout for r in held[9]] == [b"a\n", b"b\n"]
        threads[1].start()
        time.sleep(0.5)
        assert pool.idle.qsize() == 1, "the second gated run left it to an ungated run"
        assert set(held) == {9}, "no gated run went past its gate"
        assert [r.stdout for r in run(pool, program)] == [b"a\n", b"b\n"]
        for gate, thread in zip(gates, threads, strict=True):
            gate.set()
            thread.join(20)
        assert [r.stdout for r in held[0]] == [b"0\n"]
        assert [r.stdout for r in held[1]] == [b"1\n"]


def test_a_pool_evicted_while_a_grading_runs_on_it_closes_after_that_run(course):
    from graders.service.pools import LabPools

    pools = LabPools(course, max_pools=1)
    lab = course.lab("rnn-numpy")
    slow = "import sys, time\ntime.sleep(2)\nprint(sys.stdin.read().strip())\n"
    outcome = {}

    def grade_slowly():
        runner = pools.runner("rnn-numpy")
        outcome["runs"] = runner(slow, "main.py", ["still here\n"], lab.limits, fork_at_input=True)

    try:
        grading = threading.Thread(target=grade_slowly)
        grading.start()
        time.sleep(0.5)
        pools.runner("gru-step")  # a second lab: the first pool is evicted mid-run
        grading.join(60)
        (result,) = outcome["runs"]
        assert result.stdout.strip() == b"still here", result
        assert list(pools.pools) == ["gru-step"] and not pools.in_use and not pools.retired
    finally:
        pools.close()


def test_a_runner_handed_out_before_its_pool_was_evicted_runs_on_a_live_pool(course):
    """The queue gets a lab's runner, then another lab's grading evicts that pool before the
    first run starts (the window the test above can fall into on a loaded machine): the run
    starts the lab's pool again rather than waiting on a closed one."""
    from graders.service.pools import LabPools

    pools = LabPools(course, max_pools=1)
    lab = course.lab("rnn-numpy")
    try:
        handed_out = pools.runner("rnn-numpy")
        pools.runner("gru-step")  # evicts rnn-numpy's pool, idle: closed at once
        assert list(pools.pools) == ["gru-step"]
        done = []
        thread = threading.Thread(
            target=lambda: done.extend(
                handed_out(
                    "import sys\nprint(sys.stdin.read())",
                    "main.py",
                    ["back\n"],
                    lab.limits,
                    fork_at_input=True,
                )
            ),
            daemon=True,
        )
        thread.start()
        thread.join(60)
        assert [r.stdout.strip() for r in done] == [b"back"]
        assert list(pools.pools) == ["rnn-numpy"] and not pools.in_use
    finally:
        pools.close()


def test_workers_preload_what_the_reference_loads_of_the_templates_packages(course, tmp_path):
    import dataclasses

    from graders.service.preload import learned_modules

    lab = course.lab("rnn-numpy")
    imports = warm.template_imports(lab.starter_path.read_text(encoding="utf-8"))
    learned = learned_modules(lab)
    assert learned[: len(imports)] == imports
    assert len(learned) > len(imports) + 20  # numpy's lazily loaded submodules
    roots = {name.split(".")[0] for name in imports}
    assert all(name.split(".")[0] in roots for name in learned)
    # A reference that crashes teaches nothing: the template's imports alone.
    (tmp_path / "exercises" / lab.id).mkdir(parents=True)
    (tmp_path / "solutions" / lab.id).mkdir(parents=True)
    (tmp_path / "exercises" / lab.id / lab.entry).write_bytes(lab.starter_path.read_bytes())
    (tmp_path / "solutions" / lab.id / lab.entry).write_text("raise SystemExit(3)\n")
    assert learned_modules(dataclasses.replace(lab, course_root=tmp_path)) == imports
