"""The blank pointer (issue 18 item 2): which blank, put right alone, makes failing public sets
pass. On a tiny plain-Python course through the real sandbox (milliseconds a run), and on
the real scaled-dot-product lab; the variant runs are counted by a runner that wraps the real
one."""

import io
import threading
from pathlib import Path

import pytest
from rich.console import Console

from graders.cli import main
from graders.course.corpus import corpus_program, load_corpus
from graders.errors import SpecError
from graders.markers import parse
from graders.present.html import feedback_html, notebook_html
from graders.present.markdown import result_markdown
from graders.present.terminal import render_terminal
from graders.present.view import build
from graders.results import BlankPointer
from graders.sandbox import run_sets
from graders.sandbox.warm import WarmPool
from graders.service import Blame, grade_lab
from graders.service.pools import runner_for, warm_pays
from graders.settings import feedback_rules
from graders.spec import Course
from graders.submission import Submission

SPEC = """\
id = "twostep"
entry = "twostep.py"
title.zh = "两步"
title.en = "Two steps"

[[tests]]
name = "small"
stdin = "2\\n"
expected = "11\\n"
points = 30

[[tests]]
name = "middle"
stdin = "3\\n"
expected = "16\\n"
points = 30

[[tests]]
name = "secret-large"
stdin = "7\\n"
expected = "36\\n"
points = 40
hidden = true
"""

SOLUTION = """\
import sys


def scale(n):
    ########## Begin ##########
    factor = 5  # the reference's own line
    return n * factor
    ########## End ##########


def shift(n):
    ########## Begin ##########
    bump = 1  # the reference's other line
    return n + bump
    ########## End ##########


print(shift(scale(int(sys.stdin.readline()))))
"""

REFERENCE_LINES = ("factor = 5", "the reference's own line", "bump = 1", "reference's other")


def student(scale: str = "return n * 5", shift: str = "return n + 1") -> Submission:
    text = SOLUTION.split("    ########## Begin")[0]
    text += f"    ########## Begin ##########\n    {scale}\n    ########## End ##########\n"
    text += "\n\ndef shift(n):\n"
    text += f"    ########## Begin ##########\n    {shift}\n    ########## End ##########\n"
    text += "\n\nprint(shift(scale(int(sys.stdin.readline()))))\n"
    return Submission(Path("twostep.py"), text)


@pytest.fixture
def mini(tmp_path):
    root = tmp_path / "course"
    for folder in ("graders/labs", "solutions/twostep"):
        (root / folder).mkdir(parents=True)
    (root / "graders/labs/twostep.toml").write_text(SPEC, encoding="utf-8")
    (root / "solutions/twostep/twostep.py").write_text(SOLUTION, encoding="utf-8")
    assert main(["build", "--course", str(root)]) == 0
    # Off unless a course asks (its variants run the reference beside the student's code).
    (root / "seqlab.toml").write_text("[feedback]\nblank_pointer = true\n", encoding="utf-8")
    return Course.locate(root)


@pytest.fixture
def pointer_on(monkeypatch):
    """Our own course as one that turns the pointer on (it ships with it off)."""
    from graders.service import blanks
    from graders.settings import FeedbackRules

    monkeypatch.setattr(
        blanks, "feedback_rules", lambda root: FeedbackRules({"blank_pointer": True})
    )


def test_the_pointer_is_off_unless_the_course_turns_it_on(mini):
    (mini.root / "seqlab.toml").unlink()
    runner = Counted()
    submission = student(shift="return n + 2")
    outcome = grade_lab(mini.lab("twostep"), submission, include_hidden=False, runner=runner)
    assert outcome.result.pointer is None and len(runner.calls) == 1  # no variant ran


