"""The class report (graders/batch/class_report.py): real gradings of 15 rnn-numpy
submissions rendered to one HTML page, opened in a real headless Chromium: from a file, and
served over loopback with the web's policy (its style allowed by hash, nothing inline else).

Chromium comes from Debian (`make system`); without it the browser test fails, it never
skips: an instructor's page nobody opened in a browser is not tested.
"""

import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from datetime import datetime
from pathlib import Path

import pytest

from graders.batch.class_report import GENERATOR, ClassRecord, render_class_report
from graders.batch.similarity import DEFAULT_THRESHOLD, compare
from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.messages import say
from graders.results import LabResult
from graders.submission import Submission, read_text
from graders.web.headers import REPORT_POLICY

REFERENCE_LOOP = """        h = np.zeros((self.Whh.shape[0], 1))
        for x in inputs:
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
        y = self.Why @ h + self.by
        return y, h
"""
# Wrong variants made by editing the reference's blank; each gets a distinct verdict.
TRUNCATED = """        h = np.zeros((self.Whh.shape[0], 1))
        for x in inputs[:4]:
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
        y = self.Why @ h + self.by
        return y, h
"""
TRUNCATED_COPY = """        state = np.zeros((self.Whh.shape[0], 1))  # h0
        for v in inputs[:4]:
            state = np.tanh(self.Wxh @ v + self.Whh @ state + self.bh)
        out = self.Why @ state + self.by
        return out, state
"""
RENAMED_REFERENCE = """        hid = np.zeros((self.Whh.shape[0], 1))
        for item in inputs:
            hid = np.tanh(self.Wxh @ item + self.Whh @ hid + self.bh)
        return self.Why @ hid + self.by, hid
"""
ENDLESS = """        while True:
            pass
"""
SHAPES = """        h = np.zeros((self.Whh.shape[0], 1))
        for x in inputs:
            h = np.tanh(self.Wxh @ h + self.Whh @ x + self.bh)
        y = self.Why @ h + self.by
        return y, h
"""
DEBUG_PRINT = """        h = np.zeros((self.Whh.shape[0], 1))
        for x in inputs:
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
            print("debug", h.shape)
        y = self.Why @ h + self.by
        return y, h
"""
CORPUS = (
    "good_seed_style",
    "good_row_vectors",
    "h_not_carried",
    "whh_transposed",
    "no_hidden_bias",
    "returns_h_y",
    "output_without_tanh_state",
)
# The one hidden set's expected output line that no page may show.
HIDDEN_CANARY = "h_1 0.980958 0.868997"


@pytest.fixture(scope="module")
def rnn(course):
    return course.lab("rnn-numpy")


@pytest.fixture(scope="module")
def submissions(rnn) -> list[tuple[str, str]]:
    reference = read_text(rnn.solution_path)
    assert REFERENCE_LOOP in reference
    entries = {entry.name: corpus_program(reference, entry) for entry in load_corpus(rnn)}
    texts = [reference, read_text(rnn.starter_path)]
    texts += [entries[name] for name in CORPUS]
    texts += [
        reference.replace(REFERENCE_LOOP, body)
        for body in (TRUNCATED, TRUNCATED_COPY, RENAMED_REFERENCE, ENDLESS, SHAPES, DEBUG_PRINT)
    ]
    return [(f"2024{index:03d}", text) for index, text in enumerate(texts, start=1)]


@pytest.fixture(scope="module")
def records(rnn, submissions) -> list[ClassRecord]:
    """Graded for real; every other result read back from its stored shape, as the gradebook
    hands it over."""
    out = []
    for index, (student, text) in enumerate(submissions):
        result = grade_submission(
            rnn, Submission(rnn.solution_path.with_name(f"{student}.py"), text), include_hidden=True
        )
        stored = LabResult.from_dict(json.loads(json.dumps(result.to_dict())))
        out.append(ClassRecord(student, result if index % 2 else stored, text))
    return out


@pytest.fixture(scope="module")
def similarity(rnn, records):
    return compare(rnn, [(r.student, r.text) for r in records], DEFAULT_THRESHOLD)


def verdicts(record: ClassRecord) -> list[str]:
    result = record.result
    if isinstance(result, dict):
        return [test["verdict"] for test in result["tests"]]
    return [test.verdict.code for test in result.tests]


