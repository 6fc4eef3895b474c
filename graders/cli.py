"""The `seqlab` command: arguments in, exit codes out.

Exit codes: 0 full marks (or all checks passed), 1 graded below full marks (or a check
failed), 2 could not grade — always with a one-paragraph message, never a traceback.
This is the composition root: the only module that brings labs and quizzes together.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from graders import report, sandbox
from graders.batch.similarity import DEFAULT_THRESHOLD  # light: copydetect loads lazily
from graders.course.mutate import default_workers
from graders.engine import grade_submission
from graders.errors import SeqlabError, SpecError, UsageError
from graders.messages import LANGS, say
from graders.results import LEVELS
from graders.sandbox.probe import DISABLE_VARIABLE, LAYERS, disabled_by_environment, doctor_rows
from graders.service import choose_lab, grade, grade_lab
from graders.service.pools import runner_for
from graders.spec import Course
from graders.submission import read_submission, read_text
from graders.textsafe import json_text, visible
from quizzes.bank import bank_ids, load_quiz
from quizzes.checker import check as check_quiz
from quizzes.paper import make_paper
from quizzes.present import paper_json, paper_markdown, render_paper, render_review
from quizzes.sheet import parse_sheet, sheet_text
from quizzes.take import TERMINAL, take

if TYPE_CHECKING:
    from graders.batch.collect import Item
    from graders.course.mutate import MutationReport
    from graders.course.validate import Check

# Subsystems with heavy imports (SQLAlchemy, nbformat's schema validation, copydetect) are
# imported inside the commands that use them: `seqlab check` should start in a blink.
EXIT_OK, EXIT_BELOW, EXIT_CANNOT = 0, 1, 2


def _console() -> Console:
    return Console(highlight=False)


def _emit(result, args) -> int:
    if args.json:
        print(report.render_json(result, args.lang))
    else:
        report.render_terminal(result, args.lang, _console())
    return result.exit_code()


def cmd_list(args) -> int:
    course = Course.locate(args.course)
    table = Table(title="seqlab", title_justify="left")
    columns = ("level", "id", "kind", "title", "file / questions", "public", "hidden", "points")
    for column in columns:
        table.add_column(column)
    for lab in course.labs():  # in course order: by level, then id
        public = [t for t in lab.tests if not t.hidden]
        hidden = [t for t in lab.tests if t.hidden]
        points = sum(t.points for t in lab.tests)
        level = "" if lab.level is None else lab.level
        row = (level, lab.id, "lab", lab.title[args.lang], lab.entry, len(public), len(hidden))
        table.add_row(*map(str, (*row, points)))
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)
        row = ("", bank.id, "quiz", bank.title[args.lang], len(bank.questions), "", "")
        row = (*row, bank.max_score)
        table.add_row(*(f"{v:g}" if isinstance(v, float) else str(v) for v in row))
    _console().print(table)
    return EXIT_OK


def _require_isolation(required: str | None, course: Course) -> None:
    """Refuse to run student code below the isolation level an instructor asked for."""
    isolation = sandbox.current(course.root)
    if required and not isolation.at_least(required):
        missing = [f"{layer} ({why})" for layer, why in isolation.inactive.items()]
        if isolation.exposed:
            missing.append(say("sandbox.exposed", "en", files="; ".join(isolation.exposed)))
        raise UsageError(
            "sandbox.too_weak", level=isolation.level, required=required, missing=", ".join(missing)
        )


def _grade(args, *, include_hidden: bool, follow_symlinks: bool) -> int:
    course = Course.locate(args.course)
    _require_isolation(args.require_isolation, course)
    submission = read_submission(Path(args.file), follow_symlinks=follow_symlinks)
    lab = choose_lab(course, submission.path, args.lab)
    outcome = grade_lab(lab, submission, include_hidden=include_hidden)
    if outcome.result is None:  # could not grade: its one-paragraph message, exit 2
        raise outcome.error
    return _emit(outcome.result, args)


def cmd_check(args) -> int:
    # A student checks their own file, so a symbolic link to it (a synced folder, an editor's
    # workspace, dotfiles) is followed, as compilers and linters do. A link gains nothing here:
    # `check` runs only the public sets and records no grade, and a file one can link to one
    # can read and copy. `grade`, where files are scored for someone, refuses links.
    return _grade(args, include_hidden=False, follow_symlinks=True)


def cmd_grade(args) -> int:
    paths = [Path(p) for p in args.submissions]
    single = (
        len(paths) == 1
        and not paths[0].is_dir()
        and paths[0].suffix.lower() != ".zip"
        and args.db is None
        and args.feedback is None
        and args.workers is None
    )
    if single:  # one file: exactly the report `seqlab grade FILE` always printed
        args.file = args.submissions[0]
        # Refused like a link in a class folder: `drop/x.py -> solutions/…` is not x's work.
        return _grade(args, include_hidden=True, follow_symlinks=False)
    from graders.batch.session import BatchOptions, grade_batch

    course = Course.locate(args.course)
    _require_isolation(args.require_isolation, course)
    target = _batch_target(course, args.lab)
    options = BatchOptions(
        lang=args.lang,
        workers=args.workers,
        db=args.db,
        feedback=args.feedback,
        assignment=args.assignment,
        regrade=args.regrade,
        cold=args.cold,
        json=args.json,
    )
    return grade_batch(target, paths, options, _console())


def _batch_target(course: Course, target_id: str | None):
    from graders.batch.session import BatchTarget, lab_target

    quiz_ids = bank_ids(course.banks_dir)
    if target_id is None:
        raise UsageError("batch.need_lab", known=", ".join(course.lab_ids() + quiz_ids))
    if target_id in quiz_ids:
        bank = load_quiz(course.banks_dir, target_id)

        def grade_quiz(item: Item):
            def work():
                paper = make_paper(bank, item.student)  # each student's own shuffled paper
                return check_quiz(paper, parse_sheet(item.text(), item.path, paper), item.path)

            return grade(work)

        return BatchTarget(
            bank.id,
            "quiz",
            bank.title,
            course.banks_dir / f"{target_id}.toml",
            None,
            (".txt", ".json", ".toml"),
            bank.max_score,
            grade_one=grade_quiz,
        )
    if target_id not in course.lab_ids():
        raise UsageError(
            "spec.unknown_lab", lab=target_id, known=", ".join(course.lab_ids() + quiz_ids)
        )
    return lab_target(course.lab(target_id))


def cmd_gradebook_export(args) -> int:
    from graders.store.exports import export_gradescope, export_scores_csv, export_sets_csv
    from graders.store.gradebook import Gradebook

    if args.per_set and not args.csv:
        raise UsageError("batch.per_set_needs_csv")
    url = _existing_db(args.db)
    rules = _record_rules(args.course)
    book = Gradebook(url)
    grades = book.of_record(rules, lab=args.lab)
    book.close()
    console = _console()
    if args.csv:
        path = Path(args.csv)
        count = export_sets_csv(grades, path) if args.per_set else export_scores_csv(grades, path)
        console.print(say("batch.exported_csv", args.lang, path=path, count=count), markup=False)
    else:
        folder = Path(args.gradescope)
        count = export_gradescope(grades, folder, args.lang)
        console.print(
            say("batch.exported_gradescope", args.lang, path=folder, count=count), markup=False
        )
    return EXIT_OK


def _record_rules(course_folder: Path | None):
    """The course's score-of-record rules; the defaults when no course folder is at hand
    (a gradebook exported away from its course, with no --course)."""
    from graders.store.record import RecordRules, rules_for

    try:
        course = Course.locate(course_folder)
    except SpecError:
        if course_folder is not None:
            raise
        return RecordRules()
    return rules_for(course.root)


def _existing_db(given: str | None) -> str:
    """The gradebook's URL; a SQLite file that does not exist is refused, not created empty."""
    from graders.store.database import database_url

    url = database_url(given)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise UsageError("batch.db_missing", path=url.removeprefix("sqlite:///"))
    return url


