"""The stored shape of a result: an exact round trip, through JSON as a database keeps it."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.results import STORED_FORMAT, BlankPointer, Isolation, LabResult
from graders.results import TestResult as SetResult
from graders.verdict import Verdict

texts = st.text(max_size=40)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
scalars = st.one_of(texts, st.integers(-(2**53), 2**53), finite, st.booleans())

test_results = st.builds(
    SetResult,
    name=texts,
    verdict=st.sampled_from(Verdict),
    score=finite,
    max_score=finite,
    number=st.none() | st.integers(0, 1000),
    hidden=st.booleans(),
    input=st.none() | texts,
    expected=st.none() | texts,
    actual=st.none() | texts,
    stderr=st.none() | texts,
    detail_key=st.none() | st.sampled_from(["detail.first_difference", "quiz.your_answer"]),
    detail=st.dictionaries(st.text(min_size=1, max_size=10), scalars, max_size=4),
    wall_seconds=st.none() | finite,
    peak_memory_mb=st.none() | st.integers(0, 10**6),
    comparator=st.none() | st.sampled_from(["floats", "lines", "tokens", "exact"]),
    options=st.dictionaries(st.sampled_from(["atol", "rtol"]), finite, max_size=2),
    pictures=st.lists(
        st.fixed_dictionaries(
            {"after": texts, "title": st.fixed_dictionaries({"zh": texts, "en": texts})}
        ),
        max_size=2,
    ).map(tuple),
    mistake=st.none() | st.fixed_dictionaries({"zh": texts, "en": texts}),
    hint=st.none() | st.fixed_dictionaries({"zh": texts, "en": texts}),
)
isolations = st.builds(
    Isolation,
    level=st.sampled_from(["none", "weak", "medium", "strong"]),
    layers=st.lists(texts, max_size=4).map(tuple),
    inactive=st.dictionaries(texts, texts, max_size=3),
    exposed=st.lists(texts, max_size=2).map(tuple),
)
pointers = st.builds(
    BlankPointer,
    fixes=st.lists(
        st.tuples(st.integers(1, 20), st.lists(texts, min_size=1, max_size=4).map(tuple)),
        max_size=4,
    ).map(tuple),
    several=st.booleans(),
)
lab_results = st.builds(
    LabResult,
    lab=texts,
    title=st.fixed_dictionaries({"zh": texts, "en": texts}),
    file=texts,
    tests=st.lists(test_results, max_size=6).map(tuple),
    isolation=isolations,
    execution_time=finite,
    ignored_lines=st.lists(st.integers(1, 10_000), max_size=5).map(tuple),
    ignored_cells=st.lists(st.integers(1, 500), max_size=3).map(tuple),
    shared_seconds=st.none() | finite,
    kind=st.sampled_from(["lab", "quiz"]),
    hidden_not_run=st.integers(0, 10),
    pointer=st.none() | pointers,
)


@given(lab_results)
def test_a_stored_result_reads_back_as_the_same_result(result):
    stored = json.loads(json.dumps(result.to_dict()))  # as a JSON column gives it back
    assert LabResult.from_dict(stored) == result


@given(lab_results)
def test_the_stored_shape_holds_no_sentence_of_any_language(result):
    # Keys and parameters only: the reader's language is applied when rendering.
    stored = result.to_dict()
    for test in stored["tests"]:
        assert "label" not in test and "output" not in test and "status" not in test


def test_a_result_of_another_shape_is_refused_plainly():
    with pytest.raises(ValueError, match=f"format {STORED_FORMAT}"):
        LabResult.from_dict({"lab": "x", "tests": []})
