"""How a chosen set of options becomes a fraction of a question's points.

Strict is 头歌's rule and the default. The partial-credit methods are PrairieLearn's for
checkbox questions, with c = correct options, t = correct options chosen, f = incorrect
options chosen, n = options chosen, N = options shown:

- net-correct:  max(0, (t - f) / c)
- coverage:     (t / c) * (t / n), 0 when nothing is chosen
- each-answer:  every option is worth 1/N; credit for each correct option chosen and each
                incorrect option left unchosen

A blank answer earns nothing under every method (each-answer would otherwise pay for
leaving wrong options unchosen without reading the question). Single-choice questions are
always strict: there is no partial credit for picking one option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    correct: int  # c
    chosen_correct: int  # t
    chosen_incorrect: int  # f
    chosen: int  # n
    shown: int  # N

    @classmethod
    def of(cls, *, correct: frozenset[str], chosen: frozenset[str], options: int) -> Counts:
        hits = len(chosen & correct)
        return cls(len(correct), hits, len(chosen) - hits, len(chosen), options)


def strict(k: Counts) -> float:
    exact = k.chosen_correct == k.correct and k.chosen_incorrect == 0
    return 1.0 if exact else 0.0


def net_correct(k: Counts) -> float:
    return max(0.0, (k.chosen_correct - k.chosen_incorrect) / k.correct)


def coverage(k: Counts) -> float:
    if k.chosen == 0:
        return 0.0
    return (k.chosen_correct / k.correct) * (k.chosen_correct / k.chosen)


def each_answer(k: Counts) -> float:
    incorrect_left_out = (k.shown - k.correct) - k.chosen_incorrect
    return (k.chosen_correct + incorrect_left_out) / k.shown


METHODS: dict[str, Callable[[Counts], float]] = {
    "strict": strict,
    "net-correct": net_correct,
    "coverage": coverage,
    "each-answer": each_answer,
}


def fraction(
    method: str, *, kind: str, correct: frozenset[str], chosen: frozenset[str], options: int
) -> float:
    """The fraction of the points earned, in [0, 1]."""
    if not chosen:
        return 0.0
    counts = Counts.of(correct=correct, chosen=chosen, options=options)
    return METHODS["strict" if kind == "single" else method](counts)
