"""Drafts and the lab page's messages, through the app (issue 15, items 1 and 6): a save
names its base version and a stale one is refused; oversize and malformed submissions are
said plainly in both languages; a pasted marker pair's message names no server path; `<br>`
in a task table is a line break and no other tag gets through."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_helpers import LAB, course_app, sign_in, submit

from graders.spec import Course
from graders.web.limits import MAX_SUBMISSION_BYTES
from graders.web.views import _markdown

ROSTER = "username,name,password,role\nalice,Alice,alice-pass-1,student\n"
BEGIN, END = "########## Begin ##########\n", "########## End ##########\n"


@pytest.fixture
def client(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    course = Course.locate()
    app = course_app(course, ROSTER, url)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.token = sign_in(client, "alice", "alice-pass-1")
        yield client


def save(client, code: str, base: object, lang: str = "zh"):
    client.cookies.set("seqlab_lang", lang)
    return client.post(
        f"/labs/{LAB}/draft",
        data={"code": code, "base": str(base)},
        headers={"X-CSRF-Token": client.token, "Accept": "application/json"},
    )


def test_a_draft_is_versioned_and_a_stale_save_is_refused(client):
    first = save(client, "one", 0)
    assert first.status_code == 200 and first.json()["version"] == 1
    assert first.json()["saved"].startswith("草稿，保存于 ")
    assert save(client, "two", 1).json()["version"] == 2
    stale = save(client, "from an older tab", 1, "en")
    assert stale.status_code == 409 and "newer draft" in stale.json()["error"]
    assert save(client, "again first", 0).status_code == 409  # a second "first" save too
    page = client.get(f"/labs/{LAB}").text
    assert ">two</textarea>" in page and "草稿，保存于" in page


def test_oversize_and_malformed_code_are_said_plainly(client):
    big = "x" * (MAX_SUBMISSION_BYTES + 1)
    for lang, said in (("zh", "超过了 200 KB 的上限"), ("en", "over the 200 KB limit")):
        client.cookies.set("seqlab_lang", lang)
        for path, data in (("submit", {"code": big}), ("draft", {"code": big, "base": "0"})):
            response = client.post(
                f"/labs/{LAB}/{path}",
                data=data,
                headers={"X-CSRF-Token": client.token, "Accept": "application/json"},
            )
            assert response.status_code == 413 and said in response.json()["error"]
            # A draft says draft's words: nothing was submitted, nothing to grade again.
            submitted = ("没有提交", "was not submitted", "评测", "grade again")
            if path == "draft":
                assert not any(w in response.json()["error"] for w in submitted), response.text
                assert ("草稿" if lang == "zh" else "draft") in response.json()["error"]
        # Past the body limit the server answers before reading: the same words.
        response = client.post(
            f"/labs/{LAB}/submit",
            content=b"code=" + b"x" * 2_000_000,
            headers={
                "X-CSRF-Token": client.token,
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert response.status_code == 413 and said in response.json()["error"]
    client.cookies.set("seqlab_lang", "zh")
    forged = {"code": "x", "base": "9" * 30}  # a version no database holds
    response = client.post(
        f"/labs/{LAB}/submit", data={"text": "x"}, headers={"X-CSRF-Token": client.token}
    )
    assert response.status_code == 400 and "提交的内容不完整" in response.text
    for data in ({"code": "x"}, forged):
        response = client.post(
            f"/labs/{LAB}/draft", data=data, headers={"X-CSRF-Token": client.token}
        )
        assert response.status_code == 400 and "草稿保存请求不完整" in response.text
        assert "评测" not in response.text.split("<main")[-1]


def test_a_pasted_marker_pair_is_answered_without_a_server_path(client):
    starter = Course.locate().lab(LAB).starter_path
    text = starter.read_text(encoding="utf-8").replace(BEGIN, f"{BEGIN}x = 1\n{END}{BEGIN}", 1)
    attempt = submit(client, client.token, text)
    deadline = time.monotonic() + 60
    while client.get(f"/api/attempts/{attempt}").json()["status"] not in ("done", "error"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page = client.get(f"/attempts/{attempt}").text
    assert "本关的初始代码" in page and str(starter.parent) not in page


def test_br_in_a_task_table_is_a_line_break_and_nothing_else_gets_through():
    html = _markdown.render(
        "| a | b |\n|---|---|\n| `1`<br>`2`<BR/>3 | <b>x</b><script>y</script> |\n\n"
        '<img src=x onerror="z"> `<br>`'
    )
    assert "<code>1</code><br />\n<code>2</code><br />\n3" in html
    assert "<b>" not in html and "<script" not in html and "<img" not in html
    assert "<code>&lt;br&gt;</code>" in html
