"""Named mistakes (issue 18, item 1): the pure matcher, `seqlab build --record` and
validate's staleness check, and a wrong submission named in zh and en — on a public set with
its data, on a hidden set with nothing but the name and hint — as the course chose to show
it. A tiny plain-Python course: the real sandbox, milliseconds per run. A real lab:
test_mistakes_lab.py.
"""

import json
import re
import subprocess
import sys
import zipfile

import pytest

from graders.cli import main
from graders.course.records import records_state
from graders.course.release import write_release
from graders.course.validate import check_mistake_records
from graders.errors import SpecError
from graders.mistakes import (
    Named,
    accepted,
    consistent,
    error_line,
    export_records,
    load_records,
    match,
    records_path,
)
from graders.present.markdown import result_markdown
from graders.present.view import build
from graders.results import LabResult
from graders.settings import feedback_rules
from graders.spec import Course
from graders.spec import TestSet as SetSpec

SECRET_INPUT = "7.000123456"  # the hidden set's input: must never reach a student
SPEC = f"""\
id = "mini"
entry = "mini.py"
title.zh = "小"
title.en = "Mini"

[[tests]]
name = "small"
stdin = "2\\n"
expected = ""
points = 50
comparator = "floats"
atol = 0.01
rtol = 0

[[tests]]
name = "large"
stdin = "{SECRET_INPUT}\\n"
expected = ""
points = 50
hidden = true
comparator = "floats"
atol = 0.01
rtol = 0
"""

SOLUTION = """\
import sys


def scale(n):
    ########## Begin ##########
    return n * 5.0
    ########## End ##########


print(f"{scale(float(sys.stdin.readline())):.4f}")
"""

FACTOR = 'mistake = { zh = "乘错了倍数", en = "the wrong factor" }'
FACTOR_HINT = 'hint = { zh = "应乘以五", en = "multiply by five" }'
CORPUS = f"""\
[good]
about = "right"
score = 100
verdicts = ["AC", "AC"]

[times_four]
about = "four, not five"
score = 0
{FACTOR}
{FACTOR_HINT}
edits = [["n * 5.0", "n * 4.0"]]

[times_four_loop]
about = "four, by a loop"
score = 0
{FACTOR}
{FACTOR_HINT}
blank.1 = '''
    total = 0.0
    for _ in range(4):
        total += n
    return total
'''

[plus_five]
about = "adds instead of multiplying"
score = 0
mistake = {{ zh = "把乘法写成了加法", en = "added instead of multiplied" }}
hint = {{ zh = "是倍数，不是加数", en = "a factor, not a summand" }}
edits = [["n * 5.0", "n + 5.0"]]

[echoes_input]
about = "prints its input: its recorded hidden output holds the hidden input (the canary)"
score = 0
mistake = {{ zh = "打印了输入", en = "prints its input" }}
hint = {{ zh = "只打印结果", en = "print the result only" }}
blank.1 = '''
    print(repr(n))
    return 0.0
'''

[crashes]
about = "not a mistake of the topic"
score = 0
edits = [["n * 5.0", "n / 0"]]
"""


@pytest.fixture
def mini(tmp_path):
    root = tmp_path / "course"
    for folder in ("graders/labs", "solutions/mini", "tests/corpus"):
        (root / folder).mkdir(parents=True)
    (root / "graders/labs/mini.toml").write_text(SPEC, encoding="utf-8")
    (root / "solutions/mini/mini.py").write_text(SOLUTION, encoding="utf-8")
    (root / "tests/corpus/mini.toml").write_text(CORPUS, encoding="utf-8")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "README.md").write_text("", encoding="utf-8")
    assert main(["build", "--record", "--course", str(root)]) == 0
    return Course.locate(root)


def student(mini, body: str, name: str = "mine.py"):
    starter = (mini.root / "exercises/mini/mini.py").read_text(encoding="utf-8")
    blank = re.compile(r"(# Begin #+\n).*?(\n\s*#+ End)", re.S)
    text = blank.sub(lambda m: m[1] + body + m[2], starter, count=1)
    path = mini.root.parent / name
    path.write_text(text, encoding="utf-8")
    return path


def grade(mini, capsys, path, *args):
    code = main(["grade", str(path), "--lab", "mini", "--course", str(mini.root), *args])
    captured = capsys.readouterr()  # the terminal wraps lines: words compared, not breaks
    return code, words(captured.out + captured.err)


def words(text: str) -> str:
    """The words of a terminal report, without its panels' borders and line breaks."""
    return " ".join(text.replace("│", " ").split())


def settings(mini, text: str):
    (mini.root / "seqlab.toml").write_text(text, encoding="utf-8")


# --- the pure matcher ---------------------------------------------------------------------


