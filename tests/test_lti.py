"""seqlab as an LTI 1.3 tool, against the test platform (tests/lti_platform.py, joserfc, from
the IMS specs) on loopback and `seqlab serve` in its own process: the claim mapping, every
refusal (a clear page in both languages, no traceback), the whole flow from the LMS's launch
to the score the platform receives, and the deep-linking round trip verified by the platform.
"""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest
from joserfc.jwk import RSAKey
from lti_helpers import Lms, form_fields, launch, platform_and_tool, wait_for
from lti_platform import ROLES, Member
from web_helpers import LAB, SEQLAB, csrf_of, save_rules

from graders.spec import Course
from graders.web.lti.claims import (
    LTI,
    Target,
    person_of,
    role_of,
    score_endpoint,
    target_of,
    username_for,
)

# --- the claim mapping ------------------------------------------------------------------------


def test_roles_map_to_staff_or_student():
    assert role_of([ROLES["Instructor"]]) == "instructor"
    assert role_of([ROLES["TeachingAssistant"]]) == "instructor"
    assert role_of(["Instructor"]) == "instructor"  # the short form the spec allows
    assert role_of([ROLES["Learner"]]) == "student"
    assert role_of([]) == "student"
    # An institution's or the system's administrator is not staff of this course.
    assert role_of(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]) == (
        "student"
    )


def test_a_user_is_the_same_account_per_issuer_and_subject_and_never_anothers():
    a = username_for("https://lms.example", "42")
    assert a == username_for("https://lms.example", "42")
    assert a != username_for("https://other.example", "42")
    assert a != username_for("https://lms.example", "43")
    assert a.startswith("lti-") and "/" not in a and len(a) <= 100
    person = person_of(
        {
            "iss": "https://lms.example",
            "sub": "42",
            "given_name": "Li",
            "family_name": "Hua",
            LTI + "roles": [ROLES["Learner"]],
        }
    )
    assert (person.username, person.name, person.role) == (a, "Li Hua", "student")


def test_the_target_comes_from_the_custom_parameter_or_the_target_link():
    assert target_of({LTI + "custom": {"lab": "seq2seq"}}) == Target("lab", "seq2seq")
    assert target_of({LTI + "custom": {"quiz": "attention"}}).path == "/quizzes/attention"
    assert target_of({LTI + "target_link_uri": "https://seqlab.example/labs/rnn-numpy"}) == (
        Target("lab", "rnn-numpy")
    )
    assert target_of({LTI + "target_link_uri": "https://seqlab.example/lti/launch"}) is None


def test_scores_go_back_only_with_the_score_scope_and_a_line_item():
    endpoint = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    score = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    assert score_endpoint({endpoint: {"scope": [score], "lineitem": "https://l/1"}}) == (
        "https://l/1",
        [score],
    )
    assert score_endpoint({endpoint: {"scope": [], "lineitem": "https://l/1"}}) is None
    assert score_endpoint({endpoint: {"scope": [score]}}) is None


# --- against the platform ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    with platform_and_tool(tmp_path_factory.mktemp("lti"), "--cold") as found:
        yield found


def browser() -> httpx.Client:
    return httpx.Client(timeout=30)


def refused_page(response: httpx.Response, status: int, zh: str, en: str) -> None:
    assert response.status_code == status, response.text
    text = response.text
    assert zh in text and en in text, text
    assert "Traceback" not in text and "LtiException" not in text


