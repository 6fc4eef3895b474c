"""Grade one submission: splice → run every test set → compare → results. Never prints.

The runner is a parameter (sandbox.run_sets by default) so the whole judging logic can be
tested with a fake that returns prepared RunResults.

`progress`, when given, is told each public set's result as soon as its run hands it over
(the runner's `on_set`): judged here at once, on the trusted side, exactly as the final
result judges it. A preview only: the final LabResult, returned once every set is done, is
the one fact of record (it also names mistakes, which needs every set) and replaces it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from graders.cells import NotebookProgram, locked_cell_edits
from graders.comparators import Outcome, compare
from graders.errors import SpecError
from graders.losses import split as split_losses
from graders.markers import splice
from graders.mistakes import accepted, consistent, error_line, load_records, usable
from graders.results import LabResult, TestResult
from graders.rules import Finding, Unparsable, check
from graders.sandbox import RunResult, SetDone, Stream, current, run_sets
from graders.settings import feedback_rules
from graders.spec import LabSpec, Limits, TestSet, course_secrets
from graders.submission import Submission, read_text
from graders.verdict import PRECEDENCE, Verdict

Runner = Callable[..., list[RunResult]]
# A public set's result, with its number in the final result (1, 2, …), as soon as it is judged.
Progress = Callable[[int, TestResult], None]


def course_text(path: Path, lab: LabSpec) -> str:
    if not path.is_file():
        raise SpecError("spec.missing_file", lab=lab.id, path=path)
    return read_text(path)


def grade_submission(
    lab: LabSpec,
    submission: Submission,
    *,
    include_hidden: bool,
    runner: Runner = run_sets,
    staff: list[TestResult] | None = None,
    progress: Progress | None = None,
    trusted: bool = False,
) -> LabResult:
    """Splice the submission's blanks into the lab template and grade the result. `staff`,
    `trusted`: see grade_program; `progress`: the module's docstring."""
    template_path = lab.starter_path
    spliced = splice(
        course_text(template_path, lab),
        submission.text,
        template_path=str(template_path),
        path=str(submission.path),
        lab=lab.id,
    )
    ignored, cells = spliced.ignored_lines, ()
    if submission.places is not None:
        notebook = NotebookProgram(submission.text, submission.places)
        ignored, cells = locked_cell_edits(notebook, ignored, spliced.added_lines)
    return grade_program(
        lab,
        spliced.program,
        file=str(submission.path),
        include_hidden=include_hidden,
        ignored_lines=ignored,
        ignored_cells=cells,
        line_map=spliced.submission_line,
        places=submission.places,
        runner=runner,
        staff=staff,
        progress=progress,
        trusted=trusted,
    )


