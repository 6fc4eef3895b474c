"""Common mistakes in the class report (issue 18 item 5): the pure clustering of wrong answers
(graders/batch/clusters.py), and the report's section (cluster_view.py) on a small class of
rnn-numpy submissions graded for real in a course copy whose hidden sets carry a canary."""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from batch_helpers import LEAKER, REFERENCE, STEP, blank

from graders.batch.class_report import ClassRecord, class_report_view, render_class_report
from graders.batch.cluster_view import CSRF_SLOT
from graders.batch.clusters import CRASH, HIDDEN, OUTPUT, VERDICT, normalised, set_clusters
from graders.course.corpus import corpus_program, load_corpus
from graders.course.records import entry_grading, record_entry
from graders.engine import grade_submission
from graders.markers import parse
from graders.mistakes import load_records
from graders.results import TestResult as SetResult
from graders.spec import Course
from graders.submission import Submission
from graders.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
LAB = "rnn-numpy"
CANARY = f"seqlab-cluster-canary-{uuid.uuid4().hex[:12]}"
FLOATS = {"atol": 1e-6, "rtol": 1e-6}
NOT_CARRIED = {"zh": "隐状态没有逐步传下去", "en": "hidden state not carried from step to step"}
WA, RE = Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR


def wrong(actual: str, mistake: dict | None = None, **fields) -> SetResult:
    fields = {"comparator": "floats", "options": FLOATS, **fields}
    return SetResult(
        "set", fields.pop("verdict", WA), 0, 20, actual=actual, mistake=mistake, **fields
    )


# --- the pure clustering ------------------------------------------------------------------------


def test_a_signature_is_the_output_as_the_sets_comparator_sees_it():
    # floats: numbers within the set's tolerance, and spacing, do not tell outputs apart …
    assert normalised("floats", FLOATS, "h_1 0.1234564\ny 2\n") == normalised(
        "floats", FLOATS, "h_1   0.1234562 y 2.0000000"
    )
    # … a difference the comparator would see does, and -0 is 0.
    assert normalised("floats", FLOATS, "0.123456") != normalised("floats", FLOATS, "0.123466")
    assert normalised("floats", FLOATS, "-0.0000001") == normalised("floats", FLOATS, "0.0")
    # A coarser tolerance rounds coarser; a large value's relative part counts too.
    assert normalised("floats", {"atol": 1e-2, "rtol": 0}, "3.14159") == "3.14"
    assert normalised("floats", {"atol": 0, "rtol": 1e-3}, "1234.5678") == "1235"
    # tokens: spacing collapsed; lines: line ends and trailing blank lines only; exact: as is.
    assert normalised("tokens", {}, "a  b\nc\n") == "a b c"
    assert normalised("lines", {}, "a  b  \nc\n\n") == "a  b\nc"
    assert normalised("exact", {}, "a \n") == "a \n"


def test_wrong_outputs_cluster_by_signature_biggest_first_named_by_their_majority():
    failed = [
        ("s5", wrong("1.0000001 2", NOT_CARRIED)),
        ("s1", wrong("1.0 2.0000004")),  # the same within the tolerance: one cluster of 3
        ("s3", wrong("1 2", NOT_CARRIED)),
        ("s2", wrong("7 7")),
        ("s4", wrong("7.0 7.0")),
        ("s6", wrong("9 9", NOT_CARRIED)),
    ]
    found = set_clusters("set", False, failed)
    assert [(c.students, c.kind) for c in found.clusters] == [
        (("s1", "s3", "s5"), OUTPUT),
        (("s2", "s4"), OUTPUT),
        (("s6",), OUTPUT),  # a named one before an unnamed one of the same size
    ]
    assert found.clusters[0].mistake == NOT_CARRIED  # 2 of its 3 members carry it
    assert found.clusters[0].example == "s1" and found.clusters[1].mistake is None
    assert found.wrong == 6
    # The order never depends on the order the results came in.
    assert set_clusters("set", False, failed[::-1]) == found


def test_a_crash_is_known_by_its_exception_line_and_a_limit_by_its_verdict():
    def crash(line: int, message: str) -> SetResult:
        trace = f'Traceback (most recent call last):\n  File "x.py", line {line}\n{message}\n'
        return wrong("partial\n", verdict=RE, stderr=trace)

    failed = [
        ("a", crash(10, "ValueError: shapes (5,1) and (3,1) not aligned")),
        ("b", crash(12, "ValueError: shapes (5,1) and (3,1) not aligned")),
        ("c", crash(10, "KeyError: 3")),
        ("d", wrong("", verdict=Verdict.TIME_LIMIT, detail_key="detail.timeout")),
    ]
    clusters = set_clusters("set", False, failed).clusters
    assert (clusters[0].kind, clusters[0].students) == (CRASH, ("a", "b"))
    assert clusters[0].signature == "ValueError: shapes (5,1) and (3,1) not aligned"
    assert {(c.kind, c.signature) for c in clusters[1:]} == {
        (CRASH, "KeyError: 3"),
        (VERDICT, "TLE detail.timeout"),
    }


