"""End to end on the real labs (real training, real processes): marked slow."""

import json

import pytest

from graders.cli import main
from graders.course.sweep import sweep
from graders.losses import split as split_losses
from graders.sandbox import run_sets
from graders.service.pools import runner_for

pytestmark = pytest.mark.slow
# Every lab's reference, starter, corpus entries and a seed sweep are checked by our pytest
# plugin (graders/course/pytest_plugin.py, on in whole-suite runs through pyproject.toml);
# the tests here are what the plugin does not cover.


def cli_json(capsys, *args):
    code = main([*args, "--json", "--lang", "en"])
    return code, json.loads(capsys.readouterr().out)


def comparable(result: dict) -> list:
    return [(t["name"], t["status"], t.get("actual")) for t in result["tests"]]


def test_reference_full_marks_starter_zero_and_outside_edits_change_nothing(
    course, capsys, tmp_path
):
    lab = course.lab("seq2seq")
    code, reference = cli_json(capsys, "check", str(lab.solution_path))
    assert code == 0 and reference["score"] == reference["max_score"] == 40
    # Each word: the trained model's translation, then the scripted stand-in's; then the
    # probe's loss, whether training reached a low loss and whether translate decodes the
    # trained model greedily (the code rules' set prints nothing).
    ending = "probe loss: 3.407053\ntrained loss below 0.01: yes\n"
    ending += "greedy decoding of the trained model on 12 other words: yes\n"
    assert [t["actual"] for t in reference["tests"] if t["name"] != "code rules"] == [
        "low\n  scripted model: hralv\n" + ending,
        "queen\n  scripted model: hqgre\n" + ending,
    ]

    code, starter = cli_json(capsys, "check", str(lab.starter_path))
    assert code == 1 and starter["score"] == 0

    edited = lab.solution_path.read_text(encoding="utf-8").replace("EPOCHS = 150", "EPOCHS = 3")
    path = tmp_path / "seq2seq.py"
    path.write_text(edited, encoding="utf-8")
    code, result = cli_json(capsys, "check", str(path))
    assert code == 0 and comparable(result) == comparable(reference)
    assert result["ignored_lines"] == [edited.split("\n").index("EPOCHS = 3") + 1]


def test_validate_gate_passes(capsys):
    # One lab (the quickest to train: none) through the CLI end to end; the plugin's items
    # check every lab, seq2seq included.
    assert main(["validate", "--lab", "rnn-numpy", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "starter scores zero" in out


# Four items of five seeds, so the suite's workers share the sweep; each on the lab's warm
# workers, as the web and batch grading run it.
@pytest.mark.parametrize("first", range(0, 20, 5), ids=lambda first: f"seeds-{first}-{first + 4}")
def test_reference_passes_every_seed_of_a_20_seed_sweep(course, first):
    lab = course.lab("seq2seq")
    with runner_for(lab, 1) as runner:
        reference = lab.solution_path.read_text(encoding="utf-8")
        outcomes = sweep(lab, reference, range(first, first + 5), runner=runner)
    failed = {
        o.seed: [t.verdict.code for t in o.result.tests]
        for o in outcomes
        if not o.result.full_marks
    }
    assert failed == {}


def test_the_seq2seq_template_survives_inputs_the_seed_code_crashed_on(course):
    # Uppercase, longer than MAX_LEN, non-letters and blank lines: one answer per word (the
    # scripted line only for words the model can read).
    lab = course.lab("seq2seq")
    (run,) = run_sets(
        lab.solution_path.read_text(encoding="utf-8"),
        lab.entry,
        ["HIGHH\nabcdefghij\nx1\n\n  kingh  \n"],
        lab.limits,
        fork_at_input=False,
    )
    assert run.exit_code == 0, run.stderr
    assert run.stdout == (
        b"low\n  scripted model: hralv\n?\n?\nqueen\n  scripted model: hqgre\n"
        b"probe loss: 3.407053\ntrained loss below 0.01: yes\n"
        b"greedy decoding of the trained model on 12 other words: yes\n"
    )
    # Nothing but the template's loss report (graders/losses.py): the seed's make_batch warned.
    kept, losses = split_losses(run.stderr.decode())
    assert kept == "" and len(losses) == 150, "the seed's make_batch warned on stderr"
