"""Sign-in throttling, counted in the database so that every web process agrees.

A sign-in is written down (`LoginFailure`) under two keys before its password is checked:
the user name, and the client's address. Each try commits its rows, then counts every other
row under its keys, so of two concurrent tries the later to look sees the other, and a burst
of guesses cannot all pass the check at once (on SQLite and on PostgreSQL alike); a right
password then takes its rows back, and the user's earlier failures with them, while a wrong
one leaves them as failures.

Under a key the first `free` failures cost nothing; each one after that doubles the wait before
the next try is heard (first_delay, 2×, 4×, … never more than max_delay), and a failure older
than forget_after no longer counts. A try during the wait is answered 429 with Retry-After
without checking its password, even a right one, and is not counted, so hammering does not
lengthen the wait. An attacker gets a few guesses per key, and a student whose name someone
else is guessing waits at most max_delay before their own password is heard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.web.models import LoginFailure, now

KEY_LENGTH = 120  # LoginFailure.key; longer user names cannot exist (the roster's limit is 100)


@dataclass(frozen=True)
class ThrottlePolicy:
    free_per_user: int = 5
    free_per_client: int = 30  # a classroom behind one address mistypes too
    first_delay: float = 2.0  # seconds
    max_delay: float = 300.0
    forget_after: float = 900.0

    def delay(self, failures: int, free: int) -> float:
        """How long `failures` recent failures under a key make the next try wait."""
        beyond = failures - free
        if beyond <= 0:
            return 0.0
        return min(self.first_delay * 2.0 ** min(beyond - 1, 64), self.max_delay)


@dataclass(frozen=True)
class Ticket:
    """One sign-in being checked: its rows, and how long it must wait first (0: go on)."""

    ids: tuple[int, ...]
    user_key: str
    wait: float

    @property
    def retry_after(self) -> int:
        """The Retry-After header's whole seconds."""
        return max(1, math.ceil(self.wait))


class LoginThrottle:
    def __init__(self, engine: Engine, policy: ThrottlePolicy) -> None:
        self.engine, self.policy = engine, policy

    def begin(self, username: str, client: str) -> Ticket:
        """Write this try down under its keys; a try that must wait is taken back at once."""
        free = {
            f"user:{username}"[:KEY_LENGTH]: self.policy.free_per_user,
            f"client:{client}"[:KEY_LENGTH]: self.policy.free_per_client,
        }
        with Session(self.engine) as session, session.begin():
            self._forget_old(session)
            rows = [LoginFailure(key=key, at=now()) for key in free]
            session.add_all(rows)
            session.flush()
            ids = tuple(row.id for row in rows)
        # Committed before counting: of two concurrent tries, the later to count sees the other.
        with Session(self.engine) as session:
            wait = max(
                self._wait(session, row_id, key, free[key])
                for row_id, key in zip(ids, free, strict=True)
            )
        ticket = Ticket(ids, next(iter(free)), wait)
        if wait > 0:
            self._delete(LoginFailure.id.in_(ids))
        return ticket

    def succeeded(self, ticket: Ticket) -> None:
        """A right password: this try was no failure, and the user's failures are forgiven."""
        self._delete(or_(LoginFailure.id.in_(ticket.ids), LoginFailure.key == ticket.user_key))

    def _wait(self, session: Session, row_id: int, key: str, free: int) -> float:
        """Seconds this try must still wait, given the other recent tries under `key`."""
        count, newest = session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(
                LoginFailure.key == key,
                LoginFailure.id != row_id,
                LoginFailure.at >= now() - timedelta(seconds=self.policy.forget_after),
            )
        ).one()
        if not count:
            return 0.0
        until = _utc(newest) + timedelta(seconds=self.policy.delay(count, free))
        return max(0.0, (until - now()).total_seconds())

    def _forget_old(self, session: Session) -> None:
        since = now() - timedelta(seconds=self.policy.forget_after)
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))

    def _delete(self, where) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(LoginFailure).where(where))


def _utc(moment: datetime) -> datetime:
    """SQLite hands a timezone-aware column back without its zone (it stored UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
