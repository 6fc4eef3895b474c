"""Issue 15's "Done when": a course with deadlines, 关卡 unlocking and a late policy exports the
same scores to seqlab's scores CSV, Canvas's and Moodle's import CSVs (on the web and from
`seqlab gradebook export`) and through AGS to the LMS — the test platform (tests/lti_platform.py)
records what it received. The student's file is graded for real, two days late (80 % kept);
it passes the first lab, which opens the second; a classmate who launched but submitted
nothing and a roster student who never came are in every CSV with empty cells; the instructor
is in none."""

from __future__ import annotations

import csv
import io
import subprocess

import httpx
import pytest
from lti_helpers import launch, platform_and_tool, wait_for
from lti_platform import Member
from test_web_calendar import signed_in
from test_web_unlock import NEXT, unlock_course
from web_helpers import LAB, SEQLAB, csrf_of

from graders.web.lti.claims import username_for

ROSTER = "username,name,password,role\ncarol,Carol,carol-pass-1,student\n"
ROSTER += "teach,Teacher,teach-pass-1,instructor\n"


def rows(text: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in csv.DictReader(io.StringIO(text))}


def test_scores_are_the_same_in_every_csv_and_through_ags(tmp_path):
    course = unlock_course(tmp_path / "course", late=True)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    points = sum(t.points for t in course.lab(LAB).tests)
    options = ("--cold", "--course", str(course.root), "--roster", str(tmp_path / "roster.csv"))
    with platform_and_tool(tmp_path, *options) as lms:
        platform = lms.platform
        zhang, li = Member("s-1", "Zhang Wei", "Learner"), Member("s-2", "Li Na", "Learner")
        client = httpx.Client(timeout=30)
        for member, item in ((li, "2"), (zhang, "1")):  # zhang's session is the client's
            hint = platform.add_launch(member, custom={"lab": LAB}, lineitem=item)
            assert launch(client, lms, hint.rsplit("/", 1)[1]).status_code == 303
        page = client.get(f"{lms.tool}/labs/{LAB}")
        assert client.get(f"{lms.tool}/labs/{NEXT}").status_code == 403  # locked until passed
        code = course.lab(LAB).solution_path.read_text(encoding="utf-8")
        submitted = client.post(
            f"{lms.tool}/labs/{LAB}/submit",
            data={"code": code},
            headers={"X-CSRF-Token": csrf_of(page.text), "Accept": "application/json"},
        )
        assert submitted.status_code == 200, submitted.text
        attempt = submitted.json()["id"]

        def graded():
            data = client.get(f"{lms.tool}/api/attempts/{attempt}").json()
            return data if data["status"] in ("done", "error") else None

        result = wait_for(graded, "the attempt graded", 240)
        late = points * 0.8  # two started days late at 10 % a day
        # The attempt's own JSON says the score that counts, as the LMS gets it (record.py).
        assert result["raw_score"] == points and result["score"] == pytest.approx(late)
        sent = wait_for(lambda: platform.scores, "the score at the platform")
        assert len(sent) == 1 and sent[0]["userId"] == zhang.sub
        assert sent[0]["scoreGiven"] == late and sent[0]["scoreMaximum"] == points
        assert client.get(f"{lms.tool}/labs/{NEXT}").status_code == 200  # 80 % ≥ 60 %: open

        teach, _ = signed_in(lms.tool, "teach", "teach-pass-1")
        web = {
            kind: teach.get(f"/instructor/{kind}.csv") for kind in ("scores", "canvas", "moodle")
        }
        assert all(r.status_code == 200 for r in web.values())
        cli = {}
        for kind, option in (("scores", "--csv"), ("canvas", "--canvas"), ("moodle", "--moodle")):
            out = tmp_path / f"cli-{kind}.csv"
            run = subprocess.run(
                [str(SEQLAB), "gradebook", "export", "--db", str(lms.db), "--course",
                 str(course.root), option, str(out)],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert run.returncode == 0, run.stdout + run.stderr
            cli[kind] = out.read_bytes().decode("utf-8")
    me, other = username_for(platform.issuer, zhang.sub), username_for(platform.issuer, li.sub)
    for source in (web["scores"].text, web["canvas"].text, web["moodle"].text, *cli.values()):
        assert "teach" not in source  # staff are in no export
    canvas_web = web["canvas"].text
    assert canvas_web == cli["canvas"] and web["moodle"].text == cli["moodle"]
    assert web["scores"].text == cli["scores"]
    scores = rows(cli["scores"], "student")
    canvas = rows(cli["canvas"], "SIS Login ID")
    moodle = rows(cli["moodle"], "Username")
    assert set(scores) == set(canvas) - {""} == set(moodle) == {me, other, "carol"}
    for table, name in ((scores, "name"), (canvas, "Student"), (moodle, "Full name")):
        assert float(table[me][LAB]) == late == sent[0]["scoreGiven"]
        assert table[me][name] == "Zhang Wei" and table["carol"][name] == "Carol"
        assert table[other][LAB] == "" and table["carol"][LAB] == ""  # nothing submitted
    assert float(scores[me]["total"]) == float(canvas[me]["Final Points"]) == late
    assert float(moodle[me]["Course total"]) == late and moodle["carol"]["Course total"] == "0"
    assert canvas[""]["Student"].strip() == "Points Possible" and float(canvas[""][LAB]) == points
