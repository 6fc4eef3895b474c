"""Course tools on a tiny plain-Python course: corpus, rounding check, levels and index, seed
checks, mutation score, the lab scaffold and the pytest plugin. Plain Python runs in
milliseconds, so these use the real sandbox and stay out of the slow set.
"""

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from graders.cli import main
from graders.course.build import (
    check_rounding,
    last_decimal_unit,
    record_expected,
    write_starter,
)
from graders.course.corpus import corpus_program, grade_entry, load_corpus
from graders.course.index import index_in_sync, write_index
from graders.course.mutate import find_mutants, mutate_lab, sample
from graders.course.validate import check_index, check_seeds, validate_lab
from graders.errors import SpecError
from graders.sandbox import RunResult
from graders.spec import Course

SPEC = """\
id = "mini"
entry = "mini.py"
seed_variable = "SEED"
title.zh = "小"
title.en = "Mini"

[[tests]]
name = "small"
stdin = "2\\n"
expected = "10\\n"
points = 50

[[tests]]
name = "large"
stdin = "7\\n"
expected = "35\\n"
points = 50
hidden = true
"""

SOLUTION = """\
import sys

SEED = 1


def scale(n):
    ########## Begin ##########
    if n < 0:
        return 0
    return n * 5
    ########## End ##########


print(scale(int(sys.stdin.readline())))
"""

CORPUS = """\
[good_loop]
about = "adds five times"
score = 100
verdicts = ["AC", "AC"]
blank.1 = '''
    total = 0
    for _ in range(5):
        total += n
    return total
'''

[times_four]
about = "the wrong factor"
score = 0
verdicts = ["WA", "WA"]
edits = [["n * 5", "n * 4"]]

[public_only]
about = "prints the public answer"
score = 50
blank.1 = '''
    return 10
'''
"""


@pytest.fixture
def mini(tmp_path):
    root = tmp_path / "course"
    for folder in ("graders/labs", "solutions/mini", "tests/corpus"):
        (root / folder).mkdir(parents=True)
    (root / "graders/labs/mini.toml").write_text(SPEC, encoding="utf-8")
    (root / "solutions/mini/mini.py").write_text(SOLUTION, encoding="utf-8")
    (root / "tests/corpus/mini.toml").write_text(CORPUS, encoding="utf-8")
    assert main(["build", "--course", str(root)]) == 0
    return Course.locate(root)


def fake_runner(stdout: bytes):
    def runner(program, filename, stdins, limits, fork_at_input):
        return [RunResult(stdout, b"", 0, None, 0.1, 0.1, 1024) for _ in stdins]

    return runner


# --- the mistake corpus ----------------------------------------------------------------------


def test_corpus_entries_build_and_get_their_verdicts(mini):
    lab = mini.lab("mini")
    entries = load_corpus(lab)
    assert [e.name for e in entries] == ["good_loop", "times_four", "public_only"]
    text = corpus_program(SOLUTION, entries[1])
    assert "n * 4" in text and "n * 5" not in text
    outcomes = [grade_entry(lab, entry) for entry in entries]
    assert [o.ok for o in outcomes] == [True, True, True], [o.problems for o in outcomes]


def test_a_corpus_entry_with_the_wrong_verdict_is_a_failed_check(mini):
    path = mini.root / "tests/corpus/mini.toml"
    path.write_text(CORPUS.replace("score = 50", "score = 100"), encoding="utf-8")
    checks = validate_lab(mini.lab("mini"))
    failed = [c for c in checks if not c.ok]
    assert [c.params.get("name") for c in failed] == ["public_only"]
    assert "score 50, should be 100" in failed[0].describe("en")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("about =", "abuot = 1\nabout ="), "good_loop.abuot"),
        (("score = 0", 'score = "0"'), "times_four.score"),
        (("blank.1", "blank.x"), "good_loop.blank.x"),
        (('[["n * 5", "n * 4"]]', '[["n * 5"]]'), "times_four.edits[0]"),
        (("score = 0", 'score = 0\nmistake = { zh = "乘错了" }'), "times_four.mistake.en"),
        (("score = 0", 'score = 0\nhint = { zh = "五倍", en = "five" }'), "times_four.hint"),
    ],
)
def test_corpus_files_are_read_strictly(mini, change, field):
    (mini.root / "tests/corpus/mini.toml").write_text(CORPUS.replace(*change, 1), "utf-8")
    with pytest.raises(SpecError) as caught:
        load_corpus(mini.lab("mini"))
    assert field in str(caught.value) and "mini.toml" in str(caught.value)