def test_add_platform_refuses_bad_input_with_the_option_named(tmp_path):
    run = subprocess.run(
        [
            str(SEQLAB),
            "lti",
            "add-platform",
            "--db",
            str(tmp_path / "x.sqlite"),
            "--issuer",
            "http://lms.example",
            "--client-id",
            "c",
            "--login-url",
            "https://a/b",
            "--token-url",
            "https://a/t",
            "--jwks-url",
            "https://a/k",
            "--deployment",
            "d",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--issuer" in run.stdout + run.stderr and "https://" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def test_tool_jwks_publishes_the_key_the_tool_signs_with(lms: Lms):
    keys = httpx.get(f"{lms.tool}/lti/jwks.json").json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in keys)


def test_refusals_are_clear_bilingual_pages(lms: Lms):
    platform = lms.platform
    member = Member("refused-1", "Wang Fang", "Learner")
    hint = platform.add_launch(member, custom={"lab": LAB})[len(platform.base) + 8 :]
    other = RSAKey.generate_key(2048, parameters={"kid": platform.key.kid})

    def signed_by_another(claims):
        return platform.sign(claims, other)

    def for_another_tool(claims):
        return platform.sign({**claims, "aud": "someone-else"})

    def two_audiences_no_azp(claims):
        return platform.sign({**claims, "aud": [platform.client_id, "someone-else"]})

    def expired(claims):
        return platform.sign(
            {**claims, "iat": int(time.time()) - 900, "exp": int(time.time()) - 600}
        )

    def unknown_deployment(claims):
        return platform.sign({**claims, LTI + "deployment_id": "deployment-9"})

    cases = [
        (signed_by_another, "签名或受众不对", "signature or audience is wrong"),
        (for_another_tool, "还没有在 seqlab 注册", "not registered with seqlab"),
        (two_audiences_no_azp, "还没有在 seqlab 注册", "not registered with seqlab"),
        (expired, "已过期", "has expired"),
        (unknown_deployment, "部署标识", "deployment of the learning platform is not registered"),
    ]
    for tamper, zh, en in cases:
        refused_page(launch(browser(), lms, hint, tamper), 403, zh, en)

    # A launch that worked, posted again (the same id_token and state): its nonce is spent.
    client = browser()
    started = client.get(f"{lms.tool}/lti/login", params=platform.login_params(hint))
    action, fields = form_fields(client.get(started.headers["location"]).text)
    assert client.post(action, data=fields).status_code == 303
    refused_page(client.post(action, data=fields), 403, "已经用过了", "already been used")

    # An unknown platform at login: refused before any redirect.
    unknown = client.get(
        f"{lms.tool}/lti/login",
        params={**platform.login_params(hint), "iss": "https://stranger.example"},
    )
    refused_page(unknown, 400, "还没有在 seqlab 注册", "not registered with seqlab")


def solution() -> str:
    return Course.locate().lab(LAB).solution_path.read_text(encoding="utf-8")


def test_launch_lands_in_the_lab_and_the_score_of_record_goes_back(lms: Lms):
    platform = lms.platform
    student = Member("student-7", "Zhang Wei", "Learner")
    hint = platform.add_launch(student, custom={"lab": LAB}, lineitem="7")
    hint = hint.rsplit("/", 1)[1]
    client = browser()
    landed = launch(client, lms, hint)
    assert landed.status_code == 303 and landed.headers["location"] == f"/labs/{LAB}"
    page = client.get(f"{lms.tool}/labs/{LAB}")
    assert page.status_code == 200 and "Zhang Wei" in page.text
    username = username_for(platform.issuer, student.sub)
    assert username in page.text

    before = len(platform.scores)
    token = csrf_of(page.text)
    submitted = client.post(
        f"{lms.tool}/labs/{LAB}/submit",
        data={"code": solution()},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert submitted.status_code == 200, submitted.text
    attempt_id = submitted.json()["id"]

    def graded():
        data = client.get(f"{lms.tool}/api/attempts/{attempt_id}").json()
        return data if data["status"] in ("done", "error") else None

    result = wait_for(graded, "the attempt graded", 240)
    assert result["status"] == "done" and result["score"] == result["max_score"] > 0
    sent = wait_for(lambda: platform.scores[before:], "the score at the platform")
    assert len(sent) == 1
    score = sent[0]
    assert score["lineitem"] == "7" and score["userId"] == student.sub
    assert score["scoreGiven"] == result["score"]
    assert score["scoreMaximum"] == result["max_score"]
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", score["timestamp"])
    assert platform.token_requests >= 1 and not [r for r in platform.refusals if "/token" in r]

    # A second launch of the same link: the score of record has not changed, nothing is sent.
    again = launch(
        browser(),
        lms,
        platform.add_launch(student, custom={"lab": LAB}, lineitem="7").rsplit("/", 1)[1],
    )
    assert again.status_code == 303
    time.sleep(3)
    assert len(platform.scores) == before + 1


def test_a_rules_change_on_the_web_sends_the_changed_scores_to_the_platform(lms: Lms):
    """After the launch test's full marks: a due time and a late penalty saved on the rules
    page make that score count 50 %; the platform gets it without `seqlab lti resend`, and
    `resend` then says, in the user's language, that the platform has it."""
    platform = lms.platform
    student = Member("student-7", "Zhang Wei", "Learner")
    sent_before = [s for s in platform.scores if s["lineitem"] == "7"]
    assert sent_before, "runs after the launch test, whose score went back"
    full = sent_before[-1]["scoreGiven"]
    teacher = browser()
    hint = platform.add_launch(Member("teacher-7", "Prof. Wu", "Instructor"), custom={"lab": LAB})
    assert launch(teacher, lms, hint.rsplit("/", 1)[1]).status_code == 303
    page = teacher.get(f"{lms.tool}/instructor/rules")
    due = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600))
    form = {"csrf": csrf_of(page.text), f"set|{LAB}|due": due, "set|*|per_day": "50"}
    saved = save_rules(teacher, form, f"{lms.tool}/instructor/rules")
    assert saved.status_code == 303, saved.text

    def halved():
        return [s for s in platform.scores if s["lineitem"] == "7" and s["scoreGiven"] == full / 2]

    (sent,) = wait_for(halved, "the changed score at the platform")
    assert sent["userId"] == student.sub
    resend = [str(SEQLAB), "--lang", "zh", "lti", "resend", "--db", str(lms.db)]
    said = subprocess.run(resend, capture_output=True, text=True, timeout=120).stdout
    assert "平台已有、未变" in said and "sent" not in said and "nothing" not in said, said
    cleared = save_rules(teacher, {"csrf": form["csrf"]}, f"{lms.tool}/instructor/rules")
    assert cleared.status_code == 303  # back to the file's rules: full marks again
    wait_for(lambda: platform.scores[-1]["scoreGiven"] == full, "full marks sent again")


