"""A heavy instructor page does not hold up the students' pages (issue 14).

A class report of 200 submissions compares every pair of them (similarity.py): seconds of
CPU. `seqlab serve` on loopback serves a gradebook holding 200 graded attempts of one lab,
written straight into its database; an instructor opens the lab's class report, and
while it is being built 95% of a student's requests must answer in under 200 ms and none may
wait for the report (each under 1 s, where the build takes seconds). The report then comes from
its cache, within the class report's budget of 1 s, until the lab has a new graded attempt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time

import httpx
import pytest
from sqlalchemy.orm import Session
from web_helpers import check_report_policy, class_report, refresh_of, seqlab_serve, sign_in

from graders.results import NO_CODE, LabResult
from graders.results import TestResult as SetResult
from graders.spec import Course, LabSpec
from graders.store.tables import Grade
from graders.verdict import Verdict
from graders.web.grading import source_name
from graders.web.models import DONE, LAB, STUDENT, Attempt, User, engine_for, now
from graders.web.reports import ClassReports, Preparing, ReportFailed, report_key
from graders.web.roster import import_roster, parse_roster

# Times what it measures (CPU shares, wall limits, response times): `make test` runs it
# alone, after the parallel run.
pytestmark = pytest.mark.serial

HEAVY_LAB = "seq2seq"  # four blanks of real code: the most work per pair of any lab
LAB_FOR_FAILURE = "rnn-numpy"
CLASS_SIZE = 200
STUDENT_PAGE_SECONDS = 0.2  # 95% of the student's requests while the report is built
# Any single request: one held up by the build would wait seconds. The slowest of ~400 requests
# on a loaded 2-core machine is the scheduler's, not ours (0.20-0.25 s seen on CI).
BLOCKED_SECONDS = 1.0
REPORT_SECONDS = 1.0  # a class report of 200 opened from its cache, current or stale (issue 17)
MIN_REQUESTS = 10  # student requests made while the report was being built
MIN_BUILD_SECONDS = 1.5  # below this the report would not be heavy enough to show anything
ROSTER = (
    "username,name,password,role\n"
    "alice,Alice,alice-pass-1,student\n"
    "teach,Teacher,teach-pass-1,instructor\n"
)


def variant(lab: LabSpec, n: int) -> str:
    """Student n's file: the reference, or one of a few departures from it, each student's
    file their own (a comment in the first blank); every 11th left as the starter."""
    if n % 11 == 10:
        return lab.starter_path.read_text(encoding="utf-8")
    text = lab.solution_path.read_text(encoding="utf-8")
    begin = "########## Begin ##########\n"
    text = text.replace(begin, f"{begin}# student {n}\n", 1)
    if n % 3 == 1:  # other names: alike to copydetect, not the reference's tokens
        text = text.replace("letters", "chars")
    if n % 7 == 3:  # a wrong answer shared by a few
        text = text.replace('symbol in "SEP"', 'symbol in "EP"')
    return text


def stored(lab: LabSpec, passed: bool) -> LabResult:
    """A grading where every set passed or every set failed (the report reads the verdicts
    and scores), as the engine would have made it."""
    tests = tuple(
        SetResult(
            name=test.name,
            verdict=Verdict.ACCEPTED if passed else Verdict.WRONG_ANSWER,
            score=test.points if passed else 0,
            max_score=test.points,
            hidden=test.hidden,
        )
        for test in lab.tests
    )
    return LabResult(lab.id, lab.title, lab.entry, tests, NO_CODE, 1.0)


def graded(db: Session, student: str, lab: LabSpec, text: str, passed: bool) -> Attempt:
    """The attempt and its gradebook row, as a grading of the web's writes them."""
    result = stored(lab, passed)
    attempt = Attempt(
        student=student,
        lab=lab.id,
        kind=LAB,
        text=text,
        status=DONE,
        results=result.to_dict(),
        score=result.score,
        max_score=result.max_score,
        created_at=now(),
        finished_at=now(),
    )
    db.add(attempt)
    db.flush()
    db.add(
        Grade(
            student=student,
            lab=lab.id,
            kind=LAB,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            spec_version="test",
            engine_version="test",
            source=f"{source_name(attempt.id)}/{lab.entry}",
            status="graded",
            score=result.score,
            max_score=result.max_score,
            results=result.to_dict(),
            grading_seconds=1.0,
            graded_at=now(),
            submitted_at=attempt.created_at,
            code=text,
            chosen=False,
        )
    )
    return attempt