def test_a_corpus_entry_names_its_mistake_and_hint_in_both_languages(mini):
    named = (
        'score = 0\nmistake = { zh = "乘错了", en = "wrong factor" }\n'
        'hint = { zh = "五倍", en = "five times" }'
    )
    (mini.root / "tests/corpus/mini.toml").write_text(CORPUS.replace("score = 0", named), "utf-8")
    good, wrong, _ = load_corpus(mini.lab("mini"))
    assert good.mistake is None and good.hint is None
    assert wrong.mistake == {"zh": "乘错了", "en": "wrong factor"}
    assert wrong.hint == {"zh": "五倍", "en": "five times"}


def test_a_corpus_edit_that_no_longer_applies_names_the_entry(mini):
    (mini.root / "tests/corpus/mini.toml").write_text(
        CORPUS.replace("n * 4", "n*4").replace('["n * 5"', '["n*5"'), "utf-8"
    )
    entry = load_corpus(mini.lab("mini"))[1]
    with pytest.raises(SpecError, match=r"times_four.edits\[0\] no longer applies"):
        corpus_program(SOLUTION, entry)


# --- rounding boundaries when recording -------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "unit"),
    [("1.234", 1e-3), ("-0.50", 1e-2), ("12", None), ("1.5e-3", 1e-4), ("2.", 1.0), ("nan", None)],
)
def test_the_unit_of_the_last_printed_decimal(token, unit):
    assert last_decimal_unit(token) == (pytest.approx(unit) if unit else None)


def floats_lab(mini, atol: str):
    path = mini.labs_dir / "mini.toml"
    floats = f'comparator = "floats"\natol = {atol}\nrtol = 0\n'
    path.write_text(SPEC.replace("points = 50\n", "points = 50\n" + floats), encoding="utf-8")
    return mini.lab("mini")


def test_recording_refuses_a_tolerance_within_one_printed_unit(mini):
    lab = floats_lab(mini, "0.0001")
    before = lab.spec_path.read_bytes()
    with pytest.raises(SpecError) as caught:
        record_expected(lab, runner=fake_runner(b"0.1235 3\n"))
    message = str(caught.value)
    assert "mini.toml" in message and "set small" in message and "0.1235" in message
    assert lab.spec_path.read_bytes() == before  # nothing recorded


def test_recording_accepts_a_tolerance_above_the_printed_unit(mini):
    lab = floats_lab(mini, "0.001")
    assert record_expected(lab, runner=fake_runner(b"0.1235 3\n")) == ["small", "large"]


def test_recording_refuses_a_negative_zero(mini):
    lab = mini.lab("mini")
    with pytest.raises(SpecError, match=r"set small prints -0\.000"):
        record_expected(lab, runner=fake_runner(b"1.5 -0.000\n"))
    check_rounding(lab, lab.tests[0], "0.000 -0.001 -10\n")  # real negatives are fine


# --- levels, order, the course index ----------------------------------------------------------


def add_lab(course, lab_id: str, extra: str = "") -> None:
    text = SPEC.replace('id = "mini"', f'id = "{lab_id}"').replace("mini.py", f"{lab_id}.py")
    (course.labs_dir / f"{lab_id}.toml").write_text(extra + text, encoding="utf-8")
    (course.root / "solutions" / lab_id).mkdir()
    (course.root / "solutions" / lab_id / f"{lab_id}.py").write_text(SOLUTION, "utf-8")


def test_labs_are_ordered_by_level_then_id_and_unlevelled_last(mini):
    add_lab(mini, "alpha")
    add_lab(mini, "zeta", "level = 1\n")
    add_lab(mini, "beta", "level = 2\ntopic.zh = '种子'\ntopic.en = 'seed'\n")
    assert [lab.id for lab in mini.labs()] == ["zeta", "beta", "alpha", "mini"]
    assert mini.lab("beta").topic == {"zh": "种子", "en": "seed"}


