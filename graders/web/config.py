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

Every value is checked before anything starts (`_checked`, and `graders_here` on the machine
that grades): a refused one names where it was set (the option, the variable, or the file and
line), what it must be and the fix, exit 2.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from graders.errors import UsageError
from graders.messages import Text
from graders.sandbox.launch import GRADERS_PER_CORE, most_graders, usable_cores
from graders.settings import line_of

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
    # Where each setting given was set: an option, a variable, or a file and line (a Text).
    sources: tuple[tuple[str, object], ...] = field(default=(), compare=False, repr=False)

    def source(self, name: str) -> object:
        return dict(self.sources).get(name, "seqlab")

    def with_overrides(self, **given: object) -> PlatformConfig:
        """Command-line values win; None means "not given"."""
        chosen = {name: value for name, value in given.items() if value is not None}
        spelt = {"broker_url": "--broker", "db_url": "--db"}  # the commands' own options
        options = tuple((name, spelt.get(name, "--" + name.replace("_", "-"))) for name in chosen)
        return _checked(replace(self, **chosen, sources=(*self.sources, *options)))

    def graders_here(self) -> int:
        """The submissions this machine grades side by side (`graders`, else one per core),
        refused above `most_graders()` of this machine. Checked by the command that grades
        (the embedded `seqlab serve`, `seqlab worker`), not by a web server whose Celery
        workers, on bigger machines, read the same file."""
        if self.graders > most_graders():
            raise _bad("graders", self.graders, self.source("graders"))
        return self.graders or usable_cores()


def load_config(environ: dict[str, str] | None = None, cwd: Path | None = None) -> PlatformConfig:
    environ = os.environ if environ is None else environ
    given: dict[str, tuple[object, object]] = {}  # name → (value, where it was set)
    named = environ.get(CONFIG_VARIABLE)
    path = Path(named) if named else (cwd or Path.cwd()) / CONFIG_FILE
    if named or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            table = tomllib.loads(text).get("platform", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise UsageError("web.config_unreadable", path=path, reason=error) from None
        if not isinstance(table, dict):
            where = Text("web.config_at", path=path, line=line_of(text, "", "platform"))
            raise _bad("platform", table, where, "web.need_table")
        for name, value in table.items():
            line = line_of(text, "platform", name)
            given[name] = (value, Text("web.config_at", path=path, line=line))
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
    sources = tuple((name, source) for name, (_value, source) in given.items())
    return _checked(PlatformConfig(**typed, sources=sources))  # type: ignore[arg-type]


def _typed(value: object, default: object) -> object:
    """A file's or a variable's value as its setting's type. A TOML `true` is no number and
    `2.5` no count: refused, not read as 1 or cut to 2."""
    if isinstance(value, bool | dict | list):
        raise TypeError(value)
    if isinstance(default, float):
        return float(value)  # type: ignore[arg-type]  # finite and in range: _checked
    if isinstance(default, int):
        if isinstance(value, float):
            raise TypeError(value)
        return int(value)  # type: ignore[call-overload]  # a string of digits, or an int
    return str(value)


# Each timing's allowed seconds, checked with math.isfinite first (inf and nan pass a bare
# comparison's test wrongly, and Celery rounds 2 × restore_interval to an int).
SECONDS = {
    # Above any grading (a warm pool's start plus a lab's wall time, see above) in real use;
    # the floor only keeps a job from being handed out again while it is being received.
    "visibility_timeout": (5.0, 86400.0),
    # A grader renews its lease while it grades: under a second it would race its own renewal;
    # over an hour a dead grader's attempt waits that long for anyone.
    "lease_seconds": (1.0, 3600.0),
    # Each look takes a lock in Redis: under a second is a busy loop, over an hour a dead
    # worker's job waits that long to be looked for.
    "restore_interval": (1.0, 3600.0),
}


def graders_why() -> Text:
    """Why graders side by side have a most (web.need_graders, --concurrency's message)."""
    return Text("web.graders_why", cores=usable_cores(), per_core=GRADERS_PER_CORE)


def _bad(
    name: str, value: object, source: object, need: str | None = None, lease: float = 0
) -> UsageError:
    """A setting refused, with what it must be."""
    low, high = SECONDS.get(name, (0, 0))
    if need is None:
        need = {"queue": "web.need_queue", "graders": "web.need_graders"}.get(name, "")
        need = need or ("web.need_seconds" if name in SECONDS else "web.need_known")
    known = ", ".join(f.name for f in fields(PlatformConfig) if f.name != "sources")
    said = Text(
        need,
        known=known,
        low=f"{low:g}",
        high=f"{high:g}",
        most=most_graders(),
        why=graders_why(),
        lease=lease,
    )
    shown = str(value).lower() if isinstance(value, bool) else value
    return UsageError("web.config_bad", name=name, value=shown, source=source, need=said)


def broker_ok(url: str) -> bool:
    """A Redis address Celery can use: redis:// or rediss://, a host, a port in range and a
    database number (or none). Anything else failed only at the first job (an internal error
    on every submission, or a worker that stopped with exit 0)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError:
        return False
    return (
        parts.scheme in ("redis", "rediss")
        and bool(parts.hostname)
        and (port is None or port > 0)
        and re.fullmatch(r"(/[0-9]{0,2})?", parts.path) is not None
    )


def _checked(config: PlatformConfig) -> PlatformConfig:
    if config.queue not in QUEUES:
        raise _bad("queue", config.queue, config.source("queue"))
    if not broker_ok(config.broker_url):
        raise _bad("broker_url", config.broker_url, config.source("broker_url"), "web.need_broker")
    for name, (low, high) in SECONDS.items():
        value = getattr(config, name)
        if not (math.isfinite(value) and low <= value <= high):
            raise _bad(name, value, config.source(name))
    if config.graders < 0:
        raise _bad("graders", config.graders, config.source("graders"))
    if config.lease_seconds >= config.visibility_timeout:
        # A redelivered job must find the dead grader's lease lapsed, not retry for nothing.
        # Blamed on the one the user gave (visibility_timeout when both or neither were).
        given = dict(config.sources)
        name = (
            "lease_seconds"
            if "lease_seconds" in given and "visibility_timeout" not in given
            else "visibility_timeout"
        )
        need = "web.need_lease" if name == "lease_seconds" else "web.need_visibility"
        raise _bad(name, getattr(config, name), config.source(name), need, config.lease_seconds)
    return config
