"""关卡 unlocking as pure logic (graders/store/unlock.py) and the reader of its settings in
seqlab.toml (course_config.py): sequential levels, per-item `requires`, a date, "passed" as a
share of the points, and a bad setting named with its file, line and fix."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graders.cli.common import EXIT_BELOW, EXIT_OK
from graders.cli.course import _print_checks
from graders.course.validate import check_leaks
from graders.errors import SpecError
from graders.spec import Course
from graders.store.course_config import Override
from graders.store.record import rules_for
from graders.store.unlock import OFF, REQUIRES, SEQUENTIAL, Lock, UnlockRules, cycle

LEVELS = {"a1": 1, "a2": 1, "b": 2, "c": 5, "free": None, "quiz": None}
NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)


def test_sequential_a_level_opens_when_every_lab_of_the_level_below_is_passed():
    rules = UnlockRules(SEQUENTIAL)
    assert rules.required("a1", LEVELS) == ()  # the first level is open
    assert rules.required("b", LEVELS) == ("a1", "a2")
    assert rules.required("c", LEVELS) == ("b",)  # the nearest lower level, gaps skipped
    assert rules.required("free", LEVELS) == ()  # no level: outside the order
    assert rules.lock("b", LEVELS, {"a1"}, None, NOW) == Lock("b", ("a2",))
    assert rules.lock("b", LEVELS, {"a1", "a2"}, None, NOW) is None
    assert rules.lock("c", LEVELS, {"a1", "a2"}, None, NOW) == Lock("c", ("b",))


def test_requires_and_a_date_and_off():
    rules = UnlockRules(REQUIRES, requires={"quiz": ("b",), "c": ("free",)})
    assert rules.required("b", LEVELS) == ()  # the requires mode adds no order
    assert rules.lock("quiz", LEVELS, set(), None, NOW) == Lock("quiz", ("b",))
    later = NOW + timedelta(days=1)
    assert rules.lock("a1", LEVELS, set(), later, NOW) == Lock("a1", (), later)
    assert rules.lock("a1", LEVELS, set(), NOW - timedelta(days=1), NOW) is None
    both = UnlockRules(SEQUENTIAL, requires={"c": ("free",)})
    assert both.required("c", LEVELS) == ("free", "b")
    assert UnlockRules(OFF, requires={"b": ("a1",)}).lock("b", LEVELS, set(), later, NOW) is None


def test_passed_is_a_share_of_the_points():
    rules = UnlockRules(SEQUENTIAL, share=0.6)
    assert rules.passed(60, 100) and rules.passed(100, 100)
    assert not rules.passed(59.9, 100) and not rules.passed(None, 100)
    assert not rules.passed(0, 0)  # nothing to pass: not passed
    assert UnlockRules(SEQUENTIAL, share=1.0).passed(100, 100)


def test_a_cycle_is_found():
    assert cycle({"a": ("b",), "b": ("c",), "c": ("a",)}) == ["a", "b", "c", "a"]
    assert cycle({"a": ("b",), "b": ("c",)}) == []


CONFIG = """[course]
timezone = "Asia/Shanghai"
[unlock]
mode = "sequential"
pass = 80
[calendar.seq2seq-attention]
requires = ["seq2seq", "quiz-a"]
open = 2026-09-01 08:00:00
"""


def test_the_course_file_makes_the_unlock_rules_and_the_web_s_edit_wins(tmp_path):
    (tmp_path / "seqlab.toml").write_text(CONFIG, encoding="utf-8")
    rules = rules_for(tmp_path).calendar.unlock
    assert rules == UnlockRules(SEQUENTIAL, 0.8, {"seq2seq-attention": ("seq2seq", "quiz-a")})
    web = [Override("*", "", "unlock", "requires"), Override("*", "", "pass", 50)]
    web += [Override("seq2seq-attention", "", "requires", "seq2seq")]
    rules = rules_for(tmp_path, web).calendar.unlock
    assert rules == UnlockRules(REQUIRES, 0.5, {"seq2seq-attention": ("seq2seq",)})
    (tmp_path / "none").mkdir()
    assert not rules_for(tmp_path / "none").calendar.unlock.active  # no file: off


@pytest.mark.parametrize(
    ("line", "text", "words"),
    [
        (4, 'mode = "levels"', '"off" (nothing locked), "sequential"'),
        (5, "pass = 120", "percentage from 0 to 100"),
        (7, 'requires = "seq2seq"', "list of lab or quiz ids"),
        (7, 'requires = ["seq2seq-attention"]', "not the item itself"),
        (5, "passed = 60", "no such setting"),
    ],
)
def test_a_bad_unlock_setting_is_named_with_its_file_line_and_fix(tmp_path, line, text, words):
    lines = CONFIG.splitlines()
    lines[line - 1] = text
    (tmp_path / "seqlab.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert f"seqlab.toml, line {line}" in message and words in message, message
    assert "第" in caught.value.render("zh")


def test_labs_that_require_one_another_are_refused(tmp_path):
    text = CONFIG + '[calendar.seq2seq]\nrequires = ["seq2seq-attention"]\n'
    (tmp_path / "seqlab.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert "would never open" in message and "seq2seq-attention → seq2seq" in message


# --- seqlab validate's warning: an earlier lab's answer in a later starter ----------------------

ROOT = Path(__file__).resolve().parent.parent


def two_labs(root: Path, config: str = "") -> Course:
    for lab in ("seq2seq", "seq2seq-attention"):
        for part in ("exercises", "solutions"):
            shutil.copytree(ROOT / part / lab, root / part / lab)
        (root / "graders" / "labs").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "graders" / "labs" / f"{lab}.toml", root / "graders" / "labs")
    if config:
        (root / "seqlab.toml").write_text(config, encoding="utf-8")
    return Course.locate(root)


def test_validate_warns_of_an_earlier_lab_s_blanks_in_a_later_starter(tmp_path):
    checks = check_leaks(two_labs(tmp_path))
    assert [(c.subject, c.ok, c.warning) for c in checks] == [("seq2seq-attention", False, True)]
    said = checks[0].describe("en")
    assert "seq2seq's blanks" in said and "encoder_inputs, decoder_inputs, targets" in said
    assert '[unlock] mode = "sequential"' in said and "seqlab release --upto" in said
    assert "seqlab release --upto" in checks[0].describe("zh")
    # A warning is said, and fails only under --strict.
    assert _print_checks(checks, "en") == EXIT_OK
    assert _print_checks(checks, "en", strict=True) == EXIT_BELOW


@pytest.mark.parametrize(
    "config",
    [
        '[unlock]\nmode = "sequential"\n',
        '[unlock]\nmode = "requires"\n[calendar.seq2seq-attention]\nrequires = ["seq2seq"]\n',
    ],
)
def test_no_warning_when_the_course_locks_the_order(tmp_path, config):
    assert check_leaks(two_labs(tmp_path, config)) == []
    assert check_leaks(two_labs(tmp_path / "off", '[unlock]\nmode = "off"\n'))  # off: warned


def test_a_required_item_that_locks_while_its_dependent_is_open_is_a_dead_end():
    from graders.store.calendar import Calendar, Window
    from graders.store.dead_ends import DeadEnd, dead_ends, said

    day = timedelta(days=1)
    windows = {"a": Window(lock=NOW), "b": Window(due=NOW + day), "quiz": Window(lock=NOW - day)}
    rules = UnlockRules(REQUIRES, requires={"b": ("a",), "quiz": ("a",), "c": ("quiz",)})
    calendar = Calendar(windows=windows, unlock=rules)
    found = dead_ends(calendar, LEVELS)
    assert found == [
        DeadEnd("b", "a", NOW, "due", NOW + day),  # a locks before b is due
        DeadEnd("c", "quiz", NOW - day, "open", None),  # c has no end: a dead end for good
    ]  # quiz locks before a does: a student can still pass a first — not one
    english = said(found[0], calendar, "en")
    assert "b requires a" in english and "Move a's lock later" in english
    assert "extension" in english and "no submission" in english
    assert "永远无法打开 b" in said(found[0], calendar, "zh")
    assert dead_ends(Calendar(windows=windows, unlock=UnlockRules(OFF)), LEVELS) == []


def test_a_closed_due_time_a_late_opening_and_a_chain_are_dead_ends_too():
    """Not only a lock strands a student: a required item closing at its due time (late
    answers closed), one opening after the dependent item's lock, and a chain (c requires b
    requires a dead end: b and c both)."""
    from graders.store.calendar import CLOSED, Calendar, LatePolicy, Window
    from graders.store.dead_ends import DeadEnd, dead_ends, said

    day = timedelta(days=1)
    windows = {
        "a1": Window(due=NOW),  # closes at its due time: late answers closed
        "a2": Window(lock=NOW + 2 * day),
        "b": Window(due=NOW + day, lock=NOW + 3 * day),
        "c": Window(lock=NOW + 3 * day),  # not after b locks: stranded only through b
        "free": Window(open=NOW + 5 * day),
        "quiz": Window(lock=NOW + 4 * day),
    }
    rules = UnlockRules(REQUIRES, requires={"b": ("a1",), "c": ("b",), "quiz": ("free",)})
    calendar = Calendar(windows=windows, late_items={"a1": LatePolicy(CLOSED)}, unlock=rules)
    found = dead_ends(calendar, LEVELS)
    assert found == [
        DeadEnd("b", "a1", NOW, "due", NOW + day, "closed"),
        DeadEnd("c", "b", None, "open", None, "chain", "a1"),
        DeadEnd("quiz", "free", NOW + 5 * day, "lock", NOW + 4 * day, "opens"),
    ]
    assert 'policy = "closed"' in said(found[0], calendar, "en")
    assert "which is itself a possible dead end" in said(found[1], calendar, "en")
    assert "本身可能是死路" in said(found[1], calendar, "zh")
    assert "free opens only" in said(found[2], calendar, "en")


def test_validate_warns_of_a_dead_end_in_both_languages(tmp_path):
    from graders.course.validate import check_dead_ends

    config = (
        '[unlock]\nmode = "sequential"\n[calendar.seq2seq]\nlock = 2026-09-20 23:59:00\n'
        "[calendar.seq2seq-attention]\ndue = 2026-10-01 23:59:00\n"
    )
    checks = check_dead_ends(two_labs(tmp_path, config))
    assert [(c.subject, c.ok, c.warning) for c in checks] == [("seq2seq-attention", False, True)]
    assert "seq2seq-attention requires seq2seq" in checks[0].describe("en")
    assert "截止时间 2026-10-01" in checks[0].describe("zh")
    assert _print_checks(checks, "en") == EXIT_OK  # a warning: fails only under --strict
    assert check_dead_ends(two_labs(tmp_path / "off", config.replace("sequential", "off"))) == []
