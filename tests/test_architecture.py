"""The layering ARCHITECTURE.md promises, read from the source with ast."""

from __future__ import annotations

import ast
import functools
import graphlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders.messages import CATALOGUE
from graders.store.course_config import ITEM_KEYS
from graders.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graders", "quizzes")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def sources() -> dict[str, tuple[Path, ast.Module]]:
    """Every module of graders/ and quizzes/: its name, its file and its syntax tree."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return found


def modules():
    for name, (_, tree) in sources().items():
        yield name, tree


def imports(tree: ast.Module) -> set[str]:
    """The module names a tree imports, as written (ours and everyone else's)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


# --- the layers ------------------------------------------------------------------------------

# Lowest first. A module may import its own layer and every layer below it, nothing above.
# A node is a top-level module of graders (graders.spec), a subpackage of graders
# (graders.sandbox, with all its modules) or the package quizzes as a whole.
CORE = ("errors", "verdict", "messages", "spec", "markers", "comparators", "submission")
CORE += (
    "results",
    "textsafe",
    "cells",
    "mistakes",
    "settings",
    "rules",
    "rules_template",
    "codenames",
    "align",
    "losses",
    "spec_pictures",
    "tomlreader",
    "parsed",
)
LAYERS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (layer, frozenset(nodes))
    for layer, nodes in (
        # `graders` itself is the package's docstring; cells.py (programs <-> notebook cells,
        # pure) is core so that submission.py reads a submitted .ipynb through it.
        ("core", {"graders", *(f"graders.{name}" for name in CORE)}),
        ("sandbox", {"graders.sandbox"}),  # knows Limits, never a lab (a test below)
        ("engine", {"graders.engine"}),
        ("service", {"graders.service"}),
        ("store/present", {"graders.store", "graders.report", "graders.present"}),
        # Front ends. quizzes is content and its own front-end bits (the paper, the sheet, the
        # terminal quiz): it uses the core only, and only the composition roots import it
        # (test_only_the_cli_brings_labs_and_quizzes_together), so it sits with the front ends.
        ("front ends", {"graders.course", "graders.batch", "graders.notebooks", "quizzes"}),
        ("web", {"graders.web"}),
        ("cli", {"graders.cli"}),
    )
)

# (importing module, imported node): why this edge may run up the layers. Every entry is a
# debt with its reason; the test fails on an entry no longer needed, so the list only shrinks.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def node_of(module: str) -> str:
    parts = module.split(".")
    return "quizzes" if parts[0] == "quizzes" else ".".join(parts[:2])


def rank(node: str) -> int:
    ranks = [number for number, (_, nodes) in enumerate(LAYERS) if node in nodes]
    assert ranks, f"{node} has no layer: place it in LAYERS (and ARCHITECTURE.md)"
    return ranks[0]


@dataclass(frozen=True)
class Edge:
    importer: str  # the importing module
    target: str  # the module imported: a submodule where `from package import name` names one
    names: tuple[str, ...]  # what `from target import …` takes; () for `import target`
    line: int


def edges(name: str, tree: ast.Module, known: set[str]) -> list[Edge]:
    """The imports of graders and quizzes modules in `tree`, at any depth: an import inside a
    function (a lazy one) or under `if TYPE_CHECKING:` is as much an edge as one at the top."""
    is_package = name in known and sources()[name][0].name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Edge(name, alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve it, so it cannot slip past the check
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target, names = (sub, ()) if sub in known else (base, (alias.name,))
                found.append(Edge(name, target, names, node.lineno))
    return [edge for edge in found if edge.target.split(".")[0] in PACKAGES]


@functools.cache
def all_edges() -> tuple[Edge, ...]:
    known = set(sources())
    return tuple(edge for name, tree in modules() for edge in edges(name, tree, known))


def wrong_way(found) -> list[str]:
    """Each edge from a lower layer up to a higher one, not listed in EXCEPTIONS."""
    bad = []
    for edge in found:
        source, target = node_of(edge.importer), node_of(edge.target)
        if rank(target) > rank(source) and (edge.importer, target) not in EXCEPTIONS:
            bad.append(
                f"{edge.importer}:{edge.line} ({LAYERS[rank(source)][0]}) imports "
                f"{edge.target} ({LAYERS[rank(target)][0]})"
            )
    return bad


def cycle(found) -> list[str]:
    """A cycle of imports between nodes, one import naming each step of it; else []."""
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], Edge] = {}
    for edge in found:
        source, target = node_of(edge.importer), node_of(edge.target)
        graph.setdefault(source, set())
        if source != target and (edge.importer, target) not in EXCEPTIONS:
            graph[source].add(target)
            where.setdefault((source, target), edge)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        loop = error.args[1][::-1]  # [a, b, …, a]: each imports the next (graphlib lists
        steps = [where[(loop[i], loop[i + 1])] for i in range(len(loop) - 1)]  # them reversed)
        return [f"{step.importer}:{step.line} imports {step.target}" for step in steps]
    return []


