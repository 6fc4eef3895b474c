"""Request body limits, enforced before anything reads a body.

Starlette reads a body only when a route asks for its form, but then reads all of it, and a
multipart file part past 1 MB is spooled to a temporary file: a 1 GiB upload would reach the
disk before the route could refuse it. `BodyLimit`, an ASGI middleware, gives every route a
ceiling: a request whose Content-Length is over it is answered 413 before the app sees it,
and a body sent without one (chunked) is counted as `receive` hands it to the app, refused
(HTTPException(413), raised inside the route) as soon as the bytes received pass the ceiling.
Both answers are the app's own error page, in the reader's language.

Routes that take a multipart body also check the session, the role and the CSRF token (sent
in a header or the query string) before they read it (deps.py), so a stranger's upload is
refused unread whatever its size.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_SUBMISSION_BYTES = 200_000  # a lab submission's text, as UTF-8
# Each route's ceiling, the first pattern that matches its whole path wins.
BODY_LIMITS = (
    # An url-encoded form spells a non-ASCII byte as %XX: three bytes for one.
    (re.compile(r"/labs/[^/]+/submit"), 3 * MAX_SUBMISSION_BYTES + 16_384),
    # A roster of thousands of students; under Starlette's 1 MiB spool size, so an upload
    # stays in memory and never reaches the disk.
    (re.compile(r"/instructor/roster"), 1_000_000),
)
DEFAULT_BODY_LIMIT = 64 * 1024  # sign-in, sign-out, a quiz's answers


def body_limit(path: str) -> int:
    return next(
        (limit for pattern, limit in BODY_LIMITS if pattern.fullmatch(path)), DEFAULT_BODY_LIMIT
    )


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None (chunked, or not a number)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """`too_large` is the ASGI app that answers a request refused by its Content-Length.

    Add it first (innermost): the session is then in the scope for `too_large`'s page, and the
    413 raised from `receive` reaches the app's handlers without crossing another middleware's
    task group."""

    def __init__(self, app: ASGIApp, too_large: ASGIApp) -> None:
        self.app, self.too_large = app, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self.too_large(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413)
            return message

        await self.app(scope, counted, send)
