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


def test_each_goal_of_issue_17_is_printed_with_its_figure_floor_ratio_and_verdict():
    lab = floor.Floor("rnn-numpy", 5, 3, 0.30, 0.10, 0.003, 0.020, "")
    # check 1.6x bare; grade 1w 96 ms against a 20 ms floor; 2 workers barely faster
    said = floor.goals(lab, 0.160, (0.096, 2.0), (0.091, 2.04))
    assert len(said) == 3
    check, overhead, workers = said
    assert "1.60x" in check and "(goal <= 1.15x: NOT met)" in check
    assert "76.0 ms a submission" in overhead and "(goal <= 30 ms: NOT met)" in overhead
    assert "20.0 ms" in overhead  # the floor beside the figure
    assert "(goal >= 1.8x: NOT met)" in workers and "CPU 2w / 1w 1.02x" in workers
    met = floor.goals(lab, 0.110, (0.040, 2.0), (0.020, 2.0))
    assert all(": met)" in line for line in met), met
