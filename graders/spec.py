"""Lab specs: one TOML file per lab under graders/labs/, loaded and checked once.

A spec is data only: which file the student edits, limits, and the test sets (stdin,
expected stdout, points, visibility, comparator). Errors name the spec file and the field;
an unknown field is an error, so a misspelled key never silently reads as a default.
"""

from __future__ import annotations

import functools
import importlib.util
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from graders.comparators import COMPARATORS, option_names
from graders.errors import SpecError, UsageError
from graders.losses import band_path
from graders.parsed import parsed
from graders.rules import Rule
from graders.tomlreader import TableReader, bilingual

T = TypeVar("T")

# Course data no student's program may read, relative to the course folder (what `seqlab
# release` never gives students), and where an installed package would have carried it.
SECRET_PATTERNS = (
    "graders/labs/*.toml",
    "graders/labs/mistakes/*.json",  # named mistakes' outputs on hidden sets (mistakes.py)
    "quizzes/banks/*.toml",
    "tests/corpus/*.toml",
    "solutions/**/*.py",
)
PACKAGE_SECRETS = {
    "graders": ("labs/*.toml", "labs/mistakes/*.json"),
    "quizzes": ("banks/*.toml",),
}


@dataclass(frozen=True)
class Limits:
    """The run's budget: `wall_seconds` for the whole run (start, imports, training and every
    test set), `set_seconds` for each test set after the shared part forks."""

    wall_seconds: float = 60.0
    set_seconds: float = 10.0
    cpu_seconds: int = 60
    memory_mb: int = 4096  # address space; `import torch` alone needs ≈ 800 MB of it
    output_kb: int = 64  # per stream (stdout, stderr)
    file_kb: int = 1024  # largest file the program may write
    open_files: int = 256


@dataclass(frozen=True)
class TestSet:
    name: str
    stdin: str
    expected: str
    points: int
    hidden: bool = False
    comparator: str = "lines"
    options: dict[str, float] = field(default_factory=dict)
    # The lab's `[[picture]]` declarations, as stored on a public set's result (the view
    # draws them: present/picture.py). Content, so the engine and the view name no lab.
    pictures: tuple[dict[str, Any], ...] = ()
    # The code-rules set (spec `[rules]`): judged on the blanks' code, never run; see RULES_SET.
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class LabSpec:
    id: str
    title: dict[str, str]
    entry: str  # the file name students edit, the same under exercises/ and solutions/
    tests: tuple[TestSet, ...]
    limits: Limits
    # Run all test sets from one process that forks at its first read of stdin (training
    # happens once); false runs a fresh process per set.
    fork_at_input: bool
    # Name of the locked `NAME = <int>` line that seeds the lab, for seed sweeps.
    seed_variable: str | None
    spec_path: Path
    course_root: Path
    # The 关卡 number: the course index and `seqlab list` order labs by it (None sorts last).
    level: int | None = None
    # The seed passage the lab teaches, for the course index (zh/en); None: the title says it.
    topic: dict[str, str] | None = None
    # Mutant ids (`seqlab mutate`) the author judged equivalent to the reference.
    equivalent_mutants: tuple[str, ...] = ()
    # `[curve]`: the template reports its training losses (graders/losses.py); its title
    # and how many seeds the reference's band is recorded over. None: no loss curve.
    curve: dict[str, Any] | None = None
    # A student release's spec (`seqlab release`) keeps of its hidden sets only how many
    # there are and their points (`hidden_sets`, `hidden_points`): a check then says they
    # are still to run, never "all passed". 0 in the course's own specs (the sets are there).
    withheld_sets: int = 0
    withheld_points: int = 0

    @property
    def starter_path(self) -> Path:
        return self.course_root / "exercises" / self.id / self.entry

    @property
    def solution_path(self) -> Path:
        return self.course_root / "solutions" / self.id / self.entry

    def selected_tests(self, include_hidden: bool) -> tuple[TestSet, ...]:
        return tuple(t for t in self.tests if include_hidden or not t.hidden)

    @property
    def output_tests(self) -> tuple[TestSet, ...]:
        """The sets that run the program (all but the code-rules set), in spec order."""
        return tuple(t for t in self.tests if not t.rules)

    def run_groups(self, include_hidden: bool, trusted: bool = False) -> list[tuple[TestSet, ...]]:
        """The sets that run together, one run each: the public sets, then the hidden ones.
        A process that can see a hidden input never shares a run with the public sets — but
        for `trusted` code (the course's own reference, starter and corpus, whose every output
        its author sees anyway), where one run saves a lab that trains its second training."""
        tests = [t for t in self.selected_tests(include_hidden) if not t.rules]
        if trusted:
            return [tuple(tests)] if tests else []
        public = tuple(test for test in tests if not test.hidden)
        hidden = tuple(test for test in tests if test.hidden)
        return [group for group in (public, hidden) if group]


