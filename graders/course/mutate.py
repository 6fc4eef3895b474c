"""Mutation testing of a lab's grader: small wrong versions of the reference, each graded on
every set; a good grader fails (kills) nearly all of them.

Only the reference's blank bodies are mutated (the rest of the program is the locked
template the student cannot change). Mutations are made on the `ast` and written back by
replacing the node's own source span, so everything else in the file stays byte for byte:
arithmetic and comparison operators, numeric constants (n → n+1, 0 ↔ 1, x → -x), dim/axis
arguments, swapped positional arguments, dropped calls (f(x) → x, x.f() → x), a removed
unary minus. Each mutant has a stable id, `blank<k>:line<l>:<kind>` with the line counted
inside its blank, so the ids an author marks equivalent in the spec survive edits elsewhere.
"""

from __future__ import annotations

import ast
import os
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from graders.engine import Runner, grade_program
from graders.markers import parse
from graders.sandbox import run_sets
from graders.spec import LabSpec
from graders.submission import read_text

BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
}
COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
DIM_KEYWORDS = frozenset({"dim", "axis"})


@dataclass(frozen=True)
class Mutant:
    id: str
    line: int  # in the reference file
    original: str  # the source of the mutated node
    mutated: str  # its replacement
    program: str  # the whole mutated reference


@dataclass(frozen=True)
class MutantOutcome:
    mutant: Mutant
    killed: bool
    score: float
    max_score: float
    verdicts: tuple[str, ...]


@dataclass(frozen=True)
class MutationReport:
    lab: str
    outcomes: tuple[MutantOutcome, ...]
    equivalent: tuple[Mutant, ...]  # marked by the author, not graded
    total: int  # mutants found, before sampling, equivalent ones excluded
    stale_equivalent: tuple[str, ...]  # ids in the spec that match no mutant any more

    @property
    def killed(self) -> int:
        return sum(outcome.killed for outcome in self.outcomes)

    @property
    def survivors(self) -> tuple[MutantOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.killed)

    @property
    def score(self) -> float:
        """The share of graded mutants killed (1.0 when there is nothing to kill)."""
        return self.killed / len(self.outcomes) if self.outcomes else 1.0


def _number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal, `-` included; None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def _number_node(value: int | float) -> ast.expr:
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _number_variants(value: int | float) -> list[int | float]:
    variants = [value + 1, -value]
    if value in (0, 1):
        variants.insert(0, 1 - value)
    seen: list[int | float] = []
    for variant in variants:
        if variant != value and variant not in seen:
            seen.append(variant)
    return seen


def _module_names(tree: ast.Module) -> set[str]:
    """Names bound by imports (torch, nn, F, np, …): `torch.tanh(x)` is not dropped to `torch`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return names


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return "call"


def _show(value: int | float) -> str:
    return f"({value})" if value < 0 else str(value)


class _Finder:
    """Walks one blank's nodes and yields (node, replacement, kind) candidates."""

    def __init__(self, modules: set[str]) -> None:
        self.modules = modules

    def candidates(
        self, node: ast.AST, parent: ast.AST | None
    ) -> Iterator[tuple[ast.AST, ast.AST, str]]:
        if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            new_op = BINOP_SWAPS[type(node.op)]
            mutated = ast.BinOp(node.left, new_op(), node.right)
            yield node, mutated, f"binop-{type(node.op).__name__}->{new_op.__name__}"
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAPS:
            new_op = BINOP_SWAPS[type(node.op)]
            mutated = ast.AugAssign(node.target, new_op(), node.value)
            yield node, mutated, f"augassign-{type(node.op).__name__}->{new_op.__name__}"
        elif isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    ops = list(node.ops)
                    new_op = COMPARE_SWAPS[type(op)]
                    ops[index] = new_op()
                    mutated = ast.Compare(node.left, ops, node.comparators)
                    suffix = f"{index}" if len(node.ops) > 1 else ""
                    yield node, mutated, f"compare{suffix}-{type(op).__name__}->{new_op.__name__}"
        value = _number(node)
        if value is not None and not _is_number_operand(node, parent):
            in_dim = isinstance(parent, ast.keyword) and parent.arg in DIM_KEYWORDS
            kind = f"{parent.arg}" if in_dim else "const"
            for variant in _number_variants(value):
                yield node, _number_node(variant), f"{kind}-{_show(value)}->{_show(variant)}"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and value is None:
            yield node, node.operand, "unary-USub-removed"
        if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
            yield from self._call_mutants(node)

    def _call_mutants(self, call: ast.Call) -> Iterator[tuple[ast.AST, ast.AST, str]]:
        name = _call_name(call)
        args = call.args
        for i in range(len(args) - 1):
            if ast.dump(args[i]) != ast.dump(args[i + 1]):
                swapped = [*args[:i], args[i + 1], args[i], *args[i + 2 :]]
                mutated = ast.Call(call.func, swapped, call.keywords)
                yield call, mutated, f"swap-{name}-{i},{i + 1}"
        func = call.func
        # x.f(…) → x for a method of a value; f(x, …) → x for a function, a module's
        # function (torch.tanh), a layer held by self (self.fc) or a constant's method.
        receiver = func.value if isinstance(func, ast.Attribute) else None
        is_function = (
            receiver is None
            or isinstance(receiver, ast.Constant)
            or (isinstance(receiver, ast.Name) and receiver.id in self.modules | {"self"})
        )
        if not is_function:
            yield call, receiver, f"dropcall-{name}"
        elif args:
            yield call, args[0], f"dropcall-{name}"


