"""The platform's settings: which queue, the broker, the database, the Celery timings.

Each setting comes from the command line, else the environment, else one config file, else
its default. The file is `$SEQLAB_CONFIG`, or `seqlab.toml` in the current folder when it
exists, with a `[platform]` table:

    [platform]
    queue = "celery"                              # embedded (default) | celery
    broker_url = "redis://127.0.0.1:6379/0"       # SEQLAB_BROKER_URL
    db_url = "postgresql://seqlab@db-host/seqlab" # SEQLAB_DB_URL
    visibility_timeout = 300                      # SEQLAB_VISIBILITY_TIMEOUT
    lease_seconds = 30                            # SEQLAB_LEASE_SECONDS
    restore_interval = 10                         # SEQLAB_RESTORE_INTERVAL
    graders = 2                                   # SEQLAB_GRADERS: gradings side by side

The Redis visibility timeout is how long a job taken by a worker that never acknowledged it
(the worker died) waits before Redis hands it out again; it must be longer than any grading
(a warm pool's start, up to 2 minutes on a busy machine, plus the lab's wall time), or a
live worker's job is handed out twice — harmless (the second delivery finds the attempt
leased or done, grading.py) but wasted. `restore_interval` is how often a worker looks for
such jobs; `lease_seconds` how long after a grader's death its attempt may be claimed again.
`graders` is how many submissions one `seqlab serve` (embedded queue) or one `seqlab worker`
grades side by side; 0, the default, means one per core of the machine.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from graders.errors import UsageError
from graders.messages import Text

QUEUES = ("embedded", "celery")
DEFAULT_DB = "seqlab-web.sqlite"  # `seqlab serve` and `seqlab worker` by default
DEFAULT_PORT = 8000
CONFIG_VARIABLE = "SEQLAB_CONFIG"
CONFIG_FILE = "seqlab.toml"
VARIABLES = {
    "queue": "SEQLAB_QUEUE",
    "broker_url": "SEQLAB_BROKER_URL",
    "db_url": "SEQLAB_DB_URL",
    "visibility_timeout": "SEQLAB_VISIBILITY_TIMEOUT",
    "lease_seconds": "SEQLAB_LEASE_SECONDS",
    "restore_interval": "SEQLAB_RESTORE_INTERVAL",
    "graders": "SEQLAB_GRADERS",
}


@dataclass(frozen=True)
class PlatformConfig:
    queue: str = "embedded"
    broker_url: str = "redis://127.0.0.1:6379/0"
    db_url: str | None = None  # None: `seqlab serve`'s SQLite file
    visibility_timeout: float = 300.0
    lease_seconds: float = 30.0
    restore_interval: float = 10.0
    graders: int = 0  # 0: one per core

    def with_overrides(self, **given: object) -> PlatformConfig:
        """Command-line values win; None means "not given"."""
        chosen = {name: value for name, value in given.items() if value is not None}
        return _checked(replace(self, **chosen), lambda name: "--" + name.replace("_", "-"))


def load_config(environ: dict[str, str] | None = None, cwd: Path | None = None) -> PlatformConfig:
    environ = os.environ if environ is None else environ
    given: dict[str, tuple[object, str]] = {}  # name → (value, where it was set)
    named = environ.get(CONFIG_VARIABLE)
    path = Path(named) if named else (cwd or Path.cwd()) / CONFIG_FILE
    if named or path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("platform", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise UsageError("web.config_unreadable", path=path, reason=error) from None
        for name, value in table.items():
            given[name] = (value, str(path))
    for name, variable in VARIABLES.items():
        if environ.get(variable):
            given[name] = (environ[variable], variable)
    known = {f.name for f in fields(PlatformConfig)}
    typed: dict[str, object] = {}
    for name, (value, source) in given.items():
        default = getattr(PlatformConfig, name, None)
        try:
            if name not in known:
                raise ValueError(name)
            typed[name] = _typed(value, default)
        except (TypeError, ValueError):
            raise _bad(name, value, source) from None
    sources = {name: source for name, (_value, source) in given.items()}
    return _checked(PlatformConfig(**typed), lambda name: sources.get(name, "seqlab"))  # type: ignore[arg-type]


def _typed(value: object, default: object) -> object:
    if isinstance(default, float):
        return float(value)  # type: ignore[arg-type]
    if isinstance(default, int):
        number = float(value)  # type: ignore[arg-type]
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    return str(value)


SECONDS = ("visibility_timeout", "lease_seconds", "restore_interval")


def _bad(name: str, value: object, source: str, need: str | None = None) -> UsageError:
    """A setting refused, with what it must be."""
    if need is None:
        need = {"queue": "web.need_queue", "graders": "web.need_graders"}.get(name, "")
        need = need or ("web.need_seconds" if name in SECONDS else "web.need_known")
    known = ", ".join(f.name for f in fields(PlatformConfig))
    return UsageError(
        "web.config_bad", name=name, value=value, source=source, need=Text(need, known=known)
    )


def _checked(config: PlatformConfig, source_of) -> PlatformConfig:
    if config.queue not in QUEUES:
        raise _bad("queue", config.queue, source_of("queue"))
    for name in SECONDS:
        value = getattr(config, name)
        if not value > 0:
            raise _bad(name, value, source_of(name))
    if config.graders < 0:
        raise _bad("graders", config.graders, source_of("graders"))
    if config.lease_seconds >= config.visibility_timeout:
        # A redelivered job must find the dead grader's lease lapsed, not retry for nothing.
        raise _bad(
            "lease_seconds", config.lease_seconds, source_of("lease_seconds"), "web.need_lease"
        )
    return config
