"""Where the store lives: database URLs, one engine per database per process, and its schema
brought up to date by Alembic migrations (graders/store/migrations/) when first opened.

Several processes may open an empty database together (web processes, Celery workers, a
batch): on PostgreSQL they take an advisory lock, so one at a time migrates; SQLite serialises
writers itself. A database made by a seqlab from before migrations (its tables exist, no
version table) is refused with a message: its stored results have another shape.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from graders.errors import UsageError

DEFAULT_DB = "seqlab-gradebook.sqlite"
VERSION_TABLE = "seqlab_schema_version"  # not alembic_version: nbgrader's may share a server
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7305477  # pg_advisory_xact_lock key: one migrating process at a time


def database_url(text: str | None) -> str:
    """`--db`: a SQLAlchemy URL, or a plain file path meaning a SQLite file."""
    text = text or DEFAULT_DB
    if "://" not in text:
        return f"sqlite:///{Path(text)}"
    if text.startswith(("postgresql://", "postgres://")):  # psycopg 3, not the psycopg2 default
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@lru_cache(maxsize=8)
def engine_for(url: str | None) -> Engine:
    """The database's engine (connection pool), migrated to the newest schema; one per URL
    per process. A URL that is malformed or a server that cannot be reached is the user's
    to fix: a UsageError naming it."""
    full = database_url(url)
    try:
        sqlite = full.startswith("sqlite")
        # Another seqlab (a batch, a report) may hold the file's lock: wait for it.
        # A database server restarted leaves the pool's connections dead: each is tested
        # when taken (a round trip on the server's side), so the first request after does not fail.
        # The pool is never the bottleneck: a request's session may open a second one for a
        # moment (the course's rules, a score's standing), and with a small pool twenty
        # requests each holding one and waiting for another starved each other for the 30 s
        # timeout (bench/web_bench.py). SQLite's connections are file handles: no limit;
        # a server's: well below PostgreSQL's default 100.
        sizes = {"pool_size": 10, "max_overflow": -1 if sqlite else 50}
        engine = create_engine(
            full,
            connect_args={"timeout": 30} if sqlite else {},
            pool_pre_ping=not sqlite,
            **sizes,
        )
        if sqlite:
            # Pages poll while the queue writes: WAL lets readers go on during a write.
            event.listen(engine, "connect", _sqlite_wal)
        with engine.begin() as connection:
            _migrate(connection, full)
    except (ArgumentError, SQLAlchemyError, ModuleNotFoundError) as error:
        raise _unusable(full, error) from None
    return engine


def holds_gradebook(url: str) -> bool:
    """Does the database hold a seqlab store? Looked at without changing it: a command that
    only reads (an export, a report) must not make tables in someone else's database."""
    full = database_url(url)
    try:
        engine = create_engine(full)
        try:
            with engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
        finally:
            engine.dispose()
    except (ArgumentError, SQLAlchemyError, ModuleNotFoundError) as error:
        raise _unusable(full, error) from None
    return VERSION_TABLE in tables or any(name.startswith("seqlab_") for name in tables)


def _unusable(url: str, error: Exception) -> UsageError:
    """A URL that is malformed, or a server that cannot be reached: the user's to fix."""
    if isinstance(error, ArgumentError):
        return UsageError("batch.db_bad", url=shown_url(url), reason=str(error))
    reason = str(getattr(error, "orig", None) or error).strip().split("\n")[0]
    return UsageError("batch.db_unreachable", url=shown_url(url), reason=reason)


def _migrate(connection: Connection, url: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE not in tables and any(name.startswith("seqlab_") for name in tables):
        raise UsageError("store.too_old", url=shown_url(url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_wal(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # SQLite's own advice with WAL: no fsync per commit (≈ 2-3 ms each here, several per
    # web submission), only at checkpoints. A commit still survives the process being
    # killed (kill -9 of the server: the fault tests); only a power loss or an OS crash may
    # take back the last ones, and never corrupts the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
