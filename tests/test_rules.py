"""Code rules (graders/rules.py): what counts as a use, aliases, lines; the spec's [rules]
table; the engine's rules set (a program that breaks a rule is not run)."""

import json
import textwrap
from pathlib import Path

import pytest

from graders.engine import grade_program
from graders.errors import SpecError
from graders.present.view import build
from graders.results import LabResult
from graders.rules import Rule, Unparsable, check
from graders.sandbox import RunResult
from graders.spec import RULES_SET, LabSpec, Limits, load_spec
from graders.spec import TestSet as Case
from graders.verdict import Verdict

REASON = {"zh": "自己写四个门。", "en": "Write the four gates yourself."}
NO_LSTM = Rule("forbid", ("nn.LSTMCell", "nn.LSTM", "torch.lstm_cell"), REASON)
USE_SOFTMAX = Rule("require", ("softmax",), {"zh": "用第 1 空。", "en": "Use blank 1."}, blank=2)

TEMPLATE_HEAD = "import torch\nimport torch.nn as nn\n\n"


def program(*blanks: str, head: str = TEMPLATE_HEAD) -> str:
    """A lab file: `head`, then each blank between markers (as a spliced program has them)."""
    parts = [head]
    for body in blanks:
        parts += ["########## Begin ##########\n", textwrap.dedent(body).lstrip("\n")]
        parts += ["########## End ##########\n", "\n"]
    return "".join(parts)


def line_of(text: str, needle: str) -> int:
    """The first line holding `needle` inside a blank (after the first Begin marker)."""
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if "Begin" in line)
    return next(n for n, line in enumerate(lines, 1) if n > first and needle in line)


@pytest.mark.parametrize(
    ("body", "needle", "name"),
    [
        ("cell = nn.LSTMCell(3, 4)\n", "nn.LSTMCell", "torch.nn.LSTMCell"),
        ("cell = torch.nn.LSTMCell(3, 4)\n", "torch.nn", "torch.nn.LSTMCell"),
        ("from torch.nn import LSTMCell as C\n", "import", "torch.nn.LSTMCell"),
        ("import torch.nn as n\ncell = n.LSTM(3, 4)\n", "n.LSTM", "torch.nn.LSTM"),
        ('cell = getattr(nn, "LSTMCell")(3, 4)\n', "getattr", "torch.nn.LSTMCell"),
        ('cell = nn.__dict__["LSTMCell"]\n', "__dict__", "torch.nn.LSTMCell"),
        ('cell = vars(torch.nn)["LSTM"]\n', "vars", "torch.nn.LSTM"),
        (
            'm = __import__("torch.nn", fromlist=["x"])\nc = m.LSTMCell\n',
            "m.LSTM",
            "torch.nn.LSTMCell",
        ),
        ("from torch.nn import *\ncell = LSTMCell(3, 4)\n", "LSTMCell(", "torch.nn.LSTMCell"),
        ("h = torch.nn.modules.rnn.LSTMCell\n", "modules", "torch.nn.modules.rnn.LSTMCell"),
        ("h, c = torch.lstm_cell(x, hc, *w)\n", "lstm_cell", "torch.lstm_cell"),
    ],
)
def test_every_spelling_of_a_forbidden_name_is_found_on_its_line(body, needle, name):
    rules = (Rule("forbid", ("nn.LSTMCell", "nn.LSTM", "rnn.LSTMCell", "torch.lstm_cell"), REASON),)
    text = program(body)
    (finding,) = check(text, rules)
    assert finding.lines[0] == line_of(text, needle)
    assert finding.name == name


def test_an_alias_of_an_alias_is_followed_and_every_line_is_named():
    text = program(
        """
        def lstm_cell(x, state, weights):
            layer = nn
            Cell = layer.LSTMCell
            return Cell(3, 4)(x, state)
        """
    )
    (finding,) = check(text, (NO_LSTM,))
    assert finding.lines == (line_of(text, "layer.LSTMCell"), line_of(text, "return Cell"))
    assert finding.written == "layer.LSTMCell" and finding.name == "torch.nn.LSTMCell"


def test_a_forbidden_name_in_a_comment_a_string_or_the_template_does_not_count():
    head = TEMPLATE_HEAD + "REFERENCE = nn.LSTMCell  # the template may use it\n\n"
    text = program(
        '''
        def lstm_cell(x, state, weights):
            """Unlike nn.LSTMCell, by hand."""  # not torch.nn.LSTMCell
            note = "nn.LSTMCell is forbidden; getattr(nn, 'LSTM')"
            h, c = state
            return h, c
        ''',
        head=head,
    )
    assert check(text, (NO_LSTM,)) == []


def test_the_students_own_names_are_not_the_forbidden_library_ones():
    text = program(
        """
        class LSTMCell:
            pass

        def LSTM(x):
            return LSTMCell()

        def lstm_cell(x, state, weights):
            return LSTM(x)
        """
    )
    assert check(text, (NO_LSTM,)) == []


