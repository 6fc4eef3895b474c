"""An attempt's state pushed as Server-Sent Events (graders/web/routes/events.py)."""

import json

from fastapi.testclient import TestClient
from web_helpers import LAB, course_app, sign_in, submit

ROSTER = "username,name,password,role\nann,Ann,ann-pass-123,student\nbob,Bob,bob-pass-123,student\n"


def client_for(course, tmp_path) -> TestClient:
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    return TestClient(app, base_url="http://127.0.0.1")


def events(client: TestClient, attempt_id: int) -> list[dict]:
    """Every `attempt` event of the stream, until the server ends it."""
    seen = []
    with client.stream("GET", f"/api/attempts/{attempt_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name == "attempt":
                seen.append(json.loads(line.split(":", 1)[1]))
    return seen


def test_the_stream_sends_each_change_then_the_result_and_ends(course, tmp_path):
    text = course.lab(LAB).solution_path.read_text(encoding="utf-8")
    with client_for(course, tmp_path) as client:
        token = sign_in(client, "ann", "ann-pass-123")
        attempt_id = submit(client, token, text)
        states = events(client, attempt_id)
        # The same JSON as /api/attempts/<id>: each state once, the last one the result.
        assert [s["status"] for s in states][-1] == "done"
        assert len({json.dumps(s, sort_keys=True) for s in states}) == len(states)
        assert set(states[0]) >= {"id", "status", "status_text"}
        final = client.get(f"/api/attempts/{attempt_id}").json()
        assert states[-1] == final and final["score"] == final["max_score"]
        # A finished attempt's stream is its result at once.
        assert events(client, attempt_id) == [final]


def test_another_students_stream_is_refused_as_if_it_did_not_exist(course, tmp_path):
    text = course.lab(LAB).solution_path.read_text(encoding="utf-8")
    with client_for(course, tmp_path) as client:
        attempt_id = submit(client, sign_in(client, "ann", "ann-pass-123"), text)
        client.cookies.clear()
        sign_in(client, "bob", "bob-pass-123")
        assert client.get(f"/api/attempts/{attempt_id}/events").status_code == 404
        assert client.get(f"/api/attempts/{attempt_id + 1}/events").status_code == 404
        client.cookies.clear()
        assert client.get(f"/api/attempts/{attempt_id}/events").status_code in (401, 303)