def grade_program(
    lab: LabSpec,
    program: str,
    *,
    file: str,
    include_hidden: bool,
    ignored_lines: tuple[int, ...] = (),
    ignored_cells: tuple[int, ...] = (),
    line_map: Sequence[int | None] | None = None,
    places: Sequence[tuple[int, int] | None] | None = None,
    runner: Runner = run_sets,
    staff: list[TestResult] | None = None,
    progress: Progress | None = None,
    trusted: bool = False,
) -> LabResult:
    """Run an already complete program against the lab's test sets.

    `staff`, when given, receives each hidden set's result judged as if it were public (its
    input, expected and actual output): for the course staff's own store only (the web keeps
    it apart from the attempt, graders/web/models.py HiddenResult). The LabResult never
    holds it.

    Public and hidden sets run in separate runs: a process that can see a hidden input never
    has a channel the student sees (its output, before the fork or in a sibling set), and the
    hidden run's output is judged here and never shown. A lab that trains trains twice; the
    two runs start side by side (threads that wait on sandboxed processes), but the hidden
    run is held at a gate (sandbox/wiring.py) until the public run has ended: its input
    arrives only then, so no process holding a hidden input is ever alive beside one whose
    output is shown, whatever they could share (file locks, timing). Its training overlaps the
    public run's, so where the runner has the room it costs little more wall time than one.
    `trusted`: the course's own code (`seqlab validate`, `sweep`, the pytest plugin), whose
    author sees every output anyway: one run for all sets, so a lab that trains trains once."""
    tests = lab.selected_tests(include_hidden)
    started = time.monotonic()
    map_lines = _LineMapper(lab.entry, Path(file).name, line_map, places)
    rules = {t.name: _judge_rules(t, program, map_lines) for t in tests if t.rules}
    # A program that breaks a code rule is not run: the rule is the lab (see spec.RULES_SET).
    broken = any(result.verdict is Verdict.WRONG_ANSWER for result in rules.values())
    groups = [] if broken else lab.run_groups(include_hidden, trusted)
    public_done = threading.Event()
    public_seconds = 0.0  # the time a student may see: the hidden run's would be a channel
    previews = _Previews(progress, tests, lab.limits, map_lines)

    def run(group: tuple[TestSet, ...]) -> list[RunResult]:
        nonlocal public_seconds
        stdins = [test.stdin for test in group]
        hidden = group[0].hidden
        options: dict = {"after": public_done} if hidden and len(groups) > 1 else {}
        if progress is not None and not hidden:  # a hidden set is never previewed
            options["on_set"] = previews.handler(group)
        try:
            return runner(
                program, lab.entry, stdins, lab.limits, fork_at_input=lab.fork_at_input, **options
            )
        finally:
            if not hidden:
                public_seconds = time.monotonic() - started
                public_done.set()

    with (
        previews,
        ThreadPoolExecutor(max(len(groups), 1), thread_name_prefix="seqlab-run") as pool,
    ):
        outcomes = list(pool.map(run, groups))
    runs: dict[str, RunResult] = {}
    for group, group_runs in zip(groups, outcomes, strict=True):
        runs.update(zip((test.name for test in group), group_runs, strict=True))
    results = tuple(
        rules[test.name]
        if test.name in rules
        else _not_run(test)
        if broken
        else judge(test, runs[test.name], lab.limits, map_lines)
        for test in tests
    )
    results = name_mistakes(lab, tests, runs, results)
    shown = [runs[t.name] for t in tests if t.name in runs and not t.hidden] or list(runs.values())
    if staff is not None:
        staff[:] = [
            replace(
                judge(replace(test, hidden=False), runs[test.name], lab.limits, map_lines),
                hidden=True,
            )
            for test in tests
            if test.hidden and test.name in runs
        ]
    shared = next((run.shared_seconds for run in shown if run.shared_seconds is not None), None)
    return LabResult(
        lab=lab.id,
        title=lab.title,
        file=file,
        tests=results,
        isolation=current(course_secrets(lab.course_root)),
        execution_time=public_seconds,
        ignored_lines=ignored_lines,
        ignored_cells=ignored_cells,
        shared_seconds=shared,
        hidden_not_run=len(lab.tests) - len(tests) + lab.withheld_sets,
    )


class _Previews:
    """Judges each public set the runner hands over and tells `progress`, on a thread of its
    own: the runner calls on the thread that keeps the sets' clocks, which must not wait for
    a comparison or for what the caller does with it (a database write). Once per set (a run
    repeated on a fresh warm worker hands its sets over again), in the order they ended; all
    told before the final result is returned (the `with` block waits)."""

    def __init__(
        self,
        progress: Progress | None,
        tests: Sequence[TestSet],
        limits: Limits,
        map_lines: Callable[[str], str],
    ) -> None:
        self.progress, self.limits, self.map_lines = progress, limits, map_lines
        self.number = {test.name: number for number, test in enumerate(tests, 1)}
        self.told: set[str] = set()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="seqlab-progress")

    def handler(self, group: tuple[TestSet, ...]) -> SetDone:
        def handed(index: int, run: RunResult) -> None:
            test = group[index]
            with self.lock:
                if test.hidden or test.name in self.told:
                    return
                self.told.add(test.name)
            self.pool.submit(self._tell, test, run)

        return handed

    def _tell(self, test: TestSet, run: RunResult) -> None:
        assert self.progress is not None and not test.hidden
        # A caller's failure to show a preview is its own to report (the final result is
        # what counts), so it is left in the future, never raised into the grading.
        self.progress(self.number[test.name], judge(test, run, self.limits, self.map_lines))

    def __enter__(self) -> _Previews:
        return self

    def __exit__(self, *exc_info) -> None:
        self.pool.shutdown(wait=True)


