"""The class report at N submissions (issue 17's goal: it opens in <= 1 s at 200), and what
its similarity memo is worth (graders/batch/similarity.py `Memo`).

A class of N submissions of a lab, made from its corpus's entries with each student's own
renamed locals and a comment. The corpus entries drawn are graded once each by
`seqlab grade` (as many workers as cores); each student's row in a fresh SQLite gradebook is
the grading of its entry with the student's own text and name, as if graded one by one.
Then the web's own path (graders/web/reports.py `ClassReports`, as the instructor's lab page,
routes/instructor.py, uses it):
- from scratch: the first opening starts a build in a process of its own (the page says "being
  prepared" meanwhile); the time until the report is there;
- cached: an opening once it is built: the lab's key read from the gradebook, the report
  looked up, the reader's CSRF token put in (median of 20 openings);
- stale: one more student submits; an opening at once serves the last report with the
  "updating" notice (median of 20), while a build with the new row, reusing the memo, runs
  in the background: its time too.
Last, the similarity comparison alone, timed cold (no memo), then again with the memo after
one more student submits (what a report rebuilt after a new submission pays).

    .venv/bin/python bench/report_bench.py [--lab seq2seq] [--students 200]
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import floor
import options

GOAL_SECONDS = 1.0  # a class report opens in <= 1 s at 200 submissions
OPENINGS = 20


def class_of(lab, students: int, seed: int = 1) -> list[tuple[str, str, int]]:
    """(student, program, the corpus entry it was made from) per student."""
    from graders.course.corpus import corpus_program, load_corpus

    reference = lab.solution_path.read_text(encoding="utf-8")
    programs = [corpus_program(reference, entry) for entry in load_corpus(lab)]
    rng = random.Random(seed)
    submissions = []
    for n in range(students):
        base = rng.randrange(len(programs))  # what rng.choice draws: the same class as before
        program = programs[base]
        for name, others in (("letters", ["out", "chars", "res"]), ("symbol", ["sym", "tok"])):
            program = program.replace(name, rng.choice([name, *others]))
        program = program.replace("    return ", f"    # student {n}\n    return ", 1)
        submissions.append((f"s{n:03d}", program, base))
    return submissions


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def graded_entries(lab, bases: set[int], scratch: Path) -> dict[int, object]:
    """Each corpus entry drawn, graded once by `seqlab grade`: entry → its gradebook row."""
    from graders.course.corpus import corpus_program, load_corpus
    from graders.store.gradebook import Gradebook

    reference = lab.solution_path.read_text(encoding="utf-8")
    entries = load_corpus(lab)
    folder = scratch / "entries"
    folder.mkdir()
    for base in bases:
        program = corpus_program(reference, entries[base])
        (folder / f"e{base:03d}.py").write_text(program, encoding="utf-8")
    book = scratch / "entries.sqlite"
    command = [sys.executable, "-m", "graders.cli", "--lang", "en", "grade", str(folder)]
    command += ["--lab", lab.id, "--db", str(book), "--workers", str(os.cpu_count() or 1)]
    done = subprocess.run(command, capture_output=True, env=floor.clean_env(), check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"seqlab grade failed:\n{done.stderr.decode()[-2000:]}")
    rows = {row.student: row for row in Gradebook(f"sqlite:///{book}").rows(lab.id)}
    return {base: rows[f"e{base:03d}"] for base in bases}


def add_rows(url: str, graded: dict[int, object], students: list[tuple[str, str, int]]) -> None:
    """One gradebook row per student: its entry's grading, with its own name and text."""
    from sqlalchemy.orm import Session

    from graders.store.database import engine_for
    from graders.store.tables import Grade

    columns = [column.key for column in Grade.__table__.columns if column.key != "id"]
    with Session(engine_for(url)) as session, session.begin():
        for student, text, base in students:
            row = {key: getattr(graded[base], key) for key in columns}
            sha256 = hashlib.sha256(text.encode()).hexdigest()
            row.update(student=student, code=text, source=f"{student}.py", sha256=sha256)
            session.add(Grade(**row))


def opening(reports, lab, url: str):
    """What the instructor's lab page does before it answers: the lab's key, the report
    looked up, the reader's CSRF token put in, the notice when it is not current."""
    from sqlalchemy.orm import Session

    from graders.batch.cluster_view import CSRF_SLOT
    from graders.store.database import engine_for
    from graders.web.reports import Report, report_key
    from graders.web.routes.instructor import with_update_notice

    with Session(engine_for(url), expire_on_commit=False) as db:
        report = reports.get(lab, report_key(db, lab))
    if isinstance(report, Report):
        page = report.pages["en"].replace(CSRF_SLOT, '<input type="hidden" name="csrf">')
        if not report.current:
            page = with_update_notice(page, "en", f"/instructor/labs/{lab.id}")
    return report


