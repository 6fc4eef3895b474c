"""The course calendar's rules as pure logic (graders/store/calendar.py), the one reader of
seqlab.toml that makes them (course_config.py), and the late penalty where the score of
record is decided (record.py) reaching the CSV export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from graders.cli import main
from graders.errors import SpecError
from graders.store.calendar import Calendar, LatePolicy, QuizRules, Window, late_days
from graders.store.course_config import Override
from graders.store.exports import export_scores_csv
from graders.store.gradebook import Gradebook
from graders.store.record import of_record, rules_for
from graders.store.tables import Grade

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")  # DST ends 2026-10-25 03:00 → 02:00


def at(text: str, zone=SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_late_days_count_started_days_from_the_due_time():
    due = at("2026-09-15 23:59")
    assert late_days(due, due, SHANGHAI) == 0  # at the due time: on time
    assert late_days(due, due + timedelta(seconds=1), SHANGHAI) == 1
    assert late_days(due, at("2026-09-16 23:59"), SHANGHAI) == 1  # a whole day: still one
    assert late_days(due, at("2026-09-17 00:00"), SHANGHAI) == 2
    assert late_days(due, due - timedelta(days=3), SHANGHAI) == 0
    assert late_days(None, due, SHANGHAI) == 0


def test_a_day_across_a_dst_change_is_one_day_on_the_course_clock():
    due = at("2026-10-24 23:00", BERLIN)
    # 25 real hours later is 23:00 the next day on the wall: one day late, not two.
    next_day = at("2026-10-25 23:00", BERLIN)
    assert next_day.astimezone(UTC) - due.astimezone(UTC) == timedelta(hours=25)
    assert late_days(due, next_day, BERLIN) == 1
    assert late_days(due, next_day + timedelta(minutes=1), BERLIN) == 2
    # Counted in UTC instead, the same moment would have been two days.
    assert late_days(due, next_day, ZoneInfo("UTC")) == 2


def test_the_penalty_stops_at_its_floor():
    policy = LatePolicy(per_day=0.1, floor=0.5)
    assert [policy.factor(d) for d in (0, 1, 3, 5, 6, 30)] == pytest.approx(
        [1.0, 0.9, 0.7, 0.5, 0.5, 0.5]
    )
    assert LatePolicy(per_day=0.4).factor(3) == 0.0  # no floor: down to nothing, never below


def test_an_extension_beats_the_due_time_and_the_lock_beats_everything():
    window = Window(at("2026-09-01 08:00"), at("2026-09-15 23:59"), at("2026-09-22 23:59"))
    calendar = Calendar(
        SHANGHAI,
        {"lab": window},
        LatePolicy(per_day=0.1, floor=0.5),
        extensions={("ann", "lab"): at("2026-09-20 23:59")},
    )
    moment = at("2026-09-18 12:00")
    assert calendar.state("bob", "lab", moment).late_days == 3
    ann = calendar.state("ann", "lab", moment)
    assert ann.open and ann.late_days == 0 and ann.factor == 1.0
    assert calendar.state("ann", "lab", at("2026-09-21 00:00")).late_days == 1
    after_lock = at("2026-09-23 00:00")
    assert calendar.state("ann", "lab", after_lock).reason == "locked"
    assert calendar.state("bob", "lab", after_lock).reason == "locked"
    assert calendar.state("bob", "lab", at("2026-08-31 23:00")).reason == "not_open"
    closed = Calendar(SHANGHAI, {"lab": window}, LatePolicy(mode="closed"))
    assert closed.state("bob", "lab", moment).reason == "closed"
    assert closed.state("bob", "lab", at("2026-09-15 23:00")).open


def test_quiz_answers_are_shown_only_once_no_answer_can_count():
    closed = LatePolicy(mode="closed")
    window = Window(due=at("2026-09-15 23:59"))
    for rule, before, after in (("never", False, False), ("after_due", False, True)):
        calendar = Calendar(SHANGHAI, {"q": window}, closed, quizzes=QuizRules(answers=rule))
        assert calendar.answers_shown("ann", "q", at("2026-09-15 23:00")) is before
        assert calendar.answers_shown("ann", "q", at("2026-09-16 00:00")) is after
    # A classmate's extension keeps the key from everyone: it would answer their quiz.
    extended = Calendar(
        SHANGHAI, {"q": window}, closed, extensions={("bob", "q"): at("2026-09-17 23:59")}
    )
    assert not extended.answers_shown("ann", "q", at("2026-09-16 00:00"))
    assert extended.answers_shown("ann", "q", at("2026-09-18 00:00"))
    # Late answers that still count (a penalty, no lock): the key would serve a late retake.
    penalty = Calendar(SHANGHAI, {"q": window}, LatePolicy(per_day=0.1))
    assert not penalty.answers_shown("ann", "q", at("2026-10-30 00:00"))
    locked = Window(due=at("2026-09-15 23:59"), lock=at("2026-09-22 23:59"))
    penalty_locked = Calendar(SHANGHAI, {"q": locked}, LatePolicy(per_day=0.1))
    assert not penalty_locked.answers_shown("ann", "q", at("2026-09-20 00:00"))
    assert penalty_locked.answers_shown("ann", "q", at("2026-09-23 00:00"))
    assert not Calendar().answers_shown("ann", "q", at("2026-09-16 00:00"))  # no due: never


CONFIG = """[course]
timezone = "Asia/Shanghai"
[late]
per_day = 10
floor = 50
[quizzes]
attempts = 2
cooldown_minutes = 5
[calendar.lab]
due = 2026-09-15 23:59:00
lock = 2026-09-22 23:59:00
[calendar.attention]
answers = "never"
[extensions.ann]
lab = 2026-09-18 23:59:00
"""


def test_the_course_file_makes_the_calendar(tmp_path):
    (tmp_path / "seqlab.toml").write_text(CONFIG, encoding="utf-8")
    calendar = rules_for(tmp_path).calendar
    assert calendar.window("lab").due == at("2026-09-15 23:59")
    assert calendar.due_for("ann", "lab") == at("2026-09-18 23:59")
    assert calendar.quiz("attention") == QuizRules(2, timedelta(minutes=5), "never")
    assert calendar.quiz("other").answers == "after_due"
    # A setting saved on the web wins over the file's; the file stays the default.
    web = rules_for(tmp_path, [Override("lab", "", "due", "2026-09-16 23:59")]).calendar
    assert web.window("lab").due == at("2026-09-16 23:59") and web.window("lab").lock


@pytest.mark.parametrize(
    ("line", "text", "words"),
    [
        (10, 'due = "soon"', "`calendar.lab.due` = soon"),
        (5, "floor = 150", "percentage from 0 to 100"),
        (2, 'timezone = "Mars/Olympus"', "IANA time zone"),
        (11, "lock = 2026-09-01 00:00:00", "in order: open, then due, then lock"),
        (13, 'answers = "sometimes"', '"never", "after_due" or "immediately"'),
        (7, "attempt = 2", "no such setting"),
    ],
)
def test_a_bad_setting_is_named_with_its_file_line_and_fix(tmp_path, line, text, words):
    lines = CONFIG.splitlines()
    lines[line - 1] = text
    (tmp_path / "seqlab.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert f"seqlab.toml, line {line}" in message and words in message, message
    assert "第" in caught.value.render("zh")


@pytest.mark.parametrize(
    ("text", "line", "near"),
    [
        ("[calendar.lba]\ndue = 2026-09-15 23:59:00\n", 1, "lab"),
        ('[calendar.lab]\nrequires = ["atention"]\n', 2, "attention"),
        ("[extensions.ann]\nlab2 = 2026-09-18 23:59:00\n", 2, "lab"),
    ],
)
def test_a_lab_or_quiz_the_course_does_not_have_is_named_with_the_nearest(
    tmp_path, text, line, near
):
    # A typo would keep a calendar from applying, or lock a lab that requires it for good.
    for folder, name in (("graders/labs", "lab"), ("quizzes/banks", "attention")):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / f"{name}.toml").write_text("", encoding="utf-8")
    (tmp_path / "seqlab.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert f"did you mean `{near}`" in message and "attention, lab" in message, message
    assert f"seqlab.toml, line {line}:" in message, message  # a table's header has a line too


def test_a_calendar_item_takes_the_late_tables_own_name_for_its_policy(tmp_path):
    (tmp_path / "seqlab.toml").write_text('[calendar.lab]\npolicy = "closed"\n', "utf-8")
    assert rules_for(tmp_path).calendar.policy("lab").mode == "closed"


def test_a_bad_course_file_stops_the_command_with_exit_code_2(tmp_path, capsys):
    (tmp_path / "graders" / "labs").mkdir(parents=True)  # a course folder
    (tmp_path / "seqlab.toml").write_text("[late]\nper_day = -1\n", encoding="utf-8")
    out, db = str(tmp_path / "scores.csv"), tmp_path / "g.sqlite"
    Gradebook(f"sqlite:///{db}").close()  # an empty gradebook
    course = ["--course", str(tmp_path), "--db", str(db)]
    code = main(["--lang", "en", "gradebook", "export", *course, "--csv", out])
    assert code == 2
    assert "line 2" in capsys.readouterr().err
    # The server too stops before it starts, rather than answer every page with a 503.
    serve = ["serve", "--course", str(tmp_path), "--db", str(db), "--port", "8799"]
    assert main(["--lang", "en", *serve]) == 2
    assert "line 2" in capsys.readouterr().err


def grade(student: str, score: float, submitted: datetime, id_: int) -> Grade:
    return Grade(
        id=id_, student=student, lab="lab", kind="lab", sha256="0" * 64, spec_version="v",
        engine_version="t", source=f"s{id_}", status="graded", score=score, max_score=100.0,
        grading_seconds=1.0, graded_at=submitted, submitted_at=submitted, chosen=False,
    )  # fmt: skip


def test_the_score_of_record_carries_the_late_penalty_into_the_csv(tmp_path):
    (tmp_path / "seqlab.toml").write_text(CONFIG, encoding="utf-8")
    rules = rules_for(tmp_path)
    rows = [
        grade("bob", 100.0, at("2026-09-17 12:00"), 1),  # 2 days late: 80
        grade("bob", 75.0, at("2026-09-15 20:00"), 2),  # on time: 75 — best is the late 80
        grade("cat", 90.0, at("2026-09-30 12:00"), 3),  # after the lock: does not count
        grade("ann", 100.0, at("2026-09-17 12:00"), 4),  # within her extension: 100
        grade("dan", 100.0, at("2026-10-10 12:00").astimezone(UTC), 5),  # locked out too
        grade("dan", 60.0, at("2026-09-20 12:00"), 6),  # 5 days late: the floor, 30
    ]
    record = of_record(rows, rules)
    bob = record[("bob", "lab")]
    assert (bob.score, bob.raw_score, bob.late_days) == (80.0, 100.0, 2)
    assert ("cat", "lab") not in record
    assert record[("ann", "lab")].score == 100.0 and record[("ann", "lab")].late_days == 0
    assert record[("dan", "lab")].score == 30.0
    assert rows[0].score == 100.0  # the stored row keeps its raw score
    path = tmp_path / "scores.csv"
    export_scores_csv([record[k] for k in sorted(record)], path)
    table = {row["student"]: row["lab"] for row in csv.DictReader(path.open(encoding="utf-8"))}
    assert table == {"ann": "100", "bob": "80", "dan": "30"}


def test_the_readme_example_is_a_valid_course_file(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("<!-- calendar-example -->")[1].split("```toml\n")[1].split("```")[0]
    (tmp_path / "seqlab.toml").write_text(example, encoding="utf-8")
    assert rules_for(tmp_path).calendar.windows


def test_batch_grading_says_late_and_locked_files_and_the_export_counts_them_so(tmp_path, capsys):
    import os
    import shutil

    from graders.cli.demo import demo_sheet
    from quizzes.bank import load_quiz
    from quizzes.paper import make_paper

    root = tmp_path / "course"
    (root / "graders" / "labs").mkdir(parents=True)
    shutil.copytree(
        Path(__file__).resolve().parent.parent / "quizzes" / "banks", root / "quizzes" / "banks"
    )
    (root / "seqlab.toml").write_text(
        '[course]\ntimezone = "Asia/Shanghai"\n[late]\nper_day = 10\nfloor = 50\n'
        "[calendar.attention]\ndue = 2026-09-15 23:59:00\nlock = 2026-09-22 23:59:00\n",
        encoding="utf-8",
    )
    bank = load_quiz(root / "quizzes" / "banks", "attention")
    folder = tmp_path / "sheets"
    folder.mkdir()
    times = {"ann": "2026-09-15 20:00", "bob": "2026-09-17 12:00", "cat": "2026-09-30 12:00"}
    for student, moment in times.items():
        sheet = folder / f"{student}.txt"
        sheet.write_text(demo_sheet(make_paper(bank, student)), encoding="utf-8")
        os.utime(sheet, (at(moment).timestamp(),) * 2)
    db = str(tmp_path / "g.sqlite")
    course = ["--course", str(root), "--db", db]
    main(["--lang", "en", "grade", str(folder), "--lab", "attention", *course])
    said = capsys.readouterr().out
    assert "bob: 2 day(s) late; its score of record keeps 80%" in said
    assert "cat: the file was changed 2026-09-30 12:00 (Asia/Shanghai)" in said
    assert "does not count" in said and "ann: " not in said  # on time: nothing to say
    out = tmp_path / "scores.csv"
    assert main(["--lang", "en", "gradebook", "export", *course, "--csv", str(out)]) == 0
    scores = {
        r["student"]: float(r["attention"]) for r in csv.DictReader(out.open(encoding="utf-8"))
    }
    raw = bank.max_score - make_paper(bank, "ann").questions[-1].question.points
    assert scores == {"ann": raw, "bob": pytest.approx(raw * 0.8)}  # cat's does not count


def test_an_extension_past_the_lock_moves_that_student_s_lock_and_the_key_waits(tmp_path):
    """A mature LMS's per-student override: the extension can always be used, by that
    student only, and the quiz key waits for it."""
    window = Window(due=at("2026-09-15 23:59"), lock=at("2026-09-22 23:59"))
    calendar = Calendar(
        SHANGHAI, {"lab": window}, extensions={("ann", "lab"): at("2026-09-30 23:59")}
    )
    assert calendar.lock_for("ann", "lab") == at("2026-09-30 23:59")
    assert calendar.lock_for("bob", "lab") == window.lock
    moment = at("2026-09-25 12:00")
    assert calendar.state("ann", "lab", moment).open
    assert calendar.state("bob", "lab", moment).reason == "locked"
    assert calendar.state("ann", "lab", at("2026-10-01 00:00")).reason == "locked"
    assert calendar.closes_at("lab") == at("2026-09-30 23:59")
    (tmp_path / "seqlab.toml").write_text(
        '[course]\ntimezone = "Asia/Shanghai"\n'
        "[calendar.lab]\ndue = 2026-09-15 23:59:00\nlock = 2026-09-22 23:59:00\n"
        "[extensions.ann]\nlab = 2026-09-30 23:59:00\n",
        encoding="utf-8",
    )
    assert rules_for(tmp_path).calendar.lock_for("ann", "lab") == at("2026-09-30 23:59")


def test_a_pass_mark_out_of_range_says_it_is_a_percentage_of_the_items_points(tmp_path):
    (tmp_path / "seqlab.toml").write_text(
        '[unlock]\nmode = "sequential"\npass = 200\n', encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert "line 3" in message and "0 to 100 (of the item's points), e.g. pass = 60" in message
    assert "pass = 60" in caught.value.render("zh") and "per_day" not in message


def test_a_pass_mark_written_as_a_fraction_asks_for_the_percentage(tmp_path):
    (tmp_path / "seqlab.toml").write_text("[unlock]\npass = 0.6\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert "line 2" in message and "did you mean 60?" in message, message
    assert "60" in caught.value.render("zh")
    (tmp_path / "seqlab.toml").write_text("[unlock]\npass = 1\n", encoding="utf-8")
    assert rules_for(tmp_path).calendar.unlock.share == pytest.approx(0.01)


def test_an_extension_for_someone_off_the_roster_is_warned_with_its_line(tmp_path, capsys):
    """A typo in [extensions.<student>] extends for no one: the gradebook commands and
    `serve` say so, with the file's line and the nearest roster id, in both languages."""
    from graders.web.roster import import_roster, parse_roster
    from graders.web.server import _warn_off_roster

    (tmp_path / "graders" / "labs").mkdir(parents=True)  # a course folder
    (tmp_path / "seqlab.toml").write_text(
        '[course]\ntimezone = "UTC"\n[extensions.anm]\nlab = 2026-09-20 23:59:00\n'
        "[extensions.ann]\nlab = 2026-09-20 23:59:00\n[extensions.zzzzzz]\nlab = 2026-09-20\n"
        "[extensions.tutor]\nlab = 2026-09-20\n",
        encoding="utf-8",
    )
    db = tmp_path / "g.sqlite"
    Gradebook(f"sqlite:///{db}").close()
    roster = "username,name,password,role\nann,Ann,ann-pass-123,student\n"
    roster += "tutor,Staff,tutor-pass-1,instructor\n"  # staff: on the roster, not warned of
    import_roster(f"sqlite:///{db}", parse_roster(roster, "roster.csv"))
    course = ["--course", str(tmp_path), "--db", str(db)]
    out = str(tmp_path / "scores.csv")
    assert main(["--lang", "en", "gradebook", "export", *course, "--csv", out]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "line 4: [extensions.anm] extends lab for anm, who is not on the roster" in err
    assert "(the nearest id: ann)" in err and "extensions.ann]" not in err
    assert "zzzzzz, who is not on the roster, so it extends it for no one. Use" in err
    assert "tutor, who is not" not in err
    _warn_off_roster(f"sqlite:///{db}", located(tmp_path), "zh")
    err = capsys.readouterr().err
    assert "第 4 行" in err and "最接近的学号：ann" in err
    main(["--lang", "en", "validate", "--course", str(tmp_path), "--db", str(db)])
    assert "[extensions.anm] extends lab for anm" in " ".join(capsys.readouterr().err.split())


def located(root: Path):
    from graders.spec import Course

    return Course.locate(root)


def test_an_extension_never_shortens_a_due_time_and_one_that_extends_nothing_is_said(
    tmp_path, capsys
):
    """An "extension" earlier than the class's due cut the student's deadline (their page
    saying "extended"); moving the class's due past an extension cut that student's too."""
    due, lock = at("2026-09-15 23:59"), at("2026-09-22 23:59")
    early, later = due - timedelta(days=3), due + timedelta(days=1)
    windows = {"lab": Window(due=due, lock=lock)}
    calendar = Calendar(
        SHANGHAI, windows, extensions={("ann", "lab"): early, ("bob", "lab"): later}
    )
    assert calendar.due_for("ann", "lab") == due and calendar.lock_for("ann", "lab") == lock
    on_time = calendar.state("ann", "lab", due - timedelta(hours=1))
    assert on_time.due == due and on_time.late_days == 0 and on_time.factor == 1
    assert calendar.due_for("bob", "lab") == later
    moved = Calendar(
        SHANGHAI, {"lab": Window(due=later + timedelta(days=1))}, extensions={("bob", "lab"): later}
    )
    assert moved.due_for("bob", "lab") == later + timedelta(days=1)
    assert [idle["student"] for idle in calendar.idle_extensions()] == ["ann"]
    (tmp_path / "graders" / "labs").mkdir(parents=True)
    (tmp_path / "seqlab.toml").write_text(
        '[course]\ntimezone = "Asia/Shanghai"\n[calendar.lab]\ndue = 2026-09-15 23:59:00\n'
        "[extensions.ann]\nlab = 2026-09-12 23:59:00\n[extensions.bob]\nlab = 2026-09-16\n",
        encoding="utf-8",
    )
    for lang, words in (("en", "has no effect"), ("zh", "不起作用")):
        main(["--lang", lang, "validate", "--course", str(tmp_path)])
        said = " ".join("".join(capsys.readouterr()).split())
        assert words in said and "2026-09-12 23:59" in said and "ann" in said, said
        assert "bob" not in said
