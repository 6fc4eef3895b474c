"""The blank pointer on every lab's mistake corpus (issue 18 items 2 and 7).

For each wrong corpus entry that changes exactly one blank (its file departs from the
reference in one blank body and nowhere else) and fails a public set: does the pointer name
that blank, name another, or say nothing; and what the pointer adds to the grading's time.

An entry's other blanks are the reference's, word for word, so its only variant is the
reference itself and the answer is known in advance. A student writes those blanks their own
way, so each is taken, where the corpus has one, from a correct entry that rewrites it (the
`good_*` entries): then every blank is tried, as for a real student. Both are measured.

    .venv/bin/python bench/blank_bench.py [--labs ...] [--modes cold warm] [--as-is]
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import options

from graders.course.corpus import corpus_program, load_corpus
from graders.engine import grade_submission
from graders.markers import parse
from graders.sandbox import run_sets
from graders.service import blanks
from graders.service.pools import runner_for
from graders.spec import Course, LabSpec
from graders.submission import Submission, read_text


@dataclass
class Tally:
    entries: int = 0  # single-blank wrong entries that fail a public set
    right: int = 0
    wrong: int = 0
    several: int = 0
    silent: int = 0
    hidden_only: int = 0  # single-blank wrong entries that pass every public set
    seconds: list[float] = field(default_factory=list)  # the pointer's extra time

    def line(self, lab: str, mode: str) -> str:
        def share(n: int) -> str:
            return f"{100 * n / self.entries:5.1f}%" if self.entries else "    -"

        times = self.seconds or [0.0]
        return (
            f"{lab:<19}{mode:<6}{self.entries:>4}  {share(self.right)}  {share(self.wrong)}"
            f"  {self.several:>3} {self.silent:>3}  {self.hidden_only:>3}"
            f"  {statistics.mean(times):6.2f}  {max(times):6.2f}"
        )


def changed_blanks(reference: str, text: str) -> list[int] | None:
    """The blanks (1-based) whose body differs; None if anything outside differs too."""
    ours, theirs = parse(reference, "reference"), parse(text, "entry")
    if ours.outside != theirs.outside or len(ours.blanks) != len(theirs.blanks):
        return None
    return [a.index for a, b in zip(ours.blanks, theirs.blanks, strict=True) if a.body != b.body]


def rewritten(reference: str, text: str, keep: int, good: dict[int, tuple[str, ...]]) -> str:
    """`text` with every blank but `keep` taken from a correct entry's rewrite of it."""
    layout = parse(text, "entry")
    bodies = [good.get(b.index, b.body) if b.index != keep else b.body for b in layout.blanks]
    return layout.render(bodies)


def good_bodies(lab: LabSpec, reference: str) -> dict[int, tuple[str, ...]]:
    """For each blank, a correct entry's own body (the first entry that rewrites it, by
    `blank.N` or by edits inside the blanks)."""
    full = sum(test.points for test in lab.tests)
    found: dict[int, tuple[str, ...]] = {}
    for entry in load_corpus(lab):
        if not (entry.correct or (entry.verdicts is None and entry.score == full)):
            continue
        text = corpus_program(reference, entry)
        for index in changed_blanks(reference, text) or []:
            found.setdefault(index, parse(text, "entry").blanks[index - 1].body)
    return found


def bench_lab(lab: LabSpec, mode: str, as_is: bool) -> Tally:
    reference = read_text(lab.solution_path)
    good = {} if as_is else good_bodies(lab, reference)
    full = sum(test.points for test in lab.tests)
    tally = Tally()
    with runner_for(lab, 1, cold=mode == "cold") as pooled:
        runner = pooled if mode == "warm" else run_sets
        for entry in load_corpus(lab):
            if entry.correct or (entry.verdicts is None and entry.score == full):
                continue
            text = corpus_program(reference, entry)
            changed = changed_blanks(reference, text)
            if changed is None or len(changed) != 1:
                continue
            blank = changed[0]
            submission = Submission(Path(lab.entry), rewritten(reference, text, blank, good))
            result = grade_submission(lab, submission, include_hidden=False, runner=runner)
            if all(t.verdict.passed for t in result.tests):
                tally.hidden_only += 1
                continue
            started = time.monotonic()
            pointer = blanks.point(lab, submission, result, runner)
            tally.seconds.append(time.monotonic() - started)
            tally.entries += 1
            named = [k for k, _sets in pointer.fixes] if pointer else []
            tally.right += blank in named
            tally.wrong += any(k != blank for k in named)
            tally.several += bool(pointer and pointer.several)
            tally.silent += pointer is None
            if blank not in named:
                print(f"  {lab.id}/{entry.name}: blank {blank} changed, pointer {pointer}")
    return tally


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n")[0])
    parser.add_argument("--labs", nargs="*", type=options.lab, help="lab ids (default: every lab)")
    parser.add_argument("--modes", nargs="*", default=["cold", "warm"], choices=["cold", "warm"])
    parser.add_argument("--as-is", action="store_true", help="keep the reference's other blanks")
    args = parser.parse_args()
    course = Course.locate()
    labs = [course.lab(lab_id) for lab_id in args.labs] if args.labs else course.labs()
    print("lab                mode  n     named  wrong  sev sil  hid  mean s   max s")
    for lab in labs:
        for mode in args.modes:
            print(bench_lab(lab, mode, args.as_is).line(lab.id, mode), flush=True)


if __name__ == "__main__":
    main()