def unique_entries(
    reader: TableReader,
    key: str,
    parse: Callable[[dict[str, Any], int], T],
    name_of: Callable[[T], str],
) -> tuple[T, ...]:
    """A non-empty array of tables, each parsed, whose names are all different."""
    raw = reader.get(key, list)
    if not raw:
        raise reader.fail(key, "must list at least one entry")
    entries = tuple(parse(table, index) for index, table in enumerate(raw))
    names = [name_of(entry) for entry in entries]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise reader.fail(key, f"use the name {repeated[0]!r} more than once")
    return entries


def _limits(reader: TableReader) -> Limits:
    sub = reader.sub("limits")
    defaults = Limits()
    values = {}
    for f in fields(Limits):
        kind = (int, float) if f.type == "float" else int
        value = sub.get(f.name, kind, getattr(defaults, f.name))
        if value <= 0:
            raise sub.fail(f.name, "must be positive")
        values[f.name] = value
    sub.done()
    return Limits(**values)


def _test_set(table: dict[str, Any], path: Path, index: int) -> TestSet:
    reader = TableReader(table, path, f"tests[{index}].")
    name = reader.get("name", str)
    comparator = reader.get("comparator", str, "lines")
    if comparator not in COMPARATORS:
        raise reader.fail("comparator", f"is {comparator!r}; known: {', '.join(COMPARATORS)}")
    options = {}
    for option in option_names(comparator):
        if option in table:
            options[option] = float(reader.get(option, (int, float)))
    points = reader.get("points", int)
    if points < 0:
        raise reader.fail("points", "must not be negative")
    test = TestSet(
        name=name,
        stdin=reader.get("stdin", str),
        expected=reader.get("expected", str),
        points=points,
        hidden=reader.get("hidden", bool, False),
        comparator=comparator,
        options=options,
    )
    reader.done()
    return test