def test_a_hidden_set_is_grouped_by_name_only_and_keeps_no_signature():
    secret = f"{CANARY} 0.5"
    failed = [
        ("a", wrong(secret, NOT_CARRIED, hidden=True)),
        ("b", wrong("other", NOT_CARRIED, hidden=True)),
        ("c", wrong(secret, hidden=True)),
        ("d", wrong("else", hidden=True)),
        ("e", wrong(secret, hidden=True)),
    ]
    clusters = set_clusters("hidden-1", True, failed).clusters
    assert [(c.kind, c.size, c.mistake) for c in clusters] == [
        (HIDDEN, 3, None),
        (HIDDEN, 2, NOT_CARRIED),
    ]
    assert all(c.signature == "" for c in clusters)
    assert CANARY not in repr(clusters)


# --- the report's section on a real class ---------------------------------------------------------

RELU = "h = np.maximum(0, self.Wxh @ x + self.Whh @ h + self.bh)"
RELU_AGAIN = "pre = self.Wxh @ x + self.Whh @ h + self.bh\nh = np.maximum(pre, 0)  # relu"
CRASHING = "raise ValueError('step does not fit')"
CRASHING_LATER = "z = 1\nraise ValueError('step does not fit')"


def canary_course(root: Path) -> Course:
    """rnn-numpy with a canary on every hidden set's input (a line the program never reads)
    and one more hidden set expecting the canary; its corpus, and records made here (the
    canary changed the hidden inputs the course's records were made on)."""
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / LAB, root / part / LAB)
    (root / "graders" / "labs").mkdir(parents=True)
    (root / "tests" / "corpus").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "corpus" / f"{LAB}.toml", root / "tests" / "corpus")
    spec = (ROOT / "graders" / "labs" / f"{LAB}.toml").read_text(encoding="utf-8")
    spec, count = re.subn(
        r'(stdin = "[^"]*)("\nexpected = "[^"]*"\npoints = \d+\nhidden = true)',
        lambda m: f"{m[1]}{CANARY}\\n{m[2]}",
        spec,
    )
    assert count == 3
    spec += (
        f'\n[[tests]]\nname = "canary"\nstdin = "1 1 1\\n1 0 1\\n"\n'
        f'expected = "{CANARY}\\n"\npoints = 1\nhidden = true\n'
    )
    (root / "graders" / "labs" / f"{LAB}.toml").write_text(spec, encoding="utf-8")
    course = Course.locate(root)
    lab = course.lab(LAB)
    entry = next(e for e in load_corpus(lab) if e.name == "h_not_carried")
    _result, outputs, crashes = entry_grading(lab, entry)
    record_entry(lab, entry, outputs, crashes, current=False)
    return course


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return canary_course(tmp_path_factory.mktemp("cluster-course")).lab(LAB)


@pytest.fixture(scope="module")
def graded(lab):
    """The class's records, and every hidden set's output each student printed (judged as
    staff see it), which no page may show."""
    entries = {e.name: corpus_program(REFERENCE, e) for e in load_corpus(lab)}
    not_carried = entries["h_not_carried"]
    programs = {
        "s01": not_carried,
        "s02": not_carried.replace("for x in inputs:", "for x in inputs:  # each step", 1),
        "s03": blank(RELU),
        "s04": blank(RELU_AGAIN),
        "s05": blank(CRASHING),
        "s06": blank(CRASHING_LATER),
        "s07": LEAKER,
        "s08": REFERENCE,
    }
    assert STEP in REFERENCE and programs["s02"] != not_carried
    records, hidden_outputs = [], []
    for student, text in programs.items():
        staff: list[SetResult] = []
        submission = Submission(Path(f"{student}.py"), text)
        result = grade_submission(lab, submission, include_hidden=True, staff=staff)
        records.append(ClassRecord(student, result, text))
        hidden_outputs += [t.actual or "" for t in staff] + [t.stderr or "" for t in staff]
    return records, hidden_outputs


