"""The backend interface behind `Store`: one for SQLite (aiosqlite), one for PostgreSQL (asyncpg).

Why a thin layer of our own rather than SQLAlchemy Core: the store already speaks plain parameterised SQL with
`?` placeholders, the `/quiz` hot path is one or two statements (an ORM or expression layer would add its
compile step to each), and asyncpg is the fastest PostgreSQL driver for Python. Where the two engines need
different SQL the difference sits side by side in one small dict or function (see `bot.store.sql`).

Contract kept for every module in bot/store: `await store.fetchone(sql, params)`, `await store.fetchall(...)`
(rows index by position and by name), and `async with store.write() as db:` then `cur = await db.execute(sql,
params)` (`cur.rowcount`, `await cur.fetchone()`, `await cur.fetchall()`), `await db.executemany(sql, rows)`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be written: its file was deleted or replaced, or the server cannot be reached."""


class Cursor(Protocol):
    """What `execute` inside a write transaction returns."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Any: ...


class Transaction(Protocol):
    """The object `Store.write()` yields."""

    async def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    async def executemany(self, sql: str, parameters: Any, /) -> Any: ...


class Backend(Protocol):
    engine: str  # "sqlite" or "postgres"

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def write(self) -> AbstractAsyncContextManager[Any]: ...

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def close(self) -> None: ...


def is_postgres_url(target: object) -> bool:
    """True for `postgresql://...` and `postgres://...` (the scheme Heroku writes)."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in POSTGRES_SCHEMES and "://" in target


def normalise_url(url: str) -> str:
    """`postgres://` (Heroku, Render, Dokku) becomes `postgresql://`, which every client accepts."""
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.lower() in POSTGRES_SCHEMES else url


_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW|TABLE|PRAGMA)\b|\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def returns_rows(sql: str) -> bool:
    """Whether a statement gives rows back (a query, or a change with RETURNING)."""
    return bool(_RETURNS_ROWS.search(sql))


class RowsCursor:
    """The result of one statement, shaped like a DB-API cursor, rows already fetched."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)


_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]*:)[^@\s]*(@)")


def redacted(target: object) -> str:
    """The database target fit for a log line or an error message: a URL's password becomes `***`."""
    text = str(target)
    if not is_postgres_url(text):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return _PASSWORD_IN_TEXT.sub(r"\1***\2", text)
    if parts.password is None:
        return text
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def scrub(text: str, target: object) -> str:
    """Remove the target's password from any text (an exception message quoting the DSN)."""
    if not is_postgres_url(target):
        return text
    try:
        password = urlsplit(str(target)).password
    except ValueError:
        password = None
    text = _PASSWORD_IN_TEXT.sub(r"\1***\2", text)
    return text.replace(password, "***") if password else text