def cmd_doctor(args) -> int:
    course = Course.locate(args.course)
    isolation = sandbox.current(course.root)
    console = _console()
    console.print(say("sandbox.doctor_level", args.lang, level=isolation.level), style="bold")
    table = Table(show_header=False)
    rows = doctor_rows(isolation)
    if isolation.exposed:
        detail = say("sandbox.exposed", args.lang, files="; ".join(isolation.exposed))
    else:
        detail = say("sandbox.doctor_course_safe", args.lang, course=course.root)
    rows.append((say("sandbox.doctor_course", args.lang), not isolation.exposed, detail))
    for layer, works, detail in rows:
        mark = say("sandbox.doctor_works" if works else "sandbox.doctor_missing", args.lang)
        table.add_row(f"[{'green' if works else 'yellow'}]{mark}", layer, Text(detail))
    console.print(table)
    return EXIT_OK


def _paper(args):
    course = Course.locate(args.course)
    bank = load_quiz(course.banks_dir, args.quiz)
    student = args.student
    if student is not None:
        student = student.strip()
        if not student or not student.isprintable():
            raise UsageError("quiz.bad_student", student=student)
    return make_paper(bank, student)


def _new_file(path_text: str | None) -> Path | None:
    """A path to write to that does not exist yet: we never overwrite a user's file."""
    if path_text is None:
        return None
    path = Path(path_text)
    if path.exists():
        raise UsageError("file.exists", path=path)
    return path


