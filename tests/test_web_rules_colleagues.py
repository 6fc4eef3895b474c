"""Two instructors on the rules page (red team 15e): the form holds every setting and a save
replaces them all, so a page opened before a colleague's save is refused (409, the
instructor's entries kept, what is saved now shown) instead of silently wiping the colleague's
settings; and a "scores will change" confirmation never applies to saved rules other than the
ones it warned against."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from test_web_calendar import ROSTER, graded_at, signed_in, stamp
from test_web_rules_saves import rules_course
from web_helpers import LAB, class_report, course_app, revision_of, save_rules, serve

from graders.web.roster import import_roster, parse_roster

COLLEAGUE = "ta1,TA,ta1-pass-123,instructor\ncarl,Carl,carl-pass-12,student\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("colleagues")
    course = rules_course(root)
    url = f"sqlite:///{root / 'web.sqlite'}"
    app = course_app(course, ROSTER + COLLEAGUE, url)
    with serve(app) as base:
        yield base, url, course


def two(base: str, lang: str):
    (teach, t1), (ta, t2) = (
        signed_in(base, "teach", "teach-pass-1"),
        signed_in(base, "ta1", "ta1-pass-123"),
    )
    for client in (teach, ta):
        client.cookies.set("seqlab_lang", lang)
    return (teach, t1), (ta, t2)


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, (name, page)
    return found[1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_opened_before_a_colleague_s_save_never_wipes_it(site, lang):
    base, _url, _course = site
    (teach, t1), (ta, t2) = two(base, lang)
    opened = revision_of(teach.get("/instructor/rules").text)  # teach opens the page
    due = stamp(timedelta(days=4))
    extension = {"new_student": "alice", "new_item": "attention", "new_due": due}
    assert save_rules(ta, {"csrf": t2, **extension}).status_code == 200  # ta1 saves
    try:
        mine = {"csrf": t1, "revision": opened, "set|*|per_day": "20"}
        stale = teach.post("/instructor/rules", data=mine)  # teach, on the old page
        assert stale.status_code == 409, stale.text
        said = re.search(r'id="rules-error">(.*?)</p>', stale.text)[1]
        assert ("重新加载" if lang == "zh" else "reload it") in said
        assert field(stale.text, "set|*|per_day") == "20"  # the entry is kept
        assert field(stale.text, "ext|alice|attention") == due  # the colleague's is shown
        page = teach.get("/instructor/rules").text
        assert field(page, "ext|alice|attention") == due  # nothing was replaced
        assert field(page, "set|*|per_day") == ""  # nor saved
        # Saved again from the refused page: both settings are kept.
        again = {**mine, "revision": revision_of(stale.text), "ext|alice|attention": due}
        assert teach.post("/instructor/rules", data=again).status_code == 200
        page = teach.get("/instructor/rules").text
        assert field(page, "set|*|per_day") == "20" and field(page, "ext|alice|attention") == due
        # A colleague's change of a setting the instructor also typed is noted by the field.
        opened = revision_of(page)
        assert save_rules(ta, {"csrf": t2, "set|*|per_day": "30"}).status_code == 200
        clash = teach.post("/instructor/rules", data={**mine, "revision": opened})
        assert clash.status_code == 409 and field(clash.text, "set|*|per_day") == "20"
        note = re.search(r'class="meta now-saved">([^<]*)</small>', clash.text)
        assert note and "30" in note[1], clash.text
    finally:
        save_rules(teach, {"csrf": t1})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_confirmation_never_applies_to_rules_it_did_not_warn_against(site, lang):
    base, url, course = site
    graded_at(url, course, "bob", datetime.now(UTC) - timedelta(hours=3))  # late
    (teach, t1), (ta, t2) = two(base, lang)
    closed = {"csrf": t1, f"set|{LAB}|late_policy": "closed"}
    warned = teach.post(
        "/instructor/rules",
        data={**closed, "revision": revision_of(teach.get("/instructor/rules").text)},
    )
    assert warned.status_code == 409 and 'id="scores-warning"' in warned.text, warned.text
    confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', warned.text)[1]
    try:
        assert save_rules(ta, {"csrf": t2, "set|*|per_day": "50"}).status_code == 200
        # The warning page's Save: refused, nothing applied, the colleague's kept.
        stale = {**closed, "revision": revision_of(warned.text), "confirm": confirm}
        assert teach.post("/instructor/rules", data=stale).status_code == 409
        page = teach.get("/instructor/rules").text
        assert field(page, f"set|{LAB}|late_policy") == "" and field(page, "set|*|per_day") == "50"
        # Nor is the old confirmation taken against the new saved rules: warned again.
        fresh = {**closed, "revision": revision_of(page), "confirm": confirm}
        again = teach.post("/instructor/rules", data=fresh)
        assert again.status_code == 409 and 'id="scores-warning"' in again.text
        assert re.search(r'name="confirm" value="([0-9a-f]+)"', again.text)[1] != confirm
        assert field(teach.get("/instructor/rules").text, f"set|{LAB}|late_policy") == ""
    finally:
        save_rules(teach, {"csrf": t1})


@pytest.mark.parametrize("value", ["99999999999", "inf", "1e309", "nan", "-1"])
@pytest.mark.parametrize("item", ["*", "attention"])
def test_a_cool_down_out_of_bounds_is_refused_at_its_field_and_no_page_breaks(site, value, item):
    base, _url, course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    refused = save_rules(teach, {"csrf": token, f"set|{item}|cooldown_minutes": value})
    assert refused.status_code == 400, refused.text
    name = re.escape(f"set|{item}|cooldown_minutes")
    assert re.search(rf'name="{name}" value="{value}"[^>]*aria-invalid="true"', refused.text)
    assert "527040" in refused.text and str(course.root) not in refused.text
    for page in ("/", "/quizzes/attention"):
        assert teach.get(page).status_code == 200
    for field_, typed in (("per_day", "nan"), ("floor", "inf"), ("attempts", "1e309")):
        bad = save_rules(teach, {"csrf": token, f"set|{item}|{field_}": typed})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text, (field_, typed)
    assert save_rules(teach, {"csrf": token, "set|*|pass": "nan"}).status_code == 400


def test_an_extension_earlier_than_the_class_due_is_said_to_have_no_effect(site):
    base, _url, _course = site
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    due, early = stamp(timedelta(days=5)), stamp(timedelta(days=1))
    extension = {"new_student": "alice", "new_item": "attention", "new_due": early}
    assert (
        save_rules(teach, {"csrf": token, "set|attention|due": due, **extension}).status_code == 200
    )
    try:
        page = html.unescape(teach.get("/instructor/rules").text)
        assert "alice's extension of attention" in page and "has no effect" in page, page
        alice, _ = signed_in(base, "alice", "alice-pass-1")
        alice.cookies.set("seqlab_lang", "en")
        quiz = alice.get("/quizzes/attention").text
        assert "extended" not in quiz and f"Due {due[:10]}" in quiz, quiz
    finally:
        save_rules(teach, {"csrf": token})


def test_the_class_report_follows_a_role_change_on_the_roster(site):
    """A student re-imported as staff leaves the CSV; the web's class report, cached by what
    decides it, kept listing them: the roster's roles are part of that."""
    base, url, course = site
    graded_at(url, course, "alice", datetime.now(UTC) - timedelta(days=3))
    teach, _token = signed_in(base, "teach", "teach-pass-1")
    listed = re.compile(r'<th scope="row">(?:<a [^>]*>)?alice(?:</a>)?</th>')
    assert listed.search(class_report(teach).text)
    staff = ROSTER.replace(
        "alice,Alice,alice-pass-1,student", "alice,Alice,alice-pass-1,instructor"
    )
    import_roster(url, parse_roster(staff, "roster.csv"))
    try:
        assert not listed.search(class_report(teach).text)
        csv = teach.get("/instructor/scores.csv").text
        assert not any(line.startswith("alice,") for line in csv.splitlines())
    finally:
        import_roster(url, parse_roster(ROSTER + COLLEAGUE, "roster.csv"))  # carl too
    assert listed.search(class_report(teach).text)


