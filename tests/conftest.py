"""Shared fixtures for the core tests: a real database per test (a SQLite file, and a PostgreSQL database from
tests/pg.py: `db_path` is parametrized over both engines), a manual clock, a core on the small bank, and a
recording Outbound (a real class implementing bot.qotd.ports.Outbound, not a mock).

A test about SQLite files as such (inode, WAL, crash, PRAGMA) is marked `@pytest.mark.sqlite_only`, or its
module is listed in SQLITE_ONLY_MODULES; it then runs on SQLite alone."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.replies import Reply
from bot.core import Core
from bot.domain.events import Actor, ButtonPress, Command, Place, PostedMessage
from bot.qotd.ports import Outbound
from bot.store.backend import is_postgres_url
from tests import pg

REPO = Path(__file__).resolve().parent.parent
SMALL_BANK = REPO / "tests" / "data" / "small_bank.yaml"
PLATFORM = "test"
TEAM = "T1"
CHANNEL = "C1"
# Monday 23 November 2026, 06:00 UTC (07:00 in Berlin, 01:00 in New York).
MONDAY_MORNING = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


# --- building events ------------------------------------------------------------------------------


def make_actor(user: str = "alice", *, team: str = TEAM, admin: bool = False, tz: str | None = None,
               platform: str = PLATFORM, name: str | None = None) -> Actor:
    return Actor(platform, team, user, name or user.title(), admin, tz)


def make_place(channel: str = CHANNEL, *, team: str = TEAM, platform: str = PLATFORM) -> Place:
    return Place(platform, team, channel)


def make_command(actor: Actor, line: str, place: Place | None = None) -> Command:
    """`line` as typed, e.g. 'quiz pytorch hard' or '/qotd setup 09:00 Europe/Berlin'."""
    name, *args = line.lstrip("/").split()
    return Command(actor, place or make_place(team=actor.team_id, platform=actor.platform), name, tuple(args))


async def run(core: Core, actor: Actor, line: str, place: Place | None = None) -> list[Reply]:
    return await core.handle_command(make_command(actor, line, place))


async def press(core: Core, actor: Actor, action: str, post_id: int, place: Place | None = None) -> list[Reply]:
    where = place or make_place(team=actor.team_id, platform=actor.platform)
    return await core.handle_button(ButtonPress(actor, where, action, post_id))


def card_post_id(replies: list[Reply]) -> int:
    """The post id of the (last) question card among the replies."""
    cards = [r.card for r in replies if r.card is not None]
    assert cards, f"no question card in {replies!r}"
    return cards[-1].post_id


def card_question(replies: list[Reply]) -> str:
    cards = [r.card for r in replies if r.card is not None]
    assert cards, f"no question card in {replies!r}"
    return cards[-1].question.id


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


# --- reading the database file directly -----------------------------------------------------------


def query(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query (with `?` placeholders) on the test's database, either engine, as tuples."""
    if is_postgres_url(path):
        return pg.query(str(path), sql, params)
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def execute(path: Path | str, *statements: str) -> None:
    """Run statements that change the test's database (either engine), committed, e.g. to stage a crash."""
    if is_postgres_url(path):
        pg.execute(str(path), *statements)
        return
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def scalar(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    rows = query(path, sql, params)
    return rows[0][0] if rows else None


# --- the recording outbound -----------------------------------------------------------------------


@dataclass
class Posted:
    place: Place
    reply: Reply
    mention: str | None
    make_thread: bool
    message: PostedMessage


@dataclass
class ThreadPost:
    place: Place
    message: PostedMessage
    reply: Reply


class RecordingOutbound:
    """Records every call. Failures are switchable: set `post_error` to an exception instance and every
    `post` raises it (after `post_error_times` failures it clears itself when that is set)."""

    def __init__(self, platform: str = PLATFORM, *, delay: float = 0.0, findable: bool = True) -> None:
        self.platform = platform
        self.delay = delay
        self.findable = findable
        self.posts: list[Posted] = []
        self.thread_posts: list[ThreadPost] = []
        self.private: list[tuple[str, str, Reply]] = []
        self.admin_notices: list[tuple[Place, str]] = []
        self.post_error: Exception | None = None
        self.post_error_times: int | None = None
        self.thread_error: Exception | None = None
        self.reachable = True
        self.delay_started = False
        self._ids = itertools.count(1)

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        if self.delay:
            self.delay_started = True
            await asyncio.sleep(self.delay)
        if self.post_error is not None:
            error = self.post_error
            if self.post_error_times is not None:
                self.post_error_times -= 1
                if self.post_error_times <= 0:
                    self.post_error = self.post_error_times = None
            raise error
        message_id = f"msg-{next(self._ids)}"
        message = PostedMessage(message_id, f"thread-{message_id}" if make_thread else None)
        self.posts.append(Posted(place, reply, mention, make_thread, message))
        return message

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        if self.thread_error is not None:
            raise self.thread_error
        self.thread_posts.append(ThreadPost(place, message, reply))

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        self.private.append((team_id, user_id, reply))
        return self.reachable

    async def notify_admins(self, place: Place, text: str) -> None:
        self.admin_notices.append((place, text))

    async def find_posted(self, place: Place, key: str) -> PostedMessage | None:
        if not self.findable:
            return None
        for p in self.posts:
            if p.place == place and p.reply.dedupe_key == key:
                return p.message
        return None

    # views used by the tests
    def qotd_posts(self, place: Place | None = None) -> list[Posted]:
        return [p for p in self.posts if p.reply.card is not None and (place is None or p.place == place)]

    def board_posts(self) -> list[Posted]:
        return [p for p in self.posts if p.reply.card is None]


def _is_outbound(obj: Outbound) -> Outbound:
    """Type-level check that RecordingOutbound satisfies the port."""
    return obj


_is_outbound(RecordingOutbound())


# --- fixtures -------------------------------------------------------------------------------------


ENGINES = ("sqlite", "postgres")
# Modules whose every test is about SQLite files as such (or drives sqlite3 directly).
# test_console: the console playground keeps its channel log beside the SQLite file.
SQLITE_ONLY_MODULES = frozenset({"test_durability", "test_crash_restart", "test_console"})
# Single tests elsewhere that open the SQLite file with sqlite3 themselves.
SQLITE_ONLY_TESTS: frozenset[str] = frozenset()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test about SQLite files; runs on SQLite alone")
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL test server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `db_path` (directly or through `core`) runs once per engine."""
    if "db_engine" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    only_sqlite = (metafunc.definition.get_closest_marker("sqlite_only") is not None or module in SQLITE_ONLY_MODULES
                   or f"{module}::{metafunc.definition.originalname}" in SQLITE_ONLY_TESTS)
    metafunc.parametrize("db_engine", ["sqlite"] if only_sqlite else list(ENGINES))


def pytest_sessionfinish(session: pytest.Session) -> None:
    pg.stop()


def postgres_server() -> pg.PgServer:
    """The test server, or a skip with the reason (a failure under CI=true, where PostgreSQL must run)."""
    try:
        return pg.server()
    except pg.PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PostgreSQL is unavailable: {exc}")
        pytest.skip(str(exc))


@pytest.fixture
def db_engine() -> str:
    return "sqlite"  # replaced by the parametrization above


@pytest.fixture
def db_path(db_engine: str, tmp_path: Path) -> Iterator[Path | str]:
    """The test's database: a SQLite file path, or the URL of a fresh, migrated PostgreSQL database."""
    if db_engine == "sqlite":
        yield tmp_path / "bot.sqlite3"
        return
    server = postgres_server()
    url = server.create_database()
    try:
        yield url
    finally:
        server.release_database(url)


@pytest.fixture
def pg_server() -> pg.PgServer:
    return postgres_server()


@pytest.fixture
def pg_url(pg_server: pg.PgServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (for PostgreSQL-only tests)."""
    url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.release_database(url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def outbound() -> RecordingOutbound:
    return RecordingOutbound()


@pytest.fixture
async def core(db_path: Path | str, clock: ManualClock, outbound: RecordingOutbound) -> AsyncIterator[Core]:
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(7)) as c:
        c.register_outbound(outbound)
        yield c


def open_test_core(db_path: Path | str, clock: ManualClock, *, seed: int = 7):
    """Another Core on the same database file (a restart, or a second process)."""
    return open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(seed))
