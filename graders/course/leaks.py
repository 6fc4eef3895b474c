"""`seqlab validate`'s warning when a later lab's starter hands out an earlier lab's answer:
distinctive lines of the earlier reference's blank bodies (a long code line that is not in
the earlier starter) found verbatim in the later starter, while the course does not lock the
order (关卡 unlocking, graders/store/unlock.py). seq2seq-attention's starter, for one, holds
seq2seq's make_batch and training loop as fixed code.

A warning, not a failure: `seqlab validate --strict` makes it fail CI.
"""

from __future__ import annotations

from collections.abc import Iterator

from graders.markers import is_marker, parse
from graders.spec import Course, LabSpec
from graders.store.record import rules_for
from graders.store.unlock import UnlockRules

MIN_CHARS = 24  # shorter lines (`return h`, `x = x + 1`) are common to many programs
MIN_LINES = 2  # one shared line can be chance; two distinctive ones are copied code
SHOWN = 3


def _distinctive(lab: LabSpec) -> list[str]:
    """The reference's blank lines that are long code lines and not in its own starter."""
    text = lab.solution_path.read_text(encoding="utf-8")
    starter = {line.strip() for line in lab.starter_path.read_text(encoding="utf-8").splitlines()}
    found = []
    for blank in parse(text, str(lab.solution_path)).blanks:
        for line in blank.body:
            code = line.strip()
            fresh = code not in starter and code not in found and not code.startswith("#")
            if fresh and len(code) >= MIN_CHARS and not is_marker(line):
                found.append(code)
    return found


def _locked_after(rules: UnlockRules, later: str, earlier: str, levels: dict) -> bool:
    """Whether `later` opens only once `earlier` is passed (directly or through others)."""
    seen, todo = set(), [later]
    while todo:
        item = todo.pop()
        for needed in rules.required(item, levels) if rules.active else ():
            if needed == earlier:
                return True
            if needed not in seen:
                seen.add(needed)
                todo.append(needed)
    return False


def held_answers(labs: list[LabSpec]) -> Iterator[tuple[LabSpec, LabSpec, list[str]]]:
    """(later, earlier, its lines) for each later starter among `labs` holding an earlier
    lab's blanks: what a release of these labs hands out at once."""
    lines = {lab.id: _distinctive(lab) for lab in labs}
    for later in labs:
        starter = {line.strip() for line in later.starter_path.read_text("utf-8").splitlines()}
        for earlier in labs:
            if earlier is later or (earlier.level or 0) >= (later.level or 0):
                continue
            shared = [line for line in lines[earlier.id] if line in starter]
            if len(shared) >= MIN_LINES:
                yield later, earlier, shared


def leaks(course: Course) -> Iterator[tuple[LabSpec, LabSpec, list[str]]]:
    """held_answers, where the course does not lock the order (a locked later lab is not
    served on the web before the earlier one is passed)."""
    labs = course.labs()
    rules = rules_for(course.root).calendar.unlock
    levels = {lab.id: lab.level for lab in labs}
    for later, earlier, shared in held_answers(labs):
        if not _locked_after(rules, later.id, earlier.id, levels):
            yield later, earlier, shared
