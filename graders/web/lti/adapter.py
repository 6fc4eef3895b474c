"""pylti1p3 on FastAPI: its Request, cookie, redirect and launch-data abstractions.

pylti1p3 ships adapters for Django and Flask only. Those read the framework's global request
and session synchronously; Starlette reads a form body asynchronously and has no global
request, so the route reads the parameters first and hands them over here (`LtiRequest`),
and the cookies pylti1p3 sets are collected and written on the response the route returns.

Launch data (the nonce, the state's id-token hash, the launch for deep linking) is kept in
the database (`DbStorage`), not in seqlab's session cookie: the launch is a cross-site POST
from the LMS, which a SameSite=Lax session cookie never reaches. A nonce is single-use —
checking it deletes it — which pylti1p3's own storages do not do (a replayed id_token with
its state would otherwise be accepted again).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests
from fastapi.responses import RedirectResponse, Response
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request as LtiRequestBase
from pylti1p3.session import SessionService
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graders.web.lti.tables import LaunchValue
from graders.web.models import now

# The checks pyjwt makes of an id_token: pylti1p3 turns audience checking off (it compares
# the first `aud` with the client id itself; SeqlabLaunch checks all of it).
VERIFY = {
    "verify_aud": False,
    "verify_signature": True,
    "verify_exp": True,
    "require": ["exp", "iat"],
}


class TimedSession(requests.Session):
    """pylti1p3 calls the platform (its JWKS, token and service endpoints) through requests,
    which waits forever by default: a platform that hangs must not hold a worker thread."""

    TIMEOUT = 15.0

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.TIMEOUT)
        return super().request(*args, **kwargs)


class LtiRequest(LtiRequestBase):
    def __init__(self, params: Mapping[str, str], cookies: Mapping[str, str], secure: bool):
        self._params, self._cookies, self._secure = dict(params), dict(cookies), secure

    @property
    def session(self):  # pylti1p3's session storage is replaced by DbStorage
        return {}

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._params.get(key)  # type: ignore[return-value]

    def get_cookie(self, key: str) -> str | None:
        return self._cookies.get(key)


class Cookies(CookieService):
    """The cookies pylti1p3 reads from the request and those it sets on the response (the
    OIDC state: SameSite=None over https, so the LMS's cross-site POST brings it back)."""

    def __init__(self, request: LtiRequest) -> None:
        self.request, self.to_set = request, {}

    def get_cookie(self, name: str) -> str | None:
        return self.request.get_cookie(f"{self._cookie_prefix}-{name}")

    def set_cookie(self, name: str, value, exp: int | None = 3600) -> None:
        self.to_set[f"{self._cookie_prefix}-{name}"] = (str(value), exp)

    def write(self, response: Response) -> Response:
        secure = self.request.is_secure()
        for key, (value, exp) in self.to_set.items():
            response.set_cookie(
                key,
                value,
                max_age=exp,
                path="/",
                httponly=True,
                secure=secure,
                samesite="none" if secure else "lax",
            )
        return response


class ToRedirect(Redirect[Response]):
    def __init__(self, location: str, cookies: Cookies) -> None:
        self.location, self.cookies = location, cookies

    def do_redirect(self) -> Response:
        return self.cookies.write(RedirectResponse(self.location, status_code=302))

    do_js_redirect = do_redirect  # no inline script (the CSP): a plain redirect does the same

    def set_redirect_url(self, location: str) -> None:
        self.location = location

    def get_redirect_url(self) -> str:
        return self.location


class DbStorage(LaunchDataStorage[Any]):
    """Launch data in seqlab_lti_launch_data, with expiry; nonces consumed when checked."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_session_cookie_name(self) -> None:
        return None  # keys are random (nonce, state, launch id): no per-browser prefix needed

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        with Session(self.engine) as db:
            row = db.get(LaunchValue, self._prepare_key(key))
            return row.value if row is not None and _aware(row.expires_at) > now() else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        until = now() + timedelta(seconds=exp or 86400)
        with Session(self.engine) as db, db.begin():
            db.execute(delete(LaunchValue).where(LaunchValue.expires_at < now()))
            row = db.get(LaunchValue, key)
            if row is None:
                db.add(LaunchValue(key=key, value=value, expires_at=until))
            else:
                row.value, row.expires_at = value, until

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)
        with Session(self.engine) as db, db.begin():
            if "-nonce-" in key:  # single use: the DELETE that finds it is the check
                gone = db.execute(
                    delete(LaunchValue).where(
                        LaunchValue.key == key, LaunchValue.expires_at > now()
                    )
                )
                return gone.rowcount == 1
            return db.scalar(select(LaunchValue.key).where(LaunchValue.key == key)) is not None


def _aware(moment):
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def services(request: LtiRequest, engine: Engine) -> tuple[SessionService, Cookies]:
    session = SessionService(request)
    storage = DbStorage(engine)
    storage.set_request(request)
    session.set_data_storage(storage)
    return session, Cookies(request)


class SeqlabLogin(OIDCLogin):
    def validate_oidc_login(self):
        try:
            return super().validate_oidc_login()
        except OIDCException:
            raise
        except Exception as error:  # a bare Exception from ToolConfDict: an unknown platform
            raise OIDCException(f"Could not find registration details ({error})") from None

    def get_redirect(self, url: str) -> ToRedirect:
        return ToRedirect(url, self._cookie_service)


class SeqlabLaunch(MessageLaunch):
    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def validate_registration(self) -> SeqlabLaunch:
        """pylti1p3 compares only the first `aud` with the client id; the spec (OIDC core
        3.1.3.7) wants the client id among the audiences and, when there are several, `azp`
        to be it."""
        try:
            super().validate_registration()
        except LtiException:
            raise
        except Exception as error:  # pylti1p3's ToolConfDict raises a bare Exception here
            raise LtiException(f"Registration not found. ({error})") from None
        body = self._get_jwt_body()
        audiences = body.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        client_id = self._registration.get_client_id()
        if client_id not in audiences or (len(audiences) > 1 and body.get("azp") != client_id):
            raise LtiException("Client id not registered for this issuer")
        return self


def launch_for(request: LtiRequest, engine: Engine, conf) -> SeqlabLaunch:
    session, cookies = services(request, engine)
    launch = SeqlabLaunch(request, conf, session, cookies, DbStorage(engine), TimedSession())
    launch.set_jwt_verify_options(VERIFY)
    return launch


def login_for(request: LtiRequest, engine: Engine, conf) -> SeqlabLogin:
    session, cookies = services(request, engine)
    return SeqlabLogin(request, conf, session, cookies)
