"""An LTI 1.3 platform for the tests, written from the IMS specs (LTI Core 1.3, Security
Framework 1.0, Deep Linking 2.0, AGS 2.0, NRPS 2.0) on joserfc — not on pylti1p3, the library
the tool uses, so the two sides share no code. No LTI platform installs offline from PyPI or
npm (Moodle and Canvas are PHP and Rails applications), hence this one.

What it does, as an LMS would:
- its own RSA key pair and JWKS (`/jwks`);
- a launch page (`/launch/<n>`) that starts the tool's third-party login by an auto-posted
  form (iss, login_hint, target_link_uri, lti_message_hint, client_id, lti_deployment_id);
- the OIDC authorization endpoint (`/auth`): checks the tool's request (client id, the
  registered redirect URI, response type and mode, scope, prompt, the hints) and answers with
  a form that auto-posts a signed id_token and the state to the tool's launch URL;
- the token endpoint (`/token`): the client-credentials grant, the tool's client assertion
  verified against the tool's JWKS (iss = sub = client id, aud = this URL, exp, a jti used once);
- line item score endpoints (`/lineitems/<id>/scores`) and NRPS (`/nrps`) that check the
  bearer token and its scope, and record what they receive;
- the deep-linking return URL (`/deep-link-return`), which verifies the tool's JWT
  (signature by the tool's JWKS, iss = client id, aud = this issuer, deployment, message type).
"""

from __future__ import annotations

import html
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ROLES = {
    "Learner": "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "Instructor": "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "TeachingAssistant": "http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant",
}


@dataclass
class Member:
    sub: str
    name: str
    role: str  # Learner | Instructor | TeachingAssistant