FLOATS = SetSpec("s", "", "", 1, comparator="floats", options={"atol": 0.01, "rtol": 0.0})


def named(entry: str, en: str, output: str, test: SetSpec = FLOATS) -> Named:
    return Named(entry, {"zh": en, "en": en}, None, {test.name: output})


def test_a_match_follows_the_sets_tolerance_to_its_edge():
    four = [named("four", "four", "8.0000\n")]
    assert match(FLOATS, "8.0090\n", four) == four[0]
    assert match(FLOATS, "8.0100\n", four) == four[0]  # atol is inclusive, as in grading
    assert match(FLOATS, "8.0110\n", four) is None
    assert match(FLOATS, "9.0000\n", four) is None


def test_a_match_uses_the_sets_own_comparator():
    lines = SetSpec("s", "", "", 1, comparator="lines")
    recorded = [named("four", "four", "8.0000\n", lines)]
    assert match(lines, "8.0000   \n\n", recorded) == recorded[0]  # lines ignores line ends
    assert match(lines, "8.00001\n", recorded) is None  # and has no tolerance
    exact = SetSpec("s", "", "", 1, comparator="exact")
    assert match(exact, "8.0000 \n", [named("four", "four", "8.0000\n", exact)]) is not None


def test_no_recorded_output_for_the_set_names_nothing():
    other = SetSpec("other", "", "", 1, comparator="floats")
    assert match(other, "8.0000\n", [named("four", "four", "8.0000\n")]) is None
    assert match(FLOATS, "8.0000\n", []) is None


def test_of_several_matches_an_identical_output_then_corpus_order_decides():
    first, second = named("a", "first", "8.000\n"), named("b", "second", "8.005\n")
    assert match(FLOATS, "8.004\n", [first, second]) == first
    assert match(FLOATS, "8.004\n", [second, first]) == second
    assert match(FLOATS, "8.005\n", [first, second]) == second  # identical wins
    assert all(match(FLOATS, "8.004\n", [first, second]) == first for _ in range(5))


def test_a_crash_matches_only_a_recorded_crash_with_the_same_exception_line():
    error = "RuntimeError: input.size(-1) must be equal to input_size. Expected 4, got 3"
    shape = Named("shape", {"zh": "形状", "en": "shape"}, None, {}, {"s": ("n = 3\n", error)})
    assert match(FLOATS, "n = 3\n", [shape], crash=error) == shape
    assert match(FLOATS, "n = 3\n", [shape], crash="ValueError: too many values") is None
    assert match(FLOATS, "n = 3\n", [shape]) is None  # a wrong answer is not a crash
    assert match(FLOATS, "n = 4\n", [shape], crash=error) is None
    assert error_line(f"Traceback (most recent call last):\n  File ...\n{error}\n\n") == error


def test_a_crash_before_any_output_names_no_mistake():
    # mh_cross_crash_other (issue 18): values sliced to the queries' length raise the very
    # error that values taken from the decoder do, before printing anything; the exception
    # alone is not evidence of which mistake it is.
    error = "ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0"
    decoder = Named(
        "v", {"zh": "值", "en": "values from the decoder"}, None, {}, {"s": ("", error)}
    )
    assert match(FLOATS, "", [decoder], crash=error) is None
    assert match(FLOATS, "\n", [decoder], crash=error) is None
    printed = Named("v", {"zh": "值", "en": "v"}, None, {}, {"s": ("w shape 2 4\n", error)})
    assert match(FLOATS, "w shape 2 4\n", [printed], crash=error) == printed
    assert match(FLOATS, "", [printed], crash=error) is None  # its output must match too


def test_one_name_per_set_prefers_the_mistake_accepted_on_more_sets():
    s1, s2 = SetSpec("s1", "", "", 1), SetSpec("s2", "", "", 1)
    by_dk = Named("dk", {"zh": "d_k", "en": "d_k"}, None, {"s1": "4\n", "s2": "2\n"})
    by_n = Named("n", {"zh": "n", "en": "n"}, None, {"s1": "4\n", "s2": "3\n"})
    # Both print 4 on s1; only "n" prints 3 on s2: s1 is named "n" too, not corpus order's "d_k".
    per_set = [accepted(s1, "4\n", [by_dk, by_n]), accepted(s2, "3\n", [by_dk, by_n])]
    assert per_set[0] == [by_dk, by_n]
    assert consistent(per_set) == [by_n, by_n]
    assert consistent([[by_dk, by_n], []]) == [by_dk, None]  # a tie: the set's own order


# --- recording and staleness ------------------------------------------------------------------


