"""A class's wrong answers per test set, grouped by what they printed: the same output from
several students is most likely the same mistake. Pure: stored results in, clusters out.

A wrong answer's signature is its output as the set's comparator sees it — spacing collapsed
where spacing does not count, every number rounded to the set's tolerance where numbers are
compared within one — so two outputs the comparator could not tell apart land together. A
crash's signature is its exception line (the last of its traceback); a run stopped by a limit,
or a set that printed nothing comparable (the code-rules set), is known by its verdict.

A hidden set's result holds no data (engine.judge), so its wrong answers are grouped only by
the named mistake they carry, and one group holds the unnamed rest: counts and names, never
an output.

A cluster's name is the mistake most of its members carry (graders/mistakes.py names each
result when it is graded); members graded before the mistake was named carry none.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from graders.comparators import as_number
from graders.mistakes import error_line
from graders.results import LabResult, TestResult
from graders.verdict import Verdict

OUTPUT, CRASH, VERDICT, HIDDEN = "output", "crash", "verdict", "hidden"


@dataclass(frozen=True)
class Cluster:
    test: str  # the set's name
    kind: str  # OUTPUT | CRASH | VERDICT | HIDDEN
    signature: str  # "" for a hidden set's cluster
    students: tuple[str, ...]  # sorted
    mistake: dict[str, str] | None  # zh/en: the name most members carry

    @property
    def size(self) -> int:
        return len(self.students)

    @property
    def example(self) -> str:
        return self.students[0]


@dataclass(frozen=True)
class SetClusters:
    test: str
    hidden: bool
    clusters: tuple[Cluster, ...]  # biggest first

    @property
    def wrong(self) -> int:
        return sum(cluster.size for cluster in self.clusters)


def _number(token: str, atol: float, rtol: float) -> str:
    value = as_number(token)
    if value is None:
        return token
    if math.isnan(value) or math.isinf(value):
        return str(value)
    step = atol + rtol * abs(value)  # the comparator's tolerance around this value
    if step <= 0:
        return repr(value)
    # Rounded first, so a step a hair above 1e-6 (rtol's share near 0) still keeps 6 places.
    decimals = max(0, math.floor(round(-math.log10(step), 3)))
    text = f"{round(value, decimals):.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def normalised(comparator: str | None, options: dict[str, float], text: str) -> str:
    """`text` as the comparator sees it: `exact` keeps every byte, `lines` drops spaces at line
    ends and blank lines at the end, `tokens` keeps the tokens, `floats` rounds each number
    to the tolerance the set allows around it."""
    if comparator == "exact":
        return text
    if comparator == "lines":
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)
    tokens = text.split()
    if comparator == "floats":
        atol, rtol = options.get("atol", 1e-6), options.get("rtol", 1e-6)
        tokens = [_number(token, atol, rtol) for token in tokens]
    return " ".join(tokens)


def signature(result: TestResult) -> tuple[str, str]:
    """(kind, signature) of a failed public set's result."""
    if result.verdict is Verdict.RUNTIME_ERROR and error_line(result.stderr or ""):
        return CRASH, error_line(result.stderr or "")
    wrong = result.verdict in (Verdict.WRONG_ANSWER, Verdict.PRESENTATION_ERROR)
    if wrong and result.actual is not None:
        return OUTPUT, normalised(result.comparator, result.options, result.actual)
    return VERDICT, " ".join(filter(None, (result.verdict.code, result.detail_key)))


def _name(results: Sequence[TestResult]) -> dict[str, str] | None:
    carried = Counter(r.mistake["en"] for r in results if r.mistake is not None)
    if not carried:
        return None
    top = carried.most_common(1)[0][0]  # among equals, the first student's (sorted) mistake
    return next(dict(r.mistake) for r in results if r.mistake and r.mistake["en"] == top)


def set_clusters(test: str, hidden: bool, failed: Sequence[tuple[str, TestResult]]) -> SetClusters:
    """The failed results of one set, (student, result) each, in clusters biggest first (then
    named before unnamed, then by signature, so the order never depends on the input's)."""
    groups: dict[tuple[str, str], list[tuple[str, TestResult]]] = {}
    for student, result in sorted(failed, key=lambda pair: pair[0]):
        if hidden:
            key = (HIDDEN, result.mistake["en"] if result.mistake else "")
        else:
            key = signature(result)
        groups.setdefault(key, []).append((student, result))
    clusters = []
    for (kind, key), members in groups.items():
        mistake = _name([result for _student, result in members])
        students = tuple(student for student, _result in members)
        clusters.append(Cluster(test, kind, "" if hidden else key, students, mistake))
    clusters.sort(key=lambda c: (-c.size, c.mistake is None, c.signature, c.example))
    return SetClusters(test, hidden, tuple(clusters))


def class_clusters(
    sets: Sequence[tuple[str, bool]], graded: Sequence[tuple[str, LabResult | None]]
) -> tuple[SetClusters, ...]:
    """Per set (name, hidden) in the given order, the clusters of the students' failed results
    there; a student without a result, or not graded on a set, is in none of them."""
    out = []
    for name, hidden in sets:
        failed = [
            (student, result)
            for student, lab_result in graded
            if lab_result is not None
            for result in lab_result.tests
            if result.name == name and not result.verdict.passed
        ]
        # A set graded as hidden stays hidden here, whatever the spec says of it now.
        hidden = hidden or any(result.hidden for _student, result in failed)
        out.append(set_clusters(name, hidden, failed))
    return tuple(out)
