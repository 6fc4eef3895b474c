"""Issue 18's code-rule guards (graders/rules_template.py, graders/rules.py): allowed imports,
keeping the template's names, a forbidden name read from any object, handing torch on."""

from pathlib import Path

import pytest
from test_rules import NO_LSTM, REASON, Runner, line_of, program, spec_with

from graders.engine import grade_program
from graders.errors import SpecError
from graders.rules import Rule, check
from graders.spec import RULES_SET, LabSpec, Limits
from graders.spec import TestSet as Case

IMPORTS = Rule("imports", ("torch", "math"), REASON)
KEEP = Rule("template", (), REASON)
# A template like the seq2seq labs': module-level values, a function, torch's modules.
HEAD = (
    "import sys\nimport torch\nimport torch.nn as nn\n\n"
    'SYMBOLS = "SEP"\nSYMBOL_INDEX = {s: i for i, s in enumerate(SYMBOLS)}\nWORDS = ["a"]\n'
    "model = object()\n\n\ndef main():\n    return 1\n\n\n"
)


@pytest.mark.parametrize(
    ("body", "needle", "name"),
    [
        ('import pickle\nC = pickle.loads(b"ctorch.nn\\nLSTMCell\\n.")\n', "pickle", "pickle"),
        ('import pydoc\nC = pydoc.locate("torch.nn.LSTM" + "Cell")\n', "pydoc", "pydoc"),
        ("def f():\n    from importlib import util\n", "importlib", "importlib"),
        ("def f():\n    from . import sibling\n", "from .", "."),
        ("import torchvision\n", "torchvision", "torchvision"),  # not a submodule of torch
    ],
)
def test_an_import_outside_the_allowed_list_is_refused_on_its_line(body, needle, name):
    text = program(body)
    (finding,) = check(text, (IMPORTS,))
    assert finding.lines == (line_of(text, needle),)
    assert finding.name == name


def test_the_allowed_modules_and_their_submodules_may_be_imported():
    body = "import math\nimport torch.nn.functional as F\nfrom torch import nn\n"
    assert check(program(body), (IMPORTS,)) == []


@pytest.mark.parametrize(
    ("body", "needle", "name"),
    [
        ("def translate(w):\n    global SYMBOLS\n    SYMBOLS = 'x'\n", "global", "SYMBOLS"),
        ("def main():\n    return 2\n", "def main", "main"),
        ("main = lambda: 2\n", "main =", "main"),
        ("import math as SYMBOLS\n", "import math", "SYMBOLS"),
        ("def f():\n    WORDS[:] = ['b']\n", "WORDS[:]", "WORDS"),
        ("def f():\n    SYMBOL_INDEX['a'] = 0\n", "SYMBOL_INDEX[", "SYMBOL_INDEX"),
        ("def f():\n    WORDS.append('b')\n", "append", "WORDS"),
        ("def f():\n    SYMBOL_INDEX.update(a=1)\n", "update", "SYMBOL_INDEX"),
        ("torch.Tensor.max = lambda *a: 0\n", "torch.Tensor.max", "torch"),
        ("nn.Module.__call__ = None\n", "__call__", "nn"),
        ("def f():\n    import torch as T\n    T.tanh = abs\n", "T.tanh", "T"),
        ("def f(x):\n    x.__class__ = int\n", "__class__", "x"),
        ("def f():\n    del sys.argv\n", "sys.argv", "sys"),
    ],
)
def test_blank_code_may_not_rebind_or_modify_a_template_name(body, needle, name):
    text = program(body, head=HEAD)
    (finding,) = check(text, (KEEP,))
    assert line_of(text, needle) in finding.lines
    assert finding.name == name


def test_the_blanks_own_names_locals_and_objects_are_theirs():
    body = """
    import torch

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(3, 3)

    def translate(word, WORDS=()):
        SYMBOLS = "xyz"  # a local of the same name: not the template's
        model.eval()
        scores = torch.zeros(3)
        scores[0] = 1.0
        letters = []
        letters.append(SYMBOLS[0])
        return "".join(letters)

    for epoch in range(3):
        loss = model
    """
    assert check(program(body, head=HEAD), (KEEP,)) == []


