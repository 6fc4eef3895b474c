"""`seqlab gradebook export` and `seqlab report`: the gradebook's score of record (batch and
web grades alike), read back out.

The batch stack (SQLAlchemy, copydetect) is imported inside the handlers: other commands
start without it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from graders.batch.similarity import DEFAULT_THRESHOLD  # light: copydetect loads lazily
from graders.cli.common import EXIT_OK, add_command, console, own_file, status
from graders.errors import SpecError, UsageError
from graders.messages import say
from graders.spec import Course
from graders.textsafe import visible


def existing_database(given: str | None) -> str:
    """The gradebook's URL; a SQLite file that does not exist is refused, not created empty."""
    from graders.store.database import database_url, holds_gradebook, shown_url

    url = database_url(given)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise UsageError("batch.db_missing", path=url.removeprefix("sqlite:///"))
    if not holds_gradebook(url):  # someone else's database: read, never given our tables
        raise UsageError("store.not_gradebook", url=shown_url(url))
    return url


def warn_off_roster(course_root: Path, url: str, lang: str) -> None:
    """seqlab.toml's extensions for someone not on the gradebook's roster, on stderr."""
    from graders.store.gradebook import Gradebook
    from graders.store.off_roster import off_roster

    book = Gradebook(url)
    roster = {username for username, _name in book.roster()} | book.staff()
    book.close()
    for warning in off_roster(course_root, roster, lang):
        status().print(visible(warning), markup=False, soft_wrap=True)


def _record_rules(course_folder: Path | None, lang: str, url: str):
    """The course's score-of-record rules as the web applies them (seqlab.toml with the
    settings saved on the web rules page, from the gradebook at `url`: effective.py), said on
    stderr with the course they come from; the defaults when no course folder is at hand (a
    gradebook away from its course, no --course), said so."""
    from graders.store.effective import course_rules
    from graders.store.record import RecordRules, describe

    try:
        course = Course.locate(course_folder)
    except SpecError:
        if course_folder is not None:
            raise
        rules = RecordRules()
        status().print(say("batch.rules_default", lang, rules=describe(rules)), markup=False)
        return rules
    rules = course_rules(course.root, url)
    warn_off_roster(course.root, url, lang)
    said = say("batch.rules_used", lang, rules=describe(rules), course=course.root)
    status().print(visible(said), markup=False)
    return rules


def _known_item(book, course_folder: Path | None, item: str | None) -> None:
    """Refuse (exit 2) a --lab that neither the course (its labs and quizzes) nor the
    gradebook knows: a typo would export an empty column or say a student has no grades."""
    from quizzes.bank import bank_ids

    held = book.items()  # graded: even a lab the course has since dropped is the gradebook's
    if item is None or item in held:
        return
    try:
        course = Course.locate(course_folder)
    except SpecError:
        if course_folder is not None:
            raise
        known = set()  # a gradebook away from its course: the ids it holds
    else:  # ids only, no spec loaded: one broken lab file does not hide the others
        known = {*course.lab_ids(), *bank_ids(course.banks_dir)}
    if item not in known:
        ids = ", ".join(sorted(known | held))
        raise UsageError("spec.unknown_lab", lab=item[:80], known=ids)


def cmd_gradebook_export(args) -> int:
    from graders.store.exports import export_gradescope, export_scores_csv, export_sets_csv
    from graders.store.gradebook import Gradebook

    if args.per_set and not args.csv:
        raise UsageError("batch.per_set_needs_csv")
    url = existing_database(args.db)
    rules = _record_rules(args.course, args.lang, url)
    book = Gradebook(url)
    try:
        _known_item(book, args.course, args.lab)  # before any file is written
        grades = book.of_record(rules, lab=args.lab)
        roster = book.roster()
    finally:
        book.close()
    out = console()
    lms = "canvas" if args.canvas else "moodle" if args.moodle else None
    if lms or (args.csv and roster and not args.per_set):  # every roster student, names, totals
        from graders.store.exports import export_lms_csv
        from graders.store.lms_csv import score_table

        path = Path(args.canvas or args.moodle or args.csv)
        items, points = _course_items(args.course, args.lab)
        count = export_lms_csv(score_table(grades, roster, items, points), path, lms or "scores")
        out.print(say("batch.exported_csv", args.lang, path=path, count=count), markup=False)
    elif args.csv:
        path = Path(args.csv)
        count = export_sets_csv(grades, path) if args.per_set else export_scores_csv(grades, path)
        out.print(say("batch.exported_csv", args.lang, path=path, count=count), markup=False)
    else:
        folder = Path(args.gradescope)
        count = export_gradescope(grades, folder, args.lang)
        out.print(
            say("batch.exported_gradescope", args.lang, path=folder, count=count), markup=False
        )
    return EXIT_OK


