"""Per-test-set verdicts, with the precedence that decides between several problems."""

from __future__ import annotations

import enum

from graders.messages import say


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    PARTIAL = "partial"  # a multi-select question earning part of its points (quizzes)
    PRESENTATION_ERROR = "presentation_error"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    MEMORY_LIMIT = "memory_limit"
    TIME_LIMIT = "time_limit"
    OUTPUT_LIMIT = "output_limit"
    INTERNAL_ERROR = "internal_error"

    @property
    def passed(self) -> bool:
        return self is Verdict.ACCEPTED

    @property
    def code(self) -> str:
        return _CODES[self]

    def label(self, lang: str) -> str:
        return say(f"verdict.{self.value}", lang)

    @classmethod
    def from_code(cls, code: str) -> Verdict:
        return _BY_CODE[code]


_CODES = {
    Verdict.ACCEPTED: "AC",
    Verdict.PARTIAL: "PC",
    Verdict.PRESENTATION_ERROR: "PE",
    Verdict.WRONG_ANSWER: "WA",
    Verdict.RUNTIME_ERROR: "RE",
    Verdict.MEMORY_LIMIT: "MLE",
    Verdict.TIME_LIMIT: "TLE",
    Verdict.OUTPUT_LIMIT: "OLE",
    Verdict.INTERNAL_ERROR: "IE",
}
_BY_CODE = {code: verdict for verdict, code in _CODES.items()}

# When a run shows several problems, the first in this order is the one reported: our own
# failure first, then limits (they explain crashes that follow from them), then crashes,
# and only for a clean run the comparison of its output.
PRECEDENCE = (
    Verdict.INTERNAL_ERROR,
    Verdict.OUTPUT_LIMIT,
    Verdict.TIME_LIMIT,
    Verdict.MEMORY_LIMIT,
    Verdict.RUNTIME_ERROR,
    Verdict.WRONG_ANSWER,
    Verdict.PARTIAL,
    Verdict.PRESENTATION_ERROR,
    Verdict.ACCEPTED,
)
