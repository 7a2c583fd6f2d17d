"""Database connections: the engine for SQLite or PostgreSQL, read and write transactions,
and retrying a write transaction that lost a race to another process.

PUBLIC API:
    Database(url)            .engine, .dialect ("sqlite" | "postgresql"), .read(), .write(),
                             .run(fn, retries=...), .dispose(), .url_for_display
    make_engine(url) -> Engine
    Conflict                 raise it inside Database.run to have the transaction retried
    Busy                     the database stayed locked / kept conflicting: try again later

SQLite: WAL journal, busy_timeout 30 s, foreign keys on; a write transaction starts with
BEGIN IMMEDIATE, so two writers queue for the lock at their first statement instead of one of
them failing later when it upgrades a read lock (SQLite then serialises every writer); within
one process the writers queue on a lock first, woken as soon as it is free rather than by
SQLite's polling busy handler. Reads use a plain BEGIN and see a consistent snapshot beside a
writer (WAL).

PostgreSQL (psycopg 3): READ COMMITTED; the services take row locks (SELECT ... FOR UPDATE) in a
fixed order, and `run` retries a transaction that hit a unique violation (another process opened
the same ticket first), a deadlock or a serialisation failure: the loser reloads and applies
again, and then finds the winner's rows.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "patrol_write"


class Conflict(Exception):
    """A concurrent change was detected (stale revision...): retry the whole transaction."""


class Busy(Exception):
    """The transaction kept conflicting or the database stayed locked; the caller may retry."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Patrol's settings for its dialect (SQLite: the folder is created)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, **kwargs)
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///path or "
        f"postgresql+psycopg://user@host/db"
    )


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how a transaction starts (the sqlite3
        # module would otherwise BEGIN DEFERRED on its own, too late to take the write lock).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, Conflict):
        return True
    if isinstance(exc, IntegrityError):
        # A unique key another transaction committed first (the live-ticket index, a problem
        # row created at the same moment): reload and apply again.
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)
    if isinstance(exc, OperationalError | DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock n/a
            return True
        return "database is locked" in str(exc.orig)
    return False


class Database:
    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        # SQLite has one writer at a time: this process's writers queue on a lock (woken the
        # moment it is free) instead of in SQLite's busy handler, which polls with sleeps of up
        # to 100 ms, so a small transaction could wait seconds behind a stream of big ones.
        # BEGIN IMMEDIATE still serialises them with other processes.
        self._writers: AbstractContextManager[Any] = (
            threading.RLock() if self.dialect == "sqlite" else nullcontext()
        )

    @property
    def url_for_display(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (rolled back at the end)."""
        with self.engine.connect() as conn, conn.begin() as txn:
            try:
                yield conn
            finally:
                txn.rollback()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        with self._writers, self._write_engine.connect() as conn, conn.begin():
            yield conn

    def run(self, fn: Callable[[Connection], T], *, retries: int = 10) -> T:
        """fn(conn) in a write transaction, committed; retried from scratch when it lost a race
        (see _retryable). Raises Busy when it still loses after `retries` attempts."""
        for attempt in range(retries + 1):
            try:
                with self.write() as conn:
                    return fn(conn)
            except Exception as exc:
                if not _retryable(exc):
                    raise
                if attempt == retries:
                    raise Busy(f"the database is busy ({type(exc).__name__}); try again") from exc
                log.debug("transaction retried after %s", exc)
                time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
