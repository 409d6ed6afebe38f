"""SQLite backend: one aiosqlite connection, write transactions serialized by a lock, file identity checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.backend import DatabaseUnavailableError, RowsCursor, returns_rows
from bot.store.db import open_database

log = logging.getLogger("bot.store.store")
T = TypeVar("T")
_GONE = (-1, -1)


def _file_identity(path: Path) -> tuple[int, int] | None:
    if str(path) == ":memory:":
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _GONE
    return (st.st_dev, st.st_ino)


class SqliteTransaction:
    """What `Store.write()` yields on SQLite: the shared connection's execute, with a statement that gives rows
    back (RETURNING) fetched at once, so it is finished before COMMIT."""

    __slots__ = ("conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        if returns_rows(sql):
            rows = list(await self.conn.execute_fetchall(sql, parameters))
            return RowsCursor(rows, len(rows))
        return await self.conn.execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Any) -> None:
        await self.conn.executemany(sql, parameters)

    async def fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        return list(await self.conn.execute_fetchall(sql, parameters))


class SqliteBackend:
    """Async access to one SQLite file. Every write goes through `write()` or `run_sync()` (one lock)."""

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._identity = _file_identity(path)
        self._gone_logged = False
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteBackend:
        return cls(await open_database(path), Path(path))

    async def close(self) -> None:
        await self.conn.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteTransaction]:
        """A write transaction (BEGIN IMMEDIATE); commits on success, rolls back on error."""
        async with self._write_lock:
            self.check_file()
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    def check_file(self) -> None:
        """Raise DatabaseUnavailableError if the file we opened was deleted or replaced (its inode changed)."""
        if self._identity is None:  # ":memory:"
            return
        now = _file_identity(self.path)
        if now == self._identity:
            return
        if not self._gone_logged:
            self._gone_logged = True
            log.error("database file %s was %s while the bot runs; refusing every write until it is restored "
                      "and the bot restarted", self.path, "deleted" if now == _GONE else "replaced")
        raise DatabaseUnavailableError(f"the database file {self.path} was deleted or replaced")

    async def health(self) -> str | None:
        try:
            self.check_file()
            await self.fetchone("SELECT count(*) FROM sqlite_master")
        except DatabaseUnavailableError as exc:
            return str(exc)
        except (sqlite3.Error, ValueError) as exc:
            return f"the database does not answer: {exc}"
        return None

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the database thread in one hop, under the write lock.

        `fn` owns the transaction (BEGIN IMMEDIATE ... COMMIT). aiosqlite's `_execute` is the documented-by-source
        way to queue a function on its thread; using it saves one thread hop per statement.
        """
        async with self._write_lock:
            self.check_file()
            raw = self.conn._connection
            assert raw is not None
            return await self.conn._execute(fn, raw)

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement committed on its own (with its triggers), rows of a RETURNING clause back: one hop."""
        async with self._write_lock:
            self.check_file()
            return list(await self.conn.execute_fetchall(sql, params))

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One INSERT committed on its own; the new row's id. (lastrowid: in autocommit, a RETURNING clause makes
        SQLite's insert about twice as slow, measured.)"""
        async with self._write_lock:
            self.check_file()
            cur = await self.conn.execute(sql, params)
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)  # one trip to the database thread, not three
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def checkpoint(self) -> None:
        """Copy the WAL back into the database without blocking other connections (under the write lock: on
        this shared connection a checkpoint inside another coroutine's open transaction fails)."""
        async with self._write_lock:
            await self.conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
