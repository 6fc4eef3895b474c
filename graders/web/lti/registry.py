"""The platforms seqlab trusts and the tool's own key pair, as pylti1p3's tool configuration.

A platform is registered once (`seqlab lti add-platform`, checked strictly here: an address
that is not https — http only on this machine's loopback, for tests — or an empty id is a
UsageError naming the option and its fix). The key pair is made on first use (RSA 2048,
`cryptography`) and kept in the database; pylti1p3 names it by its JWK thumbprint (`kid`),
which the tool's JWKS endpoint publishes and every JWT the tool signs carries.
"""

from __future__ import annotations

import contextlib
import ipaddress
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.errors import UsageError
from graders.web.lti.tables import Platform, ToolKey


def checked_url(option: str, value: str, key: str = "lti.url_bad") -> str:
    parts = urlsplit(value.strip())
    host = parts.hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if (
        not host
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
    ):
        raise UsageError(key, option=option, value=value)
    return value.strip()


def add_platform(
    engine: Engine,
    *,
    issuer: str,
    client_id: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    deployments: list[str],
) -> Platform:
    """Register (or update) one platform; its deployments are added to those it had."""
    issuer = checked_url("--issuer", issuer)
    for option, value in (("--client-id", client_id), *(("--deployment", d) for d in deployments)):
        if not value.strip() or len(value) > 300 or not value.isprintable():
            raise UsageError("lti.value_bad", option=option, value=value)
    if not deployments:
        raise UsageError("lti.value_bad", option="--deployment", value="")
    with Session(engine, expire_on_commit=False) as db, db.begin():
        row = db.scalar(
            select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
        )
        if row is None:
            row = Platform(issuer=issuer, client_id=client_id.strip(), deployment_ids=[])
            db.add(row)
        row.auth_login_url = checked_url("--login-url", login_url)
        row.auth_token_url = checked_url("--token-url", token_url)
        row.key_set_url = checked_url("--jwks-url", jwks_url)
        known = list(row.deployment_ids or [])
        row.deployment_ids = known + [d.strip() for d in deployments if d.strip() not in known]
    return row


def platforms(engine: Engine) -> list[Platform]:
    with Session(engine, expire_on_commit=False) as db:
        return list(db.scalars(select(Platform).order_by(Platform.issuer, Platform.client_id)))


def tool_key(engine: Engine) -> ToolKey:
    """The signing key, made now if there is none. Two processes starting together may both
    make one: the oldest wins, and every key made stays published in the JWKS."""
    with Session(engine, expire_on_commit=False) as db:
        key = db.scalar(select(ToolKey).order_by(ToolKey.created_at, ToolKey.id))
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with Session(engine, expire_on_commit=False) as db, db.begin():
        db.add(ToolKey(private_pem=private_pem, public_pem=public_pem))
    return tool_key(engine)


def jwks(engine: Engine) -> dict:
    tool_key(engine)
    with Session(engine) as db:
        pems = list(db.scalars(select(ToolKey.public_pem).order_by(ToolKey.id)))
    return {"keys": [dict(Registration.get_jwk(pem)) for pem in pems]}


def tool_conf(engine: Engine) -> ToolConfDict:
    """pylti1p3's configuration of every registered platform, read from the database per
    request (a platform added by the CLI counts at once, no restart)."""
    key = tool_key(engine)
    found = platforms(engine)
    config: dict[str, list[dict]] = {}
    for p in found:
        config.setdefault(p.issuer, []).append(
            {
                "default": not config.get(p.issuer),
                "client_id": p.client_id,
                "auth_login_url": p.auth_login_url,
                "auth_token_url": p.auth_token_url,
                "key_set_url": p.key_set_url,
                "key_set": None,
                "deployment_ids": list(p.deployment_ids),
            }
        )
    conf = ToolConfDict(config)
    for p in found:
        conf.set_private_key(p.issuer, key.private_pem, client_id=p.client_id)
        conf.set_public_key(p.issuer, key.public_pem, client_id=p.client_id)
    return conf