def test_the_report_names_known_clusters_and_shows_the_big_unnamed_ones(lab, graded):
    records, _hidden = graded
    view = class_report_view(lab, records, None, "en", datetime(2026, 1, 1)).mistakes
    first = view.sets[0]
    assert first.title.startswith("3-5-2, 4 steps: 7 wrong")
    rows = [(row.count, row.name, row.example) for row in first.rows]
    assert rows == [
        ("2 student(s)", NOT_CARRIED["en"], "s01"),  # named by the grading itself
        ("2 student(s)", "not named", "s05"),  # the same exception, raised on two lines
        ("2 student(s)", "not named", "s03"),  # relu twice, written two ways
    ]
    crash, relu = first.rows[1], first.rows[2]
    assert relu.shown.startswith("h shape (5, 1)\ny shape (2, 1)\nh_1 ") and "…" in relu.shown
    assert crash.shown == "ValueError: step does not fit"
    assert first.rest == "1 more wrong answer(s), each unlike any other."  # the leaker, alone
    assert relu.form is None  # offline: no form
    # A hidden set: counts and names, no example, no output.
    hidden = next(s for s in view.sets if s.title.startswith("hidden-1 (hidden)"))
    assert [(row.count, row.name) for row in hidden.rows] == [
        ("5 student(s)", "not named"),
        ("2 student(s)", NOT_CARRIED["en"]),
    ]
    assert all(row.example == "" and row.shown == "" and row.form is None for row in hidden.rows)
    zh = class_report_view(lab, records, None, "zh", datetime(2026, 1, 1)).mistakes
    assert zh.sets[0].rows[0].name == NOT_CARRIED["zh"] and zh.heading == "常见错误"


def test_on_the_web_unnamed_public_clusters_link_their_example_and_carry_a_form(lab, graded):
    records, _hidden = graded
    page = render_class_report(
        lab,
        records,
        None,
        "en",
        link=lambda s: f"/instructor/students/{s}",
        action="/instructor/labs/rnn-numpy/mistakes",
    )
    section = page[page.index('id="mistakes"') :]
    assert '<a href="/instructor/students/s03">s03</a>' in section
    forms = re.findall(r'<form method="post" action="/instructor/labs/rnn-numpy/mistakes"', page)
    assert len(forms) == 2 * 2  # relu and the crash, on each public set
    assert page.count(CSRF_SLOT) == len(forms)
    assert 'name="student" value="s03"' in page and 'name="set" value="3-5-2, 4 steps"' in page
    offline = render_class_report(lab, records, None, "en")
    assert "<form" not in offline and CSRF_SLOT not in offline and "s03" in offline


def lines_of(*texts: str) -> set[str]:
    return {line.strip() for text in texts for line in text.split("\n") if len(line.strip()) > 12}


def test_no_hidden_input_expected_or_actual_output_reaches_the_report(lab, graded):
    """Every line (of some length) of a hidden set's input, expected output, and each
    student's output and errors there, that no public set also has: none is on the page."""
    records, hidden_outputs = graded
    assert any(CANARY in output for output in hidden_outputs)  # the leaker printed it
    hidden = [t for t in lab.tests if t.hidden]
    public = lines_of(*(t.stdin + "\n" + t.expected for t in lab.tests if not t.hidden))
    public |= lines_of(
        *(f"{t.actual}\n{t.stderr}" for r in records for t in r.result.tests if not t.hidden)
    )
    secrets = lines_of(*(t.stdin + "\n" + t.expected for t in hidden), *hidden_outputs) - public
    assert CANARY in secrets and len(secrets) > 50
    link, action = (lambda s: f"/instructor/students/{s}"), "/instructor/labs/x/mistakes"
    for lang in ("zh", "en"):
        for page in (
            render_class_report(lab, records, None, lang),
            render_class_report(lab, records, None, lang, link=link, action=action),
        ):
            leaked = [secret for secret in secrets if secret in page]
            assert not leaked, leaked[:3]


def test_a_mistake_named_after_the_grading_names_its_cluster_now(lab, graded, tmp_path):
    """A cluster none of whose members carries a name, whose output the lab's records name
    since (the staff named it from the page): the report says so."""
    records, _hidden = graded
    body = "".join(parse(REFERENCE, "reference").blanks[0].body).replace(STEP.strip(), RELU)
    trial = replace(
        load_corpus(lab)[0],
        name="relu",
        blanks={1: body},
        mistake={"zh": "用了 ReLU", "en": "ReLU"},
    )
    _result, outputs, crashes = entry_grading(lab, trial)
    before = load_records(lab)
    try:
        record_entry(lab, trial, outputs, crashes, current=False)
        view = class_report_view(lab, records, None, "en", datetime(2026, 1, 1)).mistakes
        row = view.sets[0].rows[2]
        assert row.example == "s03" and row.name.startswith("ReLU (named since")
    finally:
        (lab.course_root / "graders" / "labs" / "mistakes" / f"{LAB}.json").write_text(
            before.to_json(), encoding="utf-8"
        )
