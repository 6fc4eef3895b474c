"""Code rules read names through what they are bound to (graders/codenames.py): the student's
own `nn` (a class, a variable, a parameter) is not torch.nn, while every way found to reach
torch's LSTM under the lstm-cell page's rules is still refused. Checked with the lab's real
rules on its real file."""

import dataclasses
import json

import pytest

from graders.course.corpus import corpus_program, load_corpus
from graders.rules import check

# Correct blanks 1 whose own names read like torch's: a red-team session found the rules
# refusing them (issue 18).
OWN_CLASS_NN = '''
class nn:
    """The student's own namespace of gate helpers, called nn like torch's."""

    @staticmethod
    def LSTMCell(x, state, weights):
        h, c = state
        W_ih, W_hh, b_ih, b_hh = weights
        i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell(x, state, weights):
    return nn.LSTMCell(x, state, weights)
'''

OWN_VARIABLE_AND_PARAMETER_NN = """
class Gates:
    def __init__(self, weights):
        self.weights = weights

    def LSTM(self, x, h):
        W_ih, W_hh, b_ih, b_hh = self.weights
        return (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)


def update(nn, x, state):
    h, c = state
    i, f, g, o = nn.LSTM(x, h)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell(x, state, weights):
    nn = Gates(weights)
    return update(nn, x, state)
"""

CELL = "def lstm_cell(x, state, weights):\n"

# Every way found to reach torch's LSTM: the red team's 13 and more; each must be refused.
BYPASSES = {
    "from_import_alias": CELL + "    from torch.nn import LSTMCell as C\n    return C(3, 4)\n",
    "import_as": CELL + "    import torch.nn as q\n    return q.LSTMCell(3, 4)\n",
    "from_torch_import_nn": CELL + "    from torch import nn\n    return nn.LSTM(3, 4)\n",
    "getattr_literal": CELL + '    return getattr(torch, "lstm_cell")(x, state, *weights)\n',
    "getattr_built": CELL + '    return getattr(torch.nn, "LSTM" + "Cell")(3, 4)\n',
    "exec": CELL + '    exec("c = torch.nn.LSTM" + "Cell")\n',
    "eval": CELL + '    return eval("torch.nn.LSTMCell")(3, 4)\n',
    "importlib": CELL + '    import importlib\n    m = importlib.import_module("torch.nn")\n',
    "dunder_import": CELL + '    return __import__("torch").nn.LSTMCell(3, 4)\n',
    "sys_modules": CELL + '    import sys\n    return sys.modules["torch.nn"]\n',
    "subclasses": CELL + "    return torch.nn.RNNCellBase.__subclasses__()\n",
    "torch_ops": CELL + "    return torch.ops.aten.lstm_cell(x, state, *weights)\n",
    "vf": CELL + "    return torch._VF.lstm_cell(x, state, *weights)\n",
    "modules_path": CELL + "    return torch.nn.modules.rnn.LSTMCell(3, 4)\n",
    "modules_short": CELL + "    return torch.nn.modules.LSTMCell(3, 4)\n",
    "dict": CELL + '    return torch.nn.__dict__["LSTMCell"](3, 4)\n',
    "vars": CELL + '    return vars(torch.nn)["LSTMCell"](3, 4)\n',
    "base_class": "class Mine(torch.nn.RNNCellBase):\n    pass\n",
    "functional_torch": CELL
    + "    import torch.nn.functional as F\n    return F.torch.nn.LSTMCell\n",
    # A local name that is not provably local: torch's nn handed over as a value.
    "parameter_given_nn": "def make(nn):\n    return nn.LSTMCell(3, 4)\n\n\n"
    + CELL
    + "    return make(torch.nn)(x, state)\n",
    "default_nn": "def make(m=torch.nn):\n    return m.LSTMCell(3, 4)\n",
    "list_item": CELL + "    return [torch.nn][0].LSTMCell(3, 4)\n",
    "returned_module": "def mod():\n    return torch.nn\n\n\n"
    + CELL
    + "    return mod().LSTMCell\n",
    "global_alias": "def setup():\n    global q\n    q = torch.nn\n\n\n"
    + CELL
    + "    q.LSTMCell\n",
    "walrus_in_comprehension": CELL + "    [(m := torch.nn) for _ in (1,)]\n    m.LSTMCell\n",
    "own_class_then_torch": "class nn:\n    pass\n\n\nnn = torch.nn\nnn.LSTMCell(3, 4)\n",
    "never_bound_nn": CELL + "    return nn.LSTMCell(3, 4)\n",
    # Found while fixing the above (the lab's names now list them).
    "variable_functions": CELL
    + "    return torch._C._VariableFunctions.lstm_cell(x, state, *weights)\n",
    "function_globals": CELL + '    return torch.nn.RNN.__init__.__globals__["LSTMCell"](3, 4)\n',
    "quantizable": CELL + "    return torch.ao.nn.quantizable.LSTMCell(3, 4)\n",
    "nonlocal_bound_later": "def outer():\n    def inner():\n        nonlocal q\n"
    + "        import torch.nn as q\n\n    inner()\n    q = 1\n    return q.LSTMCell\n",
    "comprehension_first_iterable": "nn = torch.nn\nx = [0 for nn in [nn.LSTMCell]]\n",
    "gc_objects": CELL + "    import gc\n    return [o for o in gc.get_objects()][0]\n",
    "inspect_getmodule": CELL + "    import inspect\n    m = inspect.getmodule(torch.tanh)\n",
    # Issue 18: a module that loads a class by a name it never writes; a forbidden name read
    # through a parameter that was handed torch itself (allowed: see the good variants).
    "pickle": CELL + '    import pickle\n    return pickle.loads(b"ctorch.nn\\nLSTMCell\\n.")\n',
    "pydoc": CELL + '    import pydoc\n    return pydoc.locate("torch.nn.LSTM" + "Cell")\n',
    "pickle_via_torch": CELL + "    return torch.serialization.pickle.loads(b'')\n",
    "torch_handed_then_nn": "def make(lib):\n    return lib.nn.LSTMCell(3, 4)\n\n\n"
    + CELL
    + "    return make(torch)(x, state)\n",
    "torch_handed_then_kernel": "def make(lib):\n    return lib.lstm_cell\n\n\n"
    + CELL
    + "    return make(torch)(x, state, *weights)\n",
    "lambda_returns_nn": CELL + "    f = lambda t: t.nn\n    return f(torch).LSTMCell(3, 4)\n",
    "method_named_eval": 'class A:\n    def eval(self):\n        pass\n\n\neval("1")\n',
}


