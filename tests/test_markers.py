"""Begin/End markers: parsing, starters, splicing, and the errors students see."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.errors import SubmissionError
from graders.markers import is_marker, make_starter, parse, splice

SOLUTION = """\
import math

########## Begin ##########
def area(r):
    return math.pi * r * r
########## End ##########

def main():
    #***** Begin *****#
    print(area(2))
    #***** End *****#

main()
"""


def test_marker_styles_seen_on_toutiao_are_all_recognised():
    for line in (
        "########## Begin ##########",
        "##########Begin##########",
        "#********** Begin **********#",
        "#***** End *****#",
        "###### begin ######",
        "    ########## END ##########",
        "## Begin",
    ):
        assert is_marker(line), line


def test_ordinary_comments_are_not_markers():
    for line in (
        "# begin the loop",
        "# Begin",
        "x = 1  ########## Begin ##########",
        "########## Beginning ##",
    ):
        assert not is_marker(line), line


def test_parse_finds_regions_with_their_lines_and_bodies():
    layout = parse(SOLUTION, "s.py")
    assert [(b.begin_line, b.end_line) for b in layout.blanks] == [(3, 6), (9, 11)]
    assert layout.blanks[1].body == ("    print(area(2))\n",)
    assert layout.render() == SOLUTION


def test_end_without_begin_names_the_line():
    with pytest.raises(SubmissionError) as caught:
        parse("x = 1\n########## End ##########\n", "f.py")
    assert caught.value.key == "markers.end_without_begin"
    assert "f.py, line 2" in str(caught.value)


def test_nested_begin_names_both_lines():
    text = "########## Begin ##########\nx = 1\n########## Begin ##########\n"
    with pytest.raises(SubmissionError) as caught:
        parse(text, "f.py")
    assert caught.value.params["line"] == 3 and caught.value.params["opened"] == 1
    assert "cannot be nested" in str(caught.value)


def test_begin_without_end_names_the_begin_line():
    with pytest.raises(SubmissionError) as caught:
        parse("a = 1\n\n########## Begin ##########\nx = 1\n", "f.py")
    assert caught.value.key == "markers.begin_without_end"
    assert caught.value.params["line"] == 3


def test_starter_keeps_markers_and_outside_code_and_is_valid_python():
    starter = make_starter(SOLUTION, "s.py")
    compile(starter, "starter.py", "exec")
    assert "return math.pi" not in starter and "print(area(2))" not in starter
    assert sum(map(is_marker, starter.split("\n"))) == 4 and "def main():" in starter
    # The placeholder takes the indentation of the code it replaces.
    assert '\n    raise NotImplementedError("' in starter
    assert "blank 2" in starter and "第 2 空" in starter


def test_starter_fails_when_run():
    namespace: dict = {}
    with pytest.raises(NotImplementedError, match="blank 1"):
        exec(compile(make_starter(SOLUTION, "s.py"), "starter.py", "exec"), namespace)


def test_splice_takes_blanks_from_the_student_and_everything_else_from_the_template():
    template = make_starter(SOLUTION, "s.py")
    student = SOLUTION.replace("import math", "import math, os\nos.remove('x')").replace(
        "main()\n", "print('hacked')\n"
    )
    result = splice(template, student, template_path="t.py", path="me.py", lab="demo")
    assert "os.remove" not in result.program and "hacked" not in result.program
    assert "return math.pi * r * r" in result.program
    assert result.program == SOLUTION
    assert result.ignored_lines == (1, 2, 14)  # the added import line, and main()


def test_splice_maps_program_lines_back_to_the_students_file():
    template = make_starter(SOLUTION, "s.py")
    student = SOLUTION.replace(
        "    return math.pi * r * r\n", "    x = 1\n    y = 2\n    return math.pi * r * r\n"
    )
    result = splice(template, student, template_path="t.py", path="me.py", lab="demo")
    program_lines = result.program.split("\n")
    for program_line, student_line in enumerate(result.submission_line[1:], start=1):
        if student_line is not None:
            assert program_lines[program_line - 1] == student.split("\n")[student_line - 1]
    # The line after the longer blank is still mapped to the right student line.
    main_call = program_lines.index("main()") + 1
    assert result.submission_line[main_call] == student.split("\n").index("main()") + 1


def test_a_missing_region_is_an_error_naming_counts_and_suspect_lines():
    template = make_starter(SOLUTION, "s.py")
    damaged = SOLUTION.replace("#***** Begin *****#", "#***** Begn *****#").replace(
        "#***** End *****#", "#***** End of my code *****#"
    )
    with pytest.raises(SubmissionError) as caught:
        splice(template, damaged, template_path="t.py", path="me.py", lab="demo")
    message = str(caught.value)
    assert "me.py has 1 blank(s) but the template of lab demo has 2" in message
    assert "Line(s) 11 look like damaged markers" in message
    # The hint is said in the language of the message around it.
    zh = caught.value.render("zh")
    assert zh.endswith("第 11 行看起来像被改坏的标记。") and "Line" not in zh


# --- properties -----------------------------------------------------------------------------

plain_line = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=30,
).filter(lambda line: not is_marker(line))
block = st.lists(plain_line, max_size=4).map(lambda lines: "".join(f"{line}\n" for line in lines))
marker_pair = st.sampled_from(
    [
        ("########## Begin ##########", "########## End ##########"),
        ("#***** Begin *****#", "#***** End *****#"),
    ]
)


@st.composite
def solutions(draw):
    regions = draw(st.integers(min_value=1, max_value=4))
    parts = [draw(block)]
    for _ in range(regions):
        begin, end = draw(marker_pair)
        parts += [begin + "\n", draw(block), end + "\n", draw(block)]
    return "".join(parts)


@given(solutions())
def test_splicing_the_solution_into_its_starter_gives_back_the_solution(solution):
    starter = make_starter(solution, "s.py")
    result = splice(starter, solution, template_path="t.py", path="s.py", lab="demo")
    assert result.program == solution
    assert result.ignored_lines == ()


@given(solutions(), block)
def test_code_outside_the_blanks_always_comes_from_the_template(solution, extra):
    starter = make_starter(solution, "s.py")
    tampered = extra + solution + extra
    result = splice(starter, tampered, template_path="t.py", path="s.py", lab="demo")
    assert result.program == solution
    if extra.strip():
        assert result.ignored_lines


def test_every_committed_lab_starter_round_trips_to_its_solution(course):
    for lab in course.labs():
        solution = lab.solution_path.read_text(encoding="utf-8")
        starter = lab.starter_path.read_text(encoding="utf-8")
        spliced = splice(starter, solution, template_path="t", path="s", lab=lab.id)
        assert spliced.program == solution