def fill_gradebook(url: str, lab: LabSpec, size: int = CLASS_SIZE) -> int:
    """`size` students with one graded attempt each, and alice's; returns its id."""
    import_roster(url, parse_roster(ROSTER, "roster.csv"))
    with Session(engine_for(url)) as db, db.begin():
        password_hash = db.get(User, "alice").password_hash  # nobody else signs in
        names = [f"s{n:03d}" for n in range(size + 1)]  # the last one comes late
        db.add_all(
            User(username=n, name=n, role=STUDENT, password_hash=password_hash) for n in names
        )
        db.flush()
        for n in range(size):
            graded(db, names[n], lab, variant(lab, n), passed=n % 11 != 10 and n % 7 != 3)
        return graded(db, "alice", lab, variant(lab, 0), passed=True).id


def timed(client: httpx.Client, path: str) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - start, response


def test_student_pages_answer_quickly_while_a_class_report_of_200_is_built(tmp_path):
    course = Course.locate()
    lab = course.lab(HEAVY_LAB)
    db = tmp_path / "web.sqlite"
    alices = fill_gradebook(f"sqlite:///{db}", lab)
    with seqlab_serve(db, tmp_path / "serve.log") as base:
        teacher = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
        student = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
        sign_in(teacher, "teach", "teach-pass-1")
        sign_in(student, "alice", "alice-pass-1")
        student_pages = ["/", f"/labs/{lab.id}", f"/api/attempts/{alices}", f"/attempts/{alices}"]
        for path in student_pages:  # warm: templates compiled, connections open
            assert student.get(path).status_code == 200, path

        started = time.perf_counter()
        seconds, first = timed(teacher, f"/instructor/labs/{lab.id}")
        assert first.status_code == 202, first.text[:500]
        assert seconds < BLOCKED_SECONDS, f"the instructor's page took {seconds:.3f} s"
        assert "正在生成班级报告" in first.text  # the page says what is going on
        _refresh, again = refresh_of(first.text)
        latencies: list[tuple[float, str]] = []
        report = first
        while report.status_code == 202:
            assert time.perf_counter() - started < 300, "the class report took over 300 s"
            for path in student_pages:
                seconds, response = timed(student, path)
                assert response.status_code == 200, path
                latencies.append((seconds, f"{path} at {time.perf_counter() - started:.1f} s"))
            seconds, report = timed(teacher, again)  # what the page's reload asks
            latencies.append((seconds, "the instructor's reload"))
            time.sleep(0.05)
        built = time.perf_counter() - started
        times = sorted(seconds for seconds, _where in latencies)
        slowest = max(latencies)
        print(
            f"class report of {CLASS_SIZE} ({lab.id}): built in {built:.1f} s while "
            f"{len(times)} requests were answered: median {times[len(times) // 2] * 1000:.0f} "
            f"ms, 95% {times[int(len(times) * 0.95)] * 1000:.0f} ms, slowest "
            f"{slowest[0] * 1000:.0f} ms ({slowest[1]})"
        )
        assert report.status_code == 200
        assert built >= MIN_BUILD_SECONDS, f"the report took only {built:.2f} s: not heavy"
        assert len(latencies) >= MIN_REQUESTS
        assert times[int(len(times) * 0.95)] < STUDENT_PAGE_SECONDS
        assert slowest[0] < BLOCKED_SECONDS, f"{slowest[1]} took {slowest[0]:.3f} s"
        assert "s199" in report.text and "alice" in report.text
        check_report_policy(report)
        assert "'unsafe-inline'" not in student.get("/").headers["content-security-policy"]

        # From the cache (in either language), until the lab has a new graded attempt.
        seconds, cached = timed(teacher, f"/instructor/labs/{lab.id}")
        assert cached.status_code == 200 and seconds < REPORT_SECONDS
        assert "s200" not in cached.text
        teacher.get("/lang/en")
        seconds, english = timed(teacher, f"/instructor/labs/{lab.id}")
        assert english.status_code == 200 and seconds < REPORT_SECONDS
        assert 'lang="en"' in english.text
        with Session(engine_for(f"sqlite:///{db}")) as session, session.begin():
            graded(session, "s200", lab, variant(lab, 1), passed=True)
        # Newer results: the last report at once, saying it is being updated, while the new
        # one is built (only the new submission compared with the class: the memo).
        seconds, stale = timed(teacher, f"/instructor/labs/{lab.id}")
        assert stale.status_code == 200 and seconds < REPORT_SECONDS
        assert "being updated" in stale.text and "s200" not in stale.text
        assert "<main>" in stale.text and '<p class="updating" role="status"' in stale.text
        check_report_policy(stale)
        started = time.perf_counter()
        assert "s200" in class_report(teacher, lab.id).text
        rebuilt = time.perf_counter() - started
        print(f"rebuilt with one new submission in {rebuilt:.1f} s (first build {built:.1f} s)")


