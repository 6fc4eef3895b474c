"""bench/floor.py's pure helpers: the warm children's reports read back, ratios printed."""

import importlib.util
import math
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(
        str(BENCH)
    )  # floor.py imports its siblings (options, batch_run) as a script does
SPEC = importlib.util.spec_from_file_location("bench_floor", BENCH / "floor.py")
floor = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = floor  # its dataclass looks its module up
SPEC.loader.exec_module(floor)


def test_child_reports_are_read_per_set_in_any_order():
    assert floor.parse_child_report("1 0.25\n0 0.125\n", 2) == [0.125, 0.25]


def test_a_child_that_did_not_report_reads_as_nan_and_noise_is_ignored():
    seconds = floor.parse_child_report("2 0.5\nTraceback\n7 1.0\n", 3)
    assert math.isnan(seconds[0]) and math.isnan(seconds[1]) and seconds[2] == 0.5


def test_a_ratio_is_a_multiple_of_the_floor_or_not_available():
    assert floor.ratio(0.3, 0.1) == " 3.00x"
    assert floor.ratio(0.3, 0.0).strip() == "n/a"
    assert floor.ratio(float("nan"), 0.1).strip() == "n/a"


def test_the_check_goal_is_judged_and_the_grade_process_shown_beside_the_floor():
    lab = floor.Floor("rnn-numpy", 5, 3, 0.30, 0.10, 0.003, 0.020, "")
    # check 1.6x bare; grade 1w 96 ms against a 20 ms floor; 2 workers barely faster
    check, grade = floor.goals(lab, 0.160, (0.096, 2.0), (0.091, 2.04))
    assert "1.60x" in check and "(goal <= 1.15x: NOT met)" in check
    assert "96.0 ms" in grade and "91.0 ms" in grade and "4.80x the floor" in grade
    assert "CPU 2w / 1w 1.02x" in grade
    # The batch goals are batch_bench.py's (one more submission's cost, no pool start).
    assert ": met" not in grade and "NOT met" not in grade and "batch_bench.py" in grade
    met, _ = floor.goals(lab, 0.110, (0.040, 2.0), (0.020, 2.0))
    assert "(goal <= 1.15x: met)" in met


def test_nbgrader_s_sample_grades_every_distinct_submission_and_scales_the_copies():
    """batch_bench.py's sample: the hostile ones (an endless loop costs nbgrader 30 s) are
    never sampled away; only the reference's copies are, and their time stands for all."""
    spec = importlib.util.spec_from_file_location("bench_batch", BENCH / "batch_bench.py")
    batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(batch)
    names = ["starter", "endless-loop", "memory-bomb"] + [f"reference-{k}" for k in range(1, 198)]
    distinct, copies = batch.sample_groups(names, 10)
    assert distinct == (["starter", "endless-loop", "memory-bomb"], 3)
    assert len(copies[0]) == 7 and copies[1] == 197
    assert all(name.startswith("reference-") for name in copies[0])
    assert batch.sample_groups(names, 200) == [(names, 200)]
    assert batch.sample_groups(names, 2)[1] == (["reference-1"], 197)  # at least one copy
