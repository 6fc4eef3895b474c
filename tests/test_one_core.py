"""One submission, every front end: the same stored result and the same summary everywhere.

A submission of scaled-dot-product that passes some sets and fails others (public and
hidden) is graded by `seqlab grade FILE`, by a batch into a gradebook with feedback files, by
the web platform, and by the notebook check. Every path goes through the one grading service,
stores the one shape, and every rendering (terminal, Markdown, the web's attempt page, the
feedback HTML, the notebook's HTML) shows the same summary, from the one presentation.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import sign_in, submit

from graders.cli import main
from graders.course.corpus import corpus_program, load_corpus
from graders.notebooks.build import make_notebook, notebook_text
from graders.notebooks.magic import check_notebook
from graders.present.html import notebook_html
from graders.present.view import build
from graders.results import LabResult
from graders.service.pools import warm_pays
from graders.spec import Course
from graders.store.gradebook import Gradebook, stored_result
from graders.web.app import WebSettings, create_app
from graders.web.grading import grade_attempt
from graders.web.models import DONE, ERROR, Attempt, engine_for
from graders.web.queue import EmbeddedQueue
from graders.web.roster import import_roster, parse_roster

LAB = "scaled-dot-product"
ENTRY = "mask_after_softmax"  # passes some public and some hidden sets, fails others


def facts(result: LabResult) -> list[tuple]:
    """What a result says of each set, without what varies between runs (time, memory)."""
    fields = ("name", "score", "max_score", "hidden", "detail_key", "detail")
    shown = ("input", "expected", "actual")
    return [(t.verdict.code, *(getattr(t, f) for f in fields + shown)) for t in result.tests]


def plain(html: str) -> str:
    """An HTML page's text, as a reader sees it (tags dropped, entities as characters)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.fixture(scope="module")
def submission(tmp_path_factory) -> tuple[Course, Path]:
    course = Course.locate()
    lab = course.lab(LAB)
    entry = next(e for e in load_corpus(lab) if e.name == ENTRY)
    folder = tmp_path_factory.mktemp("one-core")
    path = folder / "class" / "ann" / lab.entry
    path.parent.mkdir(parents=True)
    path.write_text(corpus_program(lab.solution_path.read_text(encoding="utf-8"), entry))
    return course, path