def cmd_quiz_check(args) -> int:
    paper = _paper(args)
    sheet = Path(args.sheet)
    answers = parse_sheet(read_text(sheet), sheet, paper)
    result = check_quiz(paper, answers, sheet)
    code = _emit(result, args)
    if args.explain and not args.json:
        render_review(paper, answers, args.lang, _console())
    return code


def cmd_quiz_paper(args) -> int:
    paper = _paper(args)
    output = _new_file(args.output)
    if args.format == "text" and output is None:
        render_paper(paper, args.lang, _console(), key=args.key)
        return EXIT_OK
    if args.format == "json":
        text = json_text(paper_json(paper, args.lang, key=args.key))
    else:  # markdown, and plain text written to a file
        text = paper_markdown(paper, args.lang, key=args.key)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
    return EXIT_OK


def cmd_quiz_take(args) -> int:
    paper = _paper(args)
    save = _new_file(args.save)
    console = _console()
    answers = take(
        paper,
        args.lang,
        console,
        console.input,
        immediate_feedback=args.feedback == "immediate",
    )
    result = check_quiz(paper, answers, save or TERMINAL)
    report.render_terminal(result, args.lang, console)
    if args.feedback == "end":
        render_review(paper, answers, args.lang, console)
    if save is not None:
        save.write_text(sheet_text(paper, answers), encoding="utf-8")
        student = f" --student {paper.student}" if paper.student else ""
        console.print(say("quiz.saved", args.lang, path=save, quiz=paper.bank.id, student=student))
    return result.exit_code()


def _print_checks(checks: list[Check], lang: str) -> int:
    table = Table(show_header=True)
    for column in ("", "subject", "check", "detail"):
        table.add_column(column)
    for item in checks:
        mark = (
            f"[green]{say('validate.ok', lang)}"
            if item.ok
            else f"[red]{say('validate.fail', lang)}"
        )
        table.add_row(mark, item.subject, item.title(lang), item.describe(lang))
    _console().print(table)
    return EXIT_OK if all(item.ok for item in checks) else EXIT_BELOW