def test_the_class_has_the_mix_the_report_must_show(records, similarity):
    codes = {code for record in records for code in verdicts(record)}
    assert {"AC", "WA", "RE", "TLE"} <= codes
    by_student = {record.student: verdicts(record) for record in records}
    assert set(by_student["2024010"]) == {"AC", "WA"}  # the truncated loop: partial credit
    assert by_student["2024013"] == ["TLE"] * 5
    pairs = {(pair.a, pair.b) for pair in similarity.pairs}
    assert ("2024010", "2024011") in pairs  # the shared unusual mistake
    # The reference itself only: a renamed copy (2024012) and a wrong answer that equals the
    # reference once names are normalised (2024008 returns h, y) are not "the reference".
    assert similarity.matches_reference == ("2024001",)
    assert ("2024001", "2024008") in pairs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_label_follows_the_language_and_nothing_is_loaded(rnn, records, similarity, lang):
    page = render_class_report(rnn, records, similarity, lang)
    for key in (
        "report.class_histogram",
        "report.class_pass_rate",
        "report.class_time",
        "report.class_verdicts",
        "report.class_similarity",
        "report.class_student",
    ):
        assert say(key, lang) in page, key
    other = "zh" if lang == "en" else "en"
    assert say("report.class_histogram", other) not in page
    assert rnn.title[lang] in page
    # Self-contained: no script, no link, no URL of any kind; no style attribute (the web's
    # policy allows the one <style> element by its hash, and nothing else inline).
    for pattern in ("<script", "<link", "src=", "href=", "url(", "@import", "http"):
        assert pattern not in page, pattern
    assert not re.search(r"\sstyle=", page)
    assert page.count("<style") == 1
    assert f'content="{GENERATOR}"' in page


def test_hidden_sets_show_a_verdict_and_never_their_data(rnn, records, similarity):
    page = render_class_report(rnn, records, similarity, "en")
    assert HIDDEN_CANARY not in page
    # Even a gradebook row that wrongly kept a hidden set's data cannot leak it.
    leaky = LabResult.from_dict(
        {
            "format": 1,
            "lab": rnn.id,
            "kind": "lab",
            "title": rnn.title,
            "file": "x.py",
            "isolation": {"level": "strong", "layers": []},
            "execution_time": 1.0,
            "tests": [
                {
                    "name": "hidden-1",
                    "score": 0,
                    "max_score": 20,
                    "verdict": "WA",
                    "hidden": True,
                    "input": "SECRET-INPUT",
                    "expected": HIDDEN_CANARY,
                    "actual": "SECRET-ACTUAL",
                }
            ],
        }
    )
    page = render_class_report(rnn, [ClassRecord("x", leaky, None)], None, "en")
    assert "WA" in page
    for secret in ("SECRET-INPUT", HIDDEN_CANARY, "SECRET-ACTUAL"):
        assert secret not in page


def test_student_ids_are_escaped(rnn, records):
    evil = ClassRecord("<img onerror=alert(1)>", records[0].result, None)
    page = render_class_report(rnn, [evil], None, "en")
    assert "<img" not in page
    assert "&lt;img onerror=alert(1)&gt;" in page


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Chromium is not installed: run `make system` (Debian's chromium package) to test "
            "the class report in a real browser."
        )
    return path


