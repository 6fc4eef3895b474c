"""A launch's side effects in seqlab: the user's account (made or updated from the claims),
the score link of the lab or quiz it opened (AGS), and the roster filled from the platform's
names and roles service (NRPS) when staff launch and the platform offers it.
"""

from __future__ import annotations

import sys
import threading

from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.web.lti.adapter import TimedSession
from graders.web.lti.claims import NRPS, Person, Target, role_of, score_endpoint, username_for
from graders.web.lti.tables import ScoreLink
from graders.web.models import User, now

# Never a valid argon2 hash: an account made by a launch cannot be signed in to by password
# (security.verify_password treats an unreadable hash as a wrong password).
NO_PASSWORD = "!lti"


def upsert_user(db: Session, person: Person) -> User:
    user = db.get(User, person.username)
    if user is None:
        user = User(username=person.username, password_hash=NO_PASSWORD, session_generation=0)
        db.add(user)
    user.name, user.role = person.name, person.role
    return user


def link_scores(db: Session, claims: dict, person: Person, target: Target) -> bool:
    """Remember where this student's score for the target goes; False when nowhere."""
    endpoint = score_endpoint(claims)
    if endpoint is None:
        return False
    lineitem, scopes = endpoint
    link = db.scalar(
        select(ScoreLink).where(ScoreLink.username == person.username, ScoreLink.lab == target.id)
    )
    aud = claims["aud"]
    values = {
        "issuer": claims["iss"],
        "client_id": aud if isinstance(aud, str) else claims.get("azp") or aud[0],
        "sub": claims["sub"],
        "lineitem": lineitem,
        "scopes": scopes,
        "updated_at": now(),
    }
    if link is None:
        db.add(ScoreLink(username=person.username, lab=target.id, status="new", tries=0, **values))
    else:
        if link.lineitem != lineitem:  # another LMS column: it has none of our scores yet
            link.status, link.sent_score = "new", None
        for name, value in values.items():
            setattr(link, name, value)
    return True


def fill_roster(engine: Engine, registration, claims: dict) -> None:
    """Accounts for every member the platform lists (names and roles), in a thread: the
    instructor's page does not wait for the LMS."""
    service = claims.get(NRPS) or {}
    if not service.get("context_memberships_url"):
        return

    def fill() -> None:
        try:
            members = NamesRolesProvisioningService(
                ServiceConnector(registration, TimedSession()), service
            ).get_members()
            with Session(engine) as db, db.begin():
                for member in members:
                    if member.get("status", "Active") != "Active" or not member.get("user_id"):
                        continue
                    person = Person(
                        username_for(claims["iss"], member["user_id"]),
                        (member.get("name") or member.get("email") or member["user_id"])[:200],
                        role_of(member.get("roles", [])),
                    )
                    upsert_user(db, person)
        except Exception as error:  # the roster fills at the next launch
            print(f"seqlab lti: names and roles not read: {error}", file=sys.stderr)

    threading.Thread(target=fill, name="seqlab-nrps", daemon=True).start()