def name_mistakes(
    lab: LabSpec, tests: Sequence[TestSet], runs: dict[str, RunResult], results: tuple
) -> tuple[TestResult, ...]:
    """Each wrong answer that matches a named mistake's recorded output gets its name (and
    hint, if the course shows hints). Here, while the hidden sets' outputs are still at hand:
    a hidden set is named too, and its result still holds no data."""
    named_verdicts = (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)
    if not any(result.verdict in named_verdicts for result in results):
        return results
    mode = feedback_rules(lab.course_root).mode(lab.id)
    records = load_records(lab) if mode != "off" else None
    if records is None:
        return results
    per_set = []
    for test, result in zip(tests, results, strict=True):
        run = runs.get(test.name)  # none: a set not run (a code rule broken)
        found: list = []
        if run is not None and result.verdict is Verdict.WRONG_ANSWER:
            found = accepted(test, _text(run.stdout), usable(records, test))
        elif run is not None and result.verdict is Verdict.RUNTIME_ERROR:
            crash = error_line(_text(run.stderr))
            found = accepted(test, _text(run.stdout), usable(records, test), crash=crash)
        per_set.append(found)
    named = []
    for result, found in zip(results, consistent(per_set), strict=True):
        if found is not None:
            hint = dict(found.hint) if mode == "hints" and found.hint else None
            result = replace(result, mistake=dict(found.name), hint=hint)
        named.append(result)
    return tuple(named)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


class _LineMapper:
    """Rewrites traceback lines of the spliced program to the student's own line numbers:
    in a notebook (`places`, graders/cells.py), the cell and the line within it."""

    def __init__(
        self,
        program_name: str,
        shown_name: str,
        line_map: Sequence[int | None] | None,
        places: Sequence[tuple[int, int] | None] | None = None,
    ):
        self.pattern = re.compile(rf'File "{re.escape(program_name)}", line (\d+)')
        self.shown_name, self.line_map, self.places = shown_name, line_map, places

    def line(self, number: int) -> int:
        """A program line as the student's file numbers it (itself where it has no match)."""
        mapped = self.line_map[number] if self.line_map and number < len(self.line_map) else None
        return number if mapped is None else mapped

    def __call__(self, stderr: str) -> str:
        if not self.line_map:
            return stderr

        def replace(match: re.Match[str]) -> str:
            number = int(match[1])
            mapped = self.line_map[number] if number < len(self.line_map) else None
            if mapped is None:
                return match[0]  # a template line the student's file does not have
            place = self.places[mapped] if self.places and mapped < len(self.places) else None
            if place is not None:
                return f'File "{self.shown_name}", cell {place[0]}, line {place[1]}'
            return f'File "{self.shown_name}", line {mapped}'

        return self.pattern.sub(replace, stderr)


def _failure(run: RunResult, limits: Limits) -> tuple[Verdict, str, dict[str, object]] | None:
    """What went wrong with the run itself; None for a clean run. A run can show several
    problems at once (a limit kills it, so it also ends on a signal): the one reported is the
    first by PRECEDENCE, and among a verdict's own details the first listed here."""
    problems: list[tuple[Verdict, str, dict[str, object]]] = []
    if run.output_exceeded:
        # Printed (stdout) or written to standard error: the student looks for the flood there.
        key = "detail.output_stderr" if run.overflowed is Stream.STDERR else "detail.output"
        problems.append((Verdict.OUTPUT_LIMIT, key, {"kb": limits.output_kb}))
    if run.timed_out:
        seconds = run.time_limit if run.time_limit is not None else limits.wall_seconds
        problems.append((Verdict.TIME_LIMIT, "detail.timeout", {"seconds": f"{seconds:g}"}))
    if run.memory_exceeded:
        problems.append((Verdict.MEMORY_LIMIT, "detail.memory", {"mb": limits.memory_mb}))
    if not run.reported:
        problems.append((Verdict.RUNTIME_ERROR, "detail.no_report", {}))
    if run.signal is not None:
        problems.append((Verdict.RUNTIME_ERROR, "detail.signal", {"signal": run.signal}))
    if run.exit_code != 0:
        problems.append((Verdict.RUNTIME_ERROR, "detail.exit_code", {"code": run.exit_code}))
    # min() keeps the first of equals: the order above decides only within one verdict.
    return min(problems, key=lambda problem: PRECEDENCE.index(problem[0]), default=None)


_OUTCOME_VERDICT = {
    Outcome.MATCH: Verdict.ACCEPTED,
    Outcome.WHITESPACE_ONLY: Verdict.PRESENTATION_ERROR,
    Outcome.MISMATCH: Verdict.WRONG_ANSWER,
}


