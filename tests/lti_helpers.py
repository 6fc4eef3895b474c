"""The LTI tests' shared set-up: the test platform (tests/lti_platform.py) on loopback next to
`seqlab serve`, the platform registered with `seqlab lti add-platform`, and a launch walked
through as a browser does (third-party login → the platform's auth endpoint → the launch)."""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from lti_platform import Platform, create_platform_app
from web_helpers import SEQLAB, seqlab_serve, serve

WAIT_SECONDS = 60


@dataclass
class Lms:
    platform: Platform
    tool: str
    db: Path
    log: Path


@contextlib.contextmanager
def platform_and_tool(folder: Path, *serve_options: str) -> Iterator[Lms]:
    platform = Platform()
    with serve(create_platform_app(platform)) as base:
        platform.base = base
        db, log = folder / "web.sqlite", folder / "serve.log"
        added = subprocess.run(
            [str(SEQLAB), "lti", "add-platform", "--db", str(db), *platform.register_args()],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stdout + added.stderr
        with seqlab_serve(db, log, *serve_options) as tool:
            platform.tool = tool
            yield Lms(platform, tool, db, log)


def form_fields(page: str, form_id: str | None = None) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of an auto-posting form (the one with this id)."""
    forms = re.findall(r"(<form[^>]*>)(.*?)</form>", page, re.DOTALL)
    tag, body = next(f for f in forms if form_id is None or f'id="{form_id}"' in f[0])
    action = html.unescape(re.search(r'action="([^"]+)"', tag)[1])
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', body)
    }
    return action, fields


def launch(
    client: httpx.Client,
    lms: Lms,
    hint: str,
    tamper: Callable[[dict], str] | None = None,
) -> httpx.Response:
    """Walk a launch as the browser does. `tamper(claims) → id_token` replaces the token the
    platform would sign (claims already hold the tool's nonce)."""
    started = client.get(f"{lms.tool}/lti/login", params=lms.platform.login_params(hint))
    assert started.status_code == 302, started.text
    auth = started.headers["location"]
    assert auth.startswith(f"{lms.platform.base}/auth?"), auth
    if tamper is None:
        action, fields = form_fields(client.get(auth).raise_for_status().text)
    else:
        query = {k: v[0] for k, v in parse_qs(urlsplit(auth).query).items()}
        token = tamper(lms.platform.claims(hint, query["nonce"]))
        action, fields = query["redirect_uri"], {"id_token": token, "state": query["state"]}
    assert action == f"{lms.tool}/lti/launch"
    return client.post(action, data=fields)


def wait_for(condition: Callable[[], object], what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")