def test_a_failed_build_is_said_once_and_the_next_visit_builds_again(tmp_path):
    """A build that fails (here the lab's starter file is gone, so no blank can be read) is
    reported to the page that waited for it; the next visit starts a new build."""
    course = Course.locate()
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    fill_gradebook(url, course.lab(LAB_FOR_FAILURE), size=3)
    broken = dataclasses.replace(course.lab(LAB_FOR_FAILURE), course_root=tmp_path)
    reports = ClassReports(url)
    try:
        with Session(engine_for(url)) as db:
            key = report_key(db, broken)
        assert key[0] == 4
        waiting = reports.get(broken, key)
        assert isinstance(waiting, Preparing)
        deadline = time.monotonic() + 120
        with pytest.raises(ReportFailed):
            while time.monotonic() < deadline:
                assert isinstance(reports.get(broken, key, waiting.build), Preparing)
                time.sleep(0.2)
        again = reports.get(broken, key, waiting.build)
        assert isinstance(again, Preparing) and again.build > waiting.build
    finally:
        reports.close()


def test_built_reports_are_brought_up_to_date_in_the_background(tmp_path, monkeypatch):
    """After newer results, a quiet spell is enough: the report is rebuilt without a visit."""
    import graders.web.reports as reports_module

    monkeypatch.setattr(reports_module, "REFRESH_SECONDS", 0.3)
    course = Course.locate()
    lab = course.lab(LAB_FOR_FAILURE)
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    fill_gradebook(url, lab, size=3)
    reports = ClassReports(url)

    def key_now():
        with Session(engine_for(url)) as db:
            return report_key(db, lab)

    def wait_for(check, what: str):
        deadline = time.monotonic() + 120
        while not check():
            assert time.monotonic() < deadline, what
            time.sleep(0.2)

    try:
        first = reports.get(lab, key_now())
        assert isinstance(first, Preparing)
        wait_for(lambda: not isinstance(reports.get(lab, key_now()), Preparing), "first build")
        with Session(engine_for(url)) as session, session.begin():
            graded(session, "s200", lab, variant(lab, 1), passed=True)
        newer = key_now()
        wait_for(lambda: reports._ready[lab.id].key == newer, "no rebuild without a visit")
        report = reports.get(lab, newer)
        assert report.current and "s200" in report.pages["en"]
    finally:
        reports.close()


def test_a_lab_reaching_a_class_s_worth_of_results_is_built_before_anyone_opens_it(
    tmp_path, monkeypatch
):
    """A lab with few results at the server's start is watched: once it has a class's worth
    (PREBUILD_FROM rows), its first report is built at the next quiet spell, so the
    instructor's first opening is served at once, current."""
    import graders.web.reports as reports_module

    monkeypatch.setattr(reports_module, "REFRESH_SECONDS", 0.3)
    monkeypatch.setattr(reports_module, "PREBUILD_FROM", 4)
    course = Course.locate()
    lab = course.lab(LAB_FOR_FAILURE)
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    fill_gradebook(url, lab, size=2)  # 3 rows with alice's: fewer than a class's worth
    reports = ClassReports(url)
    try:
        reports.prebuild([lab])
        time.sleep(1.5)  # quiet spells pass: nothing to build yet
        assert lab.id not in reports._ready and lab.id not in reports._building
        with Session(engine_for(url)) as session, session.begin():
            graded(session, "s200", lab, variant(lab, 1), passed=True)
        deadline = time.monotonic() + 120
        while lab.id not in reports._ready:
            assert time.monotonic() < deadline, "never built without a visit"
            time.sleep(0.2)
        with Session(engine_for(url)) as db:
            report = reports.get(lab, report_key(db, lab))
        assert not isinstance(report, Preparing) and report.current
        assert "s200" in report.pages["en"]
    finally:
        reports.close()