def test_an_override_on_an_attempt_that_no_longer_counts_is_the_score_everywhere(site):
    """Late answers closed after staff set a score on a late attempt: the override is still
    the score of record, out of the lab's points, on every surface (record.py)."""
    base, url, course = site
    points = sum(t.points for t in course.lab(LAB).tests)
    attempt = graded_at(url, course, "carl", datetime.now(UTC) - timedelta(hours=3))  # late
    teach, token = signed_in(base, "teach", "teach-pass-1")
    teach.cookies.set("seqlab_lang", "en")
    given = f"{points * 0.45:g}"
    set_ = {"csrf": token, "lab": LAB, "score": given, "reason": "oral exam"}
    assert teach.post("/instructor/students/carl/override", data=set_).status_code == 200
    closed = save_rules(teach, {"csrf": token, f"set|{LAB}|late_policy": "closed"})
    assert closed.status_code == 200, closed.text
    try:
        shown = f"{given}/{points:g}"
        carl, _ = signed_in(base, "carl", "carl-pass-12")
        carl.cookies.set("seqlab_lang", "en")
        for page in (carl.get(f"/labs/{LAB}").text, carl.get("/").text):
            assert shown in html.unescape(re.sub(r"<[^>]+>|\s+", " ", page)).replace(" / ", "/")
        staff = teach.get("/instructor/students/carl").text
        assert shown in re.sub(r"<[^>]+>|\s+", "", staff) and f"{given}/0" not in staff
        data = carl.get(f"/api/attempts/{attempt}").json()
        assert f"{given}/0" not in str(data), data
        csv = teach.get("/instructor/scores.csv").text
        row = next(line for line in csv.splitlines() if line.startswith("carl,"))
        assert given in row.split(","), row
        assert re.search(
            r'<th scope="row">(?:<a [^>]*>)?carl(?:</a>)?</th>', class_report(teach).text
        )
    finally:
        save_rules(teach, {"csrf": token})