def browse(page: Path | str, tmp_path, *flags: str) -> subprocess.CompletedProcess:
    """Chromium opens `page`: a file, or a URL."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *flags,
        page.as_uri() if isinstance(page, Path) else page,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_renders_in_headless_chromium(rnn, records, similarity, tmp_path, lang):
    page_path = tmp_path / f"class-report-{lang}.html"
    page_path.write_text(
        render_class_report(
            rnn, records, similarity, lang, generated=datetime(2025, 1, 15, 21, 30)
        ),
        encoding="utf-8",
    )
    screenshot = tmp_path / f"class-report-{lang}.png"
    shot = browse(page_path, tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000")
    assert screenshot.is_file(), shot.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000, len(data)
    print(f"class report screenshot ({lang}): {screenshot}")

    dom = browse(page_path, tmp_path, "--dump-dom").stdout
    # What the browser built, not what we wrote: three charts, their bars, the table.
    assert dom.count('<svg class="chart"') == 3
    bars = re.findall(r'<rect class="bar (full|partial|zero)"', dom)
    assert len(bars) == 11 + len(rnn.tests) + len(records)
    assert dom.count('<td class="verdict"') == len(records) * len(rnn.tests)
    for record in records:
        assert f'<th scope="row">{record.student}</th>' in dom
    assert "2024010</td><td>2024011</td>" in dom  # the similar pair's row
    assert say("report.class_title", lang, title=rnn.title[lang], lab=rnn.id) in dom
    assert say("report.class_summary", lang, count=15, date="2025-01-15 21:30") in dom


# Loaded first by the served page: it records every CSP violation, and once the page has
# loaded, the style sheets the browser kept and a few computed colours.
PROBE = """
const seen = [];
document.addEventListener("securitypolicyviolation", (event) => {
  seen.push(event.effectiveDirective);
  document.documentElement.dataset.violations = seen.join(" ");
});
window.addEventListener("load", () => {
  const colour = (selector, property) =>
    getComputedStyle(document.querySelector(selector)).getPropertyValue(property);
  document.documentElement.dataset.probe = JSON.stringify({
    rules: Array.from(document.styleSheets, (sheet) => sheet.cssRules.length),
    page: colour("body", "background-color"),
    accepted: colour('td.verdict[data-verdict="AC"]', "background-color"),
    wrong: colour('td.verdict[data-verdict="WA"]', "background-color"),
    full: colour("rect.bar.full", "fill"),
    total: colour("td.total.zero", "border-left-color"),
  });
});
"""


def served(page: str, policy: str, tmp_path) -> tuple[dict, str]:
    """The page as the web serves it (its policy in the header), with the probe script added
    (same origin, which the policy allows), opened by Chromium over loopback: (what the probe
    saw, the violated directives)."""
    tag = '<meta charset="utf-8"><script src="/p.js"></script>'
    body = page.replace('<meta charset="utf-8">', tag, 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            script = self.path == "/p.js"
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript" if script else "text/html")
            self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            self.wfile.write((PROBE if script else body).encode("utf-8"))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/report"
        dom = browse(url, tmp_path, "--dump-dom").stdout
    finally:
        server.shutdown()
        thread.join()
    root = re.search(r"<html[^>]*>", dom)[0]
    probe = re.search(r'data-probe="([^"]*)"', root)
    violations = re.search(r'data-violations="([^"]*)"', root)
    assert probe, dom[:500]  # the probe ran
    return json.loads(html.unescape(probe[1])), violations[1] if violations else ""


def test_served_with_the_webs_policy_the_report_is_styled_and_violates_nothing(
    rnn, records, similarity, tmp_path
):
    """REPORT_POLICY allows no 'unsafe-inline': the page's one <style> by its hash alone."""
    assert "'unsafe-inline'" not in REPORT_POLICY
    page = render_class_report(rnn, records, similarity, "en")
    probe, violations = served(page, REPORT_POLICY, tmp_path)
    assert violations == ""
    assert len(probe["rules"]) == 1 and probe["rules"][0] > 20, probe  # class_report.css
    assert probe["page"] == "rgb(246, 247, 249)"
    assert probe["accepted"] == "rgb(200, 230, 201)" and probe["wrong"] == "rgb(255, 205, 210)"
    assert probe["full"] == "rgb(67, 160, 71)" and probe["total"] == "rgb(229, 57, 53)"
    # The probe sees a refusal: a policy naming another text's hash leaves the page unstyled.
    other = REPORT_POLICY.replace("'sha256-", "'sha256-A", 1)
    probe, violations = served(page, other, tmp_path)
    assert violations == "style-src-elem" and probe["rules"] == [], probe
    assert probe["page"] == "rgba(0, 0, 0, 0)"