@pytest.fixture(scope="module")
def lstm(course):
    lab = course.lab("lstm-cell")
    reference = lab.solution_path.read_text(encoding="utf-8")
    template = next(e for e in load_corpus(lab) if e.name == "good_per_gate_linear")
    *_, rules_set = lab.tests

    def file_with(blank_1: str) -> str:
        entry = dataclasses.replace(template, blanks={1: blank_1}, edits=())
        return corpus_program(reference, entry)

    return file_with, rules_set.rules


# Correct cells the rules must let through (issue 18: torch handed to a helper was refused).
PASS_TORCH = """
def gates(lib, z):
    i, f, g, o = z.chunk(4, dim=1)
    return lib.sigmoid(i), lib.sigmoid(f), lib.tanh(g), lib.sigmoid(o)


def lstm_cell(x, state, weights):
    import torch.nn.functional as F

    h, c = state
    W_ih, W_hh, b_ih, b_hh = weights
    i, f, g, o = gates(torch, F.linear(x, W_ih, b_ih) + F.linear(h, W_hh, b_hh))
    c = f * c + i * g
    return o * torch.tanh(c), c
"""


@pytest.mark.parametrize("body", [OWN_CLASS_NN, OWN_VARIABLE_AND_PARAMETER_NN, PASS_TORCH])
def test_the_students_own_nn_is_not_torchs(lstm, body):
    file_with, rules = lstm
    assert check(file_with(body), rules) == []


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_every_way_to_torchs_lstm_is_still_refused(lstm, name):
    file_with, rules = lstm
    findings = check(file_with(BYPASSES[name]), rules)
    assert findings, name
    assert all(finding.lines for finding in findings)


def test_a_parameter_or_variable_named_nn_still_reads_as_torch_when_torch_is_imported_in_scope(
    lstm,
):
    file_with, rules = lstm
    shadow_then_import = CELL + "    nn = 3\n    from torch import nn\n    return nn.LSTM(3, 4)\n"
    (finding, *_) = check(file_with(shadow_then_import), rules)
    assert finding.name == "torch.nn.LSTM"


def test_the_own_nn_submission_scores_full_marks_end_to_end(course, capsys, tmp_path, lstm):
    from graders.cli import main

    file_with, _ = lstm
    path = tmp_path / "lstm_cell.py"
    path.write_text(file_with(OWN_CLASS_NN), encoding="utf-8")
    assert main(["grade", str(path), "--json", "--lang", "en"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == result["max_score"] == 100