def test_every_front_end_stores_and_shows_the_same_result(submission, tmp_path, capsys):
    course, path = submission
    lab = course.lab(LAB)
    text = path.read_text(encoding="utf-8")

    # 1. `seqlab grade FILE --json`, and the terminal report of the same command.
    assert main(["--lang", "en", "grade", str(path), "--lab", LAB, "--json"]) == 1
    cli_json = json.loads(capsys.readouterr().out)
    assert main(["--lang", "en", "grade", str(path), "--lab", LAB]) == 1
    terminal = capsys.readouterr().out

    # 2. A batch into a gradebook, with feedback files.
    db = tmp_path / "batch.sqlite"
    feedback = tmp_path / "feedback"
    args = ["--lang", "en", "grade", str(path.parent.parent), "--lab", LAB, "--db", str(db)]
    assert main([*args, "--feedback", str(feedback), "--workers", "1"]) == 1
    capsys.readouterr()
    (row,) = Gradebook(str(db)).rows()
    batch = stored_result(row)
    assert row.code == text  # the similarity check reads what was graded

    # 3. The web platform: a student submits the same text.
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    roster = "username,name,password,role\nann,Ann,ann-pass-123,student\n"
    import_roster(url, parse_roster(roster, "roster.csv"))
    app = create_app(
        WebSettings(db_url=url, course=course), EmbeddedQueue(url, course, use_warm=False)
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.get("/lang/en")
        attempt_id = submit(client, sign_in(client, "ann", "ann-pass-123"), text, LAB)
        deadline = time.monotonic() + 120
        while client.get(f"/api/attempts/{attempt_id}").json()["status"] != DONE:
            assert time.monotonic() < deadline, "the web did not grade it"
            time.sleep(0.2)
        page = client.get(f"/attempts/{attempt_id}").text
    with Session(engine_for(url)) as session:
        web = LabResult.from_dict(session.get(Attempt, attempt_id).results)
    (web_row,) = Gradebook(url).rows()
    assert stored_result(web_row) == web  # the attempt and the gradebook hold one result

    # 4. The notebook check (public sets only, as in Jupyter).
    notebook = tmp_path / "nb" / f"{Path(lab.entry).stem}.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(notebook_text(make_notebook(lab, text, None)), encoding="utf-8")
    in_notebook = check_notebook(notebook, course, LAB)

    # One stored result, whichever way it came.
    assert facts(batch) == facts(web)
    assert [(t["name"], t["verdict"], t["score"]) for t in cli_json["tests"]] == [
        (t.name, t.verdict.code, t.score) for t in batch.tests
    ]
    public = [f for f in facts(batch) if not f[4]]  # f[4]: hidden
    assert facts(in_notebook) == public
    verdicts = [f[0] for f in facts(batch)]
    assert "AC" in verdicts and "WA" in verdicts  # a result with something to count

    # One presentation: the same summary in every rendering, in the reader's language.
    view = build(batch, "en")
    assert view.failed == verdicts.count("WA") and view.partial == 0
    markdown = (feedback / "ann" / f"{LAB}.md").read_text(encoding="utf-8")
    feedback_html = (feedback / "ann" / f"{LAB}.html").read_text(encoding="utf-8")
    renderings = {
        "terminal": " ".join(terminal.split()),
        "markdown": markdown,
        "web page": plain(page),
        "feedback html": plain(feedback_html),
    }
    for name, shown in renderings.items():
        assert view.summary in shown and view.score_text in shown, name
    notebook_view = build(in_notebook, "en")
    assert notebook_view.failed == [f[0] for f in public].count("WA")
    assert notebook_view.summary in plain(notebook_html(notebook_view))


def test_a_broken_course_file_is_never_the_students_zero_in_batch_or_on_the_web(
    submission, tmp_path, capsys
):
    """The lab's starter (the template a submission is spliced into) goes missing: the
    author's fault. The batch stores no score and grades it again once the file is back;
    the web tells the student it is the course's and records no score either."""
    course, path = submission
    root = tmp_path / "course"
    for part in ("exercises", "solutions"):
        shutil.copytree(course.root / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copy(course.lab(LAB).spec_path, root / "graders" / "labs")
    broken = Course.locate(root)
    starter = broken.lab(LAB).starter_path
    kept = starter.read_bytes()
    starter.unlink()

    db = tmp_path / "batch.sqlite"
    args = ["--lang", "en", "grade", str(path.parent.parent), "--lab", LAB, "--db", str(db)]
    args += ["--course", str(root), "--workers", "1"]
    if warm_pays(broken.lab(LAB)):  # the strong level: batches grade on warm workers
        # They refuse to start on the missing template: the batch ends before grading anyone,
        # with the course file's message (exit 2), and stores nothing.
        assert main(args) == 2
        assert str(starter) in " ".join(capsys.readouterr().err.split())
        assert Gradebook(str(db)).rows() == []
    # Cold, each submission meets it while being graded.
    args.append("--cold")
    assert main(args) == 2  # nothing could be scored
    assert "course file is broken" in " ".join(capsys.readouterr().out.split())
    (row,) = Gradebook(str(db)).rows()
    assert (row.status, row.score) == ("author", None)

    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    import_roster(url, parse_roster("username,name,password\nann,Ann,ann-pass-123\n", "r.csv"))
    with Session(engine_for(url)) as session, session.begin():
        attempt = Attempt(student="ann", lab=LAB, text=path.read_text(), status="queued")
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    assert grade_attempt(url, attempt_id, course=broken) == ERROR
    with Session(engine_for(url)) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt.score is None and attempt.message["key"] == "web.author_error"
    (web_row,) = Gradebook(url).rows()
    assert (web_row.status, web_row.score) == ("author", None)

    starter.write_bytes(kept)  # fixed: the next run grades it, not skips it
    assert main(args) == 1
    capsys.readouterr()
    (row,) = Gradebook(str(db)).rows()
    assert row.status == "graded" and 0 < row.score < row.max_score

    # The web grades it again too, once the course works: when a queue starts, and after any
    # grading of the lab that worked.
    queue = EmbeddedQueue(url, broken, use_warm=False)
    queue.start()
    try:
        deadline = time.monotonic() + 120
        while True:
            with Session(engine_for(url)) as session:
                attempt = session.get(Attempt, attempt_id)
            if attempt.status == DONE:
                break
            assert time.monotonic() < deadline, f"not graded again: {attempt.status}"
            time.sleep(0.2)
    finally:
        queue.close()
    assert attempt.message is None and 0 < attempt.score < attempt.max_score
    assert sorted(g.status for g in Gradebook(url).rows()) == ["graded"]  # replaced, no zero


def test_a_broken_course_file_costs_its_own_lab_or_quiz_not_the_site(submission, tmp_path):
    course, _path = submission
    root = tmp_path / "course"
    for part in ("exercises", "solutions"):
        shutil.copytree(course.root / part, root / part)
    shutil.copytree(course.root / "graders" / "labs", root / "graders" / "labs")
    shutil.copytree(course.root / "quizzes" / "banks", root / "quizzes" / "banks")
    spec = root / "graders" / "labs" / f"{LAB}.toml"
    spec.write_text(spec.read_text() + "\nnot_a_field = 1\n", encoding="utf-8")
    bank = root / "quizzes" / "banks" / "attention.toml"
    bank.write_text(bank.read_text() + "\n[[oops\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    roster = "username,name,password,role\nann,Ann,ann-pass-123,student\n"
    import_roster(url, parse_roster(roster, "roster.csv"))
    broken = Course.locate(root)
    app = create_app(
        WebSettings(db_url=url, course=broken), EmbeddedQueue(url, broken, use_warm=False)
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = sign_in(client, "ann", "ann-pass-123")
        home = client.get("/")
        assert home.status_code == 200 and "rnn-numpy" in home.text  # the others are there
        assert LAB in home.text and "attention" in home.text  # named as unavailable
        for path in (f"/labs/{LAB}", "/quizzes/attention"):
            page = client.get(path)
            assert page.status_code == 503 and "不是你的问题" in page.text, path
        assert client.get("/labs/rnn-numpy").status_code == 200
        submitted = client.post(
            f"/labs/{LAB}/submit",
            data={"code": "x"},
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
        assert submitted.status_code == 503 and "error" in submitted.json()
    # An attempt queued before its lab's spec broke is the course's failure, not a stuck job.
    with Session(engine_for(url)) as session, session.begin():
        queued = Attempt(student="ann", lab=LAB, text="x = 1\n", status="queued")
        session.add(queued)
        session.flush()
        queued_id = queued.id
    assert grade_attempt(url, queued_id, course=broken) == ERROR
    with Session(engine_for(url)) as session:
        assert session.get(Attempt, queued_id).message["key"] == "web.author_error"