def test_build_record_stores_each_named_variant_on_the_sets_it_gets_wrong(mini):
    lab = mini.lab("mini")
    records = load_records(lab)
    entries = ["times_four", "times_four_loop", "plus_five", "echoes_input"]
    assert [m.entry for m in records.mistakes] == entries
    four = records.mistakes[0]
    assert four.name == {"zh": "乘错了倍数", "en": "the wrong factor"}
    assert four.hint == {"zh": "应乘以五", "en": "multiply by five"}
    assert four.outputs == {"small": "8.0000\n", "large": "28.0005\n"}  # hidden sets too
    assert records_state(lab) == (True, "validate.mistakes_current", 4)
    assert SECRET_INPUT in records.mistakes[3].outputs["large"]  # the canary, recorded
    assert check_mistake_records(lab).ok


def test_validate_says_the_records_are_stale_and_how_to_refresh_them(mini, capsys):
    corpus = mini.root / "tests/corpus/mini.toml"
    corpus.write_text(CORPUS.replace('"adds instead', '"adds, not'), encoding="utf-8")
    lab = mini.lab("mini")
    check = check_mistake_records(lab)
    assert not check.ok
    assert "seqlab build --record --lab mini" in check.describe("en")
    assert "seqlab build --record --lab mini" in check.describe("zh")
    assert main(["validate", "--course", str(mini.root), "--lang", "en"]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["build", "--record", "--course", str(mini.root)]) == 0
    assert check_mistake_records(mini.lab("mini")).ok
    records_path(lab).unlink()
    assert records_state(lab)[:2] == (False, "validate.mistakes_missing")


def test_the_pytest_plugin_checks_the_records_too(mini):
    def plugin():
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--seqlab", "-v"]
        command += ["--seqlab-seeds", "0"]
        return subprocess.run(command, cwd=mini.root, capture_output=True, text=True, timeout=600)

    assert "seqlab::mini:mistake-records PASSED" in plugin().stdout
    corpus = mini.root / "tests/corpus/mini.toml"
    corpus.write_text(CORPUS.replace("four, by a loop", "four, looped"), encoding="utf-8")
    done = plugin()
    assert "seqlab::mini:mistake-records FAILED" in done.stdout
    assert "run `seqlab build --record --lab mini`" in done.stdout


def test_a_corpus_without_names_has_no_records(mini):
    corpus = mini.root / "tests/corpus/mini.toml"
    corpus.write_text(re.sub(r"(mistake|hint) = .*\n", "", CORPUS), encoding="utf-8")
    lab = mini.lab("mini")
    assert records_state(lab)[:2] == (False, "validate.mistakes_orphan")
    assert main(["build", "--record", "--course", str(mini.root)]) == 0
    assert not records_path(lab).exists() and check_mistake_records(lab).ok


# --- grading names the mistake ----------------------------------------------------------------


def test_a_wrong_submission_is_named_in_both_languages_on_public_and_hidden_sets(mini, capsys):
    path = student(mini, "    return n * 4.0 + 0.002")  # within the tolerance of times_four
    code, out = grade(mini, capsys, path, "--lang", "en", "--json")
    result = json.loads(out)
    assert code == 1 and result["score"] == 0
    small, large = result["tests"]
    sentence = "This looks like a common mistake: the wrong factor — hint: multiply by five"
    assert small["mistake"] == large["mistake"] == sentence
    assert set(large) & {"input", "expected", "actual", "stderr"} == set()
    code, out = grade(mini, capsys, path, "--lang", "zh")
    assert out.count("看起来像常见错误：乘错了倍数 — 提示：应乘以五") == 2
    assert SECRET_INPUT not in out and "28.00" not in out  # the hidden set: no data at all
    # `seqlab check` runs the public sets only, and names the mistake there too.
    code = main(["check", str(path), "--lab", "mini", "--course", str(mini.root), "--lang", "en"])
    assert code == 1 and sentence in words(capsys.readouterr().out)


def test_a_right_or_unknown_answer_is_named_nothing(mini, capsys):
    for body in ("    return n * 5.0", "    return n * 3.0"):
        _, out = grade(mini, capsys, student(mini, body), "--lang", "en")
        assert "common mistake" not in out


def test_the_stored_result_and_every_renderer_carry_the_name(mini):
    from graders.engine import grade_submission
    from graders.submission import read_submission

    result = grade_submission(
        mini.lab("mini"), read_submission(student(mini, "    return n + 5.0")), include_hidden=True
    )
    assert LabResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    hidden = result.tests[1]
    assert hidden.hidden and hidden.mistake["en"] == "added instead of multiplied"
    assert hidden.actual is hidden.expected is hidden.input is None
    view = build(result, "en")
    assert all("added instead of multiplied" in s.mistake for s in view.sets)
    markdown = "\n".join(result_markdown(view))
    assert markdown.count("a factor, not a summand") == 2 and SECRET_INPUT not in markdown
    from graders.present.html import result_html

    page = result_html(build(result, "zh"))
    assert page.count('class="mistake"') == 2 and "把乘法写成了加法" in page
    assert SECRET_INPUT not in page and "12.00" not in page  # the hidden output is 12.000…


