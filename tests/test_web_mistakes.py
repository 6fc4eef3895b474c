"""Naming a common mistake from the class report, on a real server (issue 18 item 5).

Two students make the same unnamed mistake (ReLU in place of tanh); the instructor opens the
class report, finds their cluster, and names it with the page's form: the lab's corpus file
gains a valid entry (its old text kept), the lab's records are current again, and a third
student who makes the same mistake is told its name and hint. The refusals — no CSRF token, a
student, an empty name, a name taken, a course folder that cannot be written — change nothing.
"""

from __future__ import annotations

import html
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from batch_helpers import blank
from web_helpers import class_report, course_app, serve, sign_in, submit

from graders.course.corpus import corpus_path, grade_entry, load_corpus
from graders.course.records import records_state
from graders.mistakes import records_path
from graders.spec import Course

ROOT = Path(__file__).resolve().parent.parent
LAB = "rnn-numpy"
ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "bob,Bob,bob-pass-12,student\n"
    "carol,Carol,carol-pass-1,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)
RELU = {
    "alice": "h = np.maximum(0, self.Wxh @ x + self.Whh @ h + self.bh)",
    "bob": "pre = self.Wxh @ x + self.Whh @ h + self.bh\nh = np.maximum(pre, 0)  # relu",
    "carol": "h = np.maximum(self.Wxh @ x + self.Whh @ h + self.bh, 0.0)",
}
NAME = {"zh": "用 ReLU 代替了 tanh", "en": "ReLU in place of tanh"}
HINT = {"zh": "简单循环网络的隐状态用 tanh 激活。", "en": "A simple RNN's state goes through tanh."}
GRADE_SECONDS = 90


@pytest.fixture()
def course(tmp_path) -> Course:
    root = tmp_path / "course"
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    for part in ("graders/labs/mistakes", "tests/corpus"):
        (root / part).mkdir(parents=True)
    shutil.copy(ROOT / "graders" / "labs" / f"{LAB}.toml", root / "graders" / "labs")
    shutil.copy(
        ROOT / "graders" / "labs" / "mistakes" / f"{LAB}.json", root / "graders/labs/mistakes"
    )
    shutil.copy(ROOT / "tests" / "corpus" / f"{LAB}.toml", root / "tests" / "corpus")
    shutil.copytree(ROOT / "quizzes" / "banks", root / "quizzes" / "banks")
    course = Course.locate(root)
    assert records_state(course.lab(LAB))[0], "the copied records should be current"
    return course


def wait_done(client: httpx.Client, attempt_id: int) -> dict:
    deadline = time.monotonic() + GRADE_SECONDS
    while time.monotonic() < deadline:
        data = client.get(f"/api/attempts/{attempt_id}").json()
        if data["status"] in ("done", "error"):
            assert data["status"] == "done", data
            return data
        time.sleep(0.3)
    pytest.fail(f"attempt {attempt_id} not graded in {GRADE_SECONDS} s")


def student_submits(base: str, student: str, password: str) -> dict:
    with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client:
        token = sign_in(client, student, password)
        client.get("/lang/en")
        return wait_done(client, submit(client, token, blank(RELU[student])))


def name_forms(page: str) -> list[dict[str, str]]:
    forms = re.findall(
        r'<form method="post" action="([^"]+)" class="name-it">(.*?)</form>', page, re.S
    )
    return [
        {
            "action": action,
            **dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)),
        }
        for action, body in forms
    ]


