"""The database: engine, sessions, the declarative Base, and SQLite set up for a server."""

import asyncio
import json
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from examhall.config import Settings
from examhall.errors import ExamhallError

T = TypeVar("T")
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json(value: Any) -> str:
    # Chinese stays readable in JSON columns, and a LIKE on them finds it.
    return json.dumps(value, ensure_ascii=False)


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if not is_sqlite(url):
        return create_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size,
            pool_pre_ping=True,
            json_serializer=_json,
        )

    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        json_serializer=_json,
    )

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself, so writers can take the lock first.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock: SQLite fails
        # it at once with "database is locked". Writers therefore take the write lock up front
        # (BEGIN IMMEDIATE), where busy_timeout makes them queue; readers never block in WAL mode.
        write = conn.get_execution_options().get("examhall_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """One per process: the engine and the sessions made from it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        info = {"trace_key": settings.trace_key.encode()}
        self._readers = sessionmaker(bind=self.engine, expire_on_commit=False, info=info)
        self._writers = sessionmaker(
            bind=self.engine.execution_options(examhall_write=True), expire_on_commit=False, info=info
        )
        # SQLite has one writer at a time. Writers of this process that run start to end in one
        # thread (Database.run) queue here and are woken in turn, instead of polling SQLite's lock
        # with busy_timeout's sleeps; other writers (and other processes) still meet busy_timeout.
        self._one_writer = threading.Lock() if is_sqlite(settings.database_url) else None
        self._finishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def open(self, *, write: bool) -> Session:
        return (self._writers if write else self._readers)()

    @staticmethod
    def finish(session: Session, *, write: bool, error: BaseException | None) -> None:
        """End a unit of work: commit when it went well (or when the refusal is itself the
        record to keep), roll back otherwise; then close."""
        try:
            if error is None and write:
                session.commit()
            elif error is None:
                session.expunge_all()  # what was read stays readable after the block
                session.rollback()
            elif write and isinstance(error, ExamhallError) and error.commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    @contextmanager
    def transaction(self, *, write: bool = True, exclusive: bool = False) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back when it raises.
        `exclusive` takes this process's writer turn; only for a block run in one thread."""
        turn = self._one_writer if write and exclusive else None
        if turn is not None:
            turn.acquire()
        try:
            session = self.open(write=write)
            try:
                yield session
            except BaseException as error:
                self.finish(session, write=write, error=error)
                raise
            self.finish(session, write=write, error=None)
        finally:
            if turn is not None:
                turn.release()

    async def run(self, work: Callable[[Session], T], *, write: bool = True) -> T:
        """Run `work` in one transaction, start to end in one worker thread: the way of the hot
        paths (a candidate's saves, starts and logins), which then hold the write lock only while
        their statements run."""

        def unit() -> T:
            with self.transaction(write=write, exclusive=True) as session:
                return work(session)

        return await anyio.to_thread.run_sync(unit)

    async def finish_soon(self, session: Session, *, write: bool, error: BaseException | None) -> None:
        """Finish a request's session in a thread of its own: a commit never waits for a thread
        behind requests that wait for the write lock."""
        loop = asyncio.get_running_loop()
        finishers = self._finishers.get(loop)
        if finishers is None:
            finishers = self._finishers[loop] = anyio.CapacityLimiter(4)
        await anyio.to_thread.run_sync(lambda: self.finish(session, write=write, error=error), limiter=finishers)

    def dispose(self) -> None:
        self.engine.dispose()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's one transaction. Reads (GET) never take the write lock."""
    database: Database = request.app.state.database
    write = request.method not in SAFE_METHODS
    session = database.open(write=write)
    try:
        yield session
    except BaseException as error:
        await database.finish_soon(session, write=write, error=error)
        raise
    await database.finish_soon(session, write=write, error=None)


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


def migrations_dir() -> Path:
    """Inside an installed wheel the migrations ride along in the package; in a checkout they
    are at the top of the repository."""
    packaged = Path(__file__).resolve().parent / "migrations"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def schema_problem(engine: Engine) -> str | None:
    """Why this database cannot serve (unreachable, not migrated, behind), or None."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        return f"cannot reach the database: {' '.join(str(exc.orig).split())}"
    if current is None:
        return "the database has no examhall schema; run `examhall db upgrade`"
    if current != head_revision():
        return f"the database is at migration {current}, not at {head_revision()}; run `examhall db upgrade`"
    return None
