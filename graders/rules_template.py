"""The code rules that guard the lab's own code from the blanks (graders/rules.py calls them):
`[rules] keep_template_names = true` and `[rules.imports] allow = [...]`. Pure: syntax in,
uses out; nothing read is imported or run.

Keeping the template's names: the fixed code's checks (a greedy decoding, a probe model, the
printing) are only as good as the names they read, so blank code may not rebind or modify any
name the template binds at module level, computed from the template itself (imports, defs,
assignments outside the blanks), nor torch's objects:
  - a `global` / `nonlocal` statement naming a template name;
  - a binding of a template name at module level (`main = …`, `def main`, `import x as main`);
  - an assignment to an attribute or item of a template name or of a library object
    (`SYMBOL_INDEX['a'] = …`, `WORDS[:] = …`, `torch.Tensor.max = …`, `nn.Module.__call__ = …`),
    or to a dunder attribute of anything (`obj.__class__ = …`);
  - a mutating method called on a template value (`PAIRS.append(…)`, `SYMBOL_INDEX.update(…)`),
    or an in-place tensor method, one whose name ends in a single `_` (`targets.fill_(…)`).
Reflection (`globals()`, `setattr`, `__dict__`) is the labs' forbid rule, not this one.

Attributes on self only (`[rules] attributes_on_self_only = true`): an attribute may be
assigned, augmented or deleted only as `self.<name>` in a method (a function written directly in
a class) whose first parameter is `self` and which never rebinds it; `cls.item = …` on a
parameter, `L_[0].item = …`, `self.x.y = …` and `obj.attr = …` are refused, since any of them
can reach an object of torch's or of the template through a value no static reading names.

Allowed imports: every `import x` / `from x import y` in the blanks must name an allowed module
or a submodule of one (`torch` allows `torch.nn.functional`); relative imports never are.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from graders.codenames import Names, is_local, own_nodes

# Methods that change a list, dict or set in place, or an nn.Module's layers (the template's
# own values).
MUTATORS = frozenset(
    [
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "update",
        "setdefault",
        "popitem",
        "sort",
        "reverse",
        "add",
        "discard",
        "__setitem__",
        "__delitem__",
        "__setattr__",
        "__delattr__",
        "__iadd__",
        # nn.Module's own: a blank that adds or hooks a layer of the template's model
        "add_module",
        "register_module",
        "register_parameter",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_backward_hook",
        "apply",
        "load_state_dict",
    ]
)

Use = tuple[ast.AST, str, str]  # node, as written, what it names


def _bound_names(node: ast.AST) -> list[tuple[ast.AST, str]]:
    """The names a node binds in the scope it sits in."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [(node, node.id)]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [(node, node.name)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(node, a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [(node, node.name)]
    return []


def _imported(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """name: the module or object an import binds it to."""
    if isinstance(node, ast.Import):
        return {
            a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
            for a in node.names
        }
    return {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names if a.name != "*"}


def template_names(
    tree: ast.Module, blank_of: Callable[[int], int | None]
) -> tuple[set[str], dict[str, set[str]]]:
    """The names the template (the code outside the blanks) binds at module level, and what
    its imports bind them to (a blank may repeat `import torch`: the same name, the same thing)."""
    kept: set[str] = set()
    imports: dict[str, set[str]] = {}
    for node in own_nodes(list(tree.body)):
        if getattr(node, "lineno", None) is None or blank_of(node.lineno) is not None:
            continue
        kept |= {name for _, name in _bound_names(node)}
        if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
            for name, meaning in _imported(node).items():
                imports.setdefault(name, set()).add(meaning)
    return kept, imports


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _library(names: Names, node: ast.AST) -> bool:
    """Whether `node` may be a library object (torch, nn.Module, …) rather than the code's own."""
    return any(not is_local(m) and m != "?" for m in names.resolve(node))


def tampering(
    tree: ast.Module, names: Names, blank_of: Callable[[int], int | None], source: str
) -> Iterator[Use]:
    """Every place the blanks rebind or modify a template name or a library object."""
    kept, imports = template_names(tree, blank_of)

    def template(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in kept and names.reads_module_name(node)

    def shown(node: ast.AST) -> str:
        return _shown(source, node)

    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is None or blank_of(line) is None:
            continue
        if isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                if name in kept:
                    yield node, shown(node), name
            continue
        again = _imported(node) if isinstance(node, ast.Import | ast.ImportFrom) else {}
        for bound, name in _bound_names(node):
            if name not in kept or again.get(name, "") in imports.get(name, ()):
                continue
            scope = names.scope_of.get(id(bound))
            if scope is not None and (scope.kind == "module" or scope.declared.get(name)):
                yield bound, shown(node), name
        target = node
        if isinstance(node, ast.Attribute | ast.Subscript) and not isinstance(node.ctx, ast.Load):
            root = _root(node)
            dunder = isinstance(node, ast.Attribute) and node.attr.startswith("__")
            if dunder or template(root) or _library(names, node.value):
                yield node, shown(node), shown(root) or "?"
        elif isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute):
            root = _root(target.func)
            value = all(is_local(m) for m in names.resolve(root))  # a value, not a module
            mutator = target.func.attr in MUTATORS or _in_place(target.func.attr)
            if mutator and template(root) and value:
                yield node, shown(target.func), shown(root)


def _shown(source: str, node: ast.AST) -> str:
    return " ".join((ast.get_source_segment(source, node) or "").split())[:80]


def _in_place(method: str) -> bool:
    """A tensor method that changes its tensor in place: `fill_`, `copy_`, `add_` (not `__x__`)."""
    return method.endswith("_") and not method.endswith("__")


def _rebinds_self(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether anything in `function` (its nested code too, to be safe) binds the name self."""
    for node in ast.walk(function):
        if isinstance(node, ast.Global | ast.Nonlocal) and "self" in node.names:
            return True
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name == "self":
            return True
        if isinstance(node, ast.MatchMapping) and node.rest == "self":
            return True
        if node is not function and any(name == "self" for _, name in _bound_names(node)):
            return True
    return False


def _own_attributes(tree: ast.Module) -> set[int]:
    """The ids of the `self.<name>` nodes written in the own code of a method whose first
    parameter is self, never rebound."""
    found: set[int] = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = [*method.args.posonlyargs, *method.args.args][:1]
            if [a.arg for a in first] != ["self"] or _rebinds_self(method):
                continue
            found |= {
                id(node)
                for node in own_nodes(list(method.body))
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                if node.value.id == "self"
            }
    return found


def foreign_attributes(
    tree: ast.Module, blank_of: Callable[[int], int | None], source: str
) -> Iterator[Use]:
    """Every attribute the blanks assign, augment or delete other than `self.<name>` in a
    method (_own_attributes)."""
    own = _own_attributes(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or isinstance(node.ctx, ast.Load):
            continue
        if blank_of(node.lineno) is not None and id(node) not in own:
            yield node, _shown(source, node), _shown(source, node.value) or "?"


def outside_imports(tree: ast.Module, allowed: tuple[str, ...], blank_of) -> Iterator[Use]:
    """Every import in the blanks of a module that `allowed` does not list."""

    def ok(module: str) -> bool:
        return any(module == a or module.startswith(a + ".") for a in allowed)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or blank_of(node.lineno) is None:
            continue
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.level or not ok(module):
                yield node, f"from {module} import …", module
        else:
            for alias in node.names:
                if not ok(alias.name):
                    yield node, f"import {alias.name}", alias.name