def test_every_package_and_module_has_a_layer():
    for name in sources():
        rank(node_of(name))


def test_imports_run_down_the_layers():
    bad = wrong_way(all_edges())
    assert not bad, "imports up the layers (move the code, or list an exception):\n" + "\n".join(
        bad
    )


def test_no_import_cycles_between_packages():
    loop = cycle(all_edges())
    assert not loop, "packages importing each other in a cycle:\n" + "\n".join(loop)


def test_every_exception_is_still_needed():
    upward = {
        (edge.importer, node_of(edge.target))
        for edge in all_edges()
        if rank(node_of(edge.target)) > rank(node_of(edge.importer))
    }
    assert set(EXCEPTIONS) - upward == set(), "an exception no edge needs: remove it"
    assert all(reason.strip() for reason in EXCEPTIONS.values())


def test_the_checks_catch_a_lazy_wrong_way_import_and_a_cycle():
    # The engine importing the CLI inside a function: an edge up the layers, and a cycle
    # (graders.cli imports the engine's layer). Read as it would be from a real file.
    tree = ast.parse("def late():\n    from graders.cli.common import console\n")
    found = edges("graders.engine", tree, set(sources()))
    assert [edge.target for edge in found] == ["graders.cli.common"]
    assert wrong_way(found) == ["graders.engine:2 (engine) imports graders.cli.common (cli)"]
    back = Edge("graders.cli.common", "graders.engine", ("grade_submission",), 1)
    assert sorted(cycle([*found, back])) == [
        "graders.cli.common:1 imports graders.engine",
        "graders.engine:2 imports graders.cli.common",
    ]
    relative = ast.parse("from ..cli import common\n")
    (edge,) = edges("graders.sandbox.runner", relative, set(sources()))
    assert edge.target == "graders.cli.common" and wrong_way([edge]) != []


def test_no_module_takes_another_modules_private_names():
    """An underscore name is its module's own (the warm pool once took the runner's)."""
    known = set(sources())
    taken = []
    for name, tree in modules():
        for edge in edges(name, tree, known):
            private = [n for n in edge.names if n.startswith("_") and not n.startswith("__")]
            taken += [f"{name}:{edge.line} takes {edge.target}.{n}" for n in private]
        bound = bindings(tree, known)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and re.match(r"_(?!_)", node.attr):
                owner = dotted(node.value, bound)
                if owner in known and owner != name:
                    taken.append(f"{name}:{node.lineno} uses {owner}.{node.attr}")
    assert not taken, "\n".join(taken)


def bindings(tree: ast.Module, known: set[str]) -> dict[str, str]:
    """Local name -> our module it stands for (`import a.b` binds a; `from a import b` b)."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                bound[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return {local: module for local, module in bound.items() if module in known}


def dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """`a.b.c` as a dotted name, its first name resolved through the imports; else None."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        head = dotted(node.value, bound)
        return f"{head}.{node.attr}" if head else None
    return None


def test_the_sandbox_knows_limits_but_no_lab():
    # From the spec it may take the plain limits record, never a LabSpec or a Course: which
    # files are a course's secrets it is told (spec.course_secrets), never works out.
    for edge in all_edges():
        if node_of(edge.importer) == "graders.sandbox" and edge.target == "graders.spec":
            assert edge.names == ("Limits",), f"{edge.importer}:{edge.line} {edge.names}"