def _is_number_operand(node: ast.AST, parent: ast.AST | None) -> bool:
    """The constant inside a `-n` literal: the literal as a whole is mutated instead."""
    return (
        isinstance(parent, ast.UnaryOp)
        and isinstance(parent.op, ast.USub)
        and _number(parent) is not None
    )


def _walk_with_parents(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, ast.JoinedStr):
            continue  # positions inside f-strings are not reliable before Python 3.12
        yield node, parent
        children = list(ast.iter_child_nodes(node))
        stack.extend((child, node) for child in reversed(children))


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _encoded_col(line: str, col: int) -> int:
    """ast columns count UTF-8 bytes; turn one into a character index."""
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))


def find_mutants(reference: str, path: str = "reference") -> list[Mutant]:
    """Every mutant of the reference's blank bodies, in file order, with unique ids."""
    layout = parse(reference, path)
    tree = ast.parse(reference)
    lines = reference.splitlines(keepends=True)
    starts = _offsets(reference)
    finder = _Finder(_module_names(tree))
    mutants: list[Mutant] = []
    used: dict[str, int] = {}
    for node, parent in _walk_with_parents(tree):
        lineno = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if lineno is None or end is None:
            continue
        blank = next((b for b in layout.blanks if b.begin_line < lineno and end < b.end_line), None)
        if blank is None:
            continue
        for target, replacement, kind in finder.candidates(node, parent):
            begin = starts[lineno - 1] + _encoded_col(lines[lineno - 1], target.col_offset)
            stop = starts[end - 1] + _encoded_col(lines[end - 1], target.end_col_offset)
            original = reference[begin:stop]
            new_source = ast.unparse(replacement)
            if isinstance(target, ast.expr):
                new_source = f"({new_source})"
            elif "\n" in original:
                continue  # a multi-line statement: its replacement would lose the layout
            program = reference[:begin] + new_source + reference[stop:]
            try:
                compile(program, path, "exec")
            except SyntaxError:
                continue
            base = f"blank{blank.index}:line{lineno - blank.begin_line}:{kind}"
            used[base] = used.get(base, 0) + 1
            identifier = base if used[base] == 1 else f"{base}#{used[base]}"
            mutants.append(Mutant(identifier, lineno, original, new_source, program))
    mutants.sort(key=lambda m: (m.line, m.id))
    return mutants


def sample(mutants: list[Mutant], limit: int, seed: str) -> list[Mutant]:
    """At most `limit` mutants, the same ones every time for the same lab and reference."""
    if len(mutants) <= limit:
        return mutants
    chosen = set(random.Random(seed).sample(range(len(mutants)), limit))
    return [m for i, m in enumerate(mutants) if i in chosen]


def grade_mutant(lab: LabSpec, mutant: Mutant, runner: Runner = run_sets) -> MutantOutcome:
    result = grade_program(
        lab, mutant.program, file=f"{lab.entry} ({mutant.id})", include_hidden=True, runner=runner
    )
    return MutantOutcome(
        mutant,
        not result.full_marks,
        result.score,
        result.max_score,
        tuple(t.verdict.code for t in result.tests),
    )


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def mutate_lab(
    lab: LabSpec,
    *,
    limit: int = 60,
    workers: int | None = None,
    runner: Runner = run_sets,
    progress: Callable[[int, int, MutantOutcome], None] | None = None,
) -> MutationReport:
    """Find, sample and grade the lab's mutants (the author's equivalent ones excluded)."""
    reference = read_text(lab.solution_path)
    mutants = find_mutants(reference, str(lab.solution_path))
    ids = {m.id for m in mutants}
    equivalent = tuple(m for m in mutants if m.id in lab.equivalent_mutants)
    stale = tuple(i for i in lab.equivalent_mutants if i not in ids)
    candidates = [m for m in mutants if m.id not in lab.equivalent_mutants]
    chosen = sample(candidates, limit, f"{lab.id}\n{reference}")
    workers = default_workers() if workers is None else workers
    outcomes: list[MutantOutcome] = []

    def done(outcome: MutantOutcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress(len(outcomes), len(chosen), outcome)

    # Each mutant runs in its own sandboxed processes: threads only keep `workers` going.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_mutant, lab, mutant, runner) for mutant in chosen]
        for future in as_completed(futures):
            done(future.result())
    order = {m.id: i for i, m in enumerate(chosen)}
    outcomes.sort(key=lambda outcome: order[outcome.mutant.id])
    return MutationReport(lab.id, tuple(outcomes), equivalent, len(candidates), stale)