def test_seqlab_report_reads_the_gradebook_and_writes_page_and_csv(tmp_path, capsys, rnn):
    from graders.cli import main

    reference = read_text(rnn.solution_path)
    folder = tmp_path / "submitted"
    folder.mkdir()
    wrong = reference.replace(REFERENCE_LOOP, TRUNCATED)
    (folder / "ann.py").write_text(reference, encoding="utf-8")
    (folder / "ben.py").write_text(wrong, encoding="utf-8")
    (folder / "cat.py").write_text(reference.replace(REFERENCE_LOOP, TRUNCATED_COPY), "utf-8")
    (folder / "dan.py").write_text(reference.replace("########## End ##########", ""), "utf-8")
    db = tmp_path / "book.sqlite"
    grade = ["--lang", "en", "grade", str(folder), "--lab", rnn.id, "--db", str(db)]
    assert main([*grade, "--workers", "1"]) == 1  # below full marks
    html, pairs = tmp_path / "class.html", tmp_path / "pairs.csv"
    report = ["--lang", "en", "report", "--db", str(db), "--lab", rnn.id, "--html", str(html)]
    capsys.readouterr()
    assert main([*report, "--similarity-csv", str(pairs)]) == 0
    out = capsys.readouterr().out
    assert str(html) in out and str(pairs) in out
    page = html.read_text(encoding="utf-8")
    for student in ("ann", "ben", "cat", "dan"):
        assert f'<th scope="row">{student}</th>' in page
    assert "ben</td><td>cat</td>" in page  # the shared mistake, found from the files' text
    assert say("report.class_not_compared", "en", students="dan") in page  # broken markers
    assert pairs.read_text(encoding="utf-8").splitlines()[1].startswith("ben,cat,1.000,")
    # Its own page and CSV are replaced on the next run; a file of the user's never is.
    assert main([*report, "--similarity-csv", str(pairs)]) == 0
    mine = tmp_path / "mine.html"
    mine.write_text("my notes", encoding="utf-8")
    capsys.readouterr()
    assert main([*report[:-1], str(mine)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "my notes"
    # Bad input: one paragraph, exit 2.
    assert main([*report, "--threshold", "3"]) == 2
    assert "--threshold" in capsys.readouterr().err
    missing = ["--lang", "en", "report", "--db", str(tmp_path / "none.sqlite"), "--lab", rnn.id]
    assert main([*missing, "--html", str(tmp_path / "x.html")]) == 2
    assert not (tmp_path / "x.html").exists()
    other = ["--lang", "en", "report", "--db", str(db), "--lab", "gru-step", "--html", "y.html"]
    assert main(other) == 2
    assert "holds no results for lab gru-step" in capsys.readouterr().err


def test_the_class_report_counts_the_score_of_record_of_a_late_submission(tmp_path, capsys, rnn):
    """Totals, averages and the distribution read the score of record (late penalty, staff
    adjustments), as every page and export does, and the report says so."""
    from sqlalchemy import create_engine, text

    from graders.cli import main

    folder = tmp_path / "submitted"
    folder.mkdir()
    (folder / "ann.py").write_text(read_text(rnn.solution_path), encoding="utf-8")
    db = tmp_path / "book.sqlite"
    grade = ["--lang", "en", "grade", str(folder), "--lab", rnn.id, "--db", str(db)]
    assert main([*grade, "--workers", "1"]) == 0
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # handed in three started days after the due time
        connection.execute(text("UPDATE seqlab_grades SET submitted_at = '2026-03-04 12:00:00'"))
    engine.dispose()
    course = tmp_path / "course"
    shutil.copytree(rnn.course_root / "graders" / "labs", course / "graders" / "labs")
    for part in ("exercises", "solutions"):
        shutil.copytree(rnn.course_root / part / rnn.id, course / part / rnn.id)
    (course / "seqlab.toml").write_text(
        '[course]\ntimezone = "Asia/Shanghai"\n'
        f'[late]\nper_day = 25\n[calendar.{rnn.id}]\ndue = "2026-03-01T23:59:00+00:00"\n',
        encoding="utf-8",
    )
    html_path = tmp_path / "class.html"
    report = ["--lang", "en", "report", "--db", str(db), "--lab", rnn.id, "--course", str(course)]
    assert main([*report, "--html", str(html_path)]) == 0, capsys.readouterr()
    page = html_path.read_text(encoding="utf-8")
    top = sum(t.points for t in rnn.tests)
    assert f"{top * 0.25:g}/{top:g}" in page and f">{top:g}/{top:g}<" not in page
    assert say("report.class_of_record", "en") in page
    assert "(Asia/Shanghai)" in page  # "generated" on the course's clock, its zone named


def test_the_generated_time_is_on_the_course_s_clock(rnn, records):
    from zoneinfo import ZoneInfo

    from graders.store.calendar import UTC_ZONE

    at = datetime(2025, 1, 15, 21, 30, tzinfo=UTC_ZONE)
    page = render_class_report(
        rnn, records, None, "en", generated=at, zone=ZoneInfo("Asia/Shanghai")
    )
    assert "2025-01-16 05:30 (Asia/Shanghai)" in page
    assert "2025-01-15 21:30 (UTC)" in render_class_report(rnn, records, None, "en", generated=at)
