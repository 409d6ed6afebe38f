"""Shared fixtures for the core tests: a real SQLite file per test, a manual clock, a core on the small bank,
and a recording Outbound (a real class implementing bot.qotd.ports.Outbound, not a mock)."""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
from collections.abc import AsyncIterator
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


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def scalar(path: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def outbound() -> RecordingOutbound:
    return RecordingOutbound()


@pytest.fixture
async def core(db_path: Path, clock: ManualClock, outbound: RecordingOutbound) -> AsyncIterator[Core]:
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(7)) as c:
        c.register_outbound(outbound)
        yield c


def open_test_core(db_path: Path, clock: ManualClock, *, seed: int = 7):
    """Another Core on the same database file (a restart, or a second process)."""
    return open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(seed))