def _course_items(course_folder: Path | None, only: str | None) -> tuple[list[str], dict]:
    """The course's labs (course order) and quizzes, with their points; none away from it."""
    from quizzes.bank import bank_ids, load_quiz

    try:
        course = Course.locate(course_folder)
    except SpecError:
        return ([only] if only else []), {}
    points = {lab.id: float(sum(t.points for t in lab.tests)) for lab in course.labs()}
    items = list(points)
    if course.banks_dir.is_dir():
        for quiz in bank_ids(course.banks_dir):
            points[quiz] = float(sum(q.points for q in load_quiz(course.banks_dir, quiz).questions))
            items.append(quiz)
    return ([only] if only else items), points


def cmd_report(args) -> int:
    from graders.batch.class_report import GENERATOR, load_records, render_class_report
    from graders.batch.similarity import CSV_HEADER, compare, write_csv
    from graders.store.database import shown_url

    if not 0 <= args.threshold <= 1:
        raise UsageError("report.class_bad_threshold", value=args.threshold)
    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    html = own_file(args.html, f'content="{GENERATOR}"')
    pairs_csv = own_file(args.similarity_csv, ",".join(CSV_HEADER))
    url = existing_database(args.db)
    rules = _record_rules(course.root, args.lang, url)
    records = load_records(url, lab.id, rules)
    if not records:
        raise UsageError("report.class_no_records", db=args.db or shown_url(url), lab=lab.id)
    similarity = compare(lab, [(r.student, r.text) for r in records], args.threshold)
    zone = rules.calendar.zone  # "generated" on the course's clock
    page = render_class_report(lab, records, similarity, args.lang, zone=zone)
    html.write_text(page, encoding="utf-8")
    out = console()
    out.print(say("report.class_written", args.lang, path=html), markup=False)
    if pairs_csv is not None:
        with pairs_csv.open("w", encoding="utf-8", newline="") as stream:
            write_csv(similarity.pairs, stream)
        out.print(say("report.class_csv_written", args.lang, path=pairs_csv), markup=False)
    return EXIT_OK


HISTORY_COLUMNS = (
    "batch.history_id",
    "batch.history_lab",
    "batch.history_submitted",
    "batch.history_status",
    "batch.history_score",
    "batch.history_record",
    "batch.history_file",
)


def grade_label(grade) -> str:
    """The id `history` shows and `choose` takes: `attempt/N` for a web attempt (the "#N" of
    the web's pages), `grade/N` for a batch-graded file (its gradebook row) — never one bare
    number that could be either."""
    from graders.web.scores import attempt_of

    attempt = attempt_of(grade)
    return f"attempt/{attempt}" if attempt is not None else f"grade/{grade.id}"


def _record_mark(grade, decided, lang: str) -> str:
    """The "of record" cell, as record.py decided: the chosen grade, the one staff adjusted
    (with the score that counts), or the one the course's rule picked."""
    for d in decided.values():
        if (d.rule_grade or d.grade).id != grade.id:
            continue
        if d.override is not None:
            return say("batch.history_adjusted", lang, score=f"{d.override.score:g}")
        return say("batch.history_chosen", lang) if d.why == "chosen" else "✓"
    return ""


