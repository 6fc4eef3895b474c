"""Issue 18, red team round 3: `[rules] attributes_on_self_only = true` and in-place tensor
methods on the template's names (graders/rules_template.py)."""

import pytest
from test_rules import REASON, line_of, program, spec_with
from test_rules_guards import HEAD, _rules_text

from graders.rules import Rule, check

SELF_ONLY = Rule("attributes", (), REASON)
KEEP = Rule("template", (), REASON)


@pytest.mark.parametrize(
    ("body", "needle", "name"),
    [
        # The red team's ways to torch.Tensor past the names rule: a parameter, a list item.
        ("def _patch(cls):\n    cls.item = abs\n\n\n_patch(torch.Tensor)\n", "cls.item", "cls"),
        ("L_ = [torch.Tensor]\nL_[0].item = abs\n", "L_[0].item", "L_[0]"),
        ("def f(obj):\n    obj.attr += 1\n", "obj.attr", "obj"),
        ("def f(obj):\n    del obj.attr\n", "obj.attr", "obj"),
        ("for holder.x in range(3):\n    pass\n", "holder.x", "holder"),
        # self, but not one level on a method's first parameter that is never rebound.
        (
            "class M:\n    def __init__(self):\n        self.x.y = 1\n",
            "self.x.y",
            "self.x",
        ),
        ("def f(self):\n    self.item = abs\n", "self.item", "self"),  # not a method
        (
            "class M:\n    def f(self):\n        self = torch.Tensor\n        self.item = abs\n",
            "self.item",
            "self",
        ),
        (
            "class M:\n    def f(this, self):\n        self.item = abs\n",
            "self.item",
            "self",
        ),
        (
            "class M:\n    def f(self):\n        def g():\n            self.y = 1\n",
            "self.y",
            "self",
        ),
    ],
)
def test_an_attribute_set_on_anything_but_self_is_refused_on_its_line(body, needle, name):
    text = program(body, head=HEAD)
    (finding,) = check(text, (SELF_ONLY,))
    assert finding.lines == (line_of(text, needle),)
    assert finding.name == name


def test_a_model_sets_its_own_attributes_and_changes_its_values_in_place():
    body = """
    class Seq2Seq(nn.Module):
        made = [0]

        def __init__(self):
            super().__init__()
            self.encoder = nn.GRU(3, 4)
            self.count: int = 0
            self.count += 1
            Seq2Seq.made[0] += 1
            with torch.no_grad():
                self.encoder.bias_hh_l0[0] = 1.0
                self.encoder.bias_ih_l0.fill_(0.0)

        async def step(self):
            self.state = None
            del self.state

    def translate(word):
        scores = torch.zeros(3)
        scores[0] = 1.0
        scores.add_(1.0)
        return word
    """
    assert check(program(body, head=HEAD), (SELF_ONLY, KEEP)) == []


@pytest.mark.parametrize(
    "body",
    [
        "def f():\n    model.fill_(2)\n",
        "def f():\n    model[0].copy_(x)\n",
        "def f():\n    model.zero_()\n",
    ],
)
def test_an_in_place_method_on_a_template_name_is_refused(body):
    text = program(body, head=HEAD)
    (finding,) = check(text, (KEEP,))
    assert finding.lines == (line_of(text, "_("),)
    assert finding.name == "model"


def test_the_spec_reads_attributes_on_self_only_and_the_message_says_what_is_allowed(tmp_path):
    spec = spec_with(tmp_path, "[rules]\nattributes_on_self_only = true\n")
    (rule,) = spec.tests[-1].rules
    assert rule.kind == "attributes"
    text = program("L_ = [torch.Tensor]\nL_[0].item = abs\n", head=HEAD)
    en = _rules_text((rule,), text, "en")
    line = line_of(text, "L_[0].item")
    assert f"line(s) {line}: `L_[0].item` sets (or deletes) an attribute of L_[0]" in en
    assert "only as `self.name = …` inside a method" in en
    zh = _rules_text((rule,), text, "zh")
    assert f"第 {line} 行 `L_[0].item` 给 L_[0] 的属性赋值" in zh and "self.名字" in zh