def open_named_table(path: Path) -> tuple[TableReader, str]:
    """Parse a course TOML file whose `id` must equal its file name (lab specs, quiz banks)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError("spec.toml", path=path, reason=error) from None
    reader = TableReader(data, path)
    identifier = reader.get("id", str)
    if identifier != path.stem:
        raise reader.fail("id", f"is {identifier!r} but the file is named {path.name}")
    return reader, identifier


def _count(reader: TableReader, key: str) -> int:
    value = reader.get(key, int, 0)
    if value < 0:
        raise reader.fail(key, "must not be negative")
    return value


def load_spec(path: Path, course_root: Path) -> LabSpec:
    """The lab spec at `path`, parsed once per content of it and of its recorded loss band."""
    files = (path, band_path(path, path.stem))
    return parsed("lab spec", files, lambda: _load_spec(path, course_root), course_root)


def _load_spec(path: Path, course_root: Path) -> LabSpec:
    reader, lab_id = open_named_table(path)
    run = reader.sub("run")
    fork_at_input = run.get("fork_at_input", bool, True)
    run.done()
    tests = unique_entries(
        reader, "tests", lambda table, i: _test_set(table, path, i), lambda test: test.name
    )
    if "rules" in reader.table:
        rules = _rules(reader)
        if any(test.name == RULES_SET for test in tests):
            raise reader.fail("tests", f"name a set {RULES_SET!r}, the code-rules set's name")
        tests += (rules,)
    level = reader.get("level", int, None)
    if level is not None and level < 1:
        raise reader.fail("level", "must be 1 or more")
    spec = LabSpec(
        id=lab_id,
        title=bilingual(reader, "title"),
        entry=reader.get("entry", str),
        tests=tests,
        limits=_limits(reader),
        fork_at_input=fork_at_input,
        seed_variable=reader.get("seed_variable", str, None),
        spec_path=path,
        course_root=course_root,
        level=level,
        topic=bilingual(reader, "topic") if "topic" in reader.table else None,
        equivalent_mutants=_equivalent_mutants(reader),
        withheld_sets=_count(reader, "hidden_sets"),
        withheld_points=_count(reader, "hidden_points"),
    )
    from graders.spec_pictures import read_curve, read_pictures  # they read with TableReader

    pictures, curve = read_pictures(reader), read_curve(reader, path, lab_id)
    if curve is not None:  # drawn from each public set's stderr, over the recorded band
        pictures += (curve[1],)
    reader.done()
    # The code-rules set prints nothing: no picture is read from it.
    drawn = tuple(test if test.rules else replace(test, pictures=pictures) for test in tests)
    return replace(spec, tests=drawn, curve=curve and curve[0])


# Code rules: the page's "do not use …" / "use your …" as data, checked on the blanks' AST
# (graders/rules.py) and graded as one visible set, named RULES_SET, after the others.
#   [[rules.forbid]]  names = ["nn.LSTMCell", …]   reason = { zh, en }   blank = 1 (optional)
#   [[rules.require]] names = ["softmax"]          reason = { zh, en }   blank = 2 (optional)
#   [rules.imports]   allow = ["torch", "math"]    (blanks import only these and their submodules)
#   [rules]           keep_template_names = true   (blanks rebind or modify no template name)
#   [rules]           attributes_on_self_only = true   (blanks set attributes only as self.x)
# Its weight: 0 points of its own, and a program that breaks a rule is not run, so every other
# set scores 0. Points of its own would reward keeping the rules, which an empty starter or
# any wrong answer does too, and would leave the forbidden answer the output sets' points.
RULES_SET = "code rules"


def _rules(reader: TableReader) -> TestSet:
    sub = reader.sub("rules")
    rules = []
    for kind in ("forbid", "require"):
        for index, table in enumerate(sub.get(kind, list, [])):
            if not isinstance(table, dict):
                raise sub.fail(f"{kind}[{index}]", "should be a table (names, reason)")
            rule = TableReader(table, reader.path, f"rules.{kind}[{index}].")
            names = rule.get("names", list)
            if not names or not all(isinstance(n, str) and n.strip(".") == n != "" for n in names):
                raise rule.fail("names", 'should list dotted names such as "nn.LSTMCell"')
            blank = rule.get("blank", int, None)
            if blank is not None and blank < 1:
                raise rule.fail("blank", "is a blank number: 1, 2, …")
            rules.append(Rule(kind, tuple(names), bilingual(rule, "reason"), blank))
            rule.done()
    rules += _guard_rules(sub)
    sub.done()
    if not rules:
        raise reader.fail("rules", "should have a [[rules.forbid]] or [[rules.require]] entry")
    return TestSet(RULES_SET, "", "", 0, comparator="rules", rules=tuple(rules))


def _guard_rules(sub: TableReader) -> list[Rule]:
    """`[rules.imports] allow = ["torch", …]`, `[rules] keep_template_names = true` and
    `attributes_on_self_only = true` (graders/rules_template.py); their reasons are the
    catalogue's, naming what is allowed."""
    from graders.messages import LANGS, say

    guards = []
    if "imports" in sub.table:
        table = sub.sub("imports")
        allow = table.get("allow", list)
        if not allow or not all(isinstance(m, str) and m.strip(".") == m != "" for m in allow):
            raise table.fail("allow", 'should list module names such as "torch", "math"')
        table.done()
        shown = ", ".join(allow)
        reason = {lang: say("detail.rules_imports_reason", lang, allowed=shown) for lang in LANGS}
        guards.append(Rule("imports", tuple(allow), reason))
    if sub.get("keep_template_names", bool, False):
        reason = {lang: say("detail.rules_template_reason", lang) for lang in LANGS}
        guards.append(Rule("template", (), reason))
    if sub.get("attributes_on_self_only", bool, False):
        reason = {lang: say("detail.rules_attributes_reason", lang) for lang in LANGS}
        guards.append(Rule("attributes", (), reason))
    return guards


def _equivalent_mutants(reader: TableReader) -> tuple[str, ...]:
    """`[mutation] equivalent = ["blank2:line5:binop-Add->Sub", …]`: strictly a list of ids."""
    sub = reader.sub("mutation")
    ids = sub.get("equivalent", list, [])
    for index, item in enumerate(ids):
        if not isinstance(item, str) or not item:
            raise sub.fail(f"equivalent[{index}]", f"should be a mutant id, not {item!r}")
    if len(set(ids)) != len(ids):
        raise sub.fail("equivalent", "lists the same mutant more than once")
    sub.done()
    return tuple(ids)


