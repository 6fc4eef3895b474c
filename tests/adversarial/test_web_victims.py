"""The corpus on the web platform: every attack goes through `seqlab serve`'s own queue and warm
workers (strong level), and an honest student's reference on the same lab is queued right after
it, so it runs on the same warm worker. Every victim must pass every set (but the canary's), no
page or API answer about the attack may show the canary or ESCAPED:…, and every attack is
scored no more than its corpus entry allows."""

from __future__ import annotations

import time
import uuid

import pytest
from corpus import ATTACKS, CANARY, ROOT, clean_up, submission, traces
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import sign_in, submit

from graders.sandbox import warm
from graders.spec import Course
from graders.web.app import WebSettings, create_app
from graders.web.models import DONE, ERROR, Attempt, engine_for
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster

ROSTER = "username,name,password,role\neve,Eve,eve-pass-1,student\nvic,Vic,vic-pass-1,student\n"
QUEUE_SECONDS = 1500  # the whole corpus, one submission at a time


def wait_all(url: str, ids: list[int]) -> dict[int, Attempt]:
    deadline = time.monotonic() + QUEUE_SECONDS
    while time.monotonic() < deadline:
        with Session(engine_for(url)) as session:
            rows = session.scalars(select(Attempt).where(Attempt.id.in_(ids))).all()
            if all(row.status in (DONE, ERROR) for row in rows):
                return {row.id: row for row in rows}
        time.sleep(0.5)
    pytest.fail(f"the queue did not finish the corpus in {QUEUE_SECONDS} s")


@pytest.mark.adversarial
def test_every_attack_on_the_web_leaves_the_next_student_unharmed(
    canary_course, listeners, tmp_path
):
    assert warm.available(), "the web's warm workers need level strong: run `make system`"
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    course = Course.locate(canary_course)
    queue = EmbeddedQueue(url, course, use_warm=True)
    app = create_app(WebSettings(db_url=url, course=course, rate_count=100_000), queue)
    ports = (listeners.tcp.getsockname()[1], listeners.udp.getsockname()[1])
    received_before = len(listeners.received)
    pairs, markers = {}, {}
    with TestClient(app, base_url="http://127.0.0.1") as eve:
        vic = TestClient(app, base_url="http://127.0.0.1")  # the app runs once, in `eve`'s
        eve_token, vic_token = sign_in(eve, "eve", "eve-pass-1"), sign_in(vic, "vic", "vic-pass-1")
        for name, attack in ATTACKS.items():
            markers[name] = f"seqlab-attack-{uuid.uuid4().hex[:12]}"
            lab, text = submission(canary_course, attack["lab"], attack, markers[name], ports)
            reference = (ROOT / "solutions" / lab.id / lab.entry).read_text(encoding="utf-8")
            pairs[name] = (
                submit(eve, eve_token, text, lab.id),
                submit(vic, vic_token, reference, lab.id),
            )
        finished = wait_all(url, [i for pair in pairs.values() for i in pair])
        # The results as the student sees them (the attempt page also shows the code they
        # sent, which names ESCAPED: itself), and every page for the canary.
        results = {n: eve.get(f"/api/attempts/{p[0]}").json()["html"] for n, p in pairs.items()}
        pages = {n: eve.get(f"/attempts/{p[0]}").text for n, p in pairs.items()}
    for name, (attack_id, victim_id) in pairs.items():
        attacker, victim = finished[attack_id], finished[victim_id]
        assert attacker.status == DONE, (name, attacker.message)
        assert attacker.score <= ATTACKS[name].get("max_score", 0), name
        assert victim.status == DONE, (name, victim.message)
        failed = [t["name"] for t in victim.results["tests"] if t["verdict"] != "AC"]
        verdicts = [(t["name"], t["verdict"]) for t in victim.results["tests"]]
        assert failed == ["canary"], f"after {name}, the honest student got {verdicts}"
    for name in pairs:
        assert CANARY not in results[name] + pages[name], name
        assert "ESCAPED:" not in results[name], name
    left = [found for marker in markers.values() for found in traces(marker, canary_course)]
    clean_up(left)
    assert left == [], f"left behind: {left}"
    assert listeners.received[received_before:] == [], "a connection left the sandbox"
