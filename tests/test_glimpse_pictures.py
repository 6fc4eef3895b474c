"""The glimpse lab's retina patches as pictures (issue 18, item 4): its output prints, of each
patch, row 0 of channel 0 and column 0 of the last channel — the values its comparator checks
— so those are what is drawn: one heatmap row per patch (image by image, scale by scale),
expected and yours, the values the comparator refuses outlined, with the lab's own axis names.
The output itself is unchanged (no new expected outputs, the corpus keeps its verdicts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.errors import SpecError
from graders.present.html import feedback_html
from graders.present.terminal import render_terminal
from graders.present.view import build
from graders.spec import load_spec
from graders.submission import Submission

LAB = "glimpse"


def test_both_strips_are_read_from_every_public_set(course):
    lab = course.lab(LAB)
    for test in lab.tests:
        if test.hidden:
            continue
        titles = [p["title"]["en"] for p in test.pictures]
        assert titles == [
            "Row 0 of each retina patch (channel 0)",
            "Column 0 of each retina patch (last channel)",
        ]


def test_an_axis_name_goes_with_the_other(course, tmp_path):
    text = course.lab(LAB).spec_path.read_text(encoding="utf-8")
    broken = text.replace(
        'columns_axis = { zh = "像素（从左到右）", en = "pixel (left to right)" }\n', "", 1
    )
    assert broken != text
    path = tmp_path / "graders" / "labs" / f"{LAB}.toml"
    path.parent.mkdir(parents=True)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(SpecError, match="rows_axis"):
        load_spec(path, tmp_path)


def test_subsampled_patches_are_drawn_with_their_refused_values_outlined(course):
    """The corpus's `stride_not_average` (every 2^i-th pixel kept instead of block means),
    graded in the sandbox on the public sets: scale 0 is right (no shrinking), the larger
    scales are not, and each public set draws both strips for both sides."""
    lab = course.lab(LAB)
    (entry,) = [e for e in load_corpus(lab) if e.name == "stride_not_average"]
    program = corpus_program(lab.solution_path.read_text(encoding="utf-8"), entry)
    result = grade_submission(lab, Submission(Path(lab.entry), program), include_hidden=False)
    view = build(result, "en")
    first = view.sets[0]
    assert [p.title for p in first.pictures] == [
        "Row 0 of each retina patch (channel 0)",
        "Column 0 of each retina patch (last channel)",
    ]
    row0 = first.pictures[0]
    expected, yours = row0.grids
    assert len(expected.rows) == 3 and len(expected.rows[0]) == 4  # 1 image × 3 scales, 4 px
    assert not any(cell.differs for cell in yours.rows[0])  # scale 0: nothing shrunk
    assert any(cell.differs for row in yours.rows[1:] for cell in row)
    assert row0.axes == "patch (image, scale, as printed) · pixel (left to right)"
    html = feedback_html(view, title="t", student="s", error="", lang="en")
    assert html.count('<svg class="heatmap"') == 4 and "pixel (top to bottom)" in html
    assert "query index" not in html  # the attention labs' axis names are not glimpse's
    console = Console(record=True, width=100, force_terminal=False)
    render_terminal(result, "zh", console)
    text = console.export_text()
    assert "每个图块的第 0 行（通道 0）" in text and "图块（图像、尺度，按输出顺序）" in text