class Counted:
    """The real runner, each call's stdins kept: how many variant runs, and of which sets."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, program, filename, stdins, limits, **options):
        with self.lock:
            self.calls.append(list(stdins))
        return run_sets(program, filename, stdins, limits, **options)


def renderings(result, lang: str) -> list[str]:
    """Everything a student could read of a result: terminal, Markdown, HTML, --json."""
    console = Console(file=io.StringIO(), width=100)
    render_terminal(result, lang, console)
    view = build(result, lang)
    return [
        console.file.getvalue(),
        "\n".join(result_markdown(view)),
        notebook_html(view),
        feedback_html(view, title="t", student="s", error="", lang=lang),
        str(result.to_json(lang)),
    ]


def rendered(result) -> str:
    return "\n".join(text for lang in ("zh", "en") for text in renderings(result, lang))


def test_one_wrong_blank_is_pointed_at_from_public_sets_only(mini):
    runner = Counted()
    outcome = grade_lab(
        mini.lab("twostep"), student(shift="return n + 2"), include_hidden=True, runner=runner
    )
    result = outcome.result
    assert [t.verdict.code for t in result.tests] == ["WA", "WA", "WA"]
    assert result.pointer == BlankPointer(((2, ("small", "middle")),))
    # The grading's two runs (public, hidden) and a variant per blank whose text is not the
    # reference's (blank 1 is right, but written otherwise: its variant mends nothing).
    assert len(runner.calls) == 4
    assert sum("7\n" in stdins for stdins in runner.calls) == 1  # the hidden run only
    text = rendered(result)
    assert "With a correct blank 2 your program passes these sets: small, middle" in text
    assert "若第 2 个空填对，这些测试集就能通过：small, middle——请检查第 2 个空" in text
    for lang, words in (("en", "look at blank 2"), ("zh", "请检查第 2 个空")):
        shown = renderings(result, lang)[:4]  # --json holds the pointer's data, not words
        assert [text.count(words) for text in shown] == [1, 1, 1, 1]  # said once each
    said = [s for lang in ("zh", "en") for s in build(result, lang).pointer]
    assert len(said) == 2 and not any("secret-large" in sentence for sentence in said)
    for line in REFERENCE_LINES:
        assert line not in text, line


def test_the_pointer_never_names_a_hidden_set(mini):
    # Public sets pass and a hidden one fails: nothing is looked for, nothing is said.
    answers = "return {2: 11, 3: 16}.get(n, 0)"
    runner = Counted()
    submission = student(scale="return n", shift=answers)
    outcome = grade_lab(mini.lab("twostep"), submission, include_hidden=True, runner=runner)
    assert [t.verdict.code for t in outcome.result.tests] == ["AC", "AC", "WA"]
    assert outcome.result.pointer is None and len(runner.calls) == 2
    assert "secret-large" not in "\n".join(build(outcome.result, "en").pointer)


def test_two_wrong_blanks_that_no_single_fix_mends_are_said_to_span_several(mini):
    runner = Counted()
    submission = student(scale="return n * 4", shift="return n + 2")
    outcome = grade_lab(mini.lab("twostep"), submission, include_hidden=False, runner=runner)
    assert outcome.result.pointer == BlankPointer((), several=True)
    assert len(runner.calls) == 1 + 2  # the public run, a variant per changed blank
    assert all("7\n" not in stdins for stdins in runner.calls)
    text = rendered(outcome.result)
    assert "the mistake spans several blanks" in text and "错误涉及不止一个空" in text
    assert "look at blank" not in text


def test_nothing_when_every_public_set_passes_or_the_file_cannot_be_spliced(mini):
    runner = Counted()
    lab = mini.lab("twostep")
    assert grade_lab(lab, student(), include_hidden=True, runner=runner).result.pointer is None
    broken = Submission(Path("twostep.py"), SOLUTION.replace("########## End ##########", "", 1))
    outcome = grade_lab(lab, broken, include_hidden=True, runner=runner)
    assert outcome.blame is Blame.STUDENT and len(runner.calls) == 2  # the first grading's


@pytest.mark.parametrize(
    "config",
    [
        "[feedback]\nblank_pointer = false\n",
        "[feedback.labs.twostep]\nblank_pointer = false\n",
        "[feedback]\nblank_pointer = false\n[feedback.labs.other]\nblank_pointer = true\n",
    ],
)
def test_an_exam_turns_it_off_for_the_course_or_one_lab(mini, config):
    (mini.root / "seqlab.toml").write_text(config, encoding="utf-8")
    runner = Counted()
    submission = student(shift="return n + 2")
    outcome = grade_lab(mini.lab("twostep"), submission, include_hidden=False, runner=runner)
    assert outcome.result.pointer is None and len(runner.calls) == 1
    assert "blank 2" not in rendered(outcome.result)


def test_a_lab_may_keep_it_when_the_course_turns_it_off(mini):
    config = "[feedback]\nblank_pointer = false\n[feedback.labs.twostep]\nblank_pointer = true\n"
    (mini.root / "seqlab.toml").write_text(config, encoding="utf-8")
    assert feedback_rules(mini.root).pointer("twostep") is True
    assert feedback_rules(mini.root).pointer("other") is False


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("[feedback]\nblank_pointr = true\n", "no setting `feedback.blank_pointr`"),
        ('[feedback]\nblank_pointer = "yes"\n', "`feedback.blank_pointer` has a value"),
        ("[feedback.labs.x]\nblank_pointer = 1\n", "`feedback.labs.x.blank_pointer`"),
        ('feedback = "on"\n', "`feedback` should be a table"),
        ("[feedback\n", "cannot be read"),
    ],
)
def test_a_wrong_setting_is_the_authors_error_naming_the_file(mini, config, words):
    (mini.root / "seqlab.toml").write_text(config, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        feedback_rules(mini.root)
    message = caught.value.render("en")
    assert words in message and "seqlab.toml" in message
    assert caught.value.render("zh") != message
    outcome = grade_lab(mini.lab("twostep"), student(shift="return n + 2"), include_hidden=False)
    assert outcome.blame is Blame.AUTHOR


def test_a_student_release_without_the_reference_gets_no_pointer(mini):
    (mini.root / "solutions/twostep/twostep.py").unlink()
    runner = Counted()
    submission = student(shift="return n + 2")
    outcome = grade_lab(mini.lab("twostep"), submission, include_hidden=False, runner=runner)
    assert outcome.result.pointer is None and len(runner.calls) == 1


def test_a_wrong_scaled_dot_product_blank_2_is_pointed_at(course, pointer_on):
    lab = course.lab("scaled-dot-product")
    entry = next(e for e in load_corpus(lab) if e.name == "missing_sqrt_dk")
    reference = lab.solution_path.read_text(encoding="utf-8")
    submission = Submission(Path(lab.entry), corpus_program(reference, entry))
    runner = Counted()
    outcome = grade_lab(lab, submission, include_hidden=False, runner=runner)
    public = tuple(t.name for t in lab.tests if not t.hidden)
    assert outcome.result.pointer == BlankPointer(((2, public),))
    assert len(runner.calls) == 2  # blank 1 is the reference's: one variant, of blank 2
    text = rendered(outcome.result)
    assert "look at blank 2" in text and "请检查第 2 个空" in text
    # The reference's blank 2 (the student's lacks its scaling line) appears nowhere.
    body = parse(reference, "reference").blanks[1].body
    distinctive = [line.strip() for line in body if "sqrt" in line]
    assert distinctive == ["scores = Q @ K.T / np.sqrt(d_k)"]
    assert distinctive[0] not in text and "np.sqrt" not in text
    assert all(t.name not in text for t in lab.tests if t.hidden)


def test_the_variants_run_on_the_labs_warm_workers_where_it_has_them(course, pointer_on):
    lab = course.lab("scaled-dot-product")
    if not warm_pays(lab):
        pytest.skip("warm workers need bubblewrap and seccomp")
    entry = next(e for e in load_corpus(lab) if e.name == "softmax_wrong_axis")  # blank 1
    text = corpus_program(lab.solution_path.read_text(encoding="utf-8"), entry)
    with runner_for(lab, 1) as runner:
        assert isinstance(runner.__self__, WarmPool)  # the pool's own run_sets
        submission = Submission(Path(lab.entry), text)
        outcome = grade_lab(lab, submission, include_hidden=True, runner=runner)
    assert [blank for blank, _sets in outcome.result.pointer.fixes] == [1]