def cmd_validate(args) -> int:
    from graders.course.validate import Check, check_index, validate_lab

    course = Course.locate(args.course)
    labs = [course.lab(lab_id) for lab_id in args.lab] if args.lab else course.labs()
    if args.seeds < 0:
        raise UsageError("course.bad_number", option="--seeds", value=args.seeds)
    checks = []
    for lab in labs:
        with runner_for(lab, 1) as runner:
            checks += validate_lab(lab, runner=runner, seeds=args.seeds)
    if not args.lab:
        checks.append(check_index(course))
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)  # raises if malformed
        topics = ", ".join(f"{topic} {count}" for topic, count in bank.topics().items())
        detail = f"{len(bank.questions)} questions ({topics})"
        checks.append(Check(bank.id, "validate.bank", True, detail))
    return _print_checks(checks, args.lang)


def cmd_build(args) -> int:
    from graders.course import build
    from graders.course.index import write_index
    from graders.notebooks.build import notebook_path, write_notebook

    course = Course.locate(args.course)
    console = _console()
    labs = [course.lab(lab_id) for lab_id in args.lab] if args.lab else course.labs()
    for lab in labs:
        changed = build.write_starter(lab)
        key = "course.starter_written" if changed else "course.starter_current"
        console.print(say(key, args.lang, lab=lab.id, path=lab.starter_path), markup=False)
        changed = write_notebook(lab)
        key = "course.notebook_written" if changed else "course.notebook_current"
        console.print(say(key, args.lang, lab=lab.id, path=notebook_path(lab)), markup=False)
        if args.record:
            names = build.record_expected(lab)
            key = "course.recorded" if names else "course.recorded_current"
            console.print(say(key, args.lang, lab=lab.id, sets=", ".join(names)), markup=False)
    try:
        changed = write_index(course)
    except SeqlabError as error:
        if not args.lab:
            raise
        # Another lab's spec is broken: the labs asked for are built; say why the index is not.
        console.print(say("course.index_skipped", args.lang, reason=error.render(args.lang)))
        return EXIT_OK
    key = "course.index_written" if changed else "course.index_current"
    console.print(say(key, args.lang, path=course.root / "exercises" / "README.md"), markup=False)
    return EXIT_OK


def _empty_folder(text: str) -> Path:
    """A folder to write an export into: new or empty, so nothing of the user's is lost."""
    folder = Path(text)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError("notebook.dir_not_empty", path=folder)
    return folder


def cmd_export(args) -> int:
    from graders.course.gradescope import export_bundle as export_gradescope_bundle
    from graders.notebooks.nbgrader import export_course as export_nbgrader

    course = Course.locate(args.course)
    folder = _empty_folder(args.dir)
    if args.format == "nbgrader":
        written = export_nbgrader(course, folder, args.lang)
    else:
        written = export_gradescope_bundle(course.lab(args.lab), folder, args.lang)
    console = _console()
    console.print(
        say("notebook.exported", args.lang, count=len(written), path=folder), markup=False
    )
    return EXIT_OK


def cmd_release(args) -> int:
    from graders.course.release import write_release

    course = Course.locate(args.course)
    folder = _empty_folder(args.dir)
    papers = {}
    for quiz_id in bank_ids(course.banks_dir):  # papers without keys: the banks stay behind
        paper = make_paper(load_quiz(course.banks_dir, quiz_id))
        for lang in LANGS:
            papers[f"{quiz_id}.{lang}.md"] = paper_markdown(paper, lang, key=False) + "\n"
    written = write_release(course, folder, papers)
    message = say("notebook.exported", args.lang, count=len(written), path=folder)
    _console().print(message, markup=False)
    return EXIT_OK


