"""PostgreSQL backend: an asyncpg pool; SQL written with `?` is rewritten to `$1..$n` once per statement.

Write transactions take a pooled connection each (`pool.acquire()` + `transaction()`): no process-wide lock,
PostgreSQL's row locks and conditional statements keep concurrent writers correct.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.store.backend import (
    DatabaseUnavailableError,
    RowsCursor,
    normalise_url,
    redacted,
    returns_rows,
    scrub,
)
from bot.store.migrations import Migration, load_migrations, pending

log = logging.getLogger(__name__)
DEFAULT_POOL_SIZE = 10
CONNECT_TIMEOUT_S = 5.0
RECONNECT_PAUSE_S = 0.2
# Any constant works, as long as every process uses the same one: it serialises schema upgrades.
MIGRATION_LOCK = 7_310_442_118

# Errors that mean "the connection or the server went away", not "this statement is wrong".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # "another operation is in progress" on a connection the server cut
    asyncpg.exceptions.CrashShutdownError,
    OSError,
    TimeoutError,
)


class DatabaseConnectError(RuntimeError):
    """The PostgreSQL server refused us or could not be reached at start-up; the message is one safe line."""


@lru_cache(maxsize=4096)
def to_dollar(sql: str) -> str:
    """`?` and `?N` placeholders become `$n` / `$N`; quoted literals, identifiers and comments are left alone."""
    out: list[str] = []
    i, n, count = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # '' or "" escapes the quote
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1])
            i = end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            if j > i + 1:
                out.append("$" + sql[i + 1:j])
            else:
                count += 1
                out.append(f"${count}")
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _rowcount(status: str) -> int:
    """The row count in a command tag ('UPDATE 3', 'INSERT 0 1', 'DELETE 0')."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgTransaction:
    """What `Store.write()` yields on PostgreSQL: `execute` / `executemany` with `?` placeholders."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> RowsCursor:
        query = to_dollar(sql)
        if returns_rows(sql):
            rows = await self.conn.fetch(query, *parameters)
            return RowsCursor(rows, len(rows))
        status = await self.conn.execute(query, *parameters)
        return RowsCursor([], _rowcount(status))

    async def executemany(self, sql: str, parameters: Any) -> None:
        rows = list(parameters)
        if rows:
            await self.conn.executemany(to_dollar(sql), rows)

    async def fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        return list(await self.conn.fetch(to_dollar(sql), *parameters))


def describe_connect_error(exc: BaseException, url: str) -> str:
    """One line for a failed connection, naming host, database and user but never the password."""
    try:
        parts = urlsplit(url)
        host = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
        database = parts.path.lstrip("/") or parts.username or "?"
        user = parts.username or "?"
    except ValueError:
        host, database, user = "?", "?", "?"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        why = f"the password for user {user!r} was refused"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        why = f"the database {database!r} does not exist"
    elif isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        why = f"user {user!r} may not log in ({scrub(str(exc), url)})"
    elif isinstance(exc, TimeoutError):
        why = f"no answer within {CONNECT_TIMEOUT_S:.0f} s"
    elif isinstance(exc, OSError):
        why = f"the server cannot be reached ({scrub(exc.strerror or str(exc), url)})"
    else:
        why = scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, url)
    return f"cannot open the PostgreSQL database {database!r} on {host}: {why}"


async def connect(url: str) -> asyncpg.Connection:
    """One connection (for upgrades and tools); DatabaseConnectError with a one-line reason on failure."""
    dsn = normalise_url(url)
    try:
        return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_S)
    except (asyncpg.PostgresError, *CONNECTION_ERRORS) as exc:
        raise DatabaseConnectError(describe_connect_error(exc, dsn)) from None


async def upgrade_connection(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> tuple[int, int]:
    """Apply pending migrations in one transaction under an advisory lock. Returns (before, after).

    The lock is taken before anything is read, so of two processes starting at once on an empty database one
    migrates and the other then finds nothing to do.
    """
    migrations = load_migrations(engine="postgres") if migrations is None else migrations
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        before = await conn.fetchval("SELECT max(version) FROM schema_version")
        if before is None:
            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            before = 0
        todo = pending(int(before), migrations)
        for m in todo:
            await conn.execute(m.sql)
        if todo:
            await conn.execute("UPDATE schema_version SET version = $1", todo[-1].version)
            log.info("database upgraded from schema version %d to %d", before, todo[-1].version)
    return int(before), (todo[-1].version if todo else int(before))


async def upgrade_postgres(url: str) -> tuple[int, int]:
    conn = await connect(url)
    try:
        return await upgrade_connection(conn)
    finally:
        await conn.close()


async def keep_session(conn: asyncpg.Connection) -> None:
    """The pool's `reset`: nothing to send. asyncpg still rolls back a transaction left open and drops listeners;
    its default reset query (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) would be one more round trip after
    every use, and the bot keeps no session state for it to clear (no LISTEN, SET, cursors outside a transaction
    or session advisory locks: migrations take a transaction-scoped one)."""


class PostgresBackend:
    """An asyncpg pool on one database."""

    engine = "postgres"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url

    @classmethod
    async def open(cls, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresBackend:
        """Upgrade the schema, then open the pool (DatabaseConnectError with one line on failure)."""
        await upgrade_postgres(url)
        dsn = normalise_url(url)
        try:
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max(1, pool_size),
                                             timeout=CONNECT_TIMEOUT_S, reset=keep_session)
        except (asyncpg.PostgresError, *CONNECTION_ERRORS) as exc:
            raise DatabaseConnectError(describe_connect_error(exc, dsn)) from None
        assert pool is not None
        return cls(pool, url)

    def __repr__(self) -> str:
        return f"PostgresBackend({redacted(self.url)})"

    async def close(self) -> None:
        await self.pool.close()

    @contextlib.asynccontextmanager
    async def _unavailable(self) -> AsyncIterator[None]:
        try:
            yield
        except CONNECTION_ERRORS as exc:
            log.warning("database connection lost: %s", scrub(str(exc) or type(exc).__name__, self.url))
            raise DatabaseUnavailableError("the database server cannot be reached right now") from exc

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[PgTransaction]:
        """A transaction on a pooled connection; commits on success, rolls back on error."""
        async with self._unavailable(), self.pool.acquire() as conn, conn.transaction():
            yield PgTransaction(conn)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A raw pooled connection (the grade writer manages its own transaction and retries)."""
        async with self.pool.acquire() as conn:
            yield conn

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._unavailable():
            return list(await self.pool.fetch(to_dollar(sql), *params))

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One INSERT committed on its own; the new row's id (RETURNING id)."""
        async with self._unavailable():
            return int(await self.pool.fetchval(to_dollar(f"{sql} RETURNING id"), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A read; tried once more on a fresh connection when the first one was cut (a server restart)."""
        query = to_dollar(sql)
        try:
            return list(await self.pool.fetch(query, *params))
        except CONNECTION_ERRORS:
            await asyncio.sleep(RECONNECT_PAUSE_S)
        async with self._unavailable():
            return list(await self.pool.fetch(query, *params))

    async def health(self) -> str | None:
        try:
            await self.fetchone("SELECT 1")
        except DatabaseUnavailableError as exc:
            return str(exc)
        except asyncpg.PostgresError as exc:
            return f"the database does not answer: {scrub(str(exc), self.url)}"
        return None

    def check_file(self) -> None:
        """Nothing to check: there is no file."""

    async def checkpoint(self) -> None:
        """PostgreSQL checkpoints by itself."""
