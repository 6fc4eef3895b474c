"""How good a lab's grader is: `seqlab sweep` (a program under many seeds) and `seqlab
mutate` (the share of slightly wrong references the test sets catch)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from graders.cli.common import EXIT_BELOW, EXIT_OK, add_command, console, whole_number
from graders.course.mutate import default_workers
from graders.errors import UsageError
from graders.messages import say
from graders.sandbox.launch import most_graders
from graders.service.pools import runner_for
from graders.spec import Course
from graders.submission import read_submission
from graders.textsafe import json_text

if TYPE_CHECKING:
    from graders.course.mutate import MutationReport

# Each seed is a whole grading of every set, hidden ones included (seconds for a torch lab):
# a thousand is already an hour's sweep, and a bigger count is a typo, not a plan.
MOST_SEEDS = 1000
# A lab hands its seed to random, numpy and torch; numpy takes seeds below 2**32, so a sweep
# from here (start … start + 999) stays a seed every one of them accepts.
LAST_START = 2**31 - 1


def cmd_sweep(args) -> int:
    from graders.course.sweep import sweep

    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    path = Path(args.file) if args.file else lab.solution_path
    program = read_submission(path).text
    seeds = range(args.start, args.start + args.seeds)
    out = console()
    passed = 0
    with runner_for(lab, 1) as runner:
        outcomes = sweep(lab, program, seeds, runner=runner)
    for outcome in outcomes:
        result = outcome.result
        passed += result.full_marks
        failures = ", ".join(
            f"{t.name}={t.verdict.code}" for t in result.tests if not t.verdict.passed
        )
        line = say(
            "course.sweep_seed", args.lang, seed=f"{outcome.seed:>4}", failures=failures,
            score=f"{result.score:g}", max=f"{result.max_score:g}",
        )  # fmt: skip
        out.print(line.rstrip(), markup=False)  # test names are data, never markup
    total = len(seeds)
    summary = say("course.sweep_summary", args.lang, lab=lab.id, passed=passed, total=total)
    out.print(summary, markup=False)
    return EXIT_OK if passed == total else EXIT_BELOW


def _mutation_json(report: MutationReport, threshold: float) -> str:
    def entry(mutant) -> dict:
        return {
            "id": mutant.id,
            "line": mutant.line,
            "original": mutant.original,
            "mutated": mutant.mutated,
        }

    data = {
        "lab": report.lab,
        "mutants": report.total,
        "graded": len(report.outcomes),
        "killed": report.killed,
        "score": report.score,
        "threshold": threshold,
        "passed": report.score >= threshold,
        "survivors": [{**entry(o.mutant), "verdicts": list(o.verdicts)} for o in report.survivors],
        "equivalent": [entry(m) for m in report.equivalent],
        "stale_equivalent": list(report.stale_equivalent),
    }
    return json_text(data)


def cmd_mutate(args) -> int:
    from graders.course.mutate import mutate_lab

    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    if not 0 <= args.threshold <= 100:
        raise UsageError("course.bad_number", option="--threshold", value=args.threshold)
    lang = args.lang
    err = Console(stderr=True, highlight=False)

    def progress(done: int, total: int, outcome) -> None:
        key = "course.mutant_killed" if outcome.killed else "course.mutant_survived"
        verdicts = " ".join(outcome.verdicts)
        line = say(key, lang, id=outcome.mutant.id, verdicts=verdicts)
        err.print(f"[{done}/{total}] {line}", markup=False)

    with runner_for(lab, args.workers) as runner:
        report = mutate_lab(
            lab, limit=args.max, workers=args.workers, runner=runner, progress=progress
        )
    threshold = args.threshold / 100
    if args.json:
        print(_mutation_json(report, threshold))
        return EXIT_OK if report.score >= threshold else EXIT_BELOW
    out = console()
    if len(report.outcomes) < report.total:
        out.print(
            say("course.mutants_sampled", lang, graded=len(report.outcomes), total=report.total)
        )
    listed = [("course.survivor", o.mutant) for o in report.survivors]
    listed += [("course.equivalent", mutant) for mutant in report.equivalent]
    for key, mutant in listed:
        where = {"id": mutant.id, "line": mutant.line}
        out.print(
            say(key, lang, **where, original=mutant.original, mutated=mutant.mutated),
            markup=False,
        )
    for identifier in report.stale_equivalent:
        out.print(
            say("course.equivalent_stale", lang, id=identifier, spec=lab.spec_path), markup=False
        )
    out.print(
        say(
            "course.mutation_score",
            lang,
            lab=lab.id,
            killed=report.killed,
            graded=len(report.outcomes),
            percent=f"{report.score:.0%}",
            threshold=f"{threshold:.0%}",
        ),
        markup=False,
    )
    return EXIT_OK if report.score >= threshold else EXIT_BELOW


def register(commands, common: argparse.ArgumentParser) -> None:
    sub = add_command(commands, common, "sweep", cmd_sweep, "grade a program under many seeds")
    sub.add_argument("lab", metavar="LAB")
    sub.add_argument(
        "--seeds",
        type=whole_number(1, MOST_SEEDS),  # 0 seeds "at full marks" would pass a CI gate on nothing
        default=20,
        help=f"how many seeds, 1 to {MOST_SEEDS} (default 20)",
    )
    sub.add_argument(
        "--start",
        type=whole_number(0, LAST_START),  # a negative seed fails the reference, not the lab
        default=0,
        help="first seed (default 0)",
    )
    sub.add_argument("--file", help="program to sweep (default: the reference)")
    sub = add_command(
        commands,
        common,
        "mutate",
        cmd_mutate,
        "mutation score: does the grader fail wrong references?",
    )
    sub.add_argument("lab", metavar="LAB")
    sub.add_argument("--json", action="store_true", help="print the report as JSON")
    sub.add_argument(
        "--max",
        type=whole_number(1),  # no most: more than the lab has grades them all (sample())
        default=60,
        help="grade at most N mutants (default 60)",
    )
    sub.add_argument(
        "--threshold", type=float, default=80, help="percent to kill for exit 0 (default 80)"
    )
    sub.add_argument(
        "--workers",
        type=whole_number(1, most_graders),  # as `seqlab grade --workers`: what the machine holds
        default=default_workers(),
        help="parallel gradings (default ≤ 2)",
    )
