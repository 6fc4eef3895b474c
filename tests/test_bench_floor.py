"""bench/floor.py's pure helpers: the warm children's reports read back, ratios printed."""

import importlib.util
import math
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "bench_floor", Path(__file__).resolve().parent.parent / "bench" / "floor.py"
)
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
