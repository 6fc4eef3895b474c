"""Similarity of blank bodies (graders/batch/similarity.py), on real labs and their corpus.

No grading here: similarity reads submissions' text only.
"""

import csv
import io
import os
import subprocess
import sys

import pytest

from graders.batch.similarity import (
    CSV_HEADER,
    DEFAULT_THRESHOLD,
    compare,
    similar_pairs,
    write_csv,
)
from graders.course.corpus import corpus_program, load_corpus
from graders.submission import read_text


@pytest.fixture(scope="module")
def rnn(course):
    return course.lab("rnn-numpy")


def texts(lab):
    reference = read_text(lab.solution_path)
    entries = {entry.name: corpus_program(reference, entry) for entry in load_corpus(lab)}
    return reference, read_text(lab.starter_path), entries


REFERENCE_LOOP = """        h = np.zeros((self.Whh.shape[0], 1))
        for x in inputs:
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
        y = self.Why @ h + self.by
        return y, h
"""

# The corpus's h_not_carried body (h reset inside the loop), once as written there and once
# renamed, re-spaced and commented the way a student hides a copy.
WRONG = """        for x in inputs:
            h = np.zeros((self.Whh.shape[0], 1))
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
        y = self.Why @ h + self.by
        return y, h
"""
WRONG_DISGUISED = """        # my own loop over the sequence
        for step_input in inputs:
            state  =  np.zeros( (self.Whh.shape[0], 1) )   # start
            state = np.tanh(self.Wxh @ step_input
                            + self.Whh @ state + self.bh)

        out = self.Why @ state + self.by  # output layer
        return out, state
"""


def with_body(reference: str, body: str) -> str:
    assert REFERENCE_LOOP in reference
    return reference.replace(REFERENCE_LOOP, body)


def test_renamed_copies_of_a_wrong_answer_are_flagged(rnn):
    reference, _, _ = texts(rnn)
    pairs = similar_pairs(
        rnn,
        [("alice", with_body(reference, WRONG)), ("bob", with_body(reference, WRONG_DISGUISED))],
        DEFAULT_THRESHOLD,
    )
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.a, pair.b) == ("alice", "bob")
    assert pair.score == pytest.approx(1.0)
    assert pair.share_a == pytest.approx(1.0) and pair.share_b == pytest.approx(1.0)
    # A shared wrong answer is not the reference: nothing excuses it.
    assert not pair.a_matches_reference and not pair.b_matches_reference


def test_independent_correct_solutions_are_not_flagged(rnn):
    reference, _, entries = texts(rnn)
    result = compare(
        rnn,
        [("ref", reference), ("rows", entries["good_row_vectors"])],
        0.0,  # keep every overlapping pair, to see the score itself
    )
    scores = [pair.score for pair in result.pairs]
    assert all(score < 0.3 for score in scores), scores
    assert (
        similar_pairs(
            rnn, [("ref", reference), ("rows", entries["good_row_vectors"])], DEFAULT_THRESHOLD
        )
        == []
    )
    assert result.matches_reference == ("ref",)


def test_the_template_never_counts(rnn):
    reference, starter, _ = texts(rnn)
    submissions = [("s1", starter), ("s2", starter), ("s3", reference)]
    result = compare(rnn, submissions, 0.0)
    # Two untouched starters share the whole placeholder and the whole template, yet no pair.
    assert result.pairs == ()
    assert result.matches_reference == ("s3",)


def test_placeholder_left_in_one_blank_of_a_two_blank_lab(course):
    lab = course.lab("gru-step")
    reference, starter, entries = texts(lab)
    # Two students wrote blank 1 differently and both left blank 2 as the starter has it.
    from graders.markers import parse

    starter_layout = parse(starter, "starter")
    placeholder_2 = starter_layout.blanks[1].body

    def keep_placeholder(text: str) -> str:
        layout = parse(text, "x")
        return layout.render([layout.blanks[0].body, placeholder_2])

    first = keep_placeholder(reference)
    second = keep_placeholder(entries["good_einsum_and_index_loop"])
    result = compare(lab, [("a", first), ("b", second)], 0.0)
    assert all(pair.score < 0.3 for pair in result.pairs), result.pairs
    # Sanity: the same two with the reference's blank 2 do share that blank.
    full = compare(lab, [("a", reference), ("b", keep_placeholder(reference))], 0.0)
    assert full.pairs and full.pairs[0].score >= 0.5


