"""The class report off the request path: built in a worker process, kept until the lab has
new graded attempts.

A class report compares every pair of submissions (similarity.py, copydetect): for a class of
200, seconds of pure-Python CPU. Built in the event loop it froze every student's page for as
long; built in a thread it still slowed them, as it held the interpreter's lock most of the
time. So a report is built in a process of its own (our code over the submissions' text —
no submission runs there), one at a time, and a request only looks: a report whose key — how
many gradebook rows the lab has, the newest one's id and the rule — is the lab's current key is
served; otherwise its build is started (or is under way) and the page says it is being
prepared and reloads itself. Once a report is built it is shown even if more attempts were
graded meanwhile (a class submitting without pause would otherwise keep its instructor
waiting forever), but then said to be updating: a report is served as current only for the
key it was built from, whatever address asked for it. Reports are built ahead of any visit:
at the server's start for the labs with a class's worth of results, at a quiet spell for one
that reaches it later, and again after newer results (bench/report_bench.py times each case).

One cache per web process; nothing is written to disk or to the database.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders.batch.class_report import load_records, render_class_report
from graders.batch.similarity import DEFAULT_THRESHOLD, Memo
from graders.batch.similarity import compare as compare_similarity
from graders.messages import LANGS
from graders.mistakes import records_path
from graders.spec import LabSpec
from graders.store.effective import course_rules, rules_with, web_rules
from graders.store.tables import Grade, ScoreOverride
from graders.web.models import User, engine_for
from graders.web.scores import student_page

REFRESH_SECONDS = 20.0  # a quiet spell after which the built reports are brought up to date
PREBUILD_FROM = 30  # gradebook rows from which a lab's report is built when the server starts

# (the lab's gradebook rows, the newest one's id, the rule, its overrides, those removed,
# the lab's named-mistake records' version: a mistake named from the report renames clusters,
# the rows an instructor chose as scores of record, the roster's roles: a student re-imported
# as staff leaves the report, as the CSV)
Key = tuple[int, int, str, int, int, int, tuple[int, ...], str]


def report_key(db: Session, lab: LabSpec) -> Key:
    """What the report is built from: everything that decides a score of record (record.py)
    — the lab's gradebook rows (a regrade replaces a row, with a new id), the rows chosen
    (`gradebook choose`), the course's rules and calendar as saved on the web, the staff's
    overrides and their removal — so that any change of one is a new report."""
    count, newest = db.execute(
        select(func.count(), func.max(Grade.id)).where(Grade.lab == lab.id)
    ).one()
    chosen = tuple(
        db.scalars(select(Grade.id).where(Grade.lab == lab.id, Grade.chosen).order_by(Grade.id))
    )
    overrides, removed = db.execute(
        select(func.count(), func.count(ScoreOverride.removed_at)).where(
            ScoreOverride.lab == lab.id
        )
    ).one()
    roles = [
        tuple(row) for row in db.execute(select(User.username, User.role).order_by(User.username))
    ]
    roles = hashlib.sha256(repr(roles).encode()).hexdigest()[:16]  # the same in every process
    rules = rules_with(lab.course_root, web_rules(db))  # its calendar too: extensions count
    rule = f"{rules.rule(lab.id)} {rules.calendar!r}"
    try:
        named = records_path(lab).stat().st_mtime_ns
    except OSError:
        named = 0
    return (
        int(count or 0),
        int(newest or 0),
        rule,
        int(overrides or 0),
        int(removed or 0),
        named,
        chosen,
        roles,
    )


def naming_action(lab_id: str) -> str:
    """Where the report's forms that name a mistake post (routes/mistakes.py)."""
    return f"/instructor/labs/{quote(lab_id, safe='')}/mistakes"


def build_report(
    db_url: str, lab: LabSpec, memo: Memo | None = None
) -> tuple[Key, dict[str, str], Memo]:
    """The class report of the lab's score of record per student (the gradebook's, as every
    page and export reads it), in every language, the key it was built from, and the
    similarity memo (what the last build compared, reused: only new code is compared)."""
    memo = Memo() if memo is None else memo
    with Session(engine_for(db_url)) as db:
        key = report_key(db, lab)
    rules = course_rules(lab.course_root, db_url)
    records = load_records(db_url, lab.id, rules)
    texts = [(r.student, r.text) for r in records]
    similarity = compare_similarity(lab, texts, DEFAULT_THRESHOLD, memo)
    pages = {
        lang: render_class_report(
            lab,
            records,
            similarity,
            lang,
            link=student_page,
            action=naming_action(lab.id),
            zone=rules.calendar.zone,
        )
        for lang in LANGS
    }
    return key, pages, memo


def _build_and_send(send: Connection, db_url: str, lab: LabSpec, memo: Memo | None) -> None:
    """The worker process: build, send (True, report) or (False, the traceback's text)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    os.nice(10)  # on a busy machine the students' pages come first
    try:
        outcome = (True, build_report(db_url, lab, memo))
    except Exception:
        outcome = (False, traceback.format_exc())
    send.send(outcome)
    send.close()


class BuildFailed(Exception):
    pass


def build_apart(
    db_url: str,
    lab: LabSpec,
    started: Callable[[BaseProcess], None] = lambda process: None,
    memo: Memo | None = None,
) -> tuple[Key, dict[str, str], Memo]:
    """build_report in a process of its own, `started` handed the process (to stop it).

    Spawned, not forked: a fresh interpreter, without the server's threads, locks and database
    connections. Like every spawned process it imports the server's main module again (as
    `__mp_main__`): a script that starts the server must do so under
    `if __name__ == "__main__":`, as `seqlab serve` (a console script) and uvicorn do."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_build_and_send,
        args=(send, db_url, lab, memo),
        name="seqlab-class-report",
        daemon=True,
    )
    process.start()
    send.close()  # the child holds the other copy: recv() ends if the child dies
    started(process)
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, None
    finally:
        receive.close()
        process.join(timeout=30)
    if not ok:
        raise BuildFailed(value or f"the report's process ended (exit code {process.exitcode})")
    return value


