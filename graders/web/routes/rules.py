"""The instructor's page of the course calendar and rules: every setting of seqlab.toml's
[late], [quizzes], [scores] and [calendar.<id>] per lab and quiz, and the students'
extensions, saved to the database (seqlab_rules) and laid over the file — the file is the
default, a saved setting wins, a cleared one goes back to the file's (course_config.py).

A save is checked by the same reader as the file before anything is stored: a bad value is
refused with the setting named and its fix, and nothing of that form is kept.
"""

from __future__ import annotations

import difflib
import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, select

from graders.errors import SpecError
from graders.messages import say
from graders.settings import COURSE_CONFIG
from graders.store.course_config import ITEM_KEYS, Override, read_table
from graders.store.dead_ends import dead_ends, said
from graders.store.effective import course_rules
from graders.store.gradebook import Gradebook
from graders.store.record import rules_for
from graders.store.tables import Rule
from graders.web.deps import DB, CsrfChecked, Instructor, Lang, Posted, lang_of
from graders.web.lti.outbox import rules_changed
from graders.web.models import User, now
from graders.web.pages import render
from graders.web.routes.quizzes import quiz_ids

router = APIRouter()
COURSE_KEYS = (
    "of_record",
    "late_policy",
    "per_day",
    "floor",
    "attempts",
    "cooldown_minutes",
    "answers",
    "unlock",  # 关卡 unlocking: [unlock] mode and pass (store/unlock.py)
    "pass",
)
NUMBERS = ("per_day", "floor", "attempts", "cooldown_minutes", "pass")
FILE_NAMES = {"late_policy": ("late", "policy"), "of_record": ("scores", "of_record")}
FILE_NAMES |= {"unlock": ("unlock", "mode"), "pass": ("unlock", "pass")}


def _items(request: Request) -> list[str]:
    course = request.app.state.settings.course
    readable, _broken = course.readable_labs()
    return [lab.id for lab in readable] + quiz_ids(course)


def _file_value(table: dict, item: str, name: str) -> object:
    """What seqlab.toml says of the setting (shown greyed: the default)."""
    if item == "*":
        where, key = FILE_NAMES.get(name, ("quizzes" if name in COURSE_KEYS[4:] else "late", name))
        return table.get(where, {}).get(key, "")
    if name == "of_record":
        return table.get("scores", {}).get("labs", {}).get(item, "")
    entry = table.get("calendar", {}).get(item, {})
    value = entry.get(name, "")
    if name == "late_policy" and not value:  # [late]'s own name is read there too
        value = entry.get("policy", "")
    return ", ".join(value) if name == "requires" and isinstance(value, list) else value


def _file_extensions(table: dict) -> dict[tuple[str, str], object]:
    """(student, item) → the due time seqlab.toml's [extensions.<student>] gives."""
    found = table.get("extensions", {})
    return {
        (student, item): due
        for student, items in found.items()
        if isinstance(items, dict)
        for item, due in items.items()
    }


def _off_roster(db, wanted: dict, table: dict, lang: str) -> str:
    """The refusal of an extension saved on the web for someone not on the roster (a typo
    would give no one the extension), naming the nearest roster id; "" when all are known."""
    roster = set(db.scalars(select(User.username)))
    in_file = {student for student, _item in _file_extensions(table)}
    for _item, student, _name in wanted:
        if student and student not in roster and student not in in_file:
            near = difflib.get_close_matches(student, sorted(roster), n=1)
            shown = say("course.nearest_id", lang, near=near[0]) if near else ""
            return say("rules.unknown_student", lang, student=student, near=shown)
    return ""


def _typed(name: str, text: str) -> object:
    if name in NUMBERS:
        try:
            return int(text) if text.isdigit() else float(text)
        except ValueError:
            return text  # the reader names it, with its fix
    return text


def _field_of(name: object) -> tuple[str, str] | None:
    """The form field (item, name) a reader's setting name (`calendar.X.lock`, `late.per_day`)
    is entered in, so that its error is shown next to it; None when none is."""
    parts = str(name).split(".")
    if len(parts) == 3 and parts[:2] == ["scores", "labs"]:
        return parts[2], "of_record"
    if len(parts) == 3 and parts[0] == "calendar":
        return parts[1], {"policy": "late_policy"}.get(parts[2], parts[2])
    if len(parts) == 2 and parts[0] in ("late", "quizzes", "scores", "unlock"):
        back = {v: k for k, v in FILE_NAMES.items()}
        return "*", back.get((parts[0], parts[1]), parts[1])
    return None


def _form(request: Request, user, db, stored: dict, **shown) -> Response:
    """The rules page: `stored` the values in the fields (saved, or the instructor's refused
    entries, kept); `shown` error, error_at (item, name), saved, and the HTTP status."""
    root = request.app.state.settings.course.root
    table = read_table(root)[0]
    rows = [("*", COURSE_KEYS)] + [(item, (*ITEM_KEYS, "of_record")) for item in _items(request)]
    web_due = {(s, i): v for (i, s, n), v in stored.items() if s and n == "due"}
    from_file = _file_extensions(table)  # shown too, marked: a web value overrides them
    extensions = sorted(
        (s, i, web_due.get((s, i), ""), from_file.get((s, i), ""))
        for s, i in {*web_due, *from_file}
    )
    zone = table.get("course", {}).get("timezone", "UTC")
    # 关卡 unlocking and the calendar as saved: a 关卡 that can never open for someone.
    settings = request.app.state.settings
    calendar = course_rules(settings.course.root, settings.db_url).calendar
    readable, _broken = settings.course.readable_labs()
    levels = {lab.id: lab.level for lab in readable}
    lang = lang_of(request)
    warnings = [said(end, calendar, lang) for end in dead_ends(calendar, levels)]
    warnings += [  # an extension not later than the class's due: it extends nothing
        say("rules.extension_idle", lang, **idle) for idle in calendar.idle_extensions()
    ]
    status = shown.pop("status", 200)
    shown.setdefault("now_saved", {})
    return render(
        request,
        "rules_edit.html",
        user,
        status,
        rows=rows,
        stored=stored,
        file_value=lambda item, name: _file_value(table, item, name),
        extensions=extensions,
        zone=zone,
        config=COURSE_CONFIG,
        warnings=warnings,
        revision=revision(db),
        **{"error": "", "error_at": None, "saved": 0, "warning": "", "confirm": "", **shown},
    )


