"""What each name of a program stands for, read from its syntax tree by Python's own scope rules
(for the code rules, graders/rules.py). Pure: it never imports or runs what it reads.

A meaning is a dotted name: `torch.nn.LSTMCell` for a library thing reached through imports and
aliases (`import torch.nn as n`, `C = n.LSTMCell`, `getattr(n, "LSTMCell")`), the bare name for
a builtin or a name nothing binds (`eval`, or an `nn` the code never imports: strict, it may be
torch's), and `<x>` for a value the program made itself: its own class or function `x`, a
parameter `x`, a loop or `with` variable, the result of a call (`x = Thing()`). So the student's
`class nn:` reads as `<nn>.LSTMCell`, not as torch's `nn.LSTMCell`.

Names are looked up as Python does (a function's own names, then the enclosing functions', then
the module's, then builtins; a class body sees its own and the outer ones), and flow-insensitive
within a scope: every binding of a name in a scope counts wherever the scope uses it, so `class
nn:` next to `from torch import nn` still reads as torch's too.

A local name can hold a library module only if the module was handed over as a value (an
argument, a return value, a container, a default, an attribute of some object): `escapes`
names those places, so a caller can refuse them instead of following values through calls.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

UNKNOWN = "?"  # what no static reading can name (an item of a list, an expression)
_BUILTINS = frozenset(dir(builtins))
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def local(name: str) -> str:
    return f"<{name}>"


def is_local(meaning: str) -> bool:
    return meaning.startswith("<")


def plain(meaning: str) -> str:
    """The meaning without its local marks (a required `model.step` is the student's own)."""
    return meaning.replace("<", "").replace(">", "")


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def own_nodes(nodes: list[ast.AST]):
    """The nodes of one scope's code, not those of the functions and classes it defines."""
    todo = list(nodes)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)):
            todo += ast.iter_child_nodes(node)


@dataclass
class _Scope:
    kind: str  # module | function | class | comprehension
    parent: _Scope | None
    bound: dict[str, set[str]] = field(default_factory=dict)
    declared: dict[str, str] = field(default_factory=dict)  # name: global | nonlocal

    def owners(self, name: str) -> list[_Scope]:
        """The scopes a binding of `name` made here lands in: here, the module (`global`), or
        for `nonlocal` every enclosing function (which one binds it may be read only later:
        binding it in all of them can only add meanings)."""
        if self.declared.get(name) == "global":
            scope = self
            while scope.parent is not None:
                scope = scope.parent
            return [scope]
        if self.declared.get(name) == "nonlocal":
            outer, scope = [], self.parent
            while scope is not None and scope.kind != "module":
                if scope.kind != "class":
                    outer.append(scope)
                scope = scope.parent
            return outer or [self]
        return [self]


