"""Named mistakes on a real lab (issue 18, item 1): a temporary copy of scaled-dot-product
with names added to its corpus here (the real corpus is others' to name), graded by `seqlab
check` and `seqlab grade` in zh and en, its hidden sets named without their data, Gradescope's
results.json too; and the bench's leave-one-out on that copy.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.cli import main
from graders.course.corpus import load_corpus
from graders.spec import Course


def words(text: str) -> str:
    """The words of a terminal report, without its panels' borders and line breaks."""
    return " ".join(text.replace("│", " ").split())


# --- a real lab: a temporary copy of scaled-dot-product's corpus, names added here ----------

REAL = "scaled-dot-product"
ROOT = Path(__file__).resolve().parent.parent
SQRT = (
    'mistake = { zh = "打分没有除以 √d_k", en = "the scores are not divided by √d_k" }\n'
    'hint = { zh = "点积随 d_k 增大，先缩放再 softmax。", '
    'en = "Dot products grow with d_k: scale them before the softmax." }\n'
)
EINSUM_VARIANT = """
[test_only_sqrt_variant]
about = "No scaling, written with einsum: another variant of missing_sqrt_dk."
score = 0
SQRT
blank.2 = '''
def attention(Q, K, V, mask=None):
    scores = np.einsum("qd,kd->qk", Q, K)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores)
    return weights @ V, weights
'''
""".replace("SQRT\n", SQRT)
AXIS = 'mistake = { zh = "softmax 的维度错了", en = "softmax over the wrong axis" }\n'


@pytest.fixture(scope="module")
def real_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("real") / "course"
    for part in ("exercises", "solutions"):
        shutil.copytree(ROOT / part / REAL, root / part / REAL)
    (root / "graders/labs").mkdir(parents=True)
    shutil.copyfile(ROOT / f"graders/labs/{REAL}.toml", root / f"graders/labs/{REAL}.toml")
    corpus = (ROOT / f"tests/corpus/{REAL}.toml").read_text(encoding="utf-8")
    corpus = re.sub(r"(mistake|hint)(\.\w+)? = .*\n", "", corpus)  # the test's own names only
    for entry, names in (("missing_sqrt_dk", SQRT), ("softmax_wrong_axis", AXIS)):
        assert f"[{entry}]\n" in corpus, f"the test names the corpus entry {entry}"
        corpus = corpus.replace(f"[{entry}]\n", f"[{entry}]\n{names}")
    (root / "tests/corpus").mkdir(parents=True)
    (root / f"tests/corpus/{REAL}.toml").write_text(corpus + EINSUM_VARIANT, encoding="utf-8")
    assert main(["build", "--record", "--lab", REAL, "--course", str(root)]) == 0
    return Course.locate(root)


def hidden_lines(lab) -> set[str]:
    public = {line for t in lab.tests if not t.hidden for line in t.expected.split("\n")}
    hidden = {line for t in lab.tests if t.hidden for line in t.expected.split("\n")}
    return {line for line in hidden - public if len(line) > 8}


def test_a_real_labs_mistake_is_named_by_check_and_grade_and_no_hidden_data_leaks(
    real_course, capsys
):
    lab = real_course.lab(REAL)
    reference = lab.solution_path.read_text(encoding="utf-8")
    wrong = reference.replace("scores = Q @ K.T / np.sqrt(d_k)", "scores = np.dot(Q, K.T)")
    assert wrong != reference
    path = real_course.root.parent / lab.entry
    path.write_text(wrong, encoding="utf-8")
    course = ["--lab", REAL, "--course", str(real_course.root)]
    assert main(["check", str(path), *course, "--lang", "zh"]) == 1
    out = words(capsys.readouterr().out)
    assert out.count("看起来像常见错误：打分没有除以 √d_k — 提示：点积随 d_k 增大") == 2
    assert main(["grade", str(path), *course, "--lang", "en", "--json"]) == 1
    printed = capsys.readouterr().out
    tests = json.loads(printed)["tests"]
    assert ["not divided by √d_k" in t.get("mistake", "") for t in tests] == [True] * 6
    assert [t["visibility"] for t in tests].count("hidden") == 4
    for secret in hidden_lines(lab):  # the hidden sets: named, and nothing of their data
        assert secret not in printed
    from graders.course.gradescope_run import results_json
    from graders.service import grade_lab
    from graders.submission import read_submission

    outcome = grade_lab(lab, read_submission(path), include_hidden=True)
    gradescope = json.dumps(results_json(outcome.result, "en"), ensure_ascii=False)
    assert gradescope.count("This looks like a common mistake") == 6
    assert not [secret for secret in hidden_lines(lab) if secret in gradescope]


def test_the_bench_runs_leave_one_out_on_a_courses_records(real_course):
    bench = ROOT / "bench" / "mistakes_bench.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--course", str(real_course.root), "--labs", REAL],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    row = next(line for line in done.stdout.splitlines() if line.startswith(REAL)).split()
    wrong = sum(1 for entry in load_corpus(real_course.lab(REAL)) if entry.score < 100)
    # 3 named: the two √d_k variants name each other; the axis mistake has no sibling, so
    # leave-one-out cannot name it; nothing is named wrongly.
    expected = [str(wrong), "3", "2", f"{200 / wrong:.1f}%", "66.7%", "0.0%"]
    assert row[1:7] == expected, done.stdout
    assert row[-1] == "file"