def test_copies_of_the_reference_are_flagged_as_such_and_pairs_sorted(rnn):
    reference, _, entries = texts(rnn)
    respaced = with_body(
        reference,
        REFERENCE_LOOP.replace("h = np.tanh(", "h = np.tanh(  # the recurrence\n            ")
        .replace(" @ ", "@")
        .replace("return y, h", "\n\n        return y,h"),
    )
    renamed = with_body(
        reference,
        """        state = np.zeros((self.Whh.shape[0], 1))
        for step in inputs:
            state = np.tanh(self.Wxh @ step + self.Whh @ state + self.bh)
        y = self.Why @ state + self.by
        return y, state
""",
    )
    submissions = [
        ("c", respaced),  # the reference, re-spaced and commented
        ("a", reference),
        ("e", renamed),  # the reference with other names: the same code, not the same text
        ("b", entries["returns_h_y"]),  # `return h, y`: the reference once names are gone
        ("d", entries["good_row_vectors"]),
    ]
    result = compare(rnn, submissions, 0.5)
    assert result.matches_reference == ("a", "c")
    by_pair = {(p.a, p.b): p for p in result.pairs}
    assert by_pair[("a", "c")].a_matches_reference and by_pair[("a", "c")].b_matches_reference
    assert by_pair[("a", "e")].score == pytest.approx(1.0)
    assert by_pair[("a", "e")].a_matches_reference and not by_pair[("a", "e")].b_matches_reference
    # Alike by its normalised tokens, yet a wrong answer is never called the reference.
    assert by_pair[("a", "b")].score == pytest.approx(1.0)
    assert not by_pair[("a", "b")].b_matches_reference
    assert not any("d" in key for key in by_pair)
    scores = [p.score for p in result.pairs]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= p.score <= 1 for p in result.pairs)


def test_unreadable_submissions_are_listed_not_compared(rnn):
    reference, _, _ = texts(rnn)
    broken = reference.replace("########## End ##########", "")
    result = compare(rnn, [("ok", reference), ("broken", broken), ("gone", None)], 0.0)
    assert result.not_compared == ("broken", "gone")
    assert result.pairs == ()


def test_bad_threshold_and_duplicate_students_are_refused(rnn):
    reference, _, _ = texts(rnn)
    with pytest.raises(ValueError):
        similar_pairs(rnn, [("a", reference)], 1.5)
    with pytest.raises(ValueError):
        similar_pairs(rnn, [("a", reference), ("a", reference)], 0.5)


def test_csv_has_a_header_and_one_row_per_pair(rnn):
    reference, _, _ = texts(rnn)
    pairs = similar_pairs(
        rnn,
        [("x", with_body(reference, WRONG)), ("y", with_body(reference, WRONG_DISGUISED))],
        0.5,
    )
    stream = io.StringIO()
    write_csv(pairs, stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1:] == [["x", "y", "1.000", "1.000", "1.000", "false", "false"]]


def test_scores_are_the_same_in_every_process(rnn):
    # Python's own str hash is salted per process; a class's scores must not depend on it.
    script = (
        "import sys; from graders.batch.similarity import similar_pairs; "
        "from graders.spec import Course; from graders.submission import read_text; "
        "lab = Course.locate().lab('rnn-numpy'); ref = read_text(lab.solution_path); "
        f"body = {REFERENCE_LOOP!r}; wrong = {WRONG_DISGUISED!r}; "
        "pairs = similar_pairs(lab, [('a', ref), ('b', ref.replace(body, wrong)), "
        "('c', ref.replace(body, body.replace('h', 'state')))], 0.0); "
        "print([(p.a, p.b, round(p.score, 6), round(p.share_a, 6)) for p in pairs])"
    )
    seen = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        seen.add(done.stdout)
    assert len(seen) == 1, seen


def test_a_memo_gives_the_same_pairs_and_compares_only_what_is_new(rnn, monkeypatch):
    import graders.batch.similarity as similarity

    reference, _starter, entries = texts(rnn)
    wrong = with_body(reference, WRONG)
    class_ = [("ann", wrong), ("bob", with_body(reference, WRONG_DISGUISED)), ("cat", reference)]
    class_ += [(f"s{n}", text) for n, text in enumerate(entries.values())]
    memo = similarity.Memo()
    first = compare(rnn, class_, DEFAULT_THRESHOLD, memo)
    assert first == compare(rnn, class_, DEFAULT_THRESHOLD)
    # One newcomer: one new fingerprint, and only its pairs compared.
    fingerprinted, compared = [], []
    real_fingerprint = similarity._fingerprint
    monkeypatch.setattr(
        similarity,
        "_fingerprint",
        lambda code, *a, **k: fingerprinted.append(code) or real_fingerprint(code, *a, **k),
    )
    import copydetect

    real_compare = copydetect.compare_files
    monkeypatch.setattr(
        copydetect, "compare_files", lambda a, b: compared.append(1) or real_compare(a, b)
    )
    grown = [*class_, ("dan", wrong.replace("return y, h", "return y, h  # mine"))]
    second = compare(rnn, grown, DEFAULT_THRESHOLD, memo)
    assert len(fingerprinted) - 1 == 1  # dan's (the placeholder's boilerplate is always made)
    assert 0 < len(compared) <= len(class_)
    assert second == compare(rnn, grown, DEFAULT_THRESHOLD, similarity.Memo())
    assert any({"dan", "ann"} == {p.a, p.b} for p in second.pairs)
    # A student's replaced code is forgotten: the memo holds only the class's codes.
    assert len(memo.prints) <= len(grown)