class Names:
    """The meanings of every name, attribute chain and call of one module's syntax tree."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _Scope("module", None)
        self.star: set[str] = set()  # modules of `from m import *`
        self.scope_of: dict[int, _Scope] = {}  # id(node): the scope its names are read in
        self.parent: dict[int, ast.AST] = {}
        self._assignments: list[tuple[_Scope, ast.AST, ast.AST]] = []
        self._visit(tree, self.module)
        # Aliases of aliases (`n = torch.nn; C = n.LSTMCell`): a few rounds reach them.
        for _ in range(3):
            for scope, target, value in self._assignments:
                self._assign(scope, target, value)

    # --- reading the tree ---------------------------------------------------------------------

    def _bind(self, scope: _Scope, name: str, meaning: str) -> None:
        for owner in scope.owners(name):
            owner.bound.setdefault(name, set()).add(meaning)

    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        self.scope_of[id(node)] = scope
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)):
            self._enter(node, scope)
            return
        self._binds(node, scope)
        for child in ast.iter_child_nodes(node):
            self.parent[id(child)] = node
            self._visit(child, scope)

    def _enter(self, node: ast.AST, scope: _Scope) -> None:
        """A new scope: its name, decorators, defaults and bases belong to the outer one."""
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        if isinstance(node, _COMPREHENSIONS):
            kind = "comprehension"
        inner = _Scope(kind, scope)
        outer_parts: list[ast.AST] = []
        inner_parts: list[ast.AST] = []
        if isinstance(node, ast.ClassDef):
            self._bind(scope, node.name, local(node.name))
            outer_parts += [*node.decorator_list, *node.bases, *node.keywords]
            inner_parts += node.body
        elif isinstance(node, _FUNCTIONS):
            if not isinstance(node, ast.Lambda):
                self._bind(scope, node.name, local(node.name))
                outer_parts += [*node.decorator_list]
                if node.returns is not None:
                    outer_parts.append(node.returns)
            args = node.args
            outer_parts += [d for d in (*args.defaults, *args.kw_defaults) if d is not None]
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if arg is not None:
                    self._bind(inner, arg.arg, local(arg.arg))
                    if arg.annotation is not None:
                        outer_parts.append(arg.annotation)
            inner_parts += node.body if isinstance(node.body, list) else [node.body]
        else:
            for n, generator in enumerate(node.generators):  # type: ignore[attr-defined]
                self._targets(inner, generator.target)
                inner_parts += [generator.target, *generator.ifs]
                # The first iterable is evaluated outside, before the comprehension's names.
                (inner_parts if n else outer_parts).append(generator.iter)
            inner_parts += [
                getattr(node, name) for name in ("elt", "key", "value") if hasattr(node, name)
            ]
        # Declarations first (they decide where bindings land), of this scope only.
        for sub in own_nodes(inner_parts):
            if isinstance(sub, ast.Global | ast.Nonlocal):
                kind_of = "global" if isinstance(sub, ast.Global) else "nonlocal"
                inner.declared.update(dict.fromkeys(sub.names, kind_of))
        for part, where in [(p, scope) for p in outer_parts] + [(p, inner) for p in inner_parts]:
            self.parent[id(part)] = node
            self._visit(part, where)

    def _targets(self, scope: _Scope, target: ast.AST) -> None:
        """A loop/with/except/pattern variable: a value of the program's own."""
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                self._bind(scope, sub.id, local(sub.id))

    def _binds(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.asname or alias.name.split(".")[0]
                self._bind(scope, target, alias.name if alias.asname else target)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    self.star.add(node.module)
                else:
                    meaning = f"{node.module}.{alias.name}"
                    self._bind(scope, alias.asname or alias.name, meaning)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            self._assignments += [(scope, target, node.value) for target in targets]
        elif isinstance(node, ast.NamedExpr):
            home = scope
            while home.kind == "comprehension" and home.parent is not None:
                home = home.parent  # `:=` in a comprehension binds in the enclosing scope
            self._assignments.append((home, node.target, node.value))
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor):
            self._targets(scope, node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._targets(scope, node.optional_vars)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            self._bind(scope, node.name, local(node.name))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self._bind(scope, node.rest, local(node.rest))

    def _assign(self, scope: _Scope, target: ast.AST, value: ast.AST | None) -> None:
        if value is None:
            self._targets(scope, target)
        elif isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            for inner, part in zip(target.elts, value.elts, strict=False):
                self._assign(scope, inner, part)
            self._targets(scope, target)  # a starred or surplus target: the program's own
        elif isinstance(target, ast.Name):
            # An alias of a named thing follows it; a value (a call's result, a number) is the
            # program's own: `model = Seq2Seq()` makes `model.step` read as <model>.step.
            meanings = {m for m in self.resolve(value, scope) if m != UNKNOWN}
            meanings = {m for m in meanings if not m.endswith("()")}
            for meaning in meanings or {local(target.id)}:
                self._bind(scope, target.id, meaning)
        else:
            self._targets(scope, target)

    # --- resolving ----------------------------------------------------------------------------

    def lookup(self, name: str, scope: _Scope) -> set[str]:
        """The meanings of a name read in `scope`, by Python's rules (LEGB)."""
        if scope.declared.get(name) == "global":
            scope = self.module
        found: set[str] = set()
        current: _Scope | None = scope
        while current is not None:
            if current.kind == "class" and current is not scope:
                current = current.parent  # a class body is not seen from its methods
                continue
            if name in current.bound:
                found |= current.bound[name]
                if current.kind in ("function", "comprehension"):
                    return found  # a function's own name: nothing outer is read
                if current.kind == "module" and name not in _BUILTINS:
                    return found | {f"{m}.{name}" for m in self.star}
            current = current.parent
        # Not bound (or a builtin that module/class code may read before binding it): the bare
        # name, which may be a builtin or torch's own through a star import.
        return found | {name} | {f"{module}.{name}" for module in self.star}

    def resolve(self, node: ast.AST, scope: _Scope | None = None) -> set[str]:
        """The dotted names `node` may stand for; UNKNOWN where the code does not say."""
        scope = scope or self.scope_of.get(id(node), self.module)
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope)
        if isinstance(node, ast.Attribute):
            return {f"{base}.{node.attr}" for base in self.resolve(node.value, scope)}
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        if isinstance(node, ast.Subscript):
            key = _literal(node.slice)
            holder = node.value
            if key is not None and isinstance(holder, ast.Attribute) and holder.attr == "__dict__":
                return {f"{base}.{key}" for base in self.resolve(holder.value, scope)}
            if (
                key is not None
                and isinstance(holder, ast.Call)
                and "vars" in self.resolve(holder.func, scope)
            ):
                return {f"{b}.{key}" for arg in holder.args[:1] for b in self.resolve(arg, scope)}
        return {UNKNOWN}

    def _call(self, node: ast.Call, scope: _Scope) -> set[str]:
        called = self.resolve(node.func, scope)
        first = _literal(node.args[0]) if node.args else None
        second = _literal(node.args[1]) if len(node.args) > 1 else None
        if "getattr" in called and second is not None:
            return {f"{base}.{second}" for base in self.resolve(node.args[0], scope)}
        if "importlib.import_module" in called and first is not None:
            return {first}
        if "__import__" in called and first is not None:
            return {first, first.split(".")[0]}  # the package, or the module with a fromlist
        return {f"{name}()" for name in called}

    def handed_over(self, node: ast.AST) -> bool:
        """Whether `node`'s value goes where no name follows it: not an attribute's base, a
        call's function, or the whole value of a plain `name = …` (which `resolve` follows)."""
        parent = self.parent.get(id(node))
        if isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node:
            return False
        if isinstance(parent, ast.Call) and parent.func is node:
            return False
        if isinstance(parent, ast.Assign) and parent.value is node:
            return not all(isinstance(t, ast.Name) for t in parent.targets)
        if isinstance(parent, ast.AnnAssign) and parent.value is node:
            return not isinstance(parent.target, ast.Name)
        if isinstance(parent, ast.Tuple | ast.List) and not isinstance(parent.ctx, ast.Store):
            outer = self.parent.get(id(parent))
            if isinstance(outer, ast.Assign) and outer.value is parent and outer.targets:
                at = parent.elts.index(node)
                return not all(
                    isinstance(t, ast.Tuple | ast.List)
                    and len(t.elts) == len(parent.elts)
                    and isinstance(t.elts[at], ast.Name)
                    for t in outer.targets
                )
        return True

    def reads_module_name(self, node: ast.Name) -> bool:
        """Whether `node` names the module's own (or a builtin) name rather than a function's:
        a binding under `global`, or a name no enclosing function or comprehension binds."""
        scope: _Scope | None = self.scope_of.get(id(node), self.module)
        start = scope
        while scope is not None:
            if scope.declared.get(node.id) == "global":
                return True
            if scope.kind == "class" and scope is not start:
                scope = scope.parent
                continue
            if scope.kind != "module" and node.id in scope.bound:
                return False
            if scope.kind != "module" and scope.declared.get(node.id) == "nonlocal":
                return False
            scope = scope.parent
        return True
