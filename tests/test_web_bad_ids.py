"""A malformed or out-of-range id in any route's path (an attempt's, an override's, …) is that
route's bilingual 404 — a page, or JSON for the API — as an unknown one is: never FastAPI's
English 422, nor the 500 of the database driver's OverflowError. The routes are found from the
app's routers, so a new route with an integer in its path is covered here without a new test."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_helpers import LAB, course_app, csrf_of, sign_in

from graders.messages import say
from graders.web.deps import _int_params
from graders.web.pages import wants_json
from graders.web.routes import ROUTERS
from graders.web.routes.quizzes import quiz_ids

ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)
BAD = ("abc", "1.5", "99999999999999999999999", "9223372036854775808", "-9223372036854775809")
# The routes with an integer id in their path today (the test fails if one is no longer found).
KNOWN = {
    "/attempts/{attempt_id}",
    "/api/attempts/{attempt_id}",
    "/api/attempts/{attempt_id}/events",
    "/quizzes/{quiz_id}/attempts/{attempt_id}",
    "/instructor/students/{username}/overrides/{override_id}/remove",
}
OTHER = {"lab_id": LAB, "username": "alice"}  # the path's other parameters, real ones


def _routes() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for route in (route for router in ROUTERS for route in router.routes):
        if isinstance(route, APIRoute) and _int_params(route):
            for method in route.methods:
                found.append((method, route.path, _int_params(route)))
    return found


def test_a_bad_id_in_any_path_is_the_routes_404_in_the_readers_language(course, tmp_path):
    app = course_app(course, ROSTER, f"sqlite:///{tmp_path / 'web.sqlite'}")
    routes = _routes()
    assert {path for _method, path, _ints in routes} >= KNOWN, routes
    quiz = quiz_ids(course)[0]  # a real quiz: only the attempt's id is wrong
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = sign_in(client, "teach", "teach-pass-1")
        for lang in ("zh", "en"):
            client.get(f"/lang/{lang}")
            token = csrf_of(client.get("/").text)
            expected = say("web.error_404", lang)
            for method, path, ints in routes:
                for bad in BAD:
                    values = {**OTHER, **dict.fromkeys(ints, bad)}
                    url = re.sub(r"\{(\w+)\}", lambda m, v=values: v.get(m[1], quiz), path)
                    response = client.request(
                        method, url, headers={"X-CSRF-Token": token}, follow_redirects=False
                    )
                    assert response.status_code == 404, (method, url, response.text[:300])
                    if wants_json(response.request):  # type: ignore[arg-type]
                        assert response.json() == {"error": expected}, url
                    else:
                        assert expected in response.text and "<html" in response.text, url
        # The same 404 an id that is well formed but names nothing gets, for a student too.
        client.post("/logout", data={"csrf": token})
        sign_in(client, "alice", "alice-pass-1")
        client.get("/lang/en")
        for url in ("/api/attempts/-1", "/api/attempts/99999999999999999999999/events"):
            response = client.get(url)
            assert response.status_code == 404
            assert response.json() == {"error": say("web.error_404", "en")}
        page = client.get("/attempts/abc")
        assert page.status_code == 404 and say("web.error_404", "en") in page.text


def test_a_lab_or_quiz_id_too_long_for_a_file_name_is_the_routes_404(course, tmp_path):
    """Ids are looked up among the course's, never made into a file name first: 84 Chinese
    characters (252 bytes) or a `/` gave a 500 (OSError: File name too long)."""
    app = course_app(course, ROSTER, f"sqlite:///{tmp_path / 'web.sqlite'}")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sign_in(client, "teach", "teach-pass-1")
        client.get("/lang/zh")
        token = csrf_of(client.get("/").text)
        expected = say("web.error_404", "zh")
        for bad in ("实" * 84, "a" * 300, "..%2Fquizzes%2Fbanks%2Fattention"):
            for method, url in (
                ("GET", f"/labs/{bad}"),
                ("GET", f"/labs/{bad}/history"),
                ("GET", f"/instructor/labs/{bad}"),
                ("POST", f"/labs/{bad}/draft"),
                ("GET", f"/quizzes/{bad}"),
            ):
                response = client.request(method, url, headers={"X-CSRF-Token": token})
                assert response.status_code == 404, (method, url, response.text[:200])
                assert expected in response.text, url
        # The connection is still good for the next request.
        assert client.get(f"/labs/{LAB}").status_code == 200


def test_signed_out_an_api_call_is_told_in_its_language_and_a_form_goes_back_after_sign_in(
    course, tmp_path
):
    app = course_app(course, ROSTER, f"sqlite:///{tmp_path / 'web.sqlite'}")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = sign_in(client, "teach", "teach-pass-1")
        client.get("/lang/zh")
        client.post("/logout", data={"csrf": token})
        answer = client.get("/api/attempts/1")
        assert answer.status_code == 401
        assert answer.json() == {"error": say("web.need_sign_in", "zh")}
        client.get("/lang/en")
        assert client.get("/api/attempts/1").json() == {"error": say("web.need_sign_in", "en")}
        # A form sent from a page after the session ended elsewhere: sign in, then that page.
        page = "/instructor/students/alice"
        sent = client.post(
            "/instructor/students/alice/override",
            data={"csrf": token, "lab": LAB, "score": "10", "reason": "r"},
            headers={"Referer": f"http://127.0.0.1{page}"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == "/login?next=/instructor/students/alice"
        elsewhere = client.post(
            "/instructor/students/alice/override",
            data={"csrf": token},
            headers={"Referer": "https://evil.example/instructor"},
            follow_redirects=False,
        )
        assert elsewhere.headers["location"] == "/login?next=/"