def cmd_gradebook_history(args) -> int:
    """A student's grades, newest last, the score of record of each lab marked: the score
    that counts (late penalty, staff overrides) as the web and the CSV say it (record.py)."""
    from rich.table import Table

    from graders.store.calendar import local_time
    from graders.store.gradebook import Gradebook
    from graders.store.record import counting, counting_said

    url = existing_database(args.db)
    book = Gradebook(url)
    try:
        _known_item(book, args.course, args.lab)  # a typo is not "no grades of this student"
        rows = book.rows(lab=args.lab, student=args.student)
        rules = _record_rules(args.course, args.lang, url)
        decided = book.decisions(rules, lab=args.lab, student=args.student)
    finally:
        book.close()
    if not rows and not decided:
        raise UsageError("batch.history_none", student=args.student)
    title = say("batch.history_title", args.lang, student=args.student)
    zone = say("batch.history_zone", args.lang, zone=rules.calendar.zone.key)
    header = [say(key, args.lang) for key in HISTORY_COLUMNS]
    lines = []
    notes = []
    for g in sorted(rows, key=lambda g: (g.lab, g.submitted_at or g.graded_at, g.id)):
        how = counting(g.student, g.lab, g.submitted_at, g.score, rules.calendar)
        if g.chosen:  # an instructor's choice counts as it is
            how = counting(g.student, g.lab, None, g.score, rules.calendar)
        counts = "—" if how.score is None and how.refused else f"{how.score:g}"
        score = "" if g.score is None else f"{counts}/{g.max_score:g}"
        when = local_time(g.submitted_at or g.graded_at, rules.calendar.zone, label=False)
        mark = _record_mark(g, decided, args.lang)
        lines.append(
            [visible(c) for c in (grade_label(g), g.lab, when, g.status, score, mark, g.source)]
        )
        said = counting_said(how, args.lang)
        if said:
            notes.append(f"{grade_label(g)} {g.lab}: {said}")
    for (_student, lab), d in sorted(decided.items()):
        if d.override is not None:  # staff set the score of record, with their reason
            said = say(
                "rules.override_set",
                args.lang,
                score=f"{d.override.score:g}",
                reason=d.override.reason,
            )
            if d.rule_grade is None:
                said = f"{say('rules.override_only', args.lang)}: {said}"
            notes.append(f"{lab}: {said}")
    out = console()
    if out.is_terminal:
        table = Table(title=f"{title} · {zone}")  # its times on the course's clock, said once
        for name in header:
            table.add_column(name, overflow="fold")
        for line in lines:
            table.add_row(*line)
        out.print(table)
    else:  # a pipe or a file: whole lines, nothing cut to a terminal's width
        print(f"{title} · {zone}")
        for line in [header, *lines]:
            print("\t".join(line))
    for note in notes:
        out.print(visible(note), markup=False, soft_wrap=True)
    return EXIT_OK


_GRADE_ID = re.compile(r"^(?:(attempt|grade)/|#)?(\d+)$")


def _chosen_grade(book, args):
    """The grade `choose` means: `attempt/N` (or `#N`, as the web shows it) or `grade/N`,
    which must belong to --student and --lab — a number from another list is refused."""
    from graders.web.scores import attempt_of

    match = _GRADE_ID.match(args.id.strip())
    if match is None or (match[1] is None and not args.id.startswith("#")):
        raise UsageError("batch.choose_which", id=args.id)
    number = int(match[2])
    if match[1] == "grade":
        found = [g for g in book.rows() if g.id == number]
    else:
        found = [g for g in book.rows() if attempt_of(g) == number]
    if not found:
        raise UsageError("batch.choose_unknown", id=args.id)
    grade = max(found, key=lambda g: (g.graded_at, g.id))  # a regraded attempt: its newest grade
    if (grade.student, grade.lab) != (args.student, args.lab):
        raise UsageError(
            "batch.choose_mismatch", id=args.id, student=grade.student, lab=grade.lab,
            want_student=args.student, want_lab=args.lab,
        )  # fmt: skip
    return grade


