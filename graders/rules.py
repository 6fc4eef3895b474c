"""Code rules a task page states ("do not use nn.LSTMCell", "use your own softmax"), checked on
the trusted side on the abstract syntax tree of the student's blanks. Pure: text in, findings
out; it never imports or runs anything it reads.

A use is every place the code names something: a name, an attribute chain, an import, and the
spellings that name a thing through a literal string (`getattr(nn, "LSTMCell")`,
`nn.__dict__["LSTMCell"]`, `vars(nn)["LSTMCell"]`, `importlib.import_module("torch.nn")`,
`__import__("torch")`). Each is resolved to dotted names through the program's imports and
simple assignments (`import torch.nn as n`, `from torch.nn import LSTMCell as C`,
`cell = nn.LSTMCell`, `from torch.nn import *`), so an alias is judged by what it names
(graders/codenames.py). Names follow Python's scopes, flow-insensitive within one: a name bound
to a forbidden thing anywhere in a scope counts wherever the scope uses it (over-reporting is a
visible message the student can read; under-reporting is a rule not enforced), while the
student's own `class nn:`, `nn = Thing()` or parameter `nn` is not torch's nn. Since a local
name could still receive torch's module as a value, handing a module that holds a forbidden
name on as a value (`f(torch.nn)`, `[torch.nn]`, `return nn`) counts as a forbidden use.
Comments and ordinary strings are never uses.
What no static check sees (a name built at run time, `exec` of a string) is out of reach.

Matching: a forbidden entry matches a dotted name equal to it or ending in `.` + it, so
`nn.LSTMCell` catches `torch.nn.LSTMCell` and an alias resolving to it, but not the student's
own `LSTMCell`. A required entry must be named exactly (`softmax`, the student's function, is
not satisfied by `scipy.special.softmax`); a rule's names are alternatives.

Only uses inside the blanks count (the template is the course's), and line numbers are those
of the program that was parsed; the caller maps them to the student's file.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass

from graders.codenames import Names, is_local, plain
from graders.markers import parse
from graders.rules_template import foreign_attributes, outside_imports, tampering


@dataclass(frozen=True)
class Rule:
    kind: str  # forbid | require | imports (names: the allowed modules) | template | attributes
    names: tuple[str, ...]
    reason: dict[str, str]  # zh, en: why, as the task page says it
    blank: int | None = None  # only this blank (1-based); None: every blank


@dataclass(frozen=True)
class Finding:
    """A rule the code does not keep: a forbidden use (its lines), or a required name missing."""

    rule: Rule
    lines: tuple[int, ...] = ()  # program lines of the forbidden uses
    written: str = ""  # the first use as written ("n.LSTMCell")
    name: str = ""  # what it resolved to ("torch.nn.LSTMCell")
    span: tuple[int, int] | None = None  # a missing name: the blank's first and last line
    how: str = ""  # a forbid finding: "" (named), "handed" (a module handed on as a value)


class Unparsable(Exception):
    """The program is not valid Python; `line` is where the parser stopped."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _alias(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _uses(node: ast.AST, names: Names) -> list[tuple[ast.AST, str, set[str]]]:
    """(node, as written, what it names) for one node, if it names anything."""
    if isinstance(node, ast.Import):
        return [(node, f"import {_alias(alias)}", {alias.name}) for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [
            (node, f"from {node.module} import {_alias(alias)}", {f"{node.module}.{alias.name}"})
            for alias in node.names
        ]
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return []  # a binding (`Cell = nn.LSTMCell`): its value is the use
    if isinstance(node, ast.Name | ast.Attribute | ast.Call | ast.Subscript):
        return [(node, "", names.resolve(node))]
    return []


# Modules that may be handed on as values (`gates(torch, z)`, `act(F)`): any forbidden name
# read from them by attribute is still caught by its last name (_matches); what reading a
# name built at run time needs (getattr, vars, __dict__) is the labs' own forbid rule.
_HANDED_OK = frozenset({"torch", "torch.nn.functional"})

# Builtins forbidden by their bare name: a method of the program's own value that happens to be
# called so (`model.eval()`) is not them.
_BUILTIN_CALLS = frozenset(n for n in dir(builtins) if not n.startswith("_"))


def _matches(kind: str, entry: str, meaning: str) -> bool:
    if kind == "require":
        return plain(meaning) == entry
    if is_local(meaning) and entry in _BUILTIN_CALLS:
        return False  # the program's own `model.eval()` is not the builtin eval
    if meaning == entry or meaning.endswith("." + entry):
        return True
    # A module that may be handed on (torch, F) can sit in any parameter or item, so an entry it
    # holds (`torch.lstm_cell`) counts by its last name on a value no static reading names:
    # `lib.lstm_cell`. Entries deeper down keep their holder (`lib.nn.LSTMCell` ends in
    # nn.LSTMCell), so the student's own `nn.LSTMCell` (a class or parameter of theirs) is not it.
    holder, _, last = entry.rpartition(".")
    handed = any(h == holder or h.endswith("." + holder) for h in _HANDED_OK)
    return handed and meaning.startswith(("<", "?")) and meaning.endswith("." + last)


def _holders(rule: Rule) -> set[str]:
    """The modules that hold a forbidden name (`nn` for nn.LSTMCell, `torch` for torch.ops)."""
    parts = [entry.split(".") for entry in rule.names]
    return {".".join(p[:n]) for p in parts for n in range(1, len(p))}


def _handed_over(uses: list, names: Names, rule: Rule) -> list:
    """Uses that pass a module holding a forbidden name on as a value (`f(torch.nn)`,
    `[nn][0]`, `return nn`, a default): a local name could then hold it unseen, so the module
    itself counts as the forbidden use. torch and F may be handed on (_HANDED_OK), so what is
    read from a value of the program's own and handed on again counts too (`lambda t: t.nn`)."""
    holders = _holders(rule)
    return [
        (node, written, meaning)
        for node, written, meanings in uses
        if isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
        and names.handed_over(node)
        for meaning in sorted(meanings)
        if meaning not in _HANDED_OK and (not is_local(meaning) or "." in meaning)
        if any(meaning == h or meaning.endswith("." + h) for h in holders - _HANDED_OK)
    ]


def _placeholder(statement: ast.stmt) -> bool:
    """`pass`, `...`, a docstring, or `raise NotImplementedError(…)` (the starter's line)."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    return False


def _written(tree: ast.Module, blank_of: Callable[[int], int | None]) -> set[int]:
    """The blanks holding code: not empty, not only placeholders. A required name is not
    asked of the others: a student fills one blank at a time and checks each."""
    return {
        where
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and not _placeholder(node)
        if (where := blank_of(node.lineno)) is not None
    }


def check(program: str, rules: tuple[Rule, ...]) -> list[Finding]:
    """The rules `program` (a spliced lab file, markers kept) does not keep, in rule order.
    Raises Unparsable when it is not Python."""
    try:
        tree = ast.parse(program)
    except SyntaxError as error:
        raise Unparsable(error.lineno or 1) from None
    blanks = parse(program, "program").blanks
    names = Names(tree)

    def blank_of(line: int) -> int | None:
        return next((b.index for b in blanks if b.begin_line < line < b.end_line), None)

    written = _written(tree, blank_of)
    uses = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        where = blank_of(line) if line is not None else None
        if where is not None:
            uses += [(where, use) for use in _uses(node, names)]
    uses.sort(key=lambda item: (item[1][0].lineno, item[1][0].col_offset))
    findings = []
    for rule in rules:
        mine = [use for where, use in uses if rule.blank in (None, where)]
        hits = [
            (node, written, meaning, "")
            for node, written, meanings in mine
            for meaning in sorted(meanings)
            if any(_matches(rule.kind, entry, meaning) for entry in rule.names)
        ]
        if rule.kind == "forbid":
            hits += [(*hit, "handed") for hit in _handed_over(mine, names, rule)]
        elif rule.kind == "imports":
            hits = [(*hit, "") for hit in outside_imports(tree, rule.names, blank_of)]
        elif rule.kind == "template":
            hits = [(*hit, "") for hit in tampering(tree, names, blank_of, program)]
        elif rule.kind == "attributes":
            hits = [(*hit, "") for hit in foreign_attributes(tree, blank_of, program)]
        if rule.kind != "require" and hits:
            hits.sort(key=lambda hit: (hit[0].lineno, hit[0].col_offset))
            node, written, meaning, how = hits[0]
            shown = written or ast.get_source_segment(program, node) or meaning
            lines = tuple(sorted({hit[0].lineno for hit in hits}))
            findings.append(Finding(rule, lines, " ".join(shown.split())[:80], meaning, how=how))
        elif rule.kind == "require" and not hits:
            chosen = [b for b in blanks if rule.blank in (None, b.index)]
            if chosen and not any(b.index in written for b in chosen):
                continue  # not written yet: its own error says so, and the others still run
            span = (chosen[0].begin_line, chosen[-1].end_line) if chosen else None
            findings.append(Finding(rule, span=span))
    return findings
