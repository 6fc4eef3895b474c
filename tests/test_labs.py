"""End to end on the real labs (real training, real processes): marked slow."""

import json
import tomllib
from pathlib import Path

import pytest

from graders.cli import main
from graders.engine import grade_submission
from graders.markers import parse
from graders.sandbox import run_sets
from graders.submission import Submission
from graders.sweep import sweep

pytestmark = pytest.mark.slow
CORPUS_DIR = Path(__file__).parent / "corpus"


def corpus_entries():
    for path in sorted(CORPUS_DIR.glob("*.toml")):
        entries = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, entry in entries.items():
            yield pytest.param(path.stem, entry, id=f"{path.stem}:{name}")


def corpus_file(reference: str, entry: dict) -> str:
    layout = parse(reference, "reference")
    bodies = [blank.body for blank in layout.blanks]
    for index, body in entry.get("blank", {}).items():
        bodies[int(index) - 1] = tuple(body.lstrip("\n").splitlines(keepends=True))
    text = layout.render(bodies)
    for old, new in entry.get("edits", []):
        assert old in text, f"corpus edit {old!r} no longer applies"
        text = text.replace(old, new, 1)
    return text


@pytest.mark.parametrize(("lab_id", "entry"), list(corpus_entries()))
def test_corpus_submissions_get_their_known_verdicts(course, tmp_path, lab_id, entry):
    lab = course.lab(lab_id)
    text = corpus_file(lab.solution_path.read_text(encoding="utf-8"), entry)
    path = tmp_path / lab.entry
    path.write_text(text, encoding="utf-8")
    result = grade_submission(lab, Submission(path, text), include_hidden=True)
    verdicts = [t.verdict.code for t in result.tests]
    assert result.score == entry["score"], verdicts
    if "verdicts" in entry:
        assert verdicts == entry["verdicts"]
    assert bool(result.ignored_lines) == entry.get("ignored", False)
    if entry.get("traceback_line"):
        # The traceback points at the student's own line, in the student's own file name.
        line = next(n for n, s in enumerate(text.split("\n"), 1) if "self.clasifier" in s)
        assert f'File "{lab.entry}", line {line}' in result.tests[0].stderr


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
    assert [t["actual"] for t in reference["tests"]] == ["low\n", "queen\n"]

    code, starter = cli_json(capsys, "check", str(lab.starter_path))
    assert code == 1 and starter["score"] == 0

    edited = lab.solution_path.read_text(encoding="utf-8").replace("EPOCHS = 150", "EPOCHS = 3")
    path = tmp_path / "seq2seq.py"
    path.write_text(edited, encoding="utf-8")
    code, result = cli_json(capsys, "check", str(path))
    assert code == 0 and comparable(result) == comparable(reference)
    assert result["ignored_lines"] == [edited.split("\n").index("EPOCHS = 3") + 1]


def test_validate_gate_passes(capsys):
    assert main(["validate", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "starter scores zero" in out


def test_reference_passes_every_seed_of_a_20_seed_sweep(course):
    lab = course.lab("seq2seq")
    outcomes = sweep(lab, lab.solution_path.read_text(encoding="utf-8"), range(20))
    failed = {
        o.seed: [t.verdict.code for t in o.result.tests]
        for o in outcomes
        if not o.result.full_marks
    }
    assert failed == {}


def test_the_seq2seq_template_survives_inputs_the_seed_code_crashed_on(course):
    # Uppercase, longer than MAX_LEN, non-letters and blank lines: one line out per word.
    lab = course.lab("seq2seq")
    (run,) = run_sets(
        lab.solution_path.read_text(encoding="utf-8"),
        lab.entry,
        ["HIGHH\nabcdefghij\nx1\n\n  kingh  \n"],
        lab.limits,
        fork_at_input=False,
    )
    assert run.exit_code == 0, run.stderr
    assert run.stdout == b"low\n?\n?\nqueen\n"
    assert run.stderr == b"", "the seed's make_batch warned on stderr; ours must not"