def revision(db) -> str:
    """The saved rules' revision, carried by the page: a save from a page opened before a
    colleague's save would silently replace theirs (the form holds every setting), so a save
    whose revision is not the current one is refused and the form shown again."""
    rows = sorted((r.item, r.student, r.name, repr(r.value)) for r in db.scalars(select(Rule)))
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _saved(db) -> dict:
    return {(r.item, r.student, r.name): r.value for r in db.scalars(select(Rule))}


def _conflict(request: Request, user, db, wanted: dict, lang: str) -> Response:
    """A colleague saved since this page was opened: the instructor's entries are kept, the
    settings they left empty show what is saved now (so a second Save keeps the colleague's),
    and each field whose saved value differs from the entry says it."""
    current = _saved(db)
    shown = {**current, **wanted}
    now_saved = {k: v for k, v in current.items() if wanted.get(k, v) != v}
    error = say("rules.changed_since", lang)
    return _form(request, user, db, shown, error=error, now_saved=now_saved, status=409)


def moved_scores(settings, rules) -> list[str]:
    """The students whose score of record of some lab or quiz the new rules would change."""
    book = Gradebook(settings.db_url)
    try:
        now_, then = (
            {(g.student, g.lab): g.score for g in book.of_record(r)}
            for r in (course_rules(settings.course.root, settings.db_url), rules)
        )
    finally:
        book.close()
    return sorted(
        {
            student
            for (student, lab) in {*now_, *then}
            if now_.get((student, lab)) != then.get((student, lab))
        }
    )


@router.get("/instructor/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, user: Instructor, db: DB, error: str = "", saved: int = 0
) -> Response:
    return _form(request, user, db, _saved(db), error=error, saved=saved)


@router.post("/instructor/rules", response_class=HTMLResponse)
def save_rules(
    request: Request, _csrf: CsrfChecked, user: Instructor, form: Posted, db: DB, lang: Lang
) -> Response:
    """Fields `set|<item>|<name>` and `ext|<student>|<item>` (empty: cleared), and one new
    extension (`new_student`, `new_item`, `new_due`)."""
    wanted: dict[tuple[str, str, str], object] = {}
    typed: dict[tuple[str, str, str], object] = {}  # as typed: shown again when refused
    current = revision(db)
    for key, value in form.multi_items():
        parts, text = key.split("|"), str(value).strip()
        if parts[0] == "set" and len(parts) == 3 and text:
            wanted[(parts[1], "", parts[2])] = _typed(parts[2], text)
            typed[(parts[1], "", parts[2])] = text
        elif parts[0] == "ext" and len(parts) == 3 and text:
            wanted[(parts[2], parts[1], "due")] = text
    student, item, due = (
        str(form.get(f"new_{k}") or "").strip() for k in ("student", "item", "due")
    )
    if student and item and due:
        wanted[(item, student, "due")] = due
    if form.get("revision") != current:  # a colleague saved since: nothing is replaced
        return _conflict(request, user, db, wanted, lang)
    problem = _off_roster(db, wanted, read_table(request.app.state.settings.course.root)[0], lang)
    error_at, rules = None, None
    if not problem:
        try:
            rules = rules_for(request.app.state.settings.course.root, [
                Override(i, s, n, v) for (i, s, n), v in wanted.items()
            ])  # fmt: skip
        except SpecError as error:
            problem, error_at = error.render(lang), _field_of(error.params.get("name"))
    if problem or rules is None:  # the form again, the error by its field, every entry kept
        kept = {**wanted, **typed}
        return _form(request, user, db, kept, error=problem, error_at=error_at, status=400)
    # The rules apply to every attempt already made: a change that moves scores of record
    # (late answers closed after some were taken) is said, with whose, and saved only when
    # the same change is saved again (README, "Calendar and rules").
    # The confirmation covers the saved rules it was given against too: never applied to a
    # state the instructor was not warned about.
    change = repr((current, sorted(wanted.items(), key=repr)))
    change = hashlib.sha256(change.encode()).hexdigest()[:16]
    moved = moved_scores(request.app.state.settings, rules)
    if moved and form.get("confirm") != change:
        shown = ", ".join(moved[:10]) + (" …" if len(moved) > 10 else "")
        warning = say("rules.scores_change", lang, n=len(moved), who=shown)
        return _form(request, user, db, wanted, warning=warning, confirm=change, status=409)
    db.execute(delete(Rule))  # the form holds every setting: what it leaves empty is cleared
    for (i, s, n), v in wanted.items():
        db.add(Rule(item=i, student=s, name=n, value=v, changed_by=user.username, changed_at=now()))
    db.commit()
    # Any score of record may have changed: the LMS gets the changed ones (AGS), as after an
    # override, in the background.
    settings = request.app.state.settings
    rules_changed(settings.db_url, settings.course.root)
    return RedirectResponse("/instructor/rules?saved=1", status_code=303)