def test_a_required_name_must_be_named_exactly_in_its_blank():
    uses_own = program(
        "def softmax(s):\n    return s\n", "def attention(s):\n    return softmax(s)\n"
    )
    assert check(uses_own, (USE_SOFTMAX,)) == []

    elsewhere = program(
        "def softmax(s):\n    return s\n",
        "import scipy.special\n\ndef attention(s):\n    return scipy.special.softmax(s)\n",
    )
    (missing,) = check(elsewhere, (USE_SOFTMAX,))
    begin = [n for n, line in enumerate(elsewhere.splitlines(), 1) if "Begin" in line][1]
    end = [n for n, line in enumerate(elsewhere.splitlines(), 1) if "End" in line][1]
    assert missing.rule is USE_SOFTMAX and missing.span == (begin, end)

    in_blank_1_only = program(
        "def softmax(s):\n    return softmax\n", "def attention(s):\n    pass\n"
    )
    assert len(check(in_blank_1_only, (USE_SOFTMAX,))) == 1


def test_a_required_method_of_a_template_object_is_named_through_the_object():
    step = Rule("require", ("model.step",), REASON, blank=1)
    head = TEMPLATE_HEAD + "model = Net()\n\n"
    assert check(program("def go(x):\n    return model.step(x)\n", head=head), (step,)) == []
    aliased = "def go(x):\n    m = model\n    return m.step(x)\n"
    assert check(program(aliased, head=head), (step,)) == []
    lookup = "def go(x):\n    return {'a': 'b'}[x]\n"
    assert len(check(program(lookup, head=head), (step,))) == 1


def test_a_required_name_is_not_asked_of_a_blank_not_written_yet():
    # A student fills blank 1 and checks it: blank 2 still holds the starter's placeholder.
    placeholder = 'raise NotImplementedError("fill in blank 2")\n'
    for blank_2 in (placeholder, "pass\n", "# my notes\n", '"""todo"""\n'):
        text = program("def softmax(s):\n    return s\n", blank_2)
        assert check(text, (USE_SOFTMAX,)) == [], blank_2


def test_a_rule_for_one_blank_ignores_the_others():
    only_blank_2 = Rule("forbid", ("nn.LSTM",), REASON, blank=2)
    text = program("x = nn.LSTM\n", "y = 1\n")
    assert check(text, (only_blank_2,)) == []
    assert len(check(program("y = 1\n", "x = nn.LSTM\n"), (only_blank_2,))) == 1


def test_a_program_that_is_not_python_says_where():
    text = program("def lstm_cell(:\n    pass\n")
    with pytest.raises(Unparsable) as raised:
        check(text, (NO_LSTM,))
    assert raised.value.line == line_of(text, "def lstm_cell(")


# --- the spec's [rules] table ------------------------------------------------------------------

SPEC = """
id = "demo"
entry = "main.py"
[title]
zh = "演示"
en = "Demo"
[[tests]]
name = "one"
stdin = "1\\n"
expected = "2\\n"
points = 10
"""


def spec_with(tmp_path: Path, rules: str) -> LabSpec:
    path = tmp_path / "demo.toml"
    path.write_text(SPEC + rules, encoding="utf-8")
    return load_spec(path, tmp_path)


def test_rules_become_one_visible_set_after_the_others(tmp_path):
    lab = spec_with(
        tmp_path,
        """
[[rules.forbid]]
names = ["nn.LSTMCell"]
reason = { zh = "自己写。", en = "Write it yourself." }
[[rules.require]]
names = ["softmax"]
blank = 2
reason = { zh = "用第 1 空。", en = "Use blank 1." }
""",
    )
    *_, rules = lab.tests
    assert rules.name == RULES_SET and not rules.hidden and rules.points == 0
    assert [rule.kind for rule in rules.rules] == ["forbid", "require"]
    assert rules.rules[1].blank == 2
    assert lab.output_tests == lab.tests[:-1]
    assert all(not t.rules for group in lab.run_groups(True) for t in group)


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ('[[rules.forbid]]\nnames = ["nn.LSTM"]\n', "rules.forbid[0].reason"),
        ('[[rules.forbid]]\nnames = []\nreason = { zh = "x", en = "x" }\n', "names"),
        ('[[rules.forbid]]\nnames = [".x"]\nreason = { zh = "x", en = "x" }\n', "names"),
        ('[[rules.forbid]]\nnames = ["x"]\nreason = { zh = "x", en = "x" }\nblank = 0\n', "blank"),
        ('[[rules.forbid]]\nnames = ["x"]\nreason = { zh = "x", en = "x" }\nline = 3\n', "line"),
        ('[[rules.forbids]]\nnames = ["x"]\nreason = { zh = "x", en = "x" }\n', "forbids"),
        ("[rules]\n", "rules"),
    ],
)
def test_a_malformed_rule_names_its_field(tmp_path, rules, field):
    with pytest.raises(SpecError) as raised:
        spec_with(tmp_path, rules)
    assert field in str(raised.value)