def course_order(lab: LabSpec) -> tuple[bool, int, str]:
    """Sort key: by 关卡 level, then id; labs without a level come after those with one."""
    return (lab.level is None, lab.level or 0, lab.id)


@dataclass(frozen=True)
class Course:
    """The folder holding exercises/, solutions/, graders/labs/ and quizzes/banks/."""

    root: Path

    @classmethod
    def locate(cls, root: Path | None = None, *, near: Path | None = None) -> Course:
        """The course at `root`; by default the nearest course folder holding `near` (a
        student's own file or notebook folder, for a check), else the nearest holding the
        current folder, else the checkout seqlab runs from. The course one works in comes
        first: an editable seqlab's own checkout is a course too, and a command run inside
        another course (a student's release, an instructor's course whose specs and
        seqlab.toml differ) must use that course. An installed seqlab holds no course:
        specs and banks are never package data, so its course is found from where it runs.
        Only a student's check looks above a file: a batch is never graded against a course
        found inside a submission's folders."""
        if root is None:
            checkout = Path(__file__).resolve().parent.parent
            around = [] if near is None else [near.resolve(), *near.resolve().parents]
            here = Path.cwd().resolve()
            found = (c for c in (*around, here, *here.parents, checkout) if cls._holds_course(c))
            root = next(found, here)
            searched = next((f for f in around if f.is_dir()), here)  # the file's folder
            if searched != here and not cls._holds_course(root):  # say both places looked in
                raise SpecError("spec.no_course_near", path=here, near=searched)
        if not cls._holds_course(root):
            raise SpecError("spec.no_course", path=root)
        return cls(root.resolve())

    @staticmethod
    def _holds_course(folder: Path) -> bool:
        return (folder / "graders" / "labs").is_dir()

    @property
    def labs_dir(self) -> Path:
        return self.root / "graders" / "labs"

    @property
    def banks_dir(self) -> Path:
        return self.root / "quizzes" / "banks"

    def lab_ids(self) -> list[str]:
        return sorted(p.stem for p in self.labs_dir.glob("*.toml"))

    def lab(self, lab_id: str) -> LabSpec:
        # Looked up among the course's ids, never made into a path first: an id from a URL or
        # an option may be too long for a file name, or hold a `/`.
        known = self.lab_ids()
        if lab_id not in known:
            raise UsageError("spec.unknown_lab", lab=lab_id[:80], known=", ".join(known))
        return load_spec(self.labs_dir / f"{lab_id}.toml", self.root)

    def labs(self) -> list[LabSpec]:
        """Every lab, in course order (level, then id)."""
        return sorted((self.lab(lab_id) for lab_id in self.lab_ids()), key=course_order)

    def readable_labs(self) -> tuple[list[LabSpec], dict[str, SpecError]]:
        """The labs whose specs load, in course order, and why each other one does not: a
        page or a list goes on without a lab whose file an author has broken."""
        labs, broken = [], {}
        for lab_id in self.lab_ids():
            try:
                labs.append(self.lab(lab_id))
            except SpecError as error:
                broken[lab_id] = error
        return sorted(labs, key=course_order), broken

    @property
    def corpus_dir(self) -> Path:
        return self.root / "tests" / "corpus"

    def lab_for_file(self, path: Path) -> LabSpec:
        """The lab whose entry file has this name (students keep the starter's name)."""
        labs = self.labs()  # every spec read once (a check waits for it)
        matches = [lab for lab in labs if lab.entry == path.name]
        if path.suffix.lower() == ".ipynb":  # the lab's notebook: same stem as its .py
            matches = [lab for lab in labs if Path(lab.entry).stem == path.stem]
        if len(matches) != 1:
            raise UsageError("spec.cannot_tell_lab", path=path, known=", ".join(self.lab_ids()))
        return matches[0]


@functools.cache
def course_secrets(root: Path) -> tuple[Path, ...]:
    """The course's secret files (specs, banks, corpus, solutions), and any that an installed
    package carries: the sandbox caps the level while a run could read one. Found once."""
    found = [path for pattern in SECRET_PATTERNS for path in root.glob(pattern)]
    for package, patterns in PACKAGE_SECRETS.items():
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            for pattern in patterns:
                found += Path(spec.origin).parent.glob(pattern)
    return tuple(found)