def test_deep_linking_returns_signed_links_the_platform_verifies(lms: Lms):
    platform = lms.platform
    teacher = Member("teacher-1", "Prof. Liu", "Instructor")
    platform.add_launch(Member("student-8", "Chen Jing", "Learner"))  # on the NRPS roster
    hint = platform.add_launch(teacher, deep_linking=True).rsplit("/", 1)[1]
    client = browser()
    picker = launch(client, lms, hint)
    assert picker.status_code == 200, picker.text
    assert "选择要添加到学习平台的实训和测验" in picker.text or "Pick the labs" in picker.text
    assert f'value="lab:{LAB}"' in picker.text and 'value="quiz:attention"' in picker.text
    token = csrf_of(picker.text)
    launch_id = re.search(r'name="launch" value="([^"]+)"', picker.text)[1]
    back = client.post(
        f"{lms.tool}/lti/deep-link",
        data={"csrf": token, "launch": launch_id, "item": [f"lab:{LAB}", "quiz:attention"]},
    )
    assert back.status_code == 200, back.text
    assert f"form-action 'self' {platform.base}" in back.headers["content-security-policy"]
    action, fields = form_fields(back.text, "lti-return")
    assert action == f"{platform.base}/deep-link-return"
    returned = client.post(action, data=fields)
    assert returned.status_code == 200, returned.text
    items = platform.deep_link_items[-2:]
    assert [i["type"] for i in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert [i["custom"] for i in items] == [{"lab": LAB}, {"quiz": "attention"}]
    assert all(i["url"] == f"{lms.tool}/lti/launch" for i in items)
    lab_max = float(sum(t.points for t in Course.locate().lab(LAB).tests))
    assert items[0]["lineItem"]["scoreMaximum"] == lab_max
    # The roster was filled from the platform's names and roles service.
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{lms.db}")
    wanted = username_for(platform.issuer, "student-8")

    def listed():
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT name FROM seqlab_web_users WHERE username = :u"), {"u": wanted}
            ).scalar()

    assert wait_for(listed, "the NRPS roster") == "Chen Jing"
    engine.dispose()
    # A learner cannot place labs.
    learner = platform.add_launch(Member("student-9", "Li Na", "Learner"), deep_linking=True)
    refused_page(
        launch(browser(), lms, learner.rsplit("/", 1)[1]), 403, "只有教师", "Only instructors"
    )


