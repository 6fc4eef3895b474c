"""The pytest plugin (entry point `pytest11: seqlab`): a course folder becomes test items, so an
instructor's course repository needs only `pytest` in its CI.

Off unless asked: `pytest --seqlab` (the course is the rootdir, or `--seqlab-course DIR`), or
the ini option `seqlab_course = "."` — then the items join a whole-suite run (`pytest` with
no paths), not a run of chosen files. Per lab: starter in sync, reference full marks,
starter zero, one item per mistake-corpus entry, the named mistakes' records current (when
the corpus names any), a seed sweep (`--seqlab-seeds N`, default 3); per quiz bank: well
formed. Each item is one check of `seqlab validate`.

Like the `seqlab` command (graders/cli/), this is a composition root (pytest loads it by name):
another place that brings labs and quizzes together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graders.messages import LANGS, say  # light: the catalogue imports nothing

if TYPE_CHECKING:
    from graders.course.validate import Check
    from graders.spec import Course, LabSpec

# pytest loads this module in every run of every project with seqlab installed: import the
# course machinery only when the plugin is on, so an unrelated run never depends on it.

DEFAULT_SEEDS = 3


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("seqlab", "seqlab course checks")
    group.addoption("--seqlab", action="store_true", help="check the seqlab course at the rootdir")
    group.addoption("--seqlab-course", metavar="DIR", help="check the seqlab course in DIR")
    group.addoption(
        "--seqlab-seeds", type=int, metavar="N", help=f"seeds per sweep (default {DEFAULT_SEEDS})"
    )
    group.addoption("--seqlab-lang", choices=LANGS, help="language of failure reports")
    parser.addini("seqlab_course", "course folder checked in whole-suite runs (ini-relative)")
    parser.addini("seqlab_seeds", f"seeds per sweep (default {DEFAULT_SEEDS})")
    parser.addini("seqlab_lang", "language of failure reports (zh or en, default en)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "seqlab: a course check made by the seqlab plugin")
    # Checked like --seqlab-lang's choices, whether the plugin is on or not: a typo in the
    # ini file is found at once, not the day the course checks fail in a language nobody reads.
    lang = config.getini("seqlab_lang")
    if lang and lang not in LANGS:
        where = config.inipath or "the ini file"
        # Said in both languages: the one the file asked for is the one we cannot know.
        raise pytest.UsageError(
            "\n".join(say("plugin.bad_lang", each, value=lang, where=where) for each in LANGS)
        )


def course_root(config: pytest.Config) -> Path | None:
    """The course to check, or None when the plugin is off for this run."""
    explicit = config.getoption("seqlab_course")
    if explicit:
        return Path(explicit).resolve()
    ini = config.getini("seqlab_course")
    base = config.inipath.parent if config.inipath else config.rootpath
    if config.getoption("seqlab"):
        return (base / ini).resolve() if ini else config.rootpath
    # The ini option joins whole-suite runs only: `pytest tests/test_x.py` stays quick.
    if ini and config.args_source != pytest.Config.ArgsSource.ARGS:
        return (base / ini).resolve()
    return None


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect, so they apply to our items too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    root = course_root(config)
    if root is None:
        return
    node = CourseNode.from_parent(session, name="seqlab", path=root, nodeid="seqlab")
    config.add_cleanup(node.runners.close)
    made = list(node.items())
    # Reported like a collected file, so "collected N items" and the -k/-m counts include them.
    session.ihook.pytest_collectreport(
        report=pytest.CollectReport(node.nodeid, "passed", None, made)
    )
    items.extend(made)


class CheckFailed(Exception):
    def __init__(self, checks: list[Check]) -> None:
        super().__init__(checks)
        self.checks = checks


class CheckItem(pytest.Item):
    """One check: runs a function returning a Check and fails with its detail."""

    def __init__(self, *, check: Callable[[], Check], where: Path, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.check, self.where, self.lang = check, where, lang
        self.add_marker("seqlab")
        self.extra_keyword_matches.add("slow")  # real processes: `-k "not slow"` skips us

    def runtest(self) -> None:
        result = self.check()
        if not result.ok:
            raise CheckFailed([result])

    def repr_failure(self, excinfo, style=None):
        from graders.errors import SeqlabError

        if isinstance(excinfo.value, CheckFailed):
            return "\n".join(
                f"{c.subject}: {c.title(self.lang)}: {c.describe(self.lang)}"
                for c in excinfo.value.checks
            )
        if isinstance(excinfo.value, SeqlabError):
            return excinfo.value.render(self.lang)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.where, None, self.nodeid


def _raise(error: Exception) -> Callable[[], Check]:
    def check() -> Check:
        raise error

    return check


class LabRunners:
    """One lab's runner at a time, shared by that lab's items (reference, starter, corpus
    entries: a lab's items run one after another), so a lab's warm workers start once rather
    than a cold process per entry. Switching labs closes the last one's workers."""

    def __init__(self) -> None:
        self.lab_id: str | None = None
        self.stack = contextlib.ExitStack()
        self.runner = None

    def __call__(self, lab: LabSpec):
        from graders.service.pools import runner_for

        if lab.id != self.lab_id:
            self.close()
            self.runner = self.stack.enter_context(runner_for(lab, 1))
            self.lab_id = lab.id
        return self.runner

    def close(self) -> None:
        self.stack.close()
        self.lab_id, self.runner = None, None


class CourseNode(pytest.Collector):
    """The course as a node: its items are made here, not found by walking files."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.runners = LabRunners()

    def collect(self):  # pytest's interface; we build items directly in items()
        return []

    def _item(self, name: str, check: Callable[[], Check], where: Path) -> CheckItem:
        item = CheckItem.from_parent(self, name=name, check=check, where=where, lang=self._lang())
        # Under pytest-xdist's --dist loadgroup a lab's items stay on one worker, so its warm
        # workers (LabRunners) start once there; without xdist the mark means nothing.
        item.add_marker(pytest.mark.xdist_group(name.split(":", 1)[0]))
        return item

    def _lang(self) -> str:
        return self.config.getoption("seqlab_lang") or self.config.getini("seqlab_lang") or "en"

    def _seeds(self) -> int:
        option = self.config.getoption("seqlab_seeds")
        if option is not None:
            return option
        return int(self.config.getini("seqlab_seeds") or DEFAULT_SEEDS)

    def items(self) -> Iterator[CheckItem]:
        from graders.errors import SeqlabError
        from graders.spec import Course
        from quizzes.bank import bank_ids

        try:
            course = Course.locate(self.path)
            labs = course.labs()
        except SeqlabError as error:
            yield self._item("course", _raise(error), self.path)
            return
        for lab in labs:
            yield from self._lab_items(lab)
        for quiz_id in bank_ids(course.banks_dir):
            path = course.banks_dir / f"{quiz_id}.toml"
            yield self._item(f"quiz:{quiz_id}:well-formed", _bank_check(course, quiz_id), path)

    def _lab_items(self, lab: LabSpec) -> Iterator[CheckItem]:
        from graders.course.corpus import load_corpus
        from graders.course.validate import (
            check_corpus_entry,
            check_reference,
            check_seeds,
            check_starter,
            check_starter_sync,
        )
        from graders.errors import SeqlabError

        where = lab.spec_path
        yield self._item(f"{lab.id}:starter-in-sync", lambda: check_starter_sync(lab), where)
        runner = self.runners
        yield self._item(
            f"{lab.id}:reference-full-marks", lambda: check_reference(lab, runner(lab)), where
        )
        yield self._item(f"{lab.id}:starter-zero", lambda: check_starter(lab, runner(lab)), where)
        try:
            entries = load_corpus(lab)
        except SeqlabError as error:
            yield self._item(f"{lab.id}:corpus", _raise(error), where)
            entries = []
        for entry in entries:
            yield self._item(
                f"{lab.id}:corpus:{entry.name}",
                lambda entry=entry: check_corpus_entry(lab, entry, runner(lab)),
                entry.path,
            )
        from graders.course.validate import check_mistake_records
        from graders.mistakes import records_path

        if any(entry.mistake for entry in entries) or records_path(lab).is_file():
            yield self._item(f"{lab.id}:mistake-records", lambda: check_mistake_records(lab), where)
        seeds = self._seeds()
        if seeds > 0:
            yield self._item(
                f"{lab.id}:seed-sweep[{seeds}]",
                lambda: check_seeds(lab, seeds, runner(lab)),
                where,
            )


def _bank_check(course: Course, quiz_id: str) -> Callable[[], Check]:
    from graders.course.validate import Check
    from quizzes.bank import load_quiz

    def check() -> Check:
        bank = load_quiz(course.banks_dir, quiz_id)  # raises a SpecError naming the field
        notes = (("plugin.questions", {"count": len(bank.questions)}),)
        return Check(bank.id, "validate.bank", True, notes=notes)

    return check
