"""`seqlab serve`: the embedded platform in one process — uvicorn, the app, the in-process
queue with its warm sandboxed workers, and a SQLite file (or a database URL). With
`--queue celery` the app publishes jobs to Redis instead and `seqlab worker` grades (tasks.py).

Loopback only: the server refuses any other address (a public deployment puts an https
reverse proxy in front, and passes --https so cookies are marked Secure).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

from graders.errors import UsageError
from graders.messages import say
from graders.spec import Course
from graders.store.database import database_url, shown_url
from graders.web.app import HERE, WebSettings, create_app
from graders.web.config import DEFAULT_DB, load_config
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster

EDITOR_BUNDLE = HERE / "static" / "editor.js"


def check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise UsageError("web.serve_not_loopback", host=host)


def build(
    *,
    db: str | None,
    course: Course,
    roster: Path | None,
    use_warm: bool = True,
    https: bool = False,
    rate_count: int = 5,
    lang: str = "zh",
    queue: str | None = None,
    broker: str | None = None,
    graders: int | None = None,
):
    """The app and its queue, the roster imported; prints what a person needs to know.
    Options given here win over the environment and seqlab.toml (config.py)."""
    config = load_config().with_overrides(
        queue=queue, broker_url=broker, db_url=db, graders=graders
    )
    # The embedded queue grades here: its count is checked against this machine before the
    # roster is imported or a thread started.
    threads = config.graders_here() if config.queue == "embedded" else 0
    url = database_url(config.db_url or DEFAULT_DB)
    if roster is not None:
        from graders.submission import read_text

        count = import_roster(url, parse_roster(read_text(roster), str(roster)))
        print(say("web.serve_roster", lang, count=count, path=roster), flush=True)
    if not EDITOR_BUNDLE.is_file():
        print(say("web.serve_no_frontend", lang, path=EDITOR_BUNDLE), flush=True)
    if config.queue == "celery":
        from graders.web.tasks import CeleryQueue  # Celery only where it is used

        jobs = CeleryQueue(config, url, course.root, lang)
        print(say("web.serve_celery", lang, broker=shown_url(config.broker_url)), flush=True)
    else:
        jobs = EmbeddedQueue(url, course, threads=threads, use_warm=use_warm)
    settings = WebSettings(db_url=url, course=course, https=https, rate_count=rate_count)
    app = create_app(settings, jobs)
    _warn_off_roster(url, course, lang)
    return app, url


def _warn_off_roster(url: str, course: Course, lang: str) -> None:
    """seqlab.toml's extensions for someone not on the roster (store/off_roster.py), on stderr."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from graders.store.off_roster import off_roster
    from graders.web.models import User, engine_for

    with Session(engine_for(url)) as db:
        roster = set(db.scalars(select(User.username)))
    for warning in off_roster(course.root, roster, lang):
        print(warning, file=sys.stderr, flush=True)


def serve(
    *,
    host: str,
    port: int,
    db: str | None,
    course: Course,
    roster: Path | None,
    use_warm: bool,
    https: bool,
    rate_count: int,
    lang: str,
    queue: str | None = None,
    broker: str | None = None,
    graders: int | None = None,
) -> None:
    import uvicorn

    check_loopback(host)
    # Bound before anything starts: a port in use (or one refused) is said now, not after
    # "running" and the roster's import.
    listening = listening_socket(host, port)
    app, url = build(
        db=db,
        course=course,
        roster=roster,
        use_warm=use_warm,
        https=https,
        rate_count=rate_count,
        lang=lang,
        queue=queue,
        broker=broker,
        graders=graders,
    )
    print(say("web.serve_started", lang, host=host, port=port, db=shown_url(url)), flush=True)
    # Behind the https proxy (--https) the client's address, which sign-in throttling counts
    # failures by, is the one the proxy puts in X-Forwarded-For; uvicorn believes that header
    # only from the proxy's loopback address. Without --https nothing is believed.
    config = uvicorn.Config(
        app, log_level="warning", proxy_headers=https, forwarded_allow_ips="127.0.0.1,::1"
    )
    uvicorn.Server(config).run(sockets=[listening])


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening; a port taken or refused is the user's to
    change (exit 2), with the system's reason."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
        listening.listen(2048)  # uvicorn's own backlog
    except OSError as error:
        listening.close()
        raise UsageError("web.port_unusable", host=host, port=port, reason=error.strerror) from None
    return listening