def cmd_sweep(args) -> int:
    from graders.course.sweep import sweep

    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    path = Path(args.file) if args.file else lab.solution_path
    program = read_submission(path).text
    seeds = range(args.start, args.start + args.seeds)
    console = _console()
    passed = 0
    with runner_for(lab, 1) as runner:
        outcomes = sweep(lab, program, seeds, runner=runner)
    for outcome in outcomes:
        result = outcome.result
        passed += result.full_marks
        failures = ", ".join(
            f"{t.name}={t.verdict.code}" for t in result.tests if not t.verdict.passed
        )
        console.print(f"seed {outcome.seed:>4}: {result.score:g}/{result.max_score:g} {failures}")
    console.print(f"{lab.id}: {passed}/{len(seeds)} seeds at full marks")
    return EXIT_OK if passed == len(seeds) else EXIT_BELOW


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
    if args.max < 1 or args.workers < 1:
        raise UsageError(
            "course.bad_number", option="--max/--workers", value=min(args.max, args.workers)
        )
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
    console = _console()
    if len(report.outcomes) < report.total:
        console.print(
            say("course.mutants_sampled", lang, graded=len(report.outcomes), total=report.total)
        )
    listed = [("course.survivor", o.mutant) for o in report.survivors]
    listed += [("course.equivalent", mutant) for mutant in report.equivalent]
    for key, mutant in listed:
        where = {"id": mutant.id, "line": mutant.line}
        console.print(
            say(key, lang, **where, original=mutant.original, mutated=mutant.mutated),
            markup=False,
        )
    for identifier in report.stale_equivalent:
        console.print(
            say("course.equivalent_stale", lang, id=identifier, spec=lab.spec_path), markup=False
        )
    console.print(
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


def cmd_new(args) -> int:
    from graders.course.scaffold import new_lab

    course = Course.locate(args.course)
    written = new_lab(course, args.lab_id)
    console = _console()
    for path in written:
        console.print(say("course.new_written", args.lang, path=path), markup=False)
    console.print(say("course.new_next", args.lang, lab=args.lab_id), markup=False)
    return EXIT_OK


def _report_file(path_text: str | None, signature: str) -> Path | None:
    """A file to write: a new one, or one seqlab wrote before (its first 4 KB hold
    `signature`), so a nightly report replaces itself but never a file of the user's."""
    if path_text is None:
        return None
    path = Path(path_text)
    if path.exists():
        try:
            with path.open(encoding="utf-8", errors="replace") as stream:
                ours = path.is_file() and signature in stream.read(4096)
        except OSError:
            ours = False
        if not ours:
            raise UsageError("file.exists", path=path)
    return path


def cmd_report(args) -> int:
    from graders.batch.class_report import GENERATOR, load_records, render_class_report
    from graders.batch.similarity import CSV_HEADER, compare, write_csv
    from graders.store.database import shown_url
    from graders.store.record import rules_for

    if not 0 <= args.threshold <= 1:
        raise UsageError("report.class_bad_threshold", value=args.threshold)
    course = Course.locate(args.course)
    lab = course.lab(args.lab)
    html = _report_file(args.html, f'content="{GENERATOR}"')
    pairs_csv = _report_file(args.similarity_csv, ",".join(CSV_HEADER))
    url = _existing_db(args.db)
    records = load_records(url, lab.id, rules_for(course.root))
    if not records:
        raise UsageError("report.class_no_records", db=args.db or shown_url(url), lab=lab.id)
    similarity = compare(lab, [(r.student, r.text) for r in records], args.threshold)
    html.write_text(render_class_report(lab, records, similarity, args.lang), encoding="utf-8")
    console = _console()
    console.print(say("report.class_written", args.lang, path=html), markup=False)
    if pairs_csv is not None:
        with pairs_csv.open("w", encoding="utf-8", newline="") as stream:
            write_csv(similarity.pairs, stream)
        console.print(say("report.class_csv_written", args.lang, path=pairs_csv), markup=False)
    return EXIT_OK


DEMO_STUDENT = "demo-001"


def demo_sheet(paper) -> str:
    """Right answers on a student's paper, in mixed notations, with the last one wrong."""
    lines = [f"# {paper.bank.id}, student {paper.student}: the last answer is wrong on purpose"]
    notations = ("{n} {a}", "{n}. {a_lower}", "{n}：{a_wide}", "{n}、{a_commas}")
    for index, question in enumerate(paper.questions):
        letters = sorted(question.correct)
        if index == len(paper.questions) - 1:
            letters = [next(x for x in question.letters if x not in question.correct)]
        answer = "".join(letters)
        lines.append(
            notations[index % len(notations)].format(
                n=question.number,
                a=answer,
                a_lower=answer.lower(),
                a_wide="".join(chr(ord(x) + 0xFEE0) for x in answer),
                a_commas=",".join(letters),
            )
        )
    return "\n".join(lines) + "\n"


def cmd_demo(args) -> int:
    """Grade every lab's reference and starter and a sample quiz sheet, printing the reports."""
    course = Course.locate(args.course)
    console = _console()
    for lab in course.labs():
        for label, path, hidden in (
            ("reference (public + hidden sets)", lab.solution_path, True),
            ("starter (public sets)", lab.starter_path, False),
        ):
            console.print(Rule(f"{lab.id}: {label}"))
            result = grade_submission(lab, read_submission(path), include_hidden=hidden)
            report.render_terminal(result, args.lang, console)
    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)
        paper = make_paper(bank, DEMO_STUDENT)
        text = demo_sheet(paper)
        console.print(Rule(f"{quiz_id}: a sample sheet for student {DEMO_STUDENT}'s paper"))
        console.print(text, markup=False)
        sheet = Path("sample-answers.txt")  # shown in the report; nothing is written
        report.render_terminal(
            check_quiz(paper, parse_sheet(text, sheet, paper), sheet), args.lang, console
        )
    return EXIT_OK