def cmd_gradebook_choose(args) -> int:
    """An instructor's choice: this grade is the student's score of record for its lab."""
    from graders.store.gradebook import Gradebook

    url = existing_database(args.db)
    book = Gradebook(url)
    try:
        grade = _chosen_grade(book, args)
        rules = _record_rules(args.course, args.lang, url)
        before = book.decisions(rules, lab=args.lab, student=args.student).get(
            (args.student, args.lab)
        )
        book.choose(grade.id)
    finally:
        book.close()
    was = "—"
    if before is not None:
        old = before.rule_grade or before.grade
        score = "—" if before.grade.score is None else f"{before.grade.score:g}"
        was = f"{grade_label(old)}, {score}" if old.id is not None else score
    shown = say(
        "batch.chosen", args.lang, id=grade_label(grade), student=grade.student, lab=grade.lab,
        score="—" if grade.score is None else f"{grade.score:g}/{grade.max_score:g}",
        file=grade.source, was=was,
    )  # fmt: skip
    console().print(visible(shown), markup=False, soft_wrap=True)
    return EXIT_OK


def register(commands, common: argparse.ArgumentParser) -> None:
    gradebook = commands.add_parser("gradebook", help="the gradebook of batch grading")
    gradebook_commands = gradebook.add_subparsers(dest="gradebook_command", required=True)
    sub = gradebook_commands.add_parser(
        "export",
        parents=[common],
        help="export scores as CSV or Gradescope results.json",
        description="export the score of record per student and lab",
    )
    sub.set_defaults(handler=cmd_gradebook_export)
    sub.add_argument("--db", help="gradebook file or URL (default: seqlab-gradebook.sqlite)")
    sub.add_argument("--lab", help="only this lab or quiz")
    what = sub.add_mutually_exclusive_group(required=True)
    what.add_argument("--csv", metavar="FILE", help="write student × lab scores to this new file")
    what.add_argument("--gradescope", metavar="DIR", help="write DIR/<lab>/<student>/results.json")
    what.add_argument("--canvas", metavar="FILE", help="write Canvas's gradebook import CSV")
    what.add_argument("--moodle", metavar="FILE", help="write Moodle's CSV grade import file")
    sub.add_argument(
        "--per-set", action="store_true", help="with --csv: student × lab × set verdicts"
    )
    sub = gradebook_commands.add_parser(
        "history",
        parents=[common],
        help="a student's grades, the score of record of each lab marked",
        description="a student's grades, the score of record of each lab marked",
    )
    sub.set_defaults(handler=cmd_gradebook_history)
    sub.add_argument("--db", help="gradebook file or URL (default: seqlab-gradebook.sqlite)")
    sub.add_argument("--student", required=True, help="student id")
    sub.add_argument("--lab", help="only this lab or quiz")
    sub = gradebook_commands.add_parser(
        "choose",
        parents=[common],
        help="make one grade (an id from `gradebook history`) the student's score of record",
        description="make one grade the student's score of record for its lab, whatever the rule",
    )
    sub.set_defaults(handler=cmd_gradebook_choose)
    sub.add_argument(
        "id", metavar="ID", help="attempt/N (the web's #N) or grade/N, as `gradebook history` shows"
    )
    sub.add_argument("--student", required=True, help="the student the grade must belong to")
    sub.add_argument("--lab", required=True, help="the lab or quiz the grade must be of")
    sub.add_argument("--db", help="gradebook file or URL (default: seqlab-gradebook.sqlite)")
    sub = add_command(
        commands,
        common,
        "report",
        cmd_report,
        "class report: one HTML page with charts, the verdict table and similar submissions",
    )
    sub.add_argument("--db", help="gradebook file or URL (default: seqlab-gradebook.sqlite)")
    sub.add_argument("--lab", required=True, help="lab id")
    sub.add_argument("--html", required=True, metavar="FILE", help="write the page here")
    sub.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"similarity from 0 to 1 at which a pair is listed (default {DEFAULT_THRESHOLD})",
    )
    sub.add_argument("--similarity-csv", metavar="FILE", help="also write the pairs as CSV")