def test_staff_name_a_cluster_and_the_next_student_gets_its_name_and_hint(course, tmp_path, capfd):
    lab = course.lab(LAB)
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    corpus_before = corpus_path(lab).read_text(encoding="utf-8")
    with serve(app) as base:
        for student, password in (("alice", "alice-pass-1"), ("bob", "bob-pass-12")):
            graded = student_submits(base, student, password)
            assert graded["score"] == 0 and NAME["en"] not in graded["html"]

        with httpx.Client(base_url=base, follow_redirects=True, timeout=120) as staff:
            token = sign_in(staff, "teach", "teach-pass-1")
            staff.get("/lang/en")
            report = class_report(staff)
            assert report.status_code == 200
            forms = name_forms(report.text)
            relu = next(f for f in forms if f["student"] == "alice")  # the cluster's example
            assert relu["csrf"] == token and relu["set"] == "3-5-2, 4 steps"
            assert relu["action"] == f"/instructor/labs/{LAB}/mistakes"
            assert '<a href="/instructor/students/alice">alice</a>' in report.text
            fields = {
                "csrf": token,
                "set": relu["set"],
                "student": "alice",
                "name_zh": NAME["zh"],
                "name_en": NAME["en"],
                "hint_zh": HINT["zh"],
                "hint_en": HINT["en"],
                "blank": "1",
            }

            def post(**changed: str) -> httpx.Response:
                return staff.post(relu["action"], data={**fields, **changed})

            # Refused, and nothing written: no token, an empty name, half a hint, no such
            # blank, and a course folder that cannot be written.
            assert post(csrf="").status_code == 403
            refused = post(name_en="  ")
            assert refused.status_code == 400
            assert "both Chinese and English" in html.unescape(refused.text)
            assert post(hint_zh="").status_code == 400
            assert "There is no blank 7" in post(blank="7").text
            folder = records_path(lab).parent
            shutil.move(folder, tmp_path / "records-away")
            folder.write_text("a file where the folder should be", encoding="utf-8")
            try:
                refused = post()
                assert refused.status_code == 409 and "cannot be written" in refused.text
                staff.get("/lang/zh")
                assert "无法写入课程文件夹" in post().text
                staff.get("/lang/en")
            finally:
                folder.unlink()
                shutil.move(tmp_path / "records-away", folder)
            assert corpus_path(lab).read_text(encoding="utf-8") == corpus_before
            assert records_state(lab)[0]

            # A student cannot name anything.
            with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as alice:
                alice_token = sign_in(alice, "alice", "alice-pass-1")
                assert (
                    alice.post(relu["action"], data={**fields, "csrf": alice_token}).status_code
                    == 403
                )

            named = post()
            assert named.status_code == 200, named.text
            assert "relu_in_place_of_tanh" in named.text and "The next student" in named.text
            assert (
                "teach named a mistake of rnn-numpy: entry relu_in_place_of_tanh"
                in capfd.readouterr().err
            )
            taken = post()
            assert taken.status_code == 409 and "already has an entry" in taken.text

        # The corpus kept its text and gained an entry that validate's check accepts …
        after = corpus_path(lab).read_text(encoding="utf-8")
        assert after.startswith(corpus_before) and after.count("[relu_in_place_of_tanh]") == 1
        entry = next(e for e in load_corpus(lab) if e.name == "relu_in_place_of_tanh")
        assert entry.mistake == NAME and entry.hint == HINT and list(entry.blanks) == [1]
        assert "np.maximum(0, self.Wxh @ x" in entry.blanks[1] and entry.score == 0
        outcome = grade_entry(lab, entry)
        assert outcome.ok, outcome.problems
        assert records_state(lab) == (
            True,
            "validate.mistakes_current",
            len([e for e in load_corpus(lab) if e.mistake]),
        )

        # … and the next student who makes the mistake is told its name and hint.
        graded = student_submits(base, "carol", "carol-pass-1")
        told = html.unescape(graded["html"])
        assert f"common mistake: {NAME['en']} — hint: {HINT['en']}" in told

        with httpx.Client(base_url=base, follow_redirects=True, timeout=120) as staff:
            sign_in(staff, "teach", "teach-pass-1")
            staff.get("/lang/en")
            page = class_report(staff).text
            section = page[page.index('id="mistakes"') :]
            assert NAME["en"] in section and "3 student(s)" in section
            assert not any(f["student"] in ("alice", "carol") for f in name_forms(page))