# --- the engine: the rules set, and a program that breaks a rule is not run ----------------------

RULES = Case(RULES_SET, "", "", 0, comparator="rules", rules=(NO_LSTM,))
PUBLIC = Case(name="one", stdin="1\n", expected="2\n", points=10)
HIDDEN = Case(name="secret", stdin="41\n", expected="42\n", points=30, hidden=True)


def make_lab() -> LabSpec:
    return LabSpec(
        id="demo",
        title={"zh": "演示", "en": "Demo"},
        entry="main.py",
        tests=(PUBLIC, HIDDEN, RULES),
        limits=Limits(wall_seconds=5, cpu_seconds=5, memory_mb=512, output_kb=16),
        fork_at_input=True,
        seed_variable=None,
        spec_path=Path("demo.toml"),
        course_root=Path("."),
    )


class Runner:
    """Answers every set correctly and remembers that it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, program, entry, stdins, limits, **options) -> list[RunResult]:
        self.calls += 1
        outputs = {"1\n": b"2\n", "41\n": b"42\n"}
        return [RunResult(outputs[s], b"", 0, None, 0.1, 0.1, 2048) for s in stdins]


def grade(text: str, runner: Runner, line_map=None) -> LabResult:
    return grade_program(
        make_lab(), text, file="/x/main.py", include_hidden=True, runner=runner, line_map=line_map
    )


def test_keeping_the_rules_runs_every_set_and_says_the_rules():
    runner = Runner()
    result = grade(program("def f():\n    return 1\n"), runner)
    assert runner.calls == 2  # the public run and the hidden one
    assert [t.verdict for t in result.tests] == [Verdict.ACCEPTED] * 3
    assert result.score == result.max_score == 40
    assert REASON["en"] in result.tests[-1].detail_text("en")


def test_breaking_a_rule_runs_nothing_and_names_the_students_line_in_both_languages():
    runner = Runner()
    text = program("def f():\n    return nn.LSTMCell(3, 4)\n")
    spliced = line_of(text, "nn.LSTMCell")
    line_map = [None] * (spliced + 5)
    line_map[spliced] = 17  # the student's file has the line elsewhere
    result = grade(text, runner, line_map)
    assert runner.calls == 0
    assert result.score == 0
    assert [t.verdict for t in result.tests] == [Verdict.WRONG_ANSWER] * 3
    public, hidden, rules = result.tests
    assert public.input == "1\n" and public.actual is None and hidden.input is None
    assert "main.py 第 17 行" in rules.detail_text("zh") and REASON["zh"] in rules.detail_text("zh")
    assert "main.py, line(s) 17" in rules.detail_text("en")
    assert "torch.nn.LSTMCell" in rules.detail_text("en")
    assert "not run" in public.detail_text("en").lower()
    # Every renderer draws the view: the set's heading and the summary say it is the rules.
    for lang, words in (("zh", "代码规则"), ("en", "code rules")):
        view = build(result, lang)
        assert words in view.sets[-1].heading and words in view.summary
        assert view.sets[-1].detail == rules.detail_text(lang)
    assert LabResult.from_dict(result.to_dict()) == result


def test_a_program_that_does_not_parse_is_run_to_show_its_error():
    runner = Runner()
    result = grade(program("def f(:\n    pass\n"), runner)
    assert runner.calls == 2
    assert result.tests[-1].verdict is Verdict.RUNTIME_ERROR
    assert "syntax error" in result.tests[-1].detail_text("en")


# --- end to end: the lstm-cell page's rule, through the CLI, in both languages ------------------


def test_an_nn_lstmcell_submission_scores_zero_and_is_told_the_line(course, capsys, tmp_path):
    from graders.cli import main
    from graders.course.corpus import corpus_program, load_corpus

    lab = course.lab("lstm-cell")
    (entry,) = [e for e in load_corpus(lab) if e.name == "uses_nn_lstmcell"]
    text = corpus_program(lab.solution_path.read_text(encoding="utf-8"), entry)
    path = tmp_path / "lstm_cell.py"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, "import LSTMCell")
    for lang, words in (("en", f"lstm_cell.py, line(s) {line}"), ("zh", f"lstm_cell.py 第 {line}")):
        assert main(["grade", str(path), "--json", "--lang", lang]) == 1
        result = json.loads(capsys.readouterr().out)
        assert result["score"] == 0 and result["max_score"] == 100
        *outputs, rules = result["tests"]
        assert rules["name"] == RULES_SET and rules["visibility"] == "visible"
        assert rules["status"] == "failed" and words in rules["output"]
        assert "torch.nn.LSTMCell" in rules["output"]
        assert all(t["status"] == "failed" and "actual" not in t for t in outputs)
        assert main(["grade", str(path), "--lang", lang]) == 1  # the terminal report draws it
        shown = capsys.readouterr().out
        assert ("code rules" if lang == "en" else "代码规则") in shown and "LSTMCell" in shown
