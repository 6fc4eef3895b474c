"""The class report's "common mistakes" section: what clusters.py found, in words.

Per set, the named clusters (any size) and the unnamed ones at least MIN_UNNAMED students
share, biggest first, each with an example student and, on a public set, what that student's
program printed (or the exception line it died on). A hidden set shows counts and names only.

A cluster no member's result names may match a mistake named since they were graded (the
staff named it from this page): the lab's records name it now, so the page says so.

On the web each unnamed public cluster carries a small form that names it (routes/mistakes.py
adds the example's blanks to the lab's corpus). The report is built once for every reader, so
the form's CSRF field is a slot the serving route fills for the reader (CSRF_SLOT: an HTML
comment, which no escaped text can spell); the offline report has no form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graders.batch.clusters import CRASH, OUTPUT, Cluster, SetClusters
from graders.errors import SpecError
from graders.messages import say
from graders.mistakes import Records, error_line, load_records, match, usable
from graders.results import LabResult, TestResult
from graders.spec import LabSpec

MIN_UNNAMED = 2  # an unnamed output printed by fewer students is not shown as a cluster
MAX_LINES, MAX_CHARS = 8, 600  # an example's output, cut to this
CSRF_SLOT = "<!--csrf-->"
WORDS = {  # the section's headings and the form's labels
    "students": "report.cluster_students",
    "mistake": "report.cluster_mistake",
    "example": "report.cluster_example",
    "output": "report.cluster_output",
    "name_it": "report.cluster_name_it",
    "name_zh": "report.cluster_name_zh",
    "name_en": "report.cluster_name_en",
    "hint_zh": "report.cluster_hint_zh",
    "hint_en": "report.cluster_hint_en",
    "blank": "report.cluster_blank",
    "blank_help": "report.cluster_blank_help",
    "submit": "report.cluster_submit",
}


@dataclass(frozen=True)
class NameForm:
    test: str
    student: str  # the example, whose blanks become the corpus entry


@dataclass(frozen=True)
class ClusterRow:
    count: str  # "3 students"
    name: str  # the mistake's name, or "not named"
    named: bool
    example: str  # the example student (a link on the web); "" on a hidden set
    shown: str  # what the example printed, or its exception line; "" on a hidden set
    form: NameForm | None


@dataclass(frozen=True)
class SetMistakes:
    title: str
    hidden: bool  # then the rows have no example and no output, and the table no such columns
    rows: tuple[ClusterRow, ...]
    rest: str  # how many wrong answers were alone in what they printed, or ""


@dataclass(frozen=True)
class MistakesView:
    heading: str
    how: str
    sets: tuple[SetMistakes, ...]
    nothing: str  # no wrong answer anywhere
    action: str | None  # where the forms post (the web), None offline
    csrf_slot: str
    words: dict[str, str]


def _records(lab: LabSpec) -> Records | None:
    try:
        return load_records(lab)
    except SpecError:  # an unreadable records file: validate says so; the report goes on
        return None


def _recorded(lab: LabSpec, records: Records | None, result: TestResult) -> dict | None:
    """The mistake the lab's records name this public result as, now."""
    test = next((t for t in lab.tests if t.name == result.name), None)
    if records is None or test is None or result.actual is None:
        return None
    crash = error_line(result.stderr or "") if result.verdict.code == "RE" else None
    found = match(test, result.actual, usable(records, test), crash or None)
    return dict(found.name) if found else None


def _cut(text: str) -> str:
    lines = text.split("\n")
    cut = "\n".join(lines[:MAX_LINES])[:MAX_CHARS]
    return cut + "\n…" if cut != text.rstrip("\n") else cut


def _shown(cluster: Cluster, result: TestResult, lang: str) -> str:
    if cluster.kind == CRASH:
        return cluster.signature
    if cluster.kind == OUTPUT:
        return _cut(result.actual or "")
    return result.verdict.label(lang)


def _row(
    cluster: Cluster,
    result: TestResult,
    lab: LabSpec,
    records: Records | None,
    lang: str,
    name: Callable[[str], str],
    web: bool,
) -> ClusterRow:
    count = say("report.cluster_count", lang, count=cluster.size)
    mistake, later = cluster.mistake, False
    hidden = cluster.kind == "hidden"
    if mistake is None and not hidden:
        mistake = _recorded(lab, records, result)
        later = mistake is not None
    if mistake is None:
        title = say("report.cluster_not_named", lang)
    else:
        title = mistake[lang] + (say("report.cluster_named_since", lang) if later else "")
    if hidden:
        return ClusterRow(count, title, mistake is not None, "", "", None)
    form = NameForm(cluster.test, cluster.example) if web and mistake is None else None
    return ClusterRow(
        count,
        title,
        mistake is not None,
        name(cluster.example),
        _shown(cluster, result, lang),
        form,
    )


def mistakes_view(
    lab: LabSpec,
    found: tuple[SetClusters, ...],
    results: dict[str, LabResult | None],
    lang: str,
    name: Callable[[str], str] = str,
    action: str | None = None,
) -> MistakesView:
    """`results`: student → their result (for an example's output); `action`: where the
    naming forms post (None: no forms)."""
    records = _records(lab)
    sets = []
    for one in found:
        if not one.clusters:
            continue
        shown = [c for c in one.clusters if one.hidden or c.mistake or c.size >= MIN_UNNAMED]
        alone = one.wrong - sum(c.size for c in shown)
        rows = []
        for cluster in shown:
            lab_result = results[cluster.example]
            assert lab_result is not None  # a student in a cluster has a result
            result = next(t for t in lab_result.tests if t.name == one.test)
            rows.append(_row(cluster, result, lab, records, lang, name, action is not None))
        hidden = f" ({say('report.class_hidden', lang)})" if one.hidden else ""
        sets.append(
            SetMistakes(
                say("report.cluster_set", lang, set=one.test, hidden=hidden, wrong=one.wrong),
                one.hidden,
                tuple(rows),
                say("report.cluster_alone", lang, count=alone) if alone else "",
            )
        )
    return MistakesView(
        heading=say("report.cluster_heading", lang),
        how=say("report.cluster_how", lang, least=MIN_UNNAMED),
        sets=tuple(sets),
        nothing=say("report.cluster_nothing", lang),
        action=action,
        csrf_slot=CSRF_SLOT,
        words={word: say(key, lang) for word, key in WORDS.items()},
    )