def test_a_quiz_score_that_could_not_be_sent_is_recorded_and_resent(lms: Lms):
    platform = lms.platform
    student = Member("student-12", "Sun Li", "Learner")
    hint = platform.add_launch(student, custom={"quiz": "attention"}, lineitem="q12")
    client = browser()
    landed = launch(client, lms, hint.rsplit("/", 1)[1])
    assert landed.headers["location"] == "/quizzes/attention"
    page = client.get(f"{lms.tool}/quizzes/attention")
    platform.failing_scores = 3  # every try of this send fails
    answered = client.post(f"{lms.tool}/quizzes/attention", data={"csrf": csrf_of(page.text)})
    # Answered (an empty paper is an attempt too) and shown on its own page.
    assert answered.status_code == 303, answered.text
    assert answered.headers["location"].startswith("/quizzes/attention/attempts/")
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{lms.db}")
    username = username_for(platform.issuer, student.sub)

    def link():
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT status, last_error, tries FROM seqlab_lti_links"
                    " WHERE username = :u AND lab = 'attention'"
                ),
                {"u": username},
            ).one()
        return row if row.status != "new" else None

    failed = wait_for(link, "the failed send recorded")
    assert failed.status == "failed" and "503" in failed.last_error and failed.tries == 3
    assert not [s for s in platform.scores if s["lineitem"] == "q12"]
    resent = subprocess.run(
        [str(SEQLAB), "--lang", "en", "lti", "resend", "--db", str(lms.db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resent.returncode == 0 and "sent" in resent.stdout, resent.stdout + resent.stderr
    sent = [s for s in platform.scores if s["lineitem"] == "q12"]
    assert len(sent) == 1 and sent[0]["userId"] == student.sub and sent[0]["scoreGiven"] == 0
    assert link().status == "sent"
    engine.dispose()


def test_lti_urls_says_what_base_is_with_an_example(capsys):
    from graders.cli import main

    with pytest.raises(SystemExit):
        main(["lti", "urls", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "public https base URL of the seqlab server as the LMS reaches it" in help_text
    assert "--base https://seqlab.example.edu" in help_text
    assert main(["--lang", "en", "lti", "urls", "--base", "seqlab.example.edu"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "base URL of the seqlab server as the LMS reaches it" in said
    assert "e.g. --base https://seqlab.example.edu" in said and "Copy it from" not in said
    assert main(["--lang", "zh", "lti", "urls", "--base", "seqlab.example.edu"]) == 2
    assert "公开 `https` 基础地址" in capsys.readouterr().err
    assert main(["--lang", "en", "lti", "urls", "--base", "https://seqlab.example.edu/"]) == 0
    assert "https://seqlab.example.edu/lti/login" in capsys.readouterr().out


def test_resend_s_counts_are_joined_with_the_language_s_own_comma():
    from graders.cli.lti import resent_words

    counts = {"nothing": 2, "unchanged": 1, "sent": 3}
    assert resent_words(counts, "zh") == "尚无成绩 2 个，已回传 3 个，平台已有、未变 1 个"
    assert resent_words(counts, "en").count(", ") == 2
