"""The layering ARCHITECTURE.md promises, read from the source with ast."""

import ast
import re
import sys
from pathlib import Path

import pytest

from graders.messages import CATALOGUE
from graders.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graders", "quizzes")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, ast.parse(path.read_text(encoding="utf-8"))


def imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


# The composition roots: the console script (the graders.cli package, each module a group of
# commands) and the pytest plugin (both loaded by name), and the web's quiz routes, whose pages
# are scored by the quiz engine.
COMPOSITION_ROOTS = {"graders.cli", "graders.course.pytest_plugin", "graders.web.routes.quizzes"}


def composition_root(name: str) -> bool:
    return name in COMPOSITION_ROOTS or name.startswith("graders.cli.")


def test_only_the_cli_brings_labs_and_quizzes_together():
    assert composition_root("graders.cli.grading") and not composition_root("graders.clix")
    for name, tree in modules():
        if name.startswith("graders.") and not composition_root(name):
            assert not any(i.startswith("quizzes") for i in imports(tree)), name


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
            r"[\"']((?:file|markers|spec|sandbox|detail|report|quiz|validate|course|plugin|batch|notebook|web|store)\.[a-z0-9_]+)[\"']",
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
    assert used - set(CATALOGUE) == set(), "keys used but missing from the catalogue"
    assert set(CATALOGUE) - used == set(), "keys in the catalogue that nothing uses"