def test_the_index_is_written_by_build_and_checked_by_validate(mini, capsys):
    assert index_in_sync(mini)
    text = (mini.root / "exercises/README.md").read_text(encoding="utf-8")
    assert "| – | [小 · Mini](mini/README.md) (`mini`) | – | 100 |" in text
    add_lab(mini, "alpha", "level = 1\n")
    write_starter(mini.lab("alpha"))
    assert not index_in_sync(mini)
    capsys.readouterr()
    assert main(["validate", "--course", str(mini.root), "--lang", "en"]) == 1
    check = check_index(mini)
    assert not check.ok and check.title("en") == "course index generated from the specs"
    # Not a terminal (a CI log): one whole line per check, its fix never cut at 80 columns.
    line = f"exercises/README.md: FAILED — {check.title('en')}: {check.describe('en')}"
    assert len(line) > 80 and line in capsys.readouterr().out.splitlines()
    assert write_index(mini) and index_in_sync(mini)
    lines = (mini.root / "exercises/README.md").read_text(encoding="utf-8").splitlines()
    assert lines[-2].startswith("| 1 | [小 · Mini](alpha/") and lines[-1].startswith("| – |")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("level = 0\n", "level must be 1 or more"),
        ('level = "2"\n', "level should be int"),
        ("mutation.equivalent = [1]\n", "mutation.equivalent[0] should be a mutant id"),
        ("mutation.equivalnt = []\n", "mutation.equivalnt is not a known field"),
        ("topic.zh = 'x'\n", "topic.en is missing"),
    ],
)
def test_new_spec_fields_are_read_strictly(mini, extra, message):
    (mini.labs_dir / "mini.toml").write_text(extra + SPEC, encoding="utf-8")
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        mini.lab("mini")


