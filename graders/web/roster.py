"""The class roster: a CSV with a header `username,name,password[,role]`, one person a line.

Importing creates the accounts that do not exist and updates the name, role and password of
those that do (so an instructor re-imports to reset a password; a changed password ends that
person's sessions). Role is `student` (default) or `instructor`. Errors name the line, and
nothing is imported from a file with an error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from graders.errors import UsageError
from graders.web.models import INSTRUCTOR, STUDENT, User, engine_for
from graders.web.security import end_sessions, hash_password, verify_password

REQUIRED = ("username", "name", "password")
MAX_FIELD = 100


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    password: str
    role: str


def parse_roster(text: str, source: str) -> list[Person]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise UsageError("web.roster_header", path=source, missing=", ".join(missing))
    people: dict[str, Person] = {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        username, role = row.get("username", ""), row.get("role") or STUDENT
        if (
            not username
            or len(username) > MAX_FIELD
            or not username.isprintable()
            or "/" in username
        ):
            raise UsageError("web.roster_username", path=source, line=line, username=username)
        if role not in (STUDENT, INSTRUCTOR):
            raise UsageError("web.roster_role", path=source, line=line, role=role)
        if len(row.get("password", "")) < 8:
            raise UsageError("web.roster_password", path=source, line=line, username=username)
        people[username] = Person(username, row.get("name") or username, row["password"], role)
    return list(people.values())


def import_roster(db_url: str, people: list[Person]) -> int:
    """Create or update every account in one transaction; returns how many."""
    with Session(engine_for(db_url)) as session, session.begin():
        for person in people:
            user = session.get(User, person.username)
            if user is None:
                user = User(username=person.username, password_hash=hash_password(person.password))
                session.add(user)
            elif not verify_password(user.password_hash, person.password):
                user.password_hash = hash_password(person.password)
                end_sessions(session, user.username)  # a new password ends the old sessions
            user.name, user.role = person.name, person.role
    return len(people)
