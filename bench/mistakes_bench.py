"""Named mistakes, measured (issue 18, item 1): per lab, how many of the corpus's wrong
entries carry a name, the share that get the right name in leave-one-out, the share named
wrongly, and what the naming costs a failing submission.

Leave-one-out: an entry's own record is removed and its outputs on the sets it gets wrong
are matched, as a student's would be (graders/mistakes.py, each set's own comparator and
tolerance), against its siblings' records. It is named rightly when some set names its own
mistake and no set names another; wrongly when a set names another; not at all otherwise
(a mistake with a single variant can only be "not at all": nothing else recorded it). An
unnamed wrong entry counts against the first share ("of wrong"), not the second ("of
named"). Records come from graders/labs/mistakes/<lab>.json when current; otherwise they are
made now (every named entry graded on every set, in the sandbox) and not written.

Extra time: per named wrong entry, the time the engine's naming takes on it with every
record (graders.engine.name_mistakes: settings and records read — cached after the first
grading — and each wrong set matched), median over entries; and, once per lab, reading the
records file cold (the first grading of a process).

    .venv/bin/python bench/mistakes_bench.py [--labs scaled-dot-product ...] [--course DIR]
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import options

from graders.course.corpus import load_corpus
from graders.course.records import make_records, records_state
from graders.mistakes import (
    Named,
    Records,
    accepted,
    consistent,
    match,
    parse_records,
    records_path,
    usable,
)
from graders.service.pools import runner_for
from graders.spec import Course, LabSpec


def records_for(lab: LabSpec) -> tuple[Records | None, str]:
    current, _, count = records_state(lab)
    if not count:
        return None, "no names"
    if current:
        path = records_path(lab)
        return parse_records(path.read_text(encoding="utf-8"), path), "file"
    with runner_for(lab, 1) as runner:
        return make_records(lab, runner), "made now"


def names_given(lab: LabSpec, own: Named, records: Records, others: tuple[Named, ...]) -> set:
    per_set = []
    for test in lab.tests:  # as the engine does: every set's candidates, then one per set
        candidates = [m for m in usable(records, test) if m in others]
        if test.name in own.outputs:  # a wrong answer
            per_set.append(accepted(test, own.outputs[test.name], candidates))
        elif test.name in own.crashes:  # a crash: its output and its exception line
            output, error = own.crashes[test.name]
            per_set.append(accepted(test, output, candidates, crash=error))
    return {found.name["en"] for found in consistent(per_set) if found is not None}


def naming_seconds(lab: LabSpec, own: Named, records: Records, repeat: int = 200) -> float:
    """What the engine adds to grading this entry: its wrong sets matched against every
    record (settings and records are cached per process, so their lookups are included)."""
    from graders.mistakes import load_records
    from graders.settings import feedback_rules

    started = time.perf_counter()
    for _ in range(repeat):
        feedback_rules(lab.course_root).mode(lab.id)
        load_records(lab)
        for test in lab.tests:
            if test.name in own.outputs:
                match(test, own.outputs[test.name], usable(records, test))
            elif test.name in own.crashes:
                output, error = own.crashes[test.name]
                match(test, output, usable(records, test), crash=error)
    return (time.perf_counter() - started) / repeat


def bench_lab(lab: LabSpec) -> dict[str, object]:
    entries = load_corpus(lab)
    full = sum(test.points for test in lab.tests)
    wrong = [entry for entry in entries if entry.score < full]
    named = {entry.name for entry in wrong if entry.mistake is not None}
    records, source = records_for(lab)
    right = wrongly = silent = 0
    extra: list[float] = []
    cold = 0.0
    if records is not None:
        path = records_path(lab)
        if path.is_file():
            started = time.perf_counter()
            parse_records(path.read_text(encoding="utf-8"), path)
            cold = time.perf_counter() - started
        for own in records.mistakes:
            if own.entry not in named:
                continue
            others = tuple(m for m in records.mistakes if m.entry != own.entry)
            given = names_given(lab, own, records, others)
            if given - {own.name["en"]}:
                wrongly += 1
            elif given:
                right += 1
            else:
                silent += 1
            if own.outputs or own.crashes:
                extra.append(naming_seconds(lab, own, records))
    mistakes = len({m.name["en"] for m in records.mistakes}) if records else 0
    return {
        "lab": lab.id,
        "wrong": len(wrong),
        "named": len(named),
        "mistakes": mistakes,
        "right": right,
        "wrongly": wrongly,
        "silent": silent,
        "extra_ms": statistics.median(extra) * 1000 if extra else 0.0,
        "cold_ms": cold * 1000,
        "source": source,
    }


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="*", help="lab ids (default: every lab)")
    parser.add_argument("--course", type=Path, default=None)
    args = parser.parse_args()
    course = Course.locate(args.course)
    unknown = [lab_id for lab_id in args.labs or [] if lab_id not in course.lab_ids()]
    if unknown:  # the labs of --course, which need not be this checkout's
        options.refuse(
            f"{parser.prog}: argument --labs: {unknown[0]!r} is not a lab of {course.root}; its"
            f" labs are {', '.join(course.lab_ids())}."
        )
    labs = [course.lab(i) for i in args.labs] if args.labs else course.labs()
    header = (
        f"{'lab':20} {'wrong':>5} {'named':>5} {'kinds':>5} {'right/wrong':>11} "
        f"{'right/named':>11} {'named wrongly':>13} {'extra ms':>8} {'cold ms':>7}  records"
    )
    print(header)
    print("-" * len(header))
    totals = {"wrong": 0, "named": 0, "right": 0, "wrongly": 0}
    for lab in labs:
        row = bench_lab(lab)
        for key in totals:
            totals[key] += row[key]
        print(
            f"{row['lab']:20} {row['wrong']:>5} {row['named']:>5} {row['mistakes']:>5} "
            f"{share(row['right'], row['wrong']):>11} {share(row['right'], row['named']):>11} "
            f"{share(row['wrongly'], row['named']):>13} {row['extra_ms']:>8.3f} "
            f"{row['cold_ms']:>7.2f}  {row['source']}",
            flush=True,
        )
    print("-" * len(header))
    print(
        f"{'all':20} {totals['wrong']:>5} {totals['named']:>5} {'':>5} "
        f"{share(totals['right'], totals['wrong']):>11} "
        f"{share(totals['right'], totals['named']):>11} "
        f"{share(totals['wrongly'], totals['named']):>13}"
    )


if __name__ == "__main__":
    main()
