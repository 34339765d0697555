"""Engines, sessions, migrations and the two transaction shapes storage uses.

SQLite is set up on every connection (WAL, busy timeout, foreign keys) and SQLAlchemy, not
the sqlite3 module, emits BEGIN, so a writer can ask for BEGIN IMMEDIATE: in WAL mode a
transaction that reads first and writes later fails outright ("database is locked") if another
writer committed in between, whereas IMMEDIATE takes the write lock up front and simply waits
its turn under the busy timeout.

Within one process, write transactions on an SQLite engine also queue on a Python lock:
SQLite makes a blocked writer poll, sleeping up to 100 ms between tries, which with dozens of
threads gives second-long tails; the lock hands over, in arrival order, the moment the
previous commit is done.
Other processes still wait through the busy timeout.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from bot.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITING = "nianbao_writing"


def make_engine(url: str) -> Engine:
    """An engine for `url`; for an SQLite file, its directory is created first."""
    parsed = make_url(url)
    # Up to 50 connections per process: a thread waiting for a pooled connection waits in no
    # particular order, which shows as multi-second tails under load (bench/storage_writers.py).
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=40, pool_recycle=1800
        )
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One write lock per engine, shared by all its connections.
    factory = type("SQLiteConnection", (_SerialisedWrites,), {"write_lock": _FifoLock()})
    # Most recently used connection first: SQLite's page cache is per connection and dropped
    # once another connection has written, so rotating through the pool re-reads pages.
    engine = sa.create_engine(
        url, pool_size=10, max_overflow=40, pool_use_lifo=True, connect_args={"factory": factory}
    )
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


class _FifoLock:
    """A lock granted in arrival order (threading.Lock lets a releasing thread barge back in,
    which starves the others when every thread writes in a loop)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._guard:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                return False
        return True  # handed over just as the wait timed out

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


class _SerialisedWrites(sqlite3.Connection):
    """An sqlite3 connection whose BEGIN IMMEDIATE first takes its engine's write lock."""

    write_lock: _FifoLock
    holds_write_lock = False

    def begin_immediate(self) -> None:
        if not self.write_lock.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        self.holds_write_lock = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event below emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        connection.connection.dbapi_connection.begin_immediate()  # type: ignore[union-attr]
    else:
        connection.exec_driver_sql("BEGIN")


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine() -> Engine:
    """The application's engine, from the DATABASE_URL setting (one per URL per process)."""
    url = get_settings().database_url
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection of `get_engine()` engines (at shutdown, between tests)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def alembic_config(url: str) -> Config:
    """Alembic's configuration built in code, so it works from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: a password may contain "%".
    config.attributes["database_url"] = url
    return config


# The key of the PostgreSQL advisory lock that migrations hold (any constant of our own).
MIGRATION_LOCK_KEY = 0x6E69616E62616F  # "nianbao"


def upgrade_database(url: str) -> None:
    """Apply every migration up to the newest (`alembic upgrade head`).

    One process at a time per database: `nianbao run` and the `nianbao web` processes of a
    deployment start together on a new database, and each migrates it first. The others wait,
    then find nothing left to do. PostgreSQL: an advisory lock; an SQLite file: a lock file
    beside it.
    """
    with _migration_lock(url):
        command.upgrade(alembic_config(url), "head")


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(sa.select(sa.func.pg_advisory_lock(MIGRATION_LOCK_KEY)))
                try:
                    yield
                finally:
                    connection.execute(sa.select(sa.func.pg_advisory_unlock(MIGRATION_LOCK_KEY)))
        finally:
            engine.dispose()
        return
    database = parsed.database
    if (
        parsed.get_backend_name() != "sqlite"
        or not database
        or database == ":memory:"
        or (database.startswith("file:"))
    ):
        yield
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrating"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; objects stay readable."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Start a fresh write transaction (BEGIN IMMEDIATE on SQLite).

    A transaction left open by earlier reads in this session is committed first: its snapshot
    could be stale, and the write functions commit anyway.
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info[WRITING] = True


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """`begin_write`, then commit on success or roll back on any error.

    Inside a write transaction the caller already began (a chat answer reads and writes in
    one), it joins that one: the caller commits, and an error still rolls back all of it.
    Rolling back at once matters on SQLite: an open write transaction holds the database's
    write lock, and every other writer would wait for it until the session is closed.
    """
    joined = is_writing(session)
    if not joined:
        begin_write(session)
    try:
        yield
        if not joined:
            session.commit()
    except BaseException:
        session.rollback()
        raise


def is_writing(session: Session) -> bool:
    """True inside a write transaction: what it reads may include its own uncommitted rows."""
    return bool(session.info.get(WRITING))


@sa.event.listens_for(Session, "after_transaction_end")
def _write_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(WRITING, None)


def upsert_statement(session: Session, model: type[SQLModel]) -> Any:
    """An INSERT for `model` in the session's dialect, ready for `.on_conflict_do_…`."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def upsert(
    session: Session, model: type[SQLModel], *, conflict: Sequence[str], update: Sequence[str]
) -> Any:
    """INSERT … ON CONFLICT (`conflict`) DO UPDATE SET each of `update` to the new row's value,
    built once per database kind and table: building it (its `excluded` columns above all)
    costs more than running it. Run it on `session.connection()` with the rows."""
    table = model.__table__  # type: ignore[attr-defined]
    key = (session.get_bind().dialect.name, table.name, tuple(conflict), tuple(update))
    if key not in _UPSERTS:
        statement = upsert_statement(session, model)
        _UPSERTS[key] = statement.on_conflict_do_update(
            index_elements=list(conflict),
            set_={column: statement.excluded[column] for column in update},
        )
    return _UPSERTS[key]


def insert_ignore(
    session: Session,
    model: type[SQLModel],
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if this call inserted the row."""
    table = model.__table__  # type: ignore[attr-defined]
    stmt = (
        upsert_statement(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(*table.primary_key.columns)
    )
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    return session.execute(stmt).first() is not None