@dataclass(frozen=True)
class Report:
    key: Key
    pages: dict[str, str]  # language → the page's HTML
    build: int
    current: bool = True  # False: newer results exist and a build with them is under way


@dataclass(frozen=True)
class Preparing:
    build: int  # the build to wait for


class ReportFailed(Exception):
    """The build the reader waited for failed (its traceback is in the server's log)."""


class ClassReports:
    """The web process's class reports. A report asked for again after newer results is
    served at once as it was (said on the page) while a build with them runs; and every
    REFRESH_SECONDS of quiet the reports already built are brought up to date in the
    background, so opening one takes no build at all. Builds reuse the lab's similarity memo:
    after a few new submissions only those are compared with the class."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._lock = threading.Lock()
        self._ready: dict[str, Report] = {}
        self._labs: dict[str, LabSpec] = {}  # the labs whose reports are kept up to date
        self._watched: list[LabSpec] = []  # the course's: one built once it has a class's worth
        self._memos: dict[str, Memo] = {}
        self._building: dict[str, int] = {}  # lab id → its build, queued or running
        self._failed: dict[str, int] = {}  # lab id → its last build, which failed
        self._numbers = itertools.count(1)
        self._jobs: queue.Queue[tuple[LabSpec, int] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._process: BaseProcess | None = None  # the build under way

    def get(self, lab: LabSpec, key: Key, waited: int | None = None) -> Report | Preparing:
        """The lab's report: current; else the last one, marked not current, with a build
        started (also the build the reader waited for, when results changed meanwhile);
        else the build that will make the first one."""
        with self._lock:
            self._labs[lab.id] = lab
            ready = self._ready.get(lab.id)
            # Only a report of the current key is served as current: one the reader waited for
            # but built before a change (an override, a rules change) is served as the last
            # one, said to be updating, with a build started — never as if it were current.
            if ready is not None and ready.key == key:
                return ready
            number = self._building.get(lab.id)
            if number is None:
                if ready is None and waited is not None and self._failed.get(lab.id) == waited:
                    del self._failed[lab.id]  # said once; the next visit tries again
                    raise ReportFailed(lab.id)
                number = self._start(lab)
            if ready is not None:
                return dataclasses.replace(ready, current=False)
            return Preparing(number)

    def prebuild(self, labs: list[LabSpec]) -> None:
        """At the server's start, build in the background the reports of the labs with a
        class's worth of results (PREBUILD_FROM rows), so the first opening waits for none;
        and watch the others: one that reaches a class's worth while the server runs is
        built at the next quiet spell (_refresh), before anyone opens it."""
        with self._lock:
            self._watched = list(labs)
            self._ensure_thread()
        self._refresh()

    def _ensure_thread(self) -> None:
        """The builds' thread (called with the lock held). It only waits on the builds'
        processes. A daemon: a server stopping does not wait for it."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="seqlab-class-reports", daemon=True
            )
            self._thread.start()

    def _start(self, lab: LabSpec) -> int:
        """Queue a build of the lab's report (called with the lock held)."""
        number = next(self._numbers)
        self._building[lab.id] = number
        self._ensure_thread()
        self._jobs.put((lab, number))
        return number

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=REFRESH_SECONDS)
            except queue.Empty:
                self._refresh()
                continue
            if job is None:
                return
            lab, number = job
            try:
                key, pages, memo = build_apart(
                    self.db_url, lab, self._started, self._memos.get(lab.id)
                )
            except Exception as error:  # keep serving; the waiting page says it failed
                with self._lock:
                    self._building.pop(lab.id, None)
                    if self._thread is not threading.current_thread():
                        return  # closed: the build was stopped on purpose
                    self._failed[lab.id] = number
                print(f"seqlab: the class report of {lab.id} failed:\n{error}", flush=True)
                continue
            with self._lock:
                self._building.pop(lab.id, None)
                self._ready[lab.id] = Report(key, pages, number)
                self._memos[lab.id] = memo

    def _refresh(self) -> None:
        """Build, in the background, the reports whose lab has newer results, and the first
        one of a watched lab that has a class's worth of them."""
        with self._lock:
            built = [self._labs[lab_id] for lab_id in self._ready if lab_id not in self._building]
            unbuilt = [
                lab
                for lab in self._watched
                # A lab whose build failed waits for a visit (which says so), not a loop.
                if lab.id not in self._ready | self._building | self._failed
            ]
        if not built and not unbuilt:
            return
        with Session(engine_for(self.db_url)) as db:
            stale = [lab for lab in built if report_key(db, lab) != self._ready[lab.id].key]
            stale += [lab for lab in unbuilt if report_key(db, lab)[0] >= PREBUILD_FROM]
        with self._lock:
            for lab in stale:
                if lab.id not in self._building:
                    self._labs[lab.id] = lab
                    self._start(lab)

    def _started(self, process: BaseProcess) -> None:
        with self._lock:
            self._process = process

    def close(self) -> None:
        """Stop building: the thread ends, a build under way is killed."""
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread = None
            process, self._process = self._process, None
        if process is not None and process.is_alive():
            process.terminate()
