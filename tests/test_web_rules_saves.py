"""The rules page (日历与规则) against the real server, red team 15d: a refused save leaves
nothing behind (the next valid save works, the page shows the file's own values); a bad value
saved on the web is the page's, never seqlab.toml's with the server's path; a due typed past
the file's lock is named as what to fix; with late answers closed a quiz's key shows after the
last due time, not the lock; the class report follows every change of a score of record
(override, rules change, a chosen grade), as the CSV does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_web_calendar import ROSTER, calendar_course, graded_at, signed_in, stamp
from web_helpers import LAB, class_report, course_app, refresh_of, revision_of, save_rules, serve

from graders.spec import Course
from graders.store.calendar import CLOSED, Calendar, LatePolicy, Window

FILE_DUE = "2026-09-18 23:59:00"  # bob's extension in the file: shown as the file's value
# (earlier than the lab's due, so it extends nothing: an extension never shortens a due)


def rules_course(root: Path) -> Course:
    course = calendar_course(root)
    config = root / "seqlab.toml"
    extra = f'[scores.labs]\nattention = "last"\n[extensions.bob]\n{LAB} = {FILE_DUE}\n'
    # 25 % a day: two started days late keep the floor, 50 %.
    text = config.read_text(encoding="utf-8").replace("per_day = 10", "per_day = 25")
    config.write_text(text + extra, encoding="utf-8")
    return course


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules-course")
    course = rules_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    app = course_app(course, ROSTER, url)
    with serve(app) as base:
        yield base, url, course


def saved(teach, token: str, **fields: str):
    """Saved, confirmed when the change moves recorded scores (web_helpers.save_rules)."""
    return save_rules(teach, {"csrf": token, **fields})


def posted(teach, token: str, **fields: str):
    """Posted once, as the page's Save button does."""
    revision = revision_of(teach.get("/instructor/rules").text)
    return teach.post("/instructor/rules", data={"csrf": token, "revision": revision, **fields})


def new_extension(student: str, item: str, due: str) -> dict[str, str]:
    return {"new_student": student, "new_item": item, "new_due": due}