def judge(
    test: TestSet, run: RunResult, limits: Limits, map_lines: Callable[[str], str] = str
) -> TestResult:
    """One test set's verdict, decided here from the run's observable facts and its output.
    A hidden set's result holds its verdict and score only: no data, and no time or memory
    either, which its program controls and could use to spell out its input."""
    actual = _text(run.stdout)
    failure = _failure(run, limits)
    if failure is None:
        comparison = compare(test.comparator, expected=test.expected, actual=actual, **test.options)
        verdict = _OUTCOME_VERDICT[comparison.outcome]
        detail_key, detail = comparison.detail_key, comparison.detail
    else:
        verdict, detail_key, detail = failure
    # A hidden set's result never holds its data, so no report can leak it by mistake.
    shown = not test.hidden
    # A lab with a loss curve: its template's marked stderr line is the curve, not an error
    # message (graders/losses.py); kept for a shown set only, so never from a hidden one.
    stderr, losses = _text(run.stderr), ()
    if shown and any(p.get("kind") == "curve" for p in test.pictures):
        stderr, losses = split_losses(stderr)
    return TestResult(
        name=test.name,
        verdict=verdict,
        score=test.points if verdict.passed else 0,
        max_score=test.points,
        hidden=test.hidden,
        input=test.stdin if shown else None,
        expected=test.expected if shown else None,
        actual=actual if shown else None,
        stderr=(map_lines(stderr) or None) if shown else None,
        detail_key=detail_key if shown else None,
        detail=detail if shown else {},
        wall_seconds=run.wall_seconds if shown else None,
        peak_memory_mb=run.peak_memory_kb // 1024 if shown else None,
        comparator=test.comparator if shown else None,
        options=dict(test.options) if shown else {},
        pictures=test.pictures if shown else (),
        losses=losses,
    )


def _rules_detail(finding: Finding, shown_name: str, map_lines: _LineMapper) -> dict[str, object]:
    detail: dict[str, object] = {"file": shown_name, "reason": dict(finding.rule.reason)}
    if finding.rule.kind != "require":
        lines = sorted({map_lines.line(n) for n in finding.lines})
        detail.update(lines=", ".join(map(str, lines)), written=finding.written)
        return {**detail, "name": finding.name}
    span = finding.span or (0, 0)
    first, last = map_lines.line(span[0]), map_lines.line(span[1])
    return {**detail, "names": ", ".join(finding.rule.names), "lines": f"{first}-{last}"}


def _judge_rules(test: TestSet, program: str, map_lines: _LineMapper) -> TestResult:
    """The code-rules set: the first rule the blanks do not keep, named with its line in the
    student's file and the page's reason; or every reason, when all are kept."""
    try:
        findings = check(program, test.rules)
    except Unparsable as error:
        key, verdict = "detail.rules_unparsable", Verdict.RUNTIME_ERROR
        detail: dict[str, object] = {
            "file": map_lines.shown_name,
            "line": map_lines.line(error.line),
        }
    else:
        if findings:
            first = findings[0]
            verdict = Verdict.WRONG_ANSWER
            forbidden = first.rule.kind == "forbid"
            key = "detail.rule_broken" if forbidden else "detail.rule_missing"
            if forbidden and first.written == first.name:
                key = "detail.rule_broken_plain"
            if first.how == "handed":
                key = "detail.rule_handed"
            elif first.rule.kind in ("imports", "template", "attributes"):  # rules_template.py
                key = {"imports": "detail.rule_import", "template": "detail.rule_template"}.get(
                    first.rule.kind, "detail.rule_attribute"
                )
            detail = _rules_detail(first, map_lines.shown_name, map_lines)
        else:
            key, verdict = "detail.rules_kept", Verdict.ACCEPTED
            langs = test.rules[0].reason
            detail = {
                "reasons": {lang: " ".join(r.reason[lang] for r in test.rules) for lang in langs}
            }
    return TestResult(
        name=test.name,
        verdict=verdict,
        score=test.points if verdict.passed else 0,
        max_score=test.points,
        detail_key=key,
        detail=detail,
        comparator=test.comparator,
    )


def _not_run(test: TestSet) -> TestResult:
    """A set not run because the code breaks a rule: 0, and why (a hidden set says no more)."""
    shown = not test.hidden
    return TestResult(
        name=test.name,
        verdict=Verdict.WRONG_ANSWER,
        score=0,
        max_score=test.points,
        hidden=test.hidden,
        input=test.stdin if shown else None,
        expected=test.expected if shown else None,
        detail_key="detail.not_run_rules" if shown else None,
    )