@dataclass
class Platform:
    """Its state, read by the tests in-process (the server runs in a thread)."""

    base: str = ""  # this platform's URL, set once it listens
    tool: str = ""  # the tool's URL
    client_id: str = "seqlab-client-1"
    deployment_id: str = "deployment-1"
    context_id: str = "course-2026"
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "platform-key-1"})
    )
    members: list[Member] = field(default_factory=list)
    launches: dict[str, dict] = field(default_factory=dict)  # lti_message_hint → launch
    tokens: dict[str, list[str]] = field(default_factory=dict)  # access token → scopes
    used_jtis: set[str] = field(default_factory=set)
    scores: list[dict] = field(default_factory=list)  # (what the score endpoint received)
    token_requests: int = 0
    deep_link_items: list[dict] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    failing_scores: int = 0  # the next this many score POSTs answer 503 (an LMS that is down)

    @property
    def issuer(self) -> str:
        return self.base

    def register_args(self) -> list[str]:
        """`seqlab lti add-platform`'s arguments for this platform."""
        return [
            *("--issuer", self.issuer, "--client-id", self.client_id),
            *("--login-url", f"{self.base}/auth", "--token-url", f"{self.base}/token"),
            *("--jwks-url", f"{self.base}/jwks", "--deployment", self.deployment_id),
        ]

    def add_launch(
        self,
        member: Member,
        *,
        custom: dict | None = None,
        deep_linking: bool = False,
        lineitem: str | None = "1",
    ) -> str:
        """A resource link (or a deep-linking request) for `member`; returns the launch page."""
        hint = uuid.uuid4().hex
        self.launches[hint] = {
            "member": member,
            "custom": custom or {},
            "deep_linking": deep_linking,
            "lineitem": lineitem,
        }
        if member not in self.members:
            self.members.append(member)
        return f"{self.base}/launch/{hint}"

    def login_params(self, hint: str) -> dict[str, str]:
        member = self.launches[hint]["member"]
        return {
            "iss": self.issuer,
            "login_hint": member.sub,
            "target_link_uri": f"{self.tool}/lti/launch",
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def claims(self, hint: str, nonce: str) -> dict:
        launch = self.launches[hint]
        member: Member = launch["member"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": member.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": member.name,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": [ROLES[member.role]],
            LTI + "context": {"id": self.context_id, "title": "Sequence models"},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.base}/nrps",
                "service_versions": ["2.0"],
            },
        }
        if launch["deep_linking"]:
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.base}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
                "accept_multiple": True,
                "data": "dl-" + hint,
            }
        else:
            claims[LTI + "message_type"] = "LtiResourceLinkRequest"
            claims[LTI + "target_link_uri"] = f"{self.tool}/lti/launch"
            claims[LTI + "resource_link"] = {"id": "link-" + hint}
            claims[LTI + "custom"] = launch["custom"]
            if launch["lineitem"]:
                claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                    "scope": [LINEITEM_SCOPE, SCORE_SCOPE],
                    "lineitems": f"{self.base}/lineitems",
                    "lineitem": f"{self.base}/lineitems/{launch['lineitem']}",
                }
        return claims

    def sign(self, claims: dict, key: RSAKey | None = None) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    def tool_keys(self) -> KeySet:
        return KeySet.import_key_set(httpx.get(f"{self.tool}/lti/jwks.json", timeout=10).json())

    def verify_tool_jwt(self, token: str, audience: str) -> dict:
        """A JWT the tool signed: its signature by the tool's JWKS, iss, aud, exp."""
        claims = jwt.decode(token, self.tool_keys(), algorithms=["RS256"]).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
        ).validate(claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in audiences:
            raise JoseError(f"aud {claims['aud']} is not {audience}")
        return claims

    def bearer(self, request: Request, scope: str) -> None:
        given = request.headers.get("authorization", "")
        token = given.removeprefix("Bearer ")
        if not given.startswith("Bearer ") or scope not in self.tokens.get(token, []):
            self.refusals.append(f"{request.url.path}: bearer {given[:20]!r}")
            raise HTTPException(401, "bearer token missing, unknown or without the scope")


def form_page(action: str, fields: dict[str, str]) -> HTMLResponse:
    """An auto-posting form (the way an LMS sends a browser on)."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return HTMLResponse(
        "<!DOCTYPE html><html><body><p>Test platform: opening the tool…</p>"
        f'<form id="go" method="post" action="{html.escape(action)}">{inputs}'
        '<button type="submit">Continue</button></form>'
        "<script>document.getElementById('go').submit()</script></body></html>"
    )


def create_platform_app(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.get("/jwks")
    def platform_jwks():
        return {"keys": [platform.key.as_dict(private=False)]}

    @app.get("/launch/{hint}")
    def launch_page(hint: str):
        if hint not in platform.launches:
            raise HTTPException(404)
        return form_page(f"{platform.tool}/lti/login", platform.login_params(hint))

    @app.get("/auth")
    def authorize(request: Request):
        q = request.query_params
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": f"{platform.tool}/lti/launch",
        }
        wrong = [k for k, v in expected.items() if q.get(k) != v]
        hint = q.get("lti_message_hint", "")
        launch = platform.launches.get(hint)
        if wrong or launch is None or q.get("login_hint") != launch["member"].sub:
            platform.refusals.append(f"/auth: {wrong} hint={hint!r}")
            raise HTTPException(400, f"invalid authentication request: {wrong}")
        if not q.get("nonce") or not q.get("state"):
            raise HTTPException(400, "nonce and state are required")
        token = platform.sign(platform.claims(hint, q["nonce"]))
        return form_page(q["redirect_uri"], {"id_token": token, "state": q["state"]})

    @app.post("/token")
    async def token(request: Request):
        form = await request.form()
        platform.token_requests += 1
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        try:
            claims = platform.verify_tool_jwt(
                str(form["client_assertion"]), f"{platform.base}/token"
            )
            if claims.get("sub") != platform.client_id or not claims.get("jti"):
                raise JoseError("sub or jti")
            if claims["jti"] in platform.used_jtis:
                raise JoseError("jti replayed")
            platform.used_jtis.add(claims["jti"])
        except (JoseError, KeyError, ValueError) as error:
            platform.refusals.append(f"/token: {error}")
            return JSONResponse({"error": "invalid_client"}, 401)
        allowed = {SCORE_SCOPE, LINEITEM_SCOPE, NRPS_SCOPE}
        scopes = [s for s in str(form.get("scope", "")).split() if s in allowed]
        access = secrets.token_urlsafe(24)
        platform.tokens[access] = scopes
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(scopes),
        }

    @app.post("/lineitems/{item}/scores")
    async def score(item: str, request: Request):
        platform.bearer(request, SCORE_SCOPE)
        if platform.failing_scores > 0:
            platform.failing_scores -= 1
            raise HTTPException(503, "down for maintenance")
        if request.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
            raise HTTPException(415)
        body = json.loads(await request.body())
        platform.scores.append({"lineitem": item, **body})
        return JSONResponse({}, 200)

    @app.get("/nrps")
    def nrps(request: Request):
        platform.bearer(request, NRPS_SCOPE)
        return JSONResponse(
            {
                "id": f"{platform.base}/nrps",
                "context": {"id": platform.context_id},
                "members": [
                    {"user_id": m.sub, "name": m.name, "status": "Active", "roles": [ROLES[m.role]]}
                    for m in platform.members
                ],
            },
            media_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        )

    @app.post("/deep-link-return")
    async def deep_link_return(request: Request):
        form = await request.form()
        try:
            claims = platform.verify_tool_jwt(str(form["JWT"]), platform.issuer)
            if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
                raise JoseError("message type")
            if claims.get(LTI + "deployment_id") != platform.deployment_id:
                raise JoseError("deployment")
        except (JoseError, KeyError, ValueError) as error:
            platform.refusals.append(f"/deep-link-return: {error}")
            raise HTTPException(400, f"invalid deep-linking response: {error}") from None
        items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
        platform.deep_link_items.extend(items)
        titles = "".join(f"<li>{html.escape(i.get('title', ''))}</li>" for i in items)
        return HTMLResponse(f"<h1>Added to the course</h1><ul id='added'>{titles}</ul>")

    return app
