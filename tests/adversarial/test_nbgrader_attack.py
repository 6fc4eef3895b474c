"""Issue 13: the nbgrader export must not trust the kernel.

A student's solution cell overrides everything a grader inside the student's kernel could
use (seqlab's old kernel-side checker, the names its test cells called, builtins) and writes
a marker file on the grading host, both at the top of the cell (where a kernel would run it)
and inside the blank (where seqlab's sandbox runs it). Through the real `nbgrader autograde`
it gets 0 on every set and the marker never appears; an honest student graded in the same
run gets full marks, so the zeros are the attacker's and not a broken grader's.
"""

from __future__ import annotations

import pytest
from nbgrader_helpers import (
    LAB,
    REFERENCE,
    blank_cells,
    export_and_release,
    gradebook_scores,
    lab_course,
    nbgrader,
    submit,
)

from graders.notebooks.nbgrader import grade_id
from graders.spec import Course

BLANK_BODY = """\
        ########## Begin ##########
        import pathlib
        pathlib.Path({marker!r}).write_text("the blank ran on the grading host")
        return 0, 0
        ########## End ##########
"""

KERNEL_ATTACK = """\
import builtins
import pathlib
import sys

pathlib.Path({marker!r}).write_text("the solution cell ran on the grading host")


def passes(*args, **kwargs):
    print("passed")


class SeqlabLab:
    def __init__(self, *args, **kwargs):
        pass

    check = passes


try:  # seqlab's kernel-side checker, patched where its test cells would import it from
    import graders.notebooks.autograde as kernel_grader

    kernel_grader.SeqlabLab = SeqlabLab
except ImportError:
    pass
seqlab_lab = SeqlabLab()
check = passes
builtins.SeqlabLab = SeqlabLab
builtins.check = passes
sys.modules["graders.notebooks.autograde"] = sys.modules[__name__]


"""


def attack_cell(marker: str) -> str:
    (cell,) = blank_cells(REFERENCE)
    begin = cell.index("        ########## Begin ##########")
    end = cell.index("########## End ##########", begin) + len("########## End ##########\n")
    body = BLANK_BODY.format(marker=marker)
    return KERNEL_ATTACK.format(marker=marker) + cell[:begin] + body + cell[end:]


@pytest.mark.adversarial
def test_a_solution_cell_cannot_patch_the_grader_or_touch_the_host(tmp_path):
    source_course = lab_course(tmp_path / "seqlab-course")
    course_dir = tmp_path / "course"
    export_and_release(source_course, course_dir)
    marker = tmp_path / "escaped-marker"
    submit(course_dir, "mallory", [attack_cell(str(marker))])
    submit(course_dir, "honest", blank_cells(REFERENCE))

    nbgrader("autograde", LAB, cwd=course_dir)

    tests = Course.locate(source_course).lab(LAB).tests
    full = {grade_id(n, test): float(test.points) for n, test in enumerate(tests, start=1)}
    scores = gradebook_scores(course_dir, ["mallory", "honest"])
    assert scores["honest"] == full
    assert scores["mallory"] == dict.fromkeys(full, 0.0)
    assert not marker.exists(), marker.read_text(encoding="utf-8")
