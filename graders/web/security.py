"""Passwords, sessions, CSRF tokens and the submission rate limit.

Passwords are stored as argon2id hashes (argon2-cffi); a sign-in with an unknown user still
spends one verification, so timing does not tell which user names exist. Sessions are
Starlette's signed cookies (itsdangerous; HttpOnly, SameSite=Lax, Secure when served over
https) holding the user name, the user's session generation and a CSRF token. A cookie cannot be
taken back, so the generation is what ends a session: signing out or a new password bumps the
user's, and every session holding an older one counts as signed out (a copied cookie too).
Every POST must echo the CSRF token in the `X-CSRF-Token` header, the query string or an
url-encoded form's `csrf` field (never a multipart body's, which would be read first). The
rate limit counts a student's attempts in the database, so it holds across restarts and any
number of web processes.
"""

from __future__ import annotations

import hmac
import math
import os
import secrets
from datetime import UTC, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from graders.web.models import LAB, Attempt, User, now

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("seqlab: a hash to verify against when the user is unknown")
SECRET_VARIABLE = "SEQLAB_WEB_SECRET"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def session_secret(configured: str | None = None) -> str:
    """The cookie-signing key: given, from SEQLAB_WEB_SECRET, or new for this process (then
    sessions end when the server restarts)."""
    return configured or os.environ.get(SECRET_VARIABLE) or secrets.token_urlsafe(32)


def end_sessions(db: Session, username: str) -> None:
    """Every session of this user signed in so far is over (in the caller's transaction)."""
    db.execute(
        update(User)
        .where(User.username == username)
        .values(session_generation=User.session_generation + 1)
    )


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


def seconds_until_a_submission(session: Session, student: str, seconds: float) -> int:
    """How long until the oldest lab submission in the window leaves it (the 429's
    Retry-After: then the student may submit again), at least 1."""
    oldest = session.scalar(
        select(func.min(Attempt.created_at)).where(
            Attempt.student == student,
            Attempt.kind == LAB,
            Attempt.created_at >= now() - timedelta(seconds=seconds),
        )
    )
    if oldest is None:
        return 1
    if oldest.tzinfo is None:  # SQLite gives the stored UTC time back without its zone
        oldest = oldest.replace(tzinfo=UTC)
    return max(1, math.ceil((oldest + timedelta(seconds=seconds) - now()).total_seconds()))


def submissions_in_window(session: Session, student: str, seconds: float) -> int:
    since = now() - timedelta(seconds=seconds)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.student == student, Attempt.kind == LAB, Attempt.created_at >= since)
        )
        or 0
    )
