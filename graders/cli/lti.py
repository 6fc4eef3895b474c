"""`seqlab lti`: the LTI 1.3 tool's registrations with learning platforms (Moodle, Canvas, …).

  seqlab lti add-platform --issuer URL --client-id ID --login-url URL --token-url URL
                          --jwks-url URL --deployment ID [--deployment ID …] [--db DB]
  seqlab lti list [--db DB]          the platforms registered
  seqlab lti urls --base URL         what to type into the platform's tool registration
  seqlab lti resend [--db DB]        scores whose sending failed, tried again now

The values come from the platform's LTI 1.3 registration page; a bad one is refused with
the option named (exit 2). The web stack is imported inside the handlers.
"""

from __future__ import annotations

import argparse

from graders.cli.common import EXIT_OK, console
from graders.messages import say
from graders.spec import Course
from graders.web.config import DEFAULT_DB


def _engine(args):
    from graders.store.database import database_url
    from graders.web.config import load_config
    from graders.web.models import engine_for

    config = load_config().with_overrides(db_url=args.db)
    return engine_for(database_url(config.db_url or DEFAULT_DB))


def cmd_add_platform(args) -> int:
    from graders.web.lti.registry import add_platform

    row = add_platform(
        _engine(args),
        issuer=args.issuer,
        client_id=args.client_id,
        login_url=args.login_url,
        token_url=args.token_url,
        jwks_url=args.jwks_url,
        deployments=args.deployment or [],
    )
    message = say(
        "lti.platform_added",
        args.lang,
        issuer=row.issuer,
        client_id=row.client_id,
        deployments=", ".join(row.deployment_ids),
    )
    console().print(message, markup=False)
    return EXIT_OK


def cmd_list(args) -> int:
    from graders.web.lti.registry import platforms

    found = platforms(_engine(args))
    if not found:
        console().print(say("lti.no_platforms", args.lang), markup=False)
    for p in found:
        deployments = ", ".join(p.deployment_ids)
        console().print(f"{p.issuer}  {p.client_id}  [{deployments}]", markup=False)
    return EXIT_OK


def cmd_urls(args) -> int:
    from graders.web.lti.registry import checked_url

    base = checked_url("--base", args.base, "lti.base_bad").rstrip("/")
    console().print(say("lti.tool_urls", args.lang, base=base), markup=False)
    return EXIT_OK


RESENT = {  # resend's outcomes, in words
    "sent": "lti.status_sent",
    "unchanged": "lti.status_unchanged",
    "failed": "lti.status_failed",
    "nothing": "lti.status_nothing",
}


def resent_words(counts: dict[str, int], lang: str) -> str:
    """resend's outcomes in words, joined with the language's own comma."""
    said = [say(RESENT[k], lang, count=v) for k, v in sorted(counts.items())]
    return say("lti.status_joiner", lang).join(said) or say("lti.status_none", lang)


def cmd_resend(args) -> int:
    from graders.web.lti.outbox import resend

    counts = resend(_engine(args).url.render_as_string(False), Course.locate(args.course).root)
    console().print(
        say("lti.resent", args.lang, counts=resent_words(counts, args.lang)), markup=False
    )
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    lti = commands.add_parser("lti", help="LTI 1.3: register seqlab with Moodle, Canvas, …")
    lti_commands = lti.add_subparsers(dest="lti_command", required=True)
    db_help = f"the database `seqlab serve` uses: file or URL (default: {DEFAULT_DB})"

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = lti_commands.add_parser(name, parents=[common], help=help_text)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("add-platform", cmd_add_platform, "trust a learning platform's launches")
    sub.add_argument("--issuer", required=True, help="the platform's issuer (iss)")
    sub.add_argument("--client-id", required=True, help="the client id it gave seqlab")
    sub.add_argument("--login-url", required=True, help="its OIDC authentication URL")
    sub.add_argument("--token-url", required=True, help="its OAuth2 access token URL")
    sub.add_argument("--jwks-url", required=True, help="its public keyset URL")
    sub.add_argument(
        "--deployment", action="append", required=True, help="a deployment id (repeatable)"
    )
    sub.add_argument("--db", help=db_help)
    sub = command("list", cmd_list, "the platforms registered")
    sub.add_argument("--db", help=db_help)
    sub = command("urls", cmd_urls, "the tool's URLs, to register seqlab in a platform")
    sub.add_argument(
        "--base",
        required=True,
        metavar="URL",
        help=(
            "the public https base URL of the seqlab server as the LMS reaches it (where "
            "`seqlab serve` is published, e.g. behind a reverse proxy), without a path to a "
            "page, e.g. --base https://seqlab.example.edu"
        ),
    )
    sub = command("resend", cmd_resend, "send again the scores whose sending failed")
    sub.add_argument("--db", help=db_help)
