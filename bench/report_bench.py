"""What the class report's similarity memo is worth (graders/batch/similarity.py `Memo`).

A class of N submissions of a lab, made from its corpus's entries with each student's own
renamed locals and a comment; the similarity comparison timed cold (no memo), then again with
the memo after one more student submits (what a report rebuilt after a new submission pays).

    .venv/bin/python bench/report_bench.py [--lab seq2seq] [--students 200]
"""

from __future__ import annotations

import argparse
import os
import random
import time

from graders.batch.similarity import DEFAULT_THRESHOLD, Memo, compare
from graders.course.corpus import corpus_program, load_corpus
from graders.spec import Course


def class_of(lab, students: int, seed: int = 1) -> list[tuple[str, str]]:
    reference = lab.solution_path.read_text(encoding="utf-8")
    programs = [corpus_program(reference, entry) for entry in load_corpus(lab)]
    rng = random.Random(seed)
    submissions = []
    for n in range(students):
        program = rng.choice(programs)
        for name, others in (("letters", ["out", "chars", "res"]), ("symbol", ["sym", "tok"])):
            program = program.replace(name, rng.choice([name, *others]))
        program = program.replace("    return ", f"    # student {n}\n    return ", 1)
        submissions.append((f"s{n:03d}", program))
    return submissions


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lab", default="seq2seq")
    parser.add_argument("--students", type=int, default=200)
    args = parser.parse_args()
    lab = Course.locate().lab(args.lab)
    submissions = class_of(lab, args.students)
    newcomer = ("s999", submissions[5][1].replace("return", "# mine\n    return", 1))
    grown = [*submissions[:-1], newcomer]
    memo = Memo()
    cold, first = timed(lambda: compare(lab, submissions, DEFAULT_THRESHOLD, memo))
    again, with_memo = timed(lambda: compare(lab, grown, DEFAULT_THRESHOLD, memo))
    _, without = timed(lambda: compare(lab, grown, DEFAULT_THRESHOLD))
    assert with_memo == without, "the memo changed the result"
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{args.lab}, {args.students} students, {len(first.pairs)} similar pairs")
    print(f"cold (every pair):          {cold:7.2f} s")
    print(f"one new submission, memo:   {again:7.2f} s  ({again / cold:.3f} of cold)")


if __name__ == "__main__":
    main()
