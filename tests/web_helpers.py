"""What the web tests do as a browser would: read the CSRF token, sign in, submit a lab, follow
a class report being built; the app for a course (`course_app`) and a real server on loopback
to do it against (uvicorn in a thread, or `seqlab serve` in a process of its own)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from fastapi.testclient import TestClient

LAB = "rnn-numpy"  # the fast lab the web tests grade


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]


def sign_in(client: TestClient, username: str, password: str) -> str:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf": token, "username": username, "password": password, "next": "/"}
    )
    assert response.status_code == 200 and str(response.url).endswith("/"), response.text
    return csrf_of(response.text)


def submit(client: TestClient, token: str, text: str, lab: str = LAB) -> int:
    response = client.post(
        f"/labs/{lab}/submit",
        data={"code": text},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]


REPORT_SECONDS = 120  # a class report being built in the background


def class_report(client, lab: str = LAB, wait: float = REPORT_SECONDS):
    """Open a lab's class report as a browser does: while it is being built the page answers
    202, or the last report saying it is being updated, and reloads itself (a meta refresh,
    followed here) until the current report is there."""
    deadline = time.monotonic() + wait
    response = client.get(f"/instructor/labs/{lab}")
    while response.status_code == 202 or "data-report-stale" in response.text:
        assert time.monotonic() < deadline, f"the class report of {lab} took over {wait} s"
        seconds, again = refresh_of(response.text)
        time.sleep(min(seconds, 0.2))
        response = client.get(again)
    return response


def check_report_policy(response) -> None:
    """A class report as served: its CSP allows its one <style> element by the hash of that
    element's text and nothing else inline (no 'unsafe-inline', no style attribute)."""
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-hashes'" not in policy, policy
    styles = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode("utf-8")).digest()).decode()
    assert re.search(r"style-src ([^;]*)", policy)[1] == f"'sha256-{digest}'", policy
    assert not re.search(r"\sstyle=|<script", response.text, re.IGNORECASE)


def refresh_of(html: str) -> tuple[float, str]:
    """(seconds, URL) of a page's <meta http-equiv="refresh">."""
    found = re.search(r'<meta http-equiv="refresh" content="(\d+);url=([^"]+)">', html)
    assert found, "the page does not reload itself"
    return float(found[1]), found[2].replace("&amp;", "&")


def course_app(course, roster: str, url: str):
    """The web app for `course` on the database `url`, with the roster (CSV text) imported and
    the embedded queue grading in cold sandboxes (no warm pools to start per test)."""
    from graders.web.app import WebSettings, create_app
    from graders.web.queue import EmbeddedQueue
    from graders.web.roster import import_roster, parse_roster

    import_roster(url, parse_roster(roster, "roster.csv"))
    queue = EmbeddedQueue(url, course, use_warm=False)
    return create_app(WebSettings(db_url=url, course=course), queue)


@contextlib.contextmanager
def serve(app, lifespan: str = "on") -> Iterator[str]:
    """The app in a real uvicorn server on a free loopback port, in a thread; yields its base
    URL and stops it at the end."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


SEQLAB = Path(sys.executable).with_name("seqlab")
START_SECONDS = 60


@contextlib.contextmanager
def seqlab_serve(db: Path, log: Path, *options: str) -> Iterator[str]:
    """`seqlab serve` on a free loopback port in its own process (group): the platform as
    deployed. Yields its base URL once it answers; stopped with SIGTERM at the end."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [str(SEQLAB), "serve", "--port", str(port), "--db", str(db), *options]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"seqlab serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def revision_of(page: str) -> str:
    """The saved rules' revision the rules page carries (routes/rules.py)."""
    found = re.search(r'name="revision" value="([0-9a-f]+)"', page)
    assert found, page
    return found[1]


def save_rules(client, data: dict, url: str = "/instructor/rules"):
    """Save the rules page as an instructor who confirms: a change that moves recorded scores
    is first said (409, routes/rules.py) and saved when posted again with its `confirm`. The
    page's saved-rules revision is taken from a fresh page unless given."""
    if "revision" not in data:
        data = {**data, "revision": revision_of(client.get(url).text)}
    response = client.post(url, data=data)
    if response.status_code == 409:
        confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', response.text)
        assert confirm, response.text
        response = client.post(url, data={**data, "confirm": confirm[1]})
    return response
