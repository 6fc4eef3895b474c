"""The LTI tool's tables: the platforms it trusts, its own key pair, the OIDC launch data
(state, single-use nonces), and per (student, lab) the line item its score goes to.

Declared on the store's one base, created by migration 0002_lti. The key pair lives in the
database, not in a file: every web process and every `seqlab worker` (which sends scores)
signs with the same key, and it never lands in a git checkout.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from graders.store.tables import Base
from graders.web.models import now


class Platform(Base):
    """One LMS registration (`seqlab lti add-platform`)."""

    __tablename__ = "seqlab_lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="seqlab_lti_one_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(300))
    auth_login_url: Mapped[str] = mapped_column(Text)
    auth_token_url: Mapped[str] = mapped_column(Text)
    key_set_url: Mapped[str] = mapped_column(Text)
    deployment_ids: Mapped[list[str]] = mapped_column(JSON)


class ToolKey(Base):
    """The tool's RSA key pair (PEM), made on first start; the oldest row signs."""

    __tablename__ = "seqlab_lti_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class LaunchValue(Base):
    """pylti1p3's launch data storage (storage.py): one key, one JSON value, an expiry."""

    __tablename__ = "seqlab_lti_launch_data"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ScoreLink(Base):
    """Where a student's score of record for one lab or quiz goes (AGS), and what was sent."""

    __tablename__ = "seqlab_lti_links"
    __table_args__ = (UniqueConstraint("username", "lab", name="seqlab_lti_one_link"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    lab: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(300))
    sub: Mapped[str] = mapped_column(String(300))  # the LMS's user id, as AGS names the user
    lineitem: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    sent_score: Mapped[float | None] = mapped_column(Float)  # the last score the LMS accepted
    status: Mapped[str] = mapped_column(String(10), default="new")  # new | sent | failed
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
