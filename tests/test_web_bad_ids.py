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
