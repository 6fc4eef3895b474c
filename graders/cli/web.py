"""`seqlab serve` and `seqlab worker`: the web platform and its Celery grading workers.

The web stack (FastAPI, uvicorn, Celery) is imported inside the handlers: it is for these
commands only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from graders.cli.common import (
    EXIT_OK,
    add_command,
    require_isolation_option,
    whole_number,
)
from graders.errors import UsageError
from graders.spec import Course
from graders.web.config import DEFAULT_DB, DEFAULT_PORT


def checked_course(args) -> Course:
    """The course, its seqlab.toml read through before anything starts: a bad setting stops
    the command with the file, the line and the fix (exit 2), not every page with a 503; and
    the sandbox's level held to --require-isolation, so a class is not graded below it."""
    from graders.service.isolation import CLASS_ISOLATION, require_isolation
    from graders.settings import feedback_rules
    from graders.store.record import rules_for

    course = Course.locate(args.course)
    rules_for(course.root)
    feedback_rules(course.root)
    require_isolation(args.require_isolation or CLASS_ISOLATION, course)  # a class's work
    return course


def cmd_serve(args) -> int:
    from graders.web.server import serve

    if args.rate < 1:
        raise UsageError("web.bad_rate", value=args.rate)
    serve(
        host=args.host,
        port=args.port,
        db=args.db,
        course=checked_course(args),
        roster=Path(args.roster) if args.roster else None,
        use_warm=not args.cold,
        https=args.https,
        rate_count=args.rate,
        lang=args.lang,
        queue=args.queue,
        broker=args.broker,
        graders=args.graders,
    )
    return EXIT_OK


def cmd_worker(args) -> int:
    from graders.web.config import graders_why, load_config, most_graders
    from graders.web.tasks import run_worker

    most = most_graders()
    if args.concurrency is not None and not 1 <= args.concurrency <= most:
        raise UsageError(
            "web.worker_bad_concurrency", value=args.concurrency, most=most, why=graders_why()
        )
    config = load_config().with_overrides(broker_url=args.broker, db_url=args.db)
    concurrency = args.concurrency or config.graders_here()
    run_worker(
        config,
        course_root=checked_course(args).root,
        concurrency=concurrency,
        name=args.name,
        lang=args.lang,
    )
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    sub = add_command(
        commands, common, "serve", cmd_serve, "the web platform on this machine (loopback only)"
    )
    sub.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    sub.add_argument(
        "--port",
        type=whole_number(1, 65535),
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT})",
    )
    sub.add_argument("--db", help=f"database file or URL (default: {DEFAULT_DB})")
    sub.add_argument("--roster", metavar="CSV", help="import username,name,password[,role] first")
    sub.add_argument("--cold", action="store_true", help="no warm workers: a fresh sandbox each")
    sub.add_argument("--https", action="store_true", help="behind an https proxy: Secure cookies")
    sub.add_argument(
        "--rate", type=int, default=5, help="lab submissions per student per minute (default 5)"
    )
    sub.add_argument(
        "--queue",
        choices=("embedded", "celery"),
        help="grade in this process (embedded, the default) or in `seqlab worker`s (celery)",
    )
    sub.add_argument("--broker", help="Celery broker URL (default redis://127.0.0.1:6379/0)")
    require_isolation_option(sub, "refuse to start", "always")
    sub.add_argument(
        "--graders",
        type=int,
        help="submissions graded side by side (default: [platform] graders, else one per core)",
    )
    sub = add_command(
        commands,
        common,
        "worker",
        cmd_worker,
        "grade the web platform's submissions (Celery, Redis)",
    )
    sub.add_argument(
        "--concurrency",
        type=int,
        help="grading processes, each warm (default: [platform] graders, else one per core)",
    )
    sub.add_argument(
        "--db", help=f"the database `seqlab serve` uses: file or URL (default: {DEFAULT_DB})"
    )
    sub.add_argument("--broker", help="Celery broker URL (default redis://127.0.0.1:6379/0)")
    sub.add_argument("--name", help="this worker's name (default seqlab-<pid>@<host>)")
    require_isolation_option(sub, "refuse to start", "always")
