"""The course's effective rules: seqlab.toml with the settings instructors saved on the web
(seqlab_rules) laid over it. The one function every reader of the score of record calls — the
web's pages and API, the LTI passback, and the CLI's `gradebook export|history` and `report`
whenever they have the database — so that a web-saved setting wins everywhere (README)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.settings import COURSE_CONFIG
from graders.store.course_config import Override
from graders.store.database import engine_for
from graders.store.record import RecordRules, rules_for
from graders.store.tables import Rule


def course_rules(course_root: Path, db_url: str | None = None) -> RecordRules:
    """The course's rules, seqlab.toml's with the instructor's web settings laid over them,
    read again when either changes (no restart needed); the file's alone without a database."""
    if db_url is None:
        return rules_with(course_root, ())
    with Session(engine_for(db_url)) as session:
        return rules_with(course_root, web_rules(session))


def rules_with(course_root: Path, overrides: tuple[Override, ...]) -> RecordRules:
    config = course_root / COURSE_CONFIG
    changed = config.stat().st_mtime_ns if config.is_file() else None
    return _rules_as_of(course_root, changed, overrides)


def web_rules(session: Session) -> tuple[Override, ...]:
    """The settings instructors saved on the web (routes/rules.py writes them)."""
    query = select(Rule).order_by(Rule.id)
    return tuple(Override(r.item, r.student, r.name, r.value) for r in session.scalars(query))


@lru_cache(maxsize=8)
def _rules_as_of(
    course_root: Path, _changed: int | None, overrides: tuple[Override, ...]
) -> RecordRules:
    return rules_for(course_root, overrides)