def cmd_serve(args) -> int:
    # Imported here: the web stack (FastAPI, uvicorn) is for `serve` only.
    from graders.web.server import serve

    serve(
        host=args.host,
        port=args.port,
        db=args.db,
        course=Course.locate(args.course),
        roster=Path(args.roster) if args.roster else None,
        use_warm=not args.cold,
        https=args.https,
        rate_count=args.rate,
        lang=args.lang,
        queue=args.queue,
        broker=args.broker,
    )
    return EXIT_OK


def cmd_worker(args) -> int:
    # Imported here: Celery is for `worker` and `serve --queue celery` only.
    from graders.web.config import load_config
    from graders.web.tasks import run_worker

    if args.concurrency < 1:
        raise UsageError("web.worker_bad_concurrency", value=args.concurrency)
    config = load_config().with_overrides(broker_url=args.broker, db_url=args.db)
    run_worker(
        config,
        course_root=Course.locate(args.course).root,
        concurrency=args.concurrency,
        name=args.name,
        lang=args.lang,
    )
    return EXIT_OK


def _batch_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSIONS",
        help="a file, or several: files, folders, nbgrader submitted/ trees, .zip exports",
    )
    sub.add_argument(
        "--workers", type=int, help="submissions graded at once (default: the number of cores)"
    )
    sub.add_argument(
        "--db", help="gradebook file or SQLAlchemy URL (default: seqlab-gradebook.sqlite)"
    )
    sub.add_argument("--feedback", metavar="DIR", help="write feedback files into DIR")
    sub.add_argument("--assignment", help="nbgrader assignment name (default: the lab id)")
    sub.add_argument(
        "--regrade", action="store_true", help="grade again what the gradebook already has"
    )
    sub.add_argument(
        "--cold",
        action="store_true",
        help="no warm workers: a fresh sandboxed process per submission (slower)",
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang", choices=LANGS, default=argparse.SUPPRESS, help="zh (default) or en"
    )
    common.add_argument("--course", type=Path, default=argparse.SUPPRESS, help="course folder")
    parser = argparse.ArgumentParser(
        prog="seqlab", description="Auto-graded 头歌-style labs for sequence models."
    )
    parser.add_argument("--lang", choices=LANGS, default="zh")
    parser.add_argument("--course", type=Path, default=None)
    parser.add_argument(
        "--without",
        action="append",
        choices=LAYERS[1:],
        default=[],
        metavar="LAYER",
        help="switch off a sandbox layer (bwrap, seccomp, landlock, cgroup) to test a fallback",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command("list", cmd_list, "list the labs and quizzes")
    for name, handler, help_text in (
        ("check", cmd_check, "grade FILE on the public test sets (for students)"),
        (
            "grade",
            cmd_grade,
            "grade FILE, or many (files, folders, nbgrader trees, Moodle/Canvas zips) into a "
            "gradebook, on public and hidden test sets (for instructors)",
        ),
    ):
        sub = command(name, handler, help_text)
        if name == "check":
            sub.add_argument("file", metavar="FILE")
        else:
            _batch_arguments(sub)
        sub.add_argument("--lab", help="lab (or quiz) id (default: from the file name)")
        sub.add_argument("--json", action="store_true", help="print results as JSON")
        sub.add_argument(
            "--require-isolation",
            choices=LEVELS[1:],
            help="refuse to grade (exit 2) if this machine's sandbox is weaker than this",
        )
    gradebook = commands.add_parser("gradebook", help="the gradebook of batch grading")
    gradebook_commands = gradebook.add_subparsers(dest="gradebook_command", required=True)
    sub = gradebook_commands.add_parser(
        "export",
        parents=[common],
        help="export scores as CSV or Gradescope results.json",
        description="export the newest grade per student and lab",
    )
    sub.set_defaults(handler=cmd_gradebook_export)
    sub.add_argument("--db", help="gradebook file or URL (default: seqlab-gradebook.sqlite)")
    sub.add_argument("--lab", help="only this lab or quiz")
    what = sub.add_mutually_exclusive_group(required=True)
    what.add_argument("--csv", metavar="FILE", help="write student × lab scores to this new file")
    what.add_argument("--gradescope", metavar="DIR", help="write DIR/<lab>/<student>/results.json")
    sub.add_argument(
        "--per-set", action="store_true", help="with --csv: student × lab × set verdicts"
    )
    sub = command(
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
    command("doctor", cmd_doctor, "show which sandbox layers work on this machine, and why not")
    sub = command(
        "validate", cmd_validate, "CI gate: references pass, starters fail, files in sync"
    )
    sub.add_argument("--lab", action="append", help="only this lab (repeatable)")
    sub.add_argument(
        "--seeds", type=int, default=0, help="also grade every reference under N seeds"
    )
    sub = command("build", cmd_build, "regenerate starters from solutions")
    sub.add_argument("--record", action="store_true", help="also record expected outputs")
    sub.add_argument("--lab", action="append", help="only this lab (repeatable)")
    sub = command(
        "release",
        cmd_release,
        "write the student release: task pages, starters, notebooks, public sets, the engine, "
        "quiz papers without keys (no solutions, hidden sets, corpus or keys)",
    )
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
    export = commands.add_parser("export", help="the course for nbgrader or Gradescope")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    sub = export_commands.add_parser(
        "nbgrader",
        parents=[common],
        help="write an nbgrader course: source/<lab>/<lab>.ipynb with solutions and tests",
    )
    sub.set_defaults(handler=cmd_export, format="nbgrader")
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
    sub = export_commands.add_parser(
        "gradescope",
        parents=[common],
        help="write a Gradescope autograder zip (setup.sh, run_autograder) for one lab",
    )
    sub.set_defaults(handler=cmd_export, format="gradescope")
    sub.add_argument("--lab", required=True, help="lab id")
    sub.add_argument("dir", metavar="DIR", help="a new or empty folder")
    sub = command("sweep", cmd_sweep, "grade a program under many seeds")
    sub.add_argument("lab", metavar="LAB")
    sub.add_argument("--seeds", type=int, default=20, help="how many seeds (default 20)")
    sub.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    sub.add_argument("--file", help="program to sweep (default: the reference)")
    sub = command("mutate", cmd_mutate, "mutation score: does the grader fail wrong references?")
    sub.add_argument("lab", metavar="LAB")
    sub.add_argument("--json", action="store_true", help="print the report as JSON")
    sub.add_argument("--max", type=int, default=60, help="grade at most N mutants (default 60)")
    sub.add_argument(
        "--threshold", type=float, default=80, help="percent to kill for exit 0 (default 80)"
    )
    sub.add_argument(
        "--workers", type=int, default=default_workers(), help="parallel gradings (default ≤ 2)"
    )
    sub = command("new", cmd_new, "scaffold a new lab: solution, spec and task page")
    sub.add_argument("lab_id", metavar="LAB_ID")
    command("demo", cmd_demo, "grade every reference and starter and print the reports")
    sub = command("serve", cmd_serve, "the web platform on this machine (loopback only)")
    sub.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sub.add_argument("--db", help="database file or URL (default: seqlab-web.sqlite)")
    sub.add_argument("--roster", metavar="CSV", help="import username,name,password[,role] first")
    sub.add_argument("--cold", action="store_true", help="no warm workers: a fresh sandbox each")
    sub.add_argument("--https", action="store_true", help="behind an https proxy: Secure cookies")
    sub.add_argument(
        "--rate", type=int, default=5, help="lab submissions per student per minute (default 5)"
    )
    sub.add_argument(
        "--queue",
        choices=("embedded", "celery"),
        help="grade in this process (embedded, the default) or in `seqlab worker`s (celery)",
    )
    sub.add_argument("--broker", help="Celery broker URL (default redis://127.0.0.1:6379/0)")
    sub = command("worker", cmd_worker, "grade the web platform's submissions (Celery, Redis)")
    sub.add_argument(
        "--concurrency", type=int, default=1, help="grading processes, each warm (default 1)"
    )
    sub.add_argument(
        "--db", help="the database `seqlab serve` uses: file or URL (default: seqlab-web.sqlite)"
    )
    sub.add_argument("--broker", help="Celery broker URL (default redis://127.0.0.1:6379/0)")
    sub.add_argument("--name", help="this worker's name (default seqlab-<pid>@<host>)")

    quiz = commands.add_parser("quiz", help="multiple-choice quizzes")
    quiz_commands = quiz.add_subparsers(dest="quiz_command", required=True)

    def quiz_command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = quiz_commands.add_parser(
            name, parents=[common], help=help_text, description=help_text
        )
        sub.set_defaults(handler=handler)
        sub.add_argument("quiz", metavar="QUIZ")
        sub.add_argument("--student", help="student id: that student's own shuffled paper")
        return sub

    sub = quiz_command("check", cmd_quiz_check, "score an answer sheet (.txt, .json or .toml)")
    sub.add_argument("sheet", metavar="SHEET")
    sub.add_argument("--json", action="store_true", help="print results as JSON")
    sub.add_argument("--explain", action="store_true", help="also show answers and explanations")
    sub = quiz_command("paper", cmd_quiz_paper, "print or write a student's paper")
    sub.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    sub.add_argument("--output", help="write to this new file instead of printing")
    sub.add_argument("--key", action="store_true", help="include the answers (for instructors)")
    sub = quiz_command("take", cmd_quiz_take, "answer a quiz question by question in the terminal")
    sub.add_argument(
        "--feedback",
        choices=("end", "immediate"),
        default="end",
        help="show answers and explanations at the end (default) or after each question",
    )
    sub.add_argument("--save", help="save the answers as a sheet in this new file")
    return parser


def _switch_off_layers(layers: list[str]) -> None:
    # Through the environment, so processes we start (mutation workers, pytest) inherit it.
    if layers:
        switched = disabled_by_environment() | set(layers)
        os.environ[DISABLE_VARIABLE] = ",".join(sorted(switched))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _switch_off_layers(args.without)
    try:
        return args.handler(args)
    except SeqlabError as error:  # it names the user's files: their controls shown, not obeyed
        print(visible(error.render(args.lang)), file=sys.stderr)
        return EXIT_CANNOT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `seqlab ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # our own bug: say so plainly, keep the details for debugging
        if os.environ.get("SEQLAB_DEBUG"):
            raise
        message = say("internal", args.lang, error=f"{type(error).__name__}: {error}")
        print(visible(message), file=sys.stderr)
        return EXIT_CANNOT


if __name__ == "__main__":
    sys.exit(main())