def test_list_shows_levels_in_course_order(mini, capsys):
    add_lab(mini, "alpha", "level = 3\n")
    assert main(["list", "--course", str(mini.root), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.index("alpha") < out.index("mini") and "level" in out


# --- seeds ---------------------------------------------------------------------------------


def test_validate_seeds_reruns_the_reference_under_every_seed(mini, capsys):
    check = check_seeds(mini.lab("mini"), 4)
    assert check.ok and check.describe("en") == "4/4 seeds"
    code = main(["validate", "--course", str(mini.root), "--lang", "en", "--seeds", "2"])
    assert code == 0 and "2/2 seeds" in capsys.readouterr().out


def test_a_seed_dependent_reference_fails_the_seed_check(mini):
    path = mini.root / "solutions/mini/mini.py"
    path.write_text(SOLUTION.replace("print(scale", "print(scale(SEED) // 5 - 1 + scale"), "utf-8")
    check = check_seeds(mini.lab("mini"), 3)
    assert not check.ok and "failed on seeds 0, 2" in check.describe("en")


# --- mutation score ---------------------------------------------------------------------------


def test_mutants_change_only_blank_bodies_and_have_stable_ids():
    mutants = find_mutants(SOLUTION)
    ids = [m.id for m in mutants]
    assert len(ids) == len(set(ids))
    assert "blank1:line1:compare-Lt->LtE" in ids
    assert "blank1:line3:binop-Mult->Div" in ids
    assert {"blank1:line3:const-5->6", "blank1:line3:const-5->(-5)"} <= set(ids)
    assert "blank1:line2:const-0->1" in ids
    template_lines = [line for line in SOLUTION.splitlines() if "scale(int" in line]
    for mutant in mutants:
        assert mutant.id.startswith("blank1:")
        assert template_lines[0] in mutant.program  # the locked code is untouched
    assert find_mutants(SOLUTION) == mutants  # same ids every time


def test_dims_swaps_dropped_calls_and_unary_minus():
    program = textwrap.dedent(
        """\
        import torch
        def f(x, y):
            ########## Begin ##########
            s = torch.softmax(x.sum(dim=-1), 0)
            return torch.where(y, s, -x)
            ########## End ##########
        """
    )
    ids = {m.id for m in find_mutants(program)}
    assert {"blank1:line1:dim-(-1)->0", "blank1:line1:dim-(-1)->1"} <= ids
    assert {"blank1:line1:dropcall-softmax", "blank1:line1:dropcall-sum"} <= ids
    assert {"blank1:line2:swap-where-0,1", "blank1:line2:swap-where-1,2"} <= ids
    assert "blank1:line2:unary-USub-removed" in ids
    assert not any("dropcall-softmax" in i and "torch)" in i for i in ids)


def test_sampling_is_deterministic_and_bounded():
    mutants = find_mutants(SOLUTION)
    chosen = sample(mutants, 3, "mini")
    assert len(chosen) == 3 and chosen == sample(mutants, 3, "mini")
    assert sample(mutants, 100, "mini") == mutants


def test_mutation_score_counts_kills_and_lists_survivors(mini):
    outcomes = mutate_lab(mini.lab("mini"), workers=1)
    assert outcomes.total == len(outcomes.outcomes) > 5
    survivors = {o.mutant.id for o in outcomes.survivors}
    # `n < 0` → `n <= 0`: 0 * 5 is 0 as well, and no set tries n = 0: an equivalent mutant.
    assert "blank1:line1:compare-Lt->LtE" in survivors
    assert outcomes.killed == len(outcomes.outcomes) - len(survivors)


def test_equivalent_mutants_are_excluded_and_stale_ones_reported(mini, capsys):
    lab_spec = mini.labs_dir / "mini.toml"
    ids = '["blank1:line1:compare-Lt->LtE", "blank1:line9:gone"]'
    lab_spec.write_text(SPEC + f"\n[mutation]\nequivalent = {ids}\n", encoding="utf-8")
    code = main(["mutate", "mini", "--course", str(mini.root), "--json", "--workers", "1"])
    report = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in report["equivalent"]] == ["blank1:line1:compare-Lt->LtE"]
    assert report["stale_equivalent"] == ["blank1:line9:gone"]
    assert "blank1:line1:compare-Lt->LtE" not in [s["id"] for s in report["survivors"]]
    assert code == (0 if report["score"] >= 0.8 else 1)


def test_mutate_prints_survivors_and_the_score_and_exits_by_threshold(mini, capsys):
    args = ["mutate", "mini", "--course", str(mini.root), "--lang", "en", "--max", "4"]
    assert main([*args, "--threshold", "0", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "mutation score" in captured.out and "[4/4]" in captured.err
    assert "a fixed sample of 4 was graded" in captured.out
    assert main([*args, "--threshold", "101"]) == 2


# --- the lab scaffold -------------------------------------------------------------------------


def test_new_lab_builds_records_and_validates_as_is(mini, capsys):
    root = str(mini.root)
    assert main(["new", "my-lab", "--course", root, "--lang", "en"]) == 0
    solution = mini.root / "solutions/my-lab/my_lab.py"
    readme = (mini.root / "exercises/my-lab/README.md").read_text(encoding="utf-8")
    for heading in ("任务描述", "相关知识", "编程要求", "测试说明", "Task", "Requirements"):
        assert f"## {heading}" in readme
    assert solution.is_file() and "########## Begin ##########" in solution.read_text("utf-8")
    assert main(["build", "--lab", "my-lab", "--record", "--course", root]) == 0
    lab = mini.lab("my-lab")
    assert [t.expected for t in lab.tests] == ["2.5000\n", "2.8333\n"]
    assert [t.hidden for t in lab.tests] == [False, True]
    capsys.readouterr()
    assert main(["validate", "--lab", "my-lab", "--course", root, "--lang", "en"]) == 0
    assert main(["validate", "--course", root, "--seeds", "2", "--lang", "en"]) == 0


def test_new_lab_never_overwrites(mini, capsys):
    root = str(mini.root)
    before = (mini.root / "solutions/mini/mini.py").read_bytes()
    (mini.root / "exercises/other").mkdir(parents=True)
    (mini.root / "exercises/other/README.md").write_text("mine", encoding="utf-8")
    assert main(["new", "other", "--course", root, "--lang", "en"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert not (mini.root / "solutions/other").exists()  # nothing written at all
    assert main(["new", "mini", "--course", root]) == 2
    assert (mini.root / "solutions/mini/mini.py").read_bytes() == before
    assert main(["new", "Bad_ID", "--course", root, "--lang", "en"]) == 2
    assert "cannot be used" in capsys.readouterr().err


# --- the pytest plugin ------------------------------------------------------------------------


def run_pytest(folder, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_plugin_is_off_unless_asked(mini):
    (mini.root / "test_nothing.py").write_text("def test_one():\n    pass\n", "utf-8")
    result = run_pytest(mini.root, "-q")
    assert "1 passed" in result.stdout and "seqlab" not in result.stdout


def test_the_plugin_turns_a_course_into_items_that_pass_and_fail(mini):
    result = run_pytest(mini.root, "--seqlab", "--seqlab-seeds", "2", "-v")
    out = result.stdout
    for name in (
        "mini:starter-in-sync",
        "mini:reference-full-marks",
        "mini:starter-zero",
        "mini:corpus:good_loop",
        "mini:corpus:public_only",
        "mini:seed-sweep[2]",
    ):
        assert f"seqlab::{name} PASSED" in out, out
    assert result.returncode == 0 and "7 passed" in out
    (mini.root / "tests/corpus/mini.toml").write_text(CORPUS.replace("score = 50", "score = 0"))
    result = run_pytest(mini.root, "--seqlab", "--seqlab-seeds", "0")
    assert result.returncode == 1 and "1 failed, 5 passed" in result.stdout
    assert "corpus entry public_only gets its verdicts: " in result.stdout
    assert "score 50, should be 0" in result.stdout


def test_the_plugin_refuses_an_unknown_language_in_the_ini_file_and_the_option(mini):
    (mini.root / "test_nothing.py").write_text("def test_one():\n    pass\n", "utf-8")
    (mini.root / "pytest.ini").write_text("[pytest]\nseqlab_lang = fr\n", "utf-8")
    for args in (("-q",), ("--seqlab", "--seqlab-seeds", "0")):  # plugin off, then on
        result = run_pytest(mini.root, *args)
        assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
        assert "seqlab_lang = 'fr'" in result.stderr and "pytest.ini" in result.stderr
        assert "use zh or en" in result.stderr and "只能是 `zh` 或 `en`" in result.stderr
        assert "Traceback" not in result.stderr
    (mini.root / "pytest.ini").write_text("[pytest]\nseqlab_lang = zh\n", "utf-8")
    result = run_pytest(mini.root, "-q")
    assert result.returncode == 0 and "1 passed" in result.stdout
    result = run_pytest(mini.root, "--seqlab", "--seqlab-lang", "fr")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "invalid choice: 'fr'" in result.stderr


@pytest.mark.slow
def test_the_plugin_checks_a_copy_of_our_course_outside_the_project(course, tmp_path):
    # One lab keeps it short: a fast one if it exists, else seq2seq with one seed.
    lab_id = next(
        (i for i in ("scaled-dot-product", "rnn-numpy") if i in course.lab_ids()), "seq2seq"
    )
    copy = tmp_path / "my-course"
    for folder in ("exercises", "solutions"):
        shutil.copytree(course.root / folder / lab_id, copy / folder / lab_id)
    (copy / "graders/labs").mkdir(parents=True)
    shutil.copy(course.labs_dir / f"{lab_id}.toml", copy / "graders/labs")
    for recorded in ("mistakes", "curves"):  # what `seqlab build --record` keeps beside specs
        if (course.labs_dir / recorded / f"{lab_id}.json").is_file():
            (copy / "graders/labs" / recorded).mkdir()
            shutil.copy(
                course.labs_dir / recorded / f"{lab_id}.json", copy / "graders/labs" / recorded
            )
    shutil.copytree(course.banks_dir, copy / "quizzes/banks")
    if (course.corpus_dir / f"{lab_id}.toml").is_file():
        (copy / "tests/corpus").mkdir(parents=True)
        shutil.copy(course.corpus_dir / f"{lab_id}.toml", copy / "tests/corpus")
    result = run_pytest(copy, "--seqlab", "--seqlab-seeds", "1", "-v")
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"seqlab::{lab_id}:reference-full-marks PASSED" in result.stdout
    assert "seqlab::quiz:attention:well-formed PASSED" in result.stdout


# --- our own course's corpus files ------------------------------------------------------------


def test_every_corpus_file_of_our_course_loads_and_every_entry_builds(course):
    # Grading the entries is the plugin's job (slow); this keeps the files well formed.
    for lab in course.labs():
        reference = lab.solution_path.read_text(encoding="utf-8")
        for entry in load_corpus(lab):
            assert corpus_program(reference, entry) != reference or entry.correct, entry.name