# The composition roots: the console script (the graders.cli package, each module a group of
# commands) and the pytest plugin (both loaded by name), and the web's quiz routes, whose pages
# are scored by the quiz engine.
COMPOSITION_ROOTS = {"graders.cli", "graders.course.pytest_plugin", "graders.web.routes.quizzes"}


def composition_root(name: str) -> bool:
    return name in COMPOSITION_ROOTS or name.startswith("graders.cli.")


def test_only_the_cli_brings_labs_and_quizzes_together():
    assert composition_root("graders.cli.grading") and not composition_root("graders.clix")
    for edge in all_edges():
        if edge.importer.startswith("graders.") and not composition_root(edge.importer):
            assert node_of(edge.target) != "quizzes", f"{edge.importer}:{edge.line}"


def test_only_the_sandbox_starts_processes():
    # The one other: the web's class reports, built apart from the server (our code over the
    # submissions' text; nothing of a student's runs there).
    apart = {"graders.web.reports"}
    for name, tree in modules():
        if name != "graders.sandbox" and not name.startswith("graders.sandbox."):
            assert "subprocess" not in imports(tree), name
            if name not in apart:
                assert not any(i.startswith("multiprocessing") for i in imports(tree)), name


def test_pure_modules_do_no_io_and_the_engine_does_not_print():
    pure = {"graders.markers", "graders.comparators", "graders.verdict", "graders.messages"}
    pure |= {"graders.align"}  # line alignment, for comparators.py and present/diff.py
    for name, tree in modules():
        used = imports(tree)
        if name in pure:
            assert used <= {
                "__future__",
                "re",
                "difflib",
                "enum",
                "inspect",
                "math",
                "collections.abc",
                "dataclasses",
                "graders.errors",
                "graders.messages",
                "graders.align",
            }, (name, used)
        # The zygote and the warm worker's loop are exempt: they run inside the sandbox (the
        # zygote prints what the interpreter itself would: the message of a SystemExit).
        inside = {"graders.sandbox.zygote", "graders.sandbox.worker"}
        grader_side = name.startswith("graders.sandbox") and name not in inside
        if name in pure or name == "graders.engine" or grader_side:
            calls = {
                n.func.id
                for n in ast.walk(tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            assert "print" not in calls, name


@pytest.mark.parametrize("inside", ["zygote.py", "worker.py", "landlock.py"])
def test_what_runs_inside_the_sandbox_uses_only_the_standard_library(inside):
    # Run there from their source: the venv's graders package is not theirs to import.
    # (seccomp.py too, whose one import of pyseccomp is for the grader side only.)
    tree = ast.parse((ROOT / "graders" / "sandbox" / inside).read_text(encoding="utf-8"))
    for module in imports(tree):
        assert module.split(".")[0] in sys.stdlib_module_names, module


def test_every_message_key_used_exists_and_every_key_is_used():
    source = "\n".join(
        path.read_text(encoding="utf-8")
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "messages.py"
    )
    # The web pages' templates say their sentences through the same catalogue.
    source += "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "graders" / "web" / "templates").glob("*.html")
    )
    used = set(
        re.findall(
            r"[\"']((?:file|markers|spec|sandbox|detail|report|quiz|validate|course|plugin|batch|notebook|web|store|rules|lti|gradescope|cli)\.[a-z0-9_]+)[\"']",
            source,
        )
    )
    used |= {f"verdict.{v.value}" for v in Verdict} | {"internal"}
    # A prefix a key is built from ("web.status_" + status) is not a key, nor a template's
    # file name ("course.html"); the keys built that way are listed here.
    used = {key for key in used if not key.endswith(("_", ".html"))}
    # Keys the web pages build from a value: an attempt's status, a question's kind.
    used |= {f"web.status_{s}" for s in ("queued", "running", "done", "error")}
    used |= {"web.kind_single", "web.kind_multi"}
    # The calendar's refusals and the rules page's fields (deadlines.py, rules_edit.html).
    used |= {f"rules.refused_{r}" for r in ("not_open", "locked", "closed")}
    used |= {f"rules.field_{n}" for n in (*ITEM_KEYS, "of_record", "unlock", "pass")}
    assert used - set(CATALOGUE) == set(), "keys used but missing from the catalogue"
    assert set(CATALOGUE) - used == set(), "keys in the catalogue that nothing uses"