def test_torch_may_be_handed_on_and_its_forbidden_names_are_read_from_any_object():
    passlib = """
    def gates(lib, z):
        i, f, g, o = z.chunk(4, dim=1)
        return lib.sigmoid(i), lib.sigmoid(f), lib.tanh(g), lib.sigmoid(o)

    def lstm_cell(x, state, weights):
        import torch.nn.functional as F
        return gates(torch, x), F
    """
    assert check(program(passlib), (NO_LSTM,)) == []
    kernel = "def make(lib):\n    return lib.lstm_cell\n\n\nmake(torch)\n"
    (finding,) = check(program(kernel), (NO_LSTM,))
    assert finding.name == "<lib>.lstm_cell"  # torch may sit in `lib`: its kernel is refused
    torch_then_nn = "def make(lib):\n    return lib.nn.LSTMCell(3, 4)\n\n\nmake(torch)\n"
    assert check(program(torch_then_nn), (NO_LSTM,))
    nn_handed = "def make(lib):\n    return lib.LSTMCell(3, 4)\n\n\nmake(torch.nn)\n"
    (finding,) = check(program(nn_handed), (NO_LSTM,))
    assert (finding.how, finding.name) == ("handed", "torch.nn")


def test_handing_torch_nn_on_is_named_as_such_not_as_a_forbidden_name():
    text = program('def f():\n    return dict(vars(torch.nn))["LSTM" + "Cell"]\n')
    (finding,) = check(text, (NO_LSTM,))
    assert finding.how == "handed" and finding.name == "torch.nn"
    en, zh = (_rules_text((NO_LSTM,), text, lang) for lang in ("en", "zh"))
    assert "handed on as a value" in en and "torch.nn.something" in en
    assert "is not allowed in this lab" not in en
    assert "当作值传递" in zh


def test_model_eval_is_not_the_builtin_eval():
    rule = Rule("forbid", ("eval", "exec"), REASON)
    assert check(program("def f(model):\n    model.eval()\n"), (rule,)) == []
    assert check(program("def f():\n    eval('1')\n"), (rule,))


def test_the_spec_reads_allowed_imports_and_keep_template_names(tmp_path):
    spec = spec_with(
        tmp_path,
        '[rules]\nkeep_template_names = true\n[rules.imports]\nallow = ["torch", "math"]\n',
    )
    imports, keep = spec.tests[-1].rules
    assert (imports.kind, imports.names, keep.kind) == ("imports", ("torch", "math"), "template")
    assert "torch, math" in imports.reason["en"] and "torch, math" in imports.reason["zh"]
    with pytest.raises(SpecError) as raised:
        spec_with(tmp_path, "[rules.imports]\nallow = [1]\n")
    assert "rules.imports.allow" in str(raised.value)


def _rules_text(rules: tuple[Rule, ...], text: str, lang: str) -> str:
    lab = LabSpec(
        id="demo",
        title={"zh": "演示", "en": "Demo"},
        entry="main.py",
        tests=(Case(RULES_SET, "", "", 0, comparator="rules", rules=rules),),
        limits=Limits(wall_seconds=5, cpu_seconds=5, memory_mb=512, output_kb=16),
        fork_at_input=True,
        seed_variable=None,
        spec_path=Path("demo.toml"),
        course_root=Path("."),
    )
    result = grade_program(lab, text, file="/x/main.py", include_hidden=True, runner=Runner())
    return result.tests[-1].detail_text(lang)


def test_the_import_and_template_messages_name_the_line_and_what_is_allowed(tmp_path):
    spec = spec_with(
        tmp_path, '[rules]\nkeep_template_names = true\n[rules.imports]\nallow = ["torch"]\n'
    )
    imports, keep = spec.tests[-1].rules
    text = program("import pickle\n")
    en = _rules_text((imports,), text, "en")
    assert f"main.py, line(s) {line_of(text, 'pickle')}: `import pickle` imports pickle" in en
    assert "may import only torch" in en
    assert "只能导入 torch" in _rules_text((imports,), text, "zh")
    text = program("def f():\n    WORDS[:] = []\n", head=HEAD)
    en = _rules_text((keep,), text, "en")
    assert f"line(s) {line_of(text, 'WORDS[:]')}: `WORDS[:]` changes WORDS" in en
    assert "rebind or modify a name the lab's fixed code defines" in en
    assert "改动了 WORDS" in _rules_text((keep,), text, "zh")