BAD = {  # every kind of bad value the page can be sent, each a 400 by itself
    "a file extension's date": {f"ext|bob|{LAB}": "tomorrow"},
    "a web extension's date": new_extension("alice", LAB, "garbage"),
    "an extension's item": new_extension("alice", "rnn-nump", stamp(timedelta(days=1))),
    "an extension's student": new_extension("alcie", LAB, stamp(timedelta(days=1))),
    "a late policy": {"set|*|late_policy": "lenient"},
    "an item's late policy": {"set|attention|late_policy": "lenient"},
    "a percentage": {"set|*|per_day": "150"},
    "an item's rule": {"set|attention|of_record": "worst"},
    "the course's rule": {"set|*|of_record": "worst"},
    "a lock": {f"set|{LAB}|lock": "tuesday"},
    "a requirement": {"set|attention|requires": "rnn-nump"},
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_refused_save_leaves_nothing_behind(site, kind):
    base, _url, course = site
    before = (course.root / "seqlab.toml").read_text(encoding="utf-8")
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    refused = saved(teach, token, **BAD[kind])
    assert refused.status_code == 400, refused.text
    assert "seqlab.toml, line" not in refused.text and str(course.root) not in refused.text
    # The same server takes a valid save next, and the page shows the file's own values.
    good = saved(teach, token, **{"set|*|per_day": "15"})
    assert good.status_code == 200 and "Saved" in good.text, good.text
    page = teach.get("/instructor/rules").text
    assert 'name="set|*|per_day" value="15"' in page
    assert f'name="ext|bob|{LAB}" value="" placeholder="{FILE_DUE}"' in page
    assert 'name="set|attention|of_record" value="" placeholder="last"' in page
    for value in ("tomorrow", "garbage", "rnn-nump", "alcie", "lenient", "worst", "tuesday"):
        alone = rf"(?<![\w-]){value}(?![\w-])"
        assert not re.search(alone, page.split('id="rules-form"')[1]), (kind, value)
    assert saved(teach, token).status_code == 200  # cleared: the file's rules again
    assert (course.root / "seqlab.toml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_rule_saved_on_the_web_is_the_page_s_not_the_file_s(site, lang):
    base, _url, course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", lang)
    page = "课程规则页" if lang == "zh" else "The course rules page"
    for field in ("set|*|of_record", f"set|{LAB}|of_record", "set|attention|of_record"):
        refused = saved(teach, token, **{field: "worst"})
        assert refused.status_code == 400
        error = re.search(
            r'<p class="problem" role="alert" id="rules-error">(.*?)</p>', refused.text
        )
        assert error and page in error[1] and "worst" in error[1], refused.text
        assert str(course.root) not in refused.text and "seqlab.toml" not in error[1]
        assert '"best"' in error[1] or "&#34;best&#34;" in error[1]  # the fix: best or last
        # Shown next to its field.
        item = field.split("|")[1]
        invalid = rf'name="set\|{re.escape(item)}\|of_record" value="worst"[^>]*aria-invalid="true"'
        assert re.search(invalid, refused.text), field


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_due_past_the_file_s_lock_names_the_due_and_where_the_lock_comes_from(site, lang):
    base, _url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", lang)
    due = stamp(timedelta(days=1))  # the file's lock was an hour ago
    refused = saved(teach, token, **{f"set|{LAB}|due": due})
    assert refused.status_code == 400
    error = re.search(r'id="rules-error">(.*?)</p>', refused.text)[1]
    assert f"calendar.{LAB}.due</code>" in error or f"`calendar.{LAB}.due`" in error, error
    assert due in error and f"calendar.{LAB}.lock" in error and "seqlab.toml" in error
    where = "seqlab.toml 第" if lang == "zh" else "seqlab.toml, line"
    assert where in error and str(_course.root) not in refused.text  # no server path
    assert ("本页" if lang == "zh" else "on this page") in error
    assert re.search(rf'name="set\|{LAB}\|due" value="[^"]+"[^>]*aria-invalid="true"', refused.text)
    # Both typed on the page and out of order: the lock is still the one named.
    both = saved(teach, token, **{f"set|{LAB}|due": due, f"set|{LAB}|lock": stamp(timedelta(0))})
    assert both.status_code == 400
    assert re.search(rf'name="set\|{LAB}\|lock" value="[^"]+"[^>]*aria-invalid="true"', both.text)


@pytest.mark.parametrize("policy", ["closed", "penalty"])
def test_the_course_wide_late_policy_of_the_file_and_of_the_page_applies(tmp_path, policy):
    """[late] policy was read under the item's name (late_policy) and so never applied: a
    course closed to late answers took them in full."""
    from graders.store.course_config import Override
    from graders.store.record import rules_for

    (tmp_path / "seqlab.toml").write_text(f'[late]\npolicy = "{policy}"\n', encoding="utf-8")
    assert rules_for(tmp_path).calendar.late.mode == policy
    other = "penalty" if policy == "closed" else "closed"
    web = [Override("*", "", "late_policy", other)]
    assert rules_for(tmp_path, web).calendar.late.mode == other


def test_with_late_answers_closed_the_key_shows_after_the_last_due_not_the_lock():
    at = datetime(2026, 9, 20, tzinfo=UTC)
    due, lock = at - timedelta(days=2), at + timedelta(days=5)
    closed = Calendar(windows={"q": Window(due=due, lock=lock)}, late=LatePolicy(CLOSED))
    assert closed.closes_at("q") == due and closed.answers_shown("bob", "q", at)
    extended = Calendar(
        windows={"q": Window(due=due, lock=lock)},
        late=LatePolicy(CLOSED),
        extensions={("bob", "q"): at + timedelta(days=1)},
    )
    assert extended.closes_at("q") == at + timedelta(days=1)
    assert not extended.answers_shown("alice", "q", at)  # bob's answer may still count
    past_lock = Calendar(
        windows={"q": Window(due=due, lock=lock)},
        late=LatePolicy(CLOSED),
        extensions={("bob", "q"): lock + timedelta(days=1)},
    )
    assert past_lock.closes_at("q") == lock + timedelta(days=1)
    penalty = Calendar(windows={"q": Window(due=due, lock=lock)})
    assert penalty.closes_at("q") == lock and not penalty.answers_shown("bob", "q", at)


def test_the_quiz_page_says_the_key_is_shown_once_closed_answers_cannot_count(site):
    base, _url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    past = {"set|attention|due": stamp(-timedelta(hours=2))}
    later = {"set|attention|lock": stamp(timedelta(days=5))}
    assert saved(teach, token, **past, **later).status_code == 200
    try:
        alice, _token = signed_in(base, "alice", "alice-pass-1")
        page = alice.get("/quizzes/attention").text
        assert "正确答案与解析已公布" in page and "后公布" not in page, page
        extension = new_extension("bob", "attention", stamp(timedelta(days=1)))
        assert saved(teach, token, **past, **later, **extension).status_code == 200
        page = alice.get("/quizzes/attention").text  # bob's answer may still count
        assert "正确答案与解析已公布" not in page and "后公布" in page
        assert extension["new_due"][:10] in page.split("后公布")[0][-80:]
    finally:
        saved(teach, token)


def total_of(report: str, student: str) -> str:
    found = re.search(
        rf'<th scope="row">(?:<a [^>]*>)?{student}(?:</a>)?</th>'
        r'.*?<td class="total[^"]*">([^<]+)</td>',
        report,
        re.S,
    )
    assert found, report[-2000:]
    return found[1]


def failed_at(url: str, course: Course, student: str, when: datetime) -> int:
    """A no-marks attempt and its gradebook row handed in at `when`; the row's id."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session
    from test_web_responsive import graded

    from graders.store.tables import Grade
    from graders.web.models import engine_for

    with Session(engine_for(url)) as db:
        attempt = graded(db, student, course.lab(LAB), f"# {student} {when} 0\n", passed=False)
        attempt.created_at = when
        db.flush()
        row = db.scalars(select(Grade).where(Grade.source.like(f"web:attempt/{attempt.id}/%")))
        grade = row.one()
        grade.submitted_at = when
        db.commit()
        return grade.id


def test_the_class_report_follows_every_change_of_a_score_of_record(site):
    """Overridden, the override removed, a grade chosen, a rules change: each shows at the
    next opening of the report, also at the address the "being prepared" page reloaded to."""
    from graders.store.gradebook import Gradebook

    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    full, three_days = f"{points:g}/{points:g}", datetime.now(UTC) - timedelta(days=3)
    graded_at(url, course, "alice", three_days - timedelta(hours=1))  # on time
    failed = failed_at(url, course, "alice", three_days)
    graded_at(url, course, "bob", datetime.now(UTC) - timedelta(hours=2))  # late: 50 % kept
    teach, token = signed_in(base, "teach", "teach-pass-1")
    preparing = teach.get(f"/instructor/labs/{LAB}")
    waited = f"/instructor/labs/{LAB}"
    if preparing.status_code == 202:  # the address the page reloads to: ?build=<its build>
        waited = refresh_of(preparing.text)[1]
    report = class_report(teach).text
    assert total_of(report, "alice") == full  # best
    assert total_of(report, "bob") == f"{points / 2:g}/{points:g}"

    def shown(student: str) -> str:
        # Reopened as the browser left it first: a new report, or the last said to be updating.
        again = teach.get(waited)
        total = total_of(class_report(teach).text, student)
        assert (
            again.status_code == 202
            or "data-report-stale" in again.text
            or (total_of(again.text, student) == total)
        ), waited
        return total

    form = {"csrf": token, "lab": LAB, "score": "3", "reason": "copied"}
    assert teach.post("/instructor/students/alice/override", data=form).status_code == 200
    assert shown("alice") == f"3/{points:g}"
    page = teach.get("/instructor/students/alice").text
    remove = re.search(r'action="(/instructor/students/alice/overrides/\d+/remove)"', page)[1]
    assert teach.post(remove, data={"csrf": token}).status_code == 200
    assert shown("alice") == full
    book = Gradebook(url)
    try:
        book.choose(failed)  # an instructor's choice (seqlab gradebook choose)
        assert shown("alice") == f"0/{points:g}"
        book.choose(next(g.id for g in book.rows(LAB, "alice") if g.id != failed))
        assert shown("alice") == full
    finally:
        book.close()
    # An extension given on the page: bob's attempt on time.
    extension = {f"ext|bob|{LAB}": stamp(timedelta(days=1))}
    assert saved(teach, token, **extension).status_code == 200
    assert shown("bob") == full
    # A rules change (bob's page extension cleared with it): a lower floor for his late one.
    lower = {"set|*|floor": "30", "set|*|per_day": "35"}
    assert saved(teach, token, **lower).status_code == 200
    try:
        assert shown("bob") == f"{points * 0.3:g}/{points:g}"
        csv = teach.get("/instructor/scores.csv").text  # the CSV says the same
        row = next(line for line in csv.splitlines() if line.startswith("bob,"))
        assert f"{points * 0.3:g}" in row.split(","), row
    finally:
        saved(teach, token)
    assert shown("alice") == full and shown("bob") == f"{points / 2:g}/{points:g}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_change_that_moves_recorded_scores_is_said_before_it_is_saved(site, lang):
    """Late answers closed after a late attempt: that attempt no longer counts (the rules
    apply to every attempt). The page says whose scores change and saves only when the same
    change is saved again; a change that moves none is saved at once."""
    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    graded_at(url, course, "bob", datetime.now(UTC) - timedelta(hours=3))  # late
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", lang)

    def bob_row() -> list[str]:
        csv = teach.get("/instructor/scores.csv").text
        return next(line for line in csv.splitlines() if line.startswith("bob,")).split(",")

    assert f"{points * 0.5:g}" in bob_row()  # two started days late: the floor
    closed = {f"set|{LAB}|late_policy": "closed"}
    warned = posted(teach, token, **closed)
    assert warned.status_code == 409, warned.text
    said = re.search(r'id="scores-warning">(.*?)</p>', warned.text)[1]
    assert "bob" in said and ("1 名学生" if lang == "zh" else "1 student") in said
    assert 'name="set|rnn-numpy|late_policy" value="closed"' in warned.text  # kept
    page = teach.get("/instructor/rules").text
    assert f'name="set|{LAB}|late_policy" value=""' in page  # not saved yet
    confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', warned.text)[1]
    other = posted(teach, token, **closed, **{"set|*|per_day": "20"}, confirm=confirm)
    assert other.status_code == 409  # another change than the one warned of: said again
    try:
        done = posted(teach, token, **closed, confirm=confirm)
        assert done.status_code == 200 and 'class="ok"' in done.text
        assert f"{points * 0.5:g}" not in bob_row()  # not counted
    finally:
        saved(teach, token)
    assert f"{points * 0.5:g}" in bob_row()
    unmoved = posted(teach, token, **{"set|sequence-models|attempts": "9"})  # no score moves
    assert unmoved.status_code == 200 and 'id="scores-warning"' not in unmoved.text
    assert posted(teach, token).status_code == 200
