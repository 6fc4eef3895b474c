"""What a validated launch means to seqlab: who (a seqlab user mapped from the LMS's issuer
and subject), in which role, sent to which lab or quiz, and where its score goes.

Pure functions of the id_token's claims (tests/test_lti.py checks them without a server).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from graders.web.models import INSTRUCTOR, STUDENT

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
# Context roles (LTI 1.3 §A.2.2) that make a course's staff; short forms are allowed there too.
STAFF_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator")
_TARGET = re.compile(r"^/(labs|quizzes)/([A-Za-z0-9_.-]+)/?$")


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    role: str  # student | instructor


@dataclass(frozen=True)
class Target:
    kind: str  # lab | quiz
    id: str

    @property
    def path(self) -> str:
        return f"/{'labs' if self.kind == 'lab' else 'quizzes'}/{self.id}"


def username_for(issuer: str, sub: str) -> str:
    """The seqlab account of an LMS user: the same (issuer, sub) is always the same account,
    two LMSs' users never share one, and it fits the roster's rules (no '/', ≤ 100)."""
    return "lti-" + hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:20]


def role_of(roles: list[str]) -> str:
    """Instructor, TA, content developer, administrator of the context → instructor; any
    other (Learner, Mentor, none) → student. A system or institution role alone (…/system/…,
    …/institution/…) does not make someone staff of this course."""
    for role in roles or []:
        if "/system/" in role or "/institution/" in role:
            continue
        last = role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if last in STAFF_ROLES:
            return INSTRUCTOR
    return STUDENT


def display_name(claims: dict) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return (name or claims.get("email") or claims.get("sub") or "?")[:200]


def person_of(claims: dict) -> Person:
    return Person(
        username_for(claims["iss"], claims["sub"]),
        display_name(claims),
        role_of(claims.get(LTI + "roles", [])),
    )


def target_of(claims: dict) -> Target | None:
    """The lab or quiz the resource link names: the custom parameter `lab` or `quiz` (set by
    seqlab's deep-linking response, or typed by the instructor in the LMS), else the path of
    the target link URI (`…/labs/<id>`); None for the course page."""
    custom = claims.get(LTI + "custom") or {}
    for kind, key in (("lab", "lab"), ("quiz", "quiz")):
        value = custom.get(key)
        if isinstance(value, str) and value.strip():
            return Target(kind, value.strip())
    found = _TARGET.match(urlsplit(claims.get(LTI + "target_link_uri") or "").path)
    if found:
        return Target("lab" if found[1] == "labs" else "quiz", found[2])
    return None


def score_endpoint(claims: dict) -> tuple[str, list[str]] | None:
    """(line item URL, scopes) when the platform lets the tool post scores to this link."""
    endpoint = claims.get(AGS) or {}
    scopes = list(endpoint.get("scope") or [])
    lineitem = endpoint.get("lineitem")
    if lineitem and "https://purl.imsglobal.org/spec/lti-ags/scope/score" in scopes:
        return lineitem, scopes
    return None
