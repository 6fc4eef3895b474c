"""The grading order (graders/web/fairness.py): round-robin over students."""

from hypothesis import given
from hypothesis import strategies as st

from graders.web.fairness import fair_order


def test_one_students_burst_does_not_starve_the_others():
    waiting = [(1, "ann"), (2, "ann"), (3, "ann"), (4, "ann"), (5, "bob"), (6, "cat")]
    assert fair_order(waiting, {}) == [1, 5, 6, 2, 3, 4]


def test_an_attempt_being_graded_counts_as_its_students_first():
    waiting = [(7, "ann"), (8, "bob")]
    assert fair_order(waiting, {"ann": 1}) == [8, 7]
    assert fair_order(waiting, {}) == [7, 8]


def test_the_same_round_goes_by_arrival():
    assert fair_order([(9, "bob"), (3, "cat"), (5, "ann")], {}) == [3, 5, 9]


@given(
    st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from("abcde")), unique_by=lambda p: p[0])
)
def test_every_attempt_once_and_each_students_own_order_kept(waiting):
    order = fair_order(waiting, {})
    assert sorted(order) == sorted(a for a, _ in waiting)
    student = dict(waiting)
    for name in "abcde":
        mine = [a for a in order if student[a] == name]
        assert mine == sorted(mine)
