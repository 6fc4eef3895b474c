"""Every number of the course rules (red team 15e): a cool-down of 99999999999 minutes, `inf`
or `1e300` overflowed the date of the next attempt (a 500 on the course and quiz pages, an
"internal error" from the CLI), and `nan` passed every range check (`pass = nan` locked every
lab with `requires`). Each is refused, in seqlab.toml with its file, line and fix (exit 2)
and on the rules page by its field, with the bound."""

from __future__ import annotations

import pytest

from graders.cli import main
from graders.errors import SpecError
from graders.store.course_config import Override
from graders.store.gradebook import Gradebook
from graders.store.record import rules_for

# (table, key, value in TOML, words of the fix): every number a rule reads.
BAD = [
    ("quizzes", "cooldown_minutes", "99999999999", "527040"),
    ("quizzes", "cooldown_minutes", "inf", "527040"),
    ("quizzes", "cooldown_minutes", "1e300", "527040"),
    ("quizzes", "cooldown_minutes", "nan", "527040"),
    ("quizzes", "cooldown_minutes", "-1", "527040"),
    ("calendar.quiz", "cooldown_minutes", "inf", "527040"),
    ("quizzes", "attempts", "inf", "10000"),
    ("quizzes", "attempts", "99999999999", "10000"),
    ("calendar.quiz", "attempts", "nan", "10000"),
    ("late", "per_day", "nan", "0 to 100"),
    ("late", "per_day", "inf", "0 to 100"),
    ("late", "floor", "nan", "0 to 100"),
    ("late", "floor", "-inf", "0 to 100"),
    ("calendar.quiz", "per_day", "nan", "0 to 100"),
    ("unlock", "pass", "nan", "0 to 100"),
    ("unlock", "pass", "inf", "0 to 100"),
]


@pytest.mark.parametrize(("table", "key", "value", "words"), BAD)
def test_a_number_out_of_bounds_in_the_course_file_is_named_with_its_line(
    tmp_path, table, key, value, words
):
    (tmp_path / "seqlab.toml").write_text(f"# rules\n[{table}]\n{key} = {value}\n", "utf-8")
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path)
    message = caught.value.render("en")
    assert "seqlab.toml, line 3" in message and f"{table}.{key}" in message, message
    assert words in message, message
    assert "第 3 行" in caught.value.render("zh")


@pytest.mark.parametrize(("table", "key", "value", "words"), BAD)
def test_a_number_out_of_bounds_typed_on_the_rules_page_is_refused(
    tmp_path, table, key, value, words
):
    item = "quiz" if table == "calendar.quiz" else "*"
    name = {"pass": "pass"}.get(key, key)
    typed = float(value) if value.lstrip("-").isalpha() or "e" in value else int(value)
    with pytest.raises(SpecError) as caught:
        rules_for(tmp_path, [Override(item, "", name, typed)])
    message = caught.value.render("en")
    assert words in message and "rules page" in message, message


def test_the_bounds_themselves_are_taken(tmp_path):
    text = "[quizzes]\ncooldown_minutes = 527040\nattempts = 10000\n[late]\nper_day = 100\n"
    (tmp_path / "seqlab.toml").write_text(text, encoding="utf-8")
    rules = rules_for(tmp_path).calendar.quiz("q")
    assert rules.attempts == 10000 and rules.cooldown.days == 366


@pytest.mark.parametrize("value", ["inf", "1e300", "99999999999", "nan"])
def test_a_huge_cool_down_in_the_file_stops_the_command_with_exit_code_2(tmp_path, capsys, value):
    (tmp_path / "graders" / "labs").mkdir(parents=True)
    (tmp_path / "seqlab.toml").write_text(f"[quizzes]\ncooldown_minutes = {value}\n", "utf-8")
    db = tmp_path / "g.sqlite"
    Gradebook(f"sqlite:///{db}").close()
    out = str(tmp_path / "scores.csv")
    course = ["--course", str(tmp_path), "--db", str(db)]
    assert main(["--lang", "en", "gradebook", "export", *course, "--csv", out]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "527040" in err and "internal error" not in err, err
