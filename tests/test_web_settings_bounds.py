"""Every `[platform]` number is refused outside its range before anything starts: `graders`
(and `seqlab worker --concurrency`) from 0 or 1 to a few per core of the machine, each timing
finite and within its seconds (config.py). A refusal names the option, the variable, or the
file and line, the value, the range and the fix, in the reader's language; the command exits 2
at once, with no traceback — not a hang that fills memory with threads, nor an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graders.errors import UsageError
from graders.web.config import GRADERS_PER_CORE, SECONDS, load_config, most_graders

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("line", "shown", "range_en"),
    [
        ("graders = true", "true", "from 1 to"),
        ("graders = 2.5", "2.5", "from 1 to"),
        ("graders = 1e20", "1e+20", "from 1 to"),
        ("restore_interval = inf", "inf", "from 1 to 3600"),
        ("restore_interval = 1e-9", "1e-09", "from 1 to 3600"),
        ("visibility_timeout = inf", "inf", "from 5 to 86400"),
        ("visibility_timeout = nan", "nan", "from 5 to 86400"),
        ("lease_seconds = 1e-300", "1e-300", "from 1 to 3600"),
        ("lease_seconds = true", "true", "from 1 to 3600"),
        ("graders = [2]", "[2]", "from 1 to"),
    ],
)
def test_a_file_value_out_of_range_is_refused_with_its_line(tmp_path, line, shown, range_en):
    path = tmp_path / "p.toml"
    path.write_text(f'# the platform\n[platform]\nqueue = "embedded"\n{line}\n', encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        load_config({"SEQLAB_CONFIG": str(path)}, tmp_path)
    en, zh = refused.value.render("en"), refused.value.render("zh")
    name = line.split(" =")[0]
    assert f"The setting {name} in {path} (line 4) is not valid: {shown}." in en, en
    assert range_en in en and f"{path}（第 4 行）" in zh and name in zh, zh


def test_a_lease_not_below_the_visibility_timeout_blames_the_setting_given(tmp_path):
    """`visibility_timeout = 5` (its range's low end) under the default lease of 30 s names
    visibility_timeout, its file and line, and the lease it must exceed — not lease_seconds,
    which the user never wrote."""
    path = tmp_path / "p.toml"
    path.write_text("[platform]\nvisibility_timeout = 5\n", encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        load_config({"SEQLAB_CONFIG": str(path)}, tmp_path)
    en, zh = refused.value.render("en"), refused.value.render("zh")
    assert f"The setting visibility_timeout in {path} (line 2) is not valid: 5." in en, en
    assert "more than lease_seconds (now 30" in en and "lease_seconds（当前为 30" in zh, zh
    with pytest.raises(UsageError) as refused:
        load_config({"SEQLAB_LEASE_SECONDS": "400"}, tmp_path)
    en = refused.value.render("en")
    assert "lease_seconds in SEQLAB_LEASE_SECONDS" in en and "less than visibility_timeout" in en


def test_a_variable_out_of_range_is_refused_and_the_limits_hold_at_their_ends(tmp_path):
    for name, (low, high) in SECONDS.items():
        variable = f"SEQLAB_{name.upper()}"
        for bad in (low / 2, high * 2, "inf", "-inf", "nan"):
            environ = {"SEQLAB_VISIBILITY_TIMEOUT": "86400", variable: str(bad)}
            with pytest.raises(UsageError) as refused:
                load_config(environ, tmp_path)
            assert f"{name} in {variable}" in refused.value.render("en")
            assert f"from {low:g} to {high:g}" in refused.value.render("en")
    edges = {"SEQLAB_VISIBILITY_TIMEOUT": "5", "SEQLAB_LEASE_SECONDS": "1"}
    assert load_config({**edges, "SEQLAB_RESTORE_INTERVAL": "3600"}, tmp_path).lease_seconds == 1
    assert load_config({"SEQLAB_GRADERS": str(most_graders())}, tmp_path).graders_here() == (
        most_graders()
    )
    too_many = load_config({"SEQLAB_GRADERS": str(most_graders() + 1)}, tmp_path)
    with pytest.raises(UsageError) as refused:
        too_many.graders_here()  # checked where it grades: a Celery web host does not
    en = refused.value.render("en")
    assert "SEQLAB_GRADERS" in en and f"from 1 to {most_graders()}" in en
    assert f"{GRADERS_PER_CORE} per core" in en


def _seqlab(tmp_path: Path, *args: str, config: str | None = None) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("SEQLAB_")}
    if config is not None:
        (tmp_path / "p.toml").write_text(config, encoding="utf-8")
        env["SEQLAB_CONFIG"] = str(tmp_path / "p.toml")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "graders.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.mark.parametrize(
    ("args", "config", "words"),
    [
        (("serve", "--lang", "en", "--graders", "100000"), None, ["--graders", "100000"]),
        (("serve", "--lang", "zh"), "[platform]\ngraders = 100000\n", ["p.toml（第 2 行）"]),
        (("serve", "--lang", "en"), "[platform]\ngraders = 1e20\n", ["p.toml (line 2)"]),
        (
            ("serve", "--lang", "en"),
            '[platform]\nqueue = "celery"\nrestore_interval = inf\n',
            ["restore_interval", "p.toml (line 3)", "inf", "from 1 to 3600"],
        ),
        (("worker", "--lang", "en", "--concurrency", "100000"), None, ["--concurrency", "100000"]),
        # A broker address Celery cannot use: said now, not as an internal error (or a worker
        # stopping with exit 0) at the first job.
        (("worker", "--lang", "en", "--broker", "foo://x"), None, ["--broker", "redis://HOST"]),
        (
            ("worker", "--lang", "zh", "--broker", "redis://h:99999/0"),
            None,
            ["--broker", "redis://主机"],
        ),
        (
            ("serve", "--lang", "en", "--queue", "celery", "--broker", "redis://h:6379/abc"),
            None,
            ["redis://h:6379/abc"],
        ),
        (("worker", "--lang", "zh"), "[platform]\ngraders = 100000\n", ["p.toml（第 2 行）"]),
        (
            ("worker", "--lang", "zh"),
            "[platform]\nrestore_interval = inf\n",
            ["restore_interval", "p.toml（第 2 行）", "1 到 3600"],
        ),
    ],
)
def test_serve_and_worker_exit_2_at_once_on_a_value_out_of_range(tmp_path, args, config, words):
    command = [*args, "--db", str(tmp_path / "x.sqlite")]
    if args[0] == "serve":
        command += ["--port", "1"]  # never reached: refused before anything starts
    code, output, seconds = _seqlab(tmp_path, *command, config=config)
    assert code == 2, output
    assert "Traceback" not in output and "internal" not in output.lower(), output
    assert all(word in output for word in words), output
    assert seconds < 30 and not (tmp_path / "x.sqlite").exists(), output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_celery_queue_waits_for_its_broker_in_the_servers_language(
    tmp_path, capsys, course, lang
):
    import socket

    from graders.messages import say
    from graders.web.config import PlatformConfig
    from graders.web.tasks import CeleryQueue

    with socket.socket() as sock:  # a port nothing listens on: the broker is away
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    config = PlatformConfig(queue="celery", broker_url=f"redis://127.0.0.1:{port}/0", db_url=url)
    queue = CeleryQueue(config, url, course.root, lang)
    try:
        queue.start()
    finally:
        queue.close()
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    said = say("web.broker_waiting", lang, reason="@").split("@")
    assert out.out.startswith(said[0]) and said[1].strip() in out.out, out.out
    assert ".。" not in out.out and ".. " not in out.out, out.out  # one full stop


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_seqlab_worker_says_its_broker_is_away_in_the_readers_language(tmp_path, lang):
    import select
    import signal
    import socket

    from graders.messages import say

    with socket.socket() as sock:  # a port nothing listens on: the broker is away
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEQLAB_")}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "graders.cli", "worker", "--lang", lang, "--concurrency", "1"]
    command += ["--broker", f"redis://127.0.0.1:{port}/0", "--db", f"sqlite:///{tmp_path}/w.db"]
    worker = subprocess.Popen(
        command,
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wanted = say("web.worker_broker_waiting", lang, broker="@", reason="@").split("@")[0]
    seen = ""
    try:  # read as it comes, never blocking past the deadline
        deadline = time.monotonic() + 60
        while wanted not in seen and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([worker.stdout], [], [], left)
            chunk = os.read(worker.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                break
            seen += chunk.decode("utf-8", errors="replace")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert wanted in seen and "Traceback" not in seen, seen


def test_serve_on_a_port_in_use_says_so_before_it_starts(tmp_path):
    """Bound before anything starts: never "running" first, then uvicorn's English error."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for lang, words in (
            ("en", "cannot listen on 127.0.0.1 port"),
            ("zh", "无法在 127.0.0.1 的端口"),
        ):
            code, output, _seconds = _seqlab(
                tmp_path,
                "serve",
                "--lang",
                lang,
                "--port",
                str(port),
                "--db",
                str(tmp_path / "x.sqlite"),
            )
            assert code == 2 and words in output and "--port" in output, output
            assert "running" not in output and "已启动" not in output and "Traceback" not in output
            assert not (tmp_path / "x.sqlite").exists()


