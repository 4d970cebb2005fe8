"""The database: engine, sessions, the declarative Base, and SQLite set up for a server."""

import asyncio
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import anyio
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from annotated_types import Interval
from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from examhall.config import Settings
from examhall.errors import ExamhallError
from examhall.trace.signing import KeyFile

# A row id as a request carries it. A larger number names no row (PostgreSQL's INTEGER ends
# there) and the database driver would fail on it, so it is refused like any other bad input.
Id = Annotated[int, Interval(ge=1, le=2**31 - 1)]
# A count or number that a request carries into an INTEGER column: refused, naming its field,
# past what the column holds (the driver would fail on it instead).
Count = Annotated[int, Interval(ge=0, le=2**31 - 1)]
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
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


def driver(db: Session) -> tuple[str, Any]:
    """The dialect's name and the driver's own connection under the session's transaction. The
    exam day's hottest statements (an answer save and its trace event) run on it directly:
    SQLAlchemy's work per statement cost more there than the statement itself."""
    conn = db.connection()
    return conn.dialect.name, conn.connection.dbapi_connection


def driver_time(dialect: str, at: datetime) -> Any:
    """A time as the driver is handed it: SQLite keeps the text UTCDateTime writes (UTC, to the
    microsecond), PostgreSQL the time itself."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}" if dialect == "sqlite" else at


def driver_read_time(value: str | datetime | None) -> datetime | None:
    """A time as the driver hands it back, aware and in UTC (SQLite's is the text it keeps)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
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
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged answer survives a power cut too
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


class Kept(Generic[K, V]):
    """What a process keeps of data that never changes once written (item versions, drawn
    papers): the most recently used `size` entries, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def get_many(self, keys: list[K]) -> dict[K, V]:
        """Those of `keys` kept, under one lock (a paper asks for a hundred at once)."""
        with self._lock:
            found = {key: value for key in keys if (value := self._entries.get(key)) is not None}
            for key in found:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def kept(db: Session, name: str, size: int) -> Kept[Any, Any]:
    """The cache `name` of the database behind `db`: ids are only unique within one database."""
    caches: dict[str, Kept[Any, Any]] = db.info["kept"]
    found = caches.get(name)
    if found is None:
        found = caches.setdefault(name, Kept(size))
    return found


GROUP_MAX = 64  # units of work committed together at most


@dataclass
class _WriteQueue:
    """The units of work waiting for the writer of one event loop, and that writer."""

    waiting: list[tuple[Callable[[Session], Any], "asyncio.Future[Any]"]] = field(default_factory=list)
    writers: set["asyncio.Task[None]"] = field(default_factory=set)  # the drains running


class Database:
    """One per process: the engine and the sessions made from it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        # Every session shares "kept" and "signing" (the objects, not copies).
        info = {
            "trace_key": settings.trace_key.encode(),
            "kept": {},
            "signing": KeyFile(settings.signing_key_file, create=settings.env == "development"),
        }
        self._readers = sessionmaker(bind=self.engine, expire_on_commit=False, info=info)
        self._writers = sessionmaker(
            bind=self.engine.execution_options(examhall_write=True), expire_on_commit=False, info=info
        )
        # SQLite has one writer at a time. The hot paths' writers (Database.run) queue for it in
        # this process and write in turn, rather than poll SQLite's lock with busy_timeout's
        # sleeps; other writers (and other processes) still meet busy_timeout.
        self._one_writer = threading.Lock() if is_sqlite(settings.database_url) else None
        self._drains = 1 if self._one_writer else max(1, settings.db_writers)
        # Queues and limiters belong to an event loop (tests run several loops on one Database).
        self._finishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _WriteQueue] = weakref.WeakKeyDictionary()

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
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back when it raises."""
        session = self.open(write=write)
        try:
            yield session
        except BaseException as error:
            self.finish(session, write=write, error=error)
            raise
        self.finish(session, write=write, error=None)

    async def run(self, work: Callable[[Session], T], *, write: bool = True) -> T:
        """Run `work` as one unit of work, start to end in a worker thread: the way of the hot
        paths (a candidate's saves, starts and logins). Writers that arrive while others write
        are committed together (below)."""
        if write:
            return await self._write_together(work)

        def unit() -> T:
            with self.transaction(write=write) as session:
                return work(session)

        return await anyio.to_thread.run_sync(unit)

    async def _write_together(self, work: Callable[[Session], T]) -> T:
        """Group commit. A commit's cost is mostly the disk's, and a transaction's round trips
        and thread are paid once for all it holds: the units queued behind a commit run next, in
        one transaction, each inside a savepoint of its own. SQLite has one such writer;
        PostgreSQL has `db_writers` (its row locks keep them apart). A unit that fails rolls back
        to its savepoint (keeping a refusal's trace when the refusal says so) and the others go
        on; each caller hears of its own unit only once the transaction holding it has committed.
        Each unit's change and trace event stay atomic."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _WriteQueue()
        done: asyncio.Future[T] = loop.create_future()
        queue.waiting.append((work, done))
        if len(queue.writers) < self._drains:
            queue.writers.add(loop.create_task(self._drain(queue)))
        return await done

    async def _drain(self, queue: "_WriteQueue") -> None:
        try:
            while queue.waiting:
                batch, queue.waiting = queue.waiting[:GROUP_MAX], queue.waiting[GROUP_MAX:]
                outcomes: list[tuple[Any, Exception | None]]
                try:
                    outcomes = await anyio.to_thread.run_sync(self._commit_together, [work for work, _ in batch])
                except Exception as failed:  # the commit itself failed: no unit of the batch holds
                    outcomes = [(None, failed)] * len(batch)
                for (_, done), (value, error) in zip(batch, outcomes, strict=True):
                    if done.done():
                        continue
                    if error is None:
                        done.set_result(value)
                    else:
                        done.set_exception(error)
        finally:
            # At once, not in a callback: a unit queued from here on starts a drain of its own.
            queue.writers.discard(asyncio.current_task())

    def _commit_together(self, works: list[Callable[[Session], Any]]) -> list[tuple[Any, Exception | None]]:
        if len(works) == 1:  # alone in its transaction, a unit needs no savepoint to keep it apart
            with self._one_writer or nullcontext():
                try:
                    with self.transaction() as session:
                        return [(works[0](session), None)]
                except Exception as error:  # the refusal, committed or rolled back by transaction()
                    return [(None, error)]
        outcomes: list[tuple[Any, Exception | None]] = []
        with self._one_writer or nullcontext(), self.open(write=True) as session:
            for work in works:
                savepoint = session.begin_nested()
                try:
                    value = work(session)
                    savepoint.commit()
                    outcomes.append((value, None))
                except Exception as error:
                    if isinstance(error, ExamhallError) and error.commit and savepoint.is_active:
                        savepoint.commit()
                    else:
                        savepoint.rollback()
                    outcomes.append((None, error))
            session.commit()
        return outcomes

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


async def get_database(request: Request) -> Database:
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