def until_current(reports, lab, url: str) -> float:
    """Seconds until an opening gets a current report (its build under way or started)."""
    started = time.perf_counter()
    while True:
        report = opening(reports, lab, url)
        if getattr(report, "current", False):
            return time.perf_counter() - started
        time.sleep(0.02)


def median_opening(reports, lab, url: str) -> tuple[float, object]:
    times, report = [], None
    for _ in range(OPENINGS):
        elapsed, report = timed(lambda: opening(reports, lab, url))
        times.append(elapsed)
    return statistics.median(times), report


def bench_web_report(lab, classroom, newcomer, scratch: Path) -> None:
    from graders.web.reports import ClassReports

    started = time.perf_counter()
    graded = graded_entries(lab, {base for _, _, base in classroom}, scratch)
    url = f"sqlite:///{scratch / 'class.sqlite'}"
    add_rows(url, graded, classroom)
    print(
        f"gradebook: {len(classroom)} rows from {len(graded)} corpus entries graded by seqlab "
        f"grade ({time.perf_counter() - started:.0f} s, not part of any figure)",
        flush=True,
    )
    reports = ClassReports(url)
    try:
        scratch_s = until_current(reports, lab, url)
        cached, report = median_opening(reports, lab, url)
        assert report.current, "a built report was not served as current"
        add_rows(url, graded, [newcomer])
        submitted = time.perf_counter()
        stale, report = median_opening(reports, lab, url)
        assert not report.current, "a report older than the gradebook was served as current"
        until_current(reports, lab, url)  # its build started at the first opening
        rebuilt = time.perf_counter() - submitted
    finally:
        reports.close()
    goal = options.at_most
    print(
        f"{'from scratch (the first opening, a build)':<46} {scratch_s:7.3f} s "
        f"{goal(scratch_s, GOAL_SECONDS, '1 s')}"
    )
    print(
        f"{'cached (opening the built report, median)':<46} {cached:7.3f} s "
        f"{goal(cached, GOAL_SECONDS, '1 s')}"
    )
    print(
        f"{'stale after one more (last one + notice)':<46} {stale:7.3f} s "
        f"{goal(stale, GOAL_SECONDS, '1 s')}; its rebuild in the background, memo reused: "
        f"{rebuilt:.2f} s ({floor.ratio(rebuilt, scratch_s).strip()} of "
        f"from scratch)",
        flush=True,
    )


def bench_memo(lab, submissions, newcomer) -> None:
    from graders.batch.similarity import DEFAULT_THRESHOLD, Memo, compare

    grown = [*submissions[:-1], newcomer]
    memo = Memo()
    cold, first = timed(lambda: compare(lab, submissions, DEFAULT_THRESHOLD, memo))
    again, with_memo = timed(lambda: compare(lab, grown, DEFAULT_THRESHOLD, memo))
    _, without = timed(lambda: compare(lab, grown, DEFAULT_THRESHOLD))
    assert with_memo == without, "the memo changed the result"
    print(f"similarity alone, {len(first.pairs)} similar pairs")
    print(f"cold (every pair):          {cold:7.2f} s")
    print(f"one new submission, memo:   {again:7.2f} s  ({again / cold:.3f} of cold)")


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n")[0])
    parser.add_argument("--lab", type=options.lab, default="seq2seq")
    parser.add_argument("--students", type=options.integer(2, 2000), default=200)
    args = parser.parse_args()
    from graders.spec import Course

    lab = Course.locate(floor.ROOT).lab(args.lab)
    classroom = class_of(lab, args.students)
    # A copy of a classmate's (the sixth's, in a class that has one) with a line of its own.
    _, program, base = classroom[min(5, len(classroom) - 1)]
    newcomer = ("s999", program.replace("return", "# mine\n    return", 1), base)
    print(f"start: {floor.load_line()}")
    print(f"{args.lab}, {args.students} students; goal: the class report opens in <= 1 s")
    with tempfile.TemporaryDirectory(prefix="seqlab-report-bench-") as scratch:
        bench_web_report(lab, classroom, newcomer, Path(scratch))
    bench_memo(lab, [(s, p) for s, p, _ in classroom], newcomer[:2])
    print(f"end: {floor.load_line()}")


if __name__ == "__main__":
    main()