ASKED_TOO_MUCH = [("en", "below the required medium"), ("zh", "低于要求的 medium")]
EVERY_LAYER_OFF = ("bwrap", "landlock", "seccomp", "cgroup")


@pytest.mark.parametrize("asked", [[], ["--require-isolation", "medium"]], ids=["default", "asked"])
@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(("lang", "words"), ASKED_TOO_MUCH)
def test_serve_and_worker_refuse_to_start_below_medium(tmp_path, command, lang, words, asked):
    # A class graded at level weak is graded where runs reach each other and the course
    # (ARCHITECTURE.md, "Neighbours"): no server unless its staff knowingly ask for weak.
    off = [arg for layer in EVERY_LAYER_OFF for arg in ("--without", layer)]
    args = [*off, command, "--lang", lang, "--course", str(ROOT), *asked]
    args += ["--db", str(tmp_path / "x.sqlite")] + (["--port", "1"] if command == "serve" else [])
    code, output, seconds = _seqlab(tmp_path, *args)
    assert code == 2, output
    assert words in output and "seqlab doctor" in output, output
    assert "--require-isolation weak" in output, output  # how to ask for it knowingly
    if lang == "zh":  # why each layer is off, in the reader's language too
        assert "已关闭" in output and "switched off" not in output, output
    assert "Traceback" not in output, output
    assert seconds < 30 and not (tmp_path / "x.sqlite").exists(), output