@pytest.mark.parametrize(
    ("config", "shown", "hint"),
    [
        ('[feedback]\nmistakes = "names"\n', True, False),
        ('[feedback]\nmistakes = "off"\n', False, False),
        ('[feedback.labs]\nmini = "off"\n', False, False),
        ('[feedback]\nmistakes = "off"\n[feedback.labs]\nmini = "hints"\n', True, True),
    ],
)
def test_the_course_chooses_names_hints_or_nothing(mini, capsys, config, shown, hint):
    settings(mini, config)
    _, out = grade(mini, capsys, student(mini, "    return n * 4.0"), "--lang", "en")
    assert ("This looks like a common mistake: the wrong factor" in out) is shown
    assert ("multiply by five" in out) is hint


@pytest.mark.parametrize(
    ("config", "line", "words"),
    [
        ('[scores]\nof_record = "best"\n\n[feedback]\nmistakes = "loud"\n', 5, "'loud'"),
        ('[feedback]\nmistakes = "names"\n[feedback.labs]\nmini = "of"\n', 4, "'of'"),
        ('[feedback]\nmistake = "names"\n', 2, "mistake"),
        ('# exams\nfeedback = "off"\n', 2, "should be a table"),
        ('[feedback]\nlabs = "off"\n', 2, "should be a table"),
    ],
)
def test_a_bad_feedback_setting_names_file_line_and_fix(mini, capsys, config, line, words):
    settings(mini, config)
    with pytest.raises(SpecError) as caught:
        feedback_rules(mini.root)
    message = caught.value.render("en")
    assert f"seqlab.toml, line {line}" in message and words in message
    assert "第" in caught.value.render("zh")
    code, out = grade(mini, capsys, student(mini, "    return n * 4.0"), "--lang", "en")
    assert code == 2 and f"seqlab.toml, line {line}" in out


def test_a_recorded_hidden_input_never_reaches_any_output_for_the_student(mini, capsys, tmp_path):
    echo = student(mini, "    print(repr(n))\n    return 0.0")
    feedback = tmp_path / "feedback"
    for args in (["--lang", "en"], ["--lang", "zh", "--json"]):
        code, out = grade(mini, capsys, echo, *args)
        assert code == 1 and SECRET_INPUT not in out
        assert out.count("prints its input" if "en" in args else "打印了输入") == 2
    db = f"sqlite:///{tmp_path / 'book.sqlite'}"
    code, out = grade(mini, capsys, echo, "--feedback", str(feedback), "--db", db)
    assert code in (0, 1), out
    written = [path for path in feedback.rglob("*") if path.is_file()]
    assert written
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert SECRET_INPUT not in text and "打印了输入" in text, path


def test_an_exported_grading_course_gets_the_records_as_the_course_chose(mini):
    lab = mini.lab("mini")
    assert json.loads(export_records(lab))["mistakes"][0]["hint"]["en"] == "multiply by five"
    settings(mini, '[feedback]\nmistakes = "names"\n')
    named = json.loads(export_records(lab))["mistakes"]
    assert named[0]["name"]["en"] == "the wrong factor" and all(m["hint"] is None for m in named)
    settings(mini, '[feedback.labs]\nmini = "off"\n')
    assert export_records(lab) is None


# --- the records are course secrets -----------------------------------------------------------


def test_records_stay_out_of_the_release_and_the_gradescopes_student_output(mini, tmp_path):
    lab = mini.lab("mini")
    assert records_path(lab) in lab_secrets(mini)
    (mini.root / "exercises/README.md").parent.mkdir(exist_ok=True)
    release = tmp_path / "release"
    release.mkdir()
    write_release(mini, release, {}, {})
    for path in release.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"28.0005" not in data and SECRET_INPUT.encode() not in data, path
    assert (
        main(
            [
                "export",
                "gradescope",
                "--lab",
                "mini",
                "--course",
                str(mini.root),
                str(tmp_path / "gs"),
            ]
        )
        == 0
    )
    with zipfile.ZipFile(tmp_path / "gs" / "autograder-mini.zip") as archive:
        inside = json.loads(archive.read("seqlab/graders/labs/mistakes/mini.json"))
    assert inside["mistakes"][0]["hint"]["en"] == "multiply by five"  # staff side only


def lab_secrets(mini):
    from graders.spec import course_secrets

    # Found once per process (cached); the fixture's grading looked before the records existed.
    return course_secrets.__wrapped__(mini.root)
