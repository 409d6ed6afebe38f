"""The minutely tick isolates every item: a post, the settling of an interrupted post, a reveal, a weekly board
or a reminder that fails (whatever the adapter raises) never stops the others, is logged once, and goes out on a
later tick exactly once. Reminders are claimed in the database, so two processes never both send one."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.commands.replies import Reply
from bot.core import Core
from bot.domain.events import Place, PostedMessage
from bot.qotd.ports import PlaceUnavailableError, TransientPostError
from bot.qotd.scheduler import run_tick, start_scheduler
from tests.conftest import (
    RecordingOutbound,
    card_post_id,
    execute,
    make_actor,
    make_place,
    open_test_core,
    press,
    query,
    run,
    scalar,
)

ADMIN = make_actor("admin", admin=True)
ANN = make_actor("ann", name="Ann")
C1, C2, C3 = make_place("C1"), make_place("C2"), make_place("C3")
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
KINDS = ("post", "find", "reveal", "board", "remind")
# The channel (or user) whose item of each kind the fake fails: C1 posts at 09:00 and has the weekly board, C3's
# 08:30 post is pending (settled through find_posted), C2's 08:00 post is revealed at 09:00, ann is reminded.
TARGETS = {"post": "C1", "find": "C3", "reveal": "C2", "board": "C1", "remind": "ann"}


class AdapterBug(Exception):
    """An error the adapter did not classify (e.g. an unexpected HTTP 4xx re-raised)."""


class FlakyOutbound(RecordingOutbound):
    """A RecordingOutbound whose items of one kind, for one channel or user, fail until `heal()`."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: dict[str, tuple[type[Exception], str]] = {}
        self.attempts: Counter[str] = Counter()

    def fail(self, kind: str, error: type[Exception], target: str | None = None) -> None:
        self.failing[kind] = (error, target or TARGETS[kind])

    def heal(self) -> None:
        self.failing.clear()
        self.attempts.clear()

    def _maybe_fail(self, kind: str, target: str) -> None:
        entry = self.failing.get(kind)
        if entry is not None and entry[1] == target:
            self.attempts[kind] += 1
            raise entry[0](f"{kind} in {target} failed (attempt {self.attempts[kind]})")

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        self._maybe_fail("post" if reply.card is not None else "board", place.channel_id)
        return await super().post(place, reply, mention=mention, make_thread=make_thread)

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        self._maybe_fail("reveal", place.channel_id)
        await super().post_in_thread(place, message, reply)

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        self._maybe_fail("remind", user_id)
        return await super().send_private(team_id, user_id, reply)

    async def find_posted(self, place: Place, key: str) -> PostedMessage | None:
        self._maybe_fail("find", place.channel_id)
        return await super().find_posted(place, key)


def delivered(out: RecordingOutbound) -> dict[str, int]:
    """How many of each kind of item reached the platform."""
    return {
        "post": len(out.qotd_posts(C1)),
        "find": len(out.qotd_posts(C3)),
        "reveal": len([t for t in out.thread_posts if t.place == C2]),
        "board": len(out.board_posts()),
        "remind": len([p for p in out.private if p[1] == "ann"]),
    }


async def prepare(core: Core, clock: ManualClock, out: FlakyOutbound) -> None:
    """Everything of the five kinds due at Monday 09:00 UTC, nothing before."""
    clock.set(SUNDAY_NOON)
    for line, place in (("09:00 UTC daily weekly=on", C1), ("08:00 UTC daily reveal=1h", C2),
                        ("08:30 UTC daily", C3)):
        replies = await run(core, ADMIN, f"qotd setup {line}", place)
        assert not replies[0].is_error, replies[0].text
    await run(core, ANN, "streak UTC remind=15")  # nudged from 09:00 on a day without practice
    post = card_post_id(await run(core, ANN, "quiz"))
    assert "Graded" in (await press(core, ANN, "good", post))[0].text  # last week's board and a streak
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    await core.tick()  # C2's question
    out.fail("post", TransientPostError, "C3")
    clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    await core.tick()  # C3's post stays pending
    out.heal()
    assert len(out.qotd_posts(C2)) == 1 and delivered(out) == dict.fromkeys(KINDS, 0)
    assert query(core.store.path, "SELECT channel_id, status FROM posts WHERE kind = 'qotd' ORDER BY id") == [
        ("C2", "posted"), ("C3", "pending")]


@pytest.fixture
def flaky() -> FlakyOutbound:
    return FlakyOutbound()


@pytest.fixture
async def flaky_core(db_path: Path, clock: ManualClock, flaky: FlakyOutbound):
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(flaky)
        await prepare(core, clock, flaky)
        yield core


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.qotd")]


@pytest.mark.parametrize("error", [AdapterBug, TransientPostError])
@pytest.mark.parametrize("kind", KINDS)
async def test_one_failing_item_never_stops_the_others_and_goes_out_later_once(
        flaky_core: Core, clock: ManualClock, flaky: FlakyOutbound, db_path: Path,
        caplog: pytest.LogCaptureFixture, kind: str, error: type[Exception]) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    flaky.fail(kind, error)
    for minute in range(3):  # fails on three ticks in a row
        clock.set(MONDAY_9 + timedelta(minutes=minute))
        await flaky_core.tick()
    assert delivered(flaky) == {k: 0 if k == kind else 1 for k in KINDS}
    assert flaky.attempts[kind] == 3  # retried on every tick

    records = _records(caplog)
    tracebacks = [r for r in records if r.exc_info]
    assert len(tracebacks) == (1 if error is AdapterBug else 0)  # first failure only, and only if unclassified
    repeats = [r for r in records if "failed again" in r.getMessage()]
    assert len(repeats) == 2 and all(r.exc_info is None and "\n" not in r.getMessage() for r in repeats)

    flaky.heal()
    for minute in range(3, 8):
        clock.set(MONDAY_9 + timedelta(minutes=minute))
        await flaky_core.tick()
    assert delivered(flaky) == dict.fromkeys(KINDS, 1)  # the failed one went out, and nothing twice
    assert any("succeeded after 3 failed attempt(s)" in r.getMessage() for r in _records(caplog))
    assert query(db_path, "SELECT channel_id, status, revealed_at IS NOT NULL FROM posts WHERE kind = 'qotd' "
                          "ORDER BY channel_id") == [("C1", "posted", 0), ("C2", "posted", 1), ("C3", "posted", 0)]
    assert scalar(db_path, "SELECT reminded_on FROM users WHERE user_id = 'ann'") == "2026-11-30"
    assert query(db_path, "SELECT channel_id, week_key FROM weekly_posts") == [("C1", "w:2026-11-23")]


async def test_a_failed_reveal_is_not_marked_revealed(flaky_core: Core, clock: ManualClock, flaky: FlakyOutbound,
                                                      db_path: Path) -> None:
    flaky.fail("reveal", AdapterBug)
    clock.set(MONDAY_9)
    await flaky_core.tick()
    assert scalar(db_path, "SELECT revealed_at FROM posts WHERE channel_id = 'C2'") is None
    assert query(db_path, "SELECT COUNT(*) FROM weekly_posts") == [(1,)]


async def test_a_failed_weekly_board_is_not_marked_posted(flaky_core: Core, clock: ManualClock,
                                                          flaky: FlakyOutbound, db_path: Path) -> None:
    flaky.fail("board", AdapterBug)
    clock.set(MONDAY_9)
    await flaky_core.tick()
    assert scalar(db_path, "SELECT COUNT(*) FROM weekly_posts") == 0
    flaky.heal()
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    await flaky_core.tick()
    assert delivered(flaky)["board"] == 1


async def test_a_failed_reminder_is_released_for_the_next_tick(flaky_core: Core, clock: ManualClock,
                                                               flaky: FlakyOutbound, db_path: Path) -> None:
    flaky.fail("remind", AdapterBug)
    clock.set(MONDAY_9)
    await flaky_core.tick()
    assert scalar(db_path, "SELECT reminded_on FROM users WHERE user_id = 'ann'") is None
    flaky.heal()
    clock.set(MONDAY_9 + timedelta(hours=1))
    await flaky_core.tick()
    assert delivered(flaky)["remind"] == 1


async def test_when_find_posted_fails_the_post_is_never_made_blindly_and_given_up_after_the_grace(
        flaky_core: Core, clock: ManualClock, flaky: FlakyOutbound, db_path: Path) -> None:
    flaky.fail("find", TransientPostError)
    for minute in range(0, 65, 5):  # 09:00 .. 10:00: C3's post (created 08:30) runs out of its hour of grace
        clock.set(MONDAY_9 + timedelta(minutes=minute))
        await flaky_core.tick()
    flaky.heal()
    clock.set(datetime(2026, 11, 30, 10, 10, tzinfo=UTC))
    await flaky_core.tick()
    assert delivered(flaky)["find"] == 0
    assert scalar(db_path, "SELECT status FROM posts WHERE channel_id = 'C3'") == "skipped"
    # the next day is a fresh post
    clock.set(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    await flaky_core.tick()
    assert delivered(flaky)["find"] == 1


async def test_a_database_error_in_one_item_does_not_stop_the_rest(flaky_core: Core, clock: ManualClock,
                                                                   flaky: FlakyOutbound, db_path: Path) -> None:
    """The weekly-board claim fails in the database itself (its table is gone): the reminder still goes out."""
    execute(db_path, "ALTER TABLE weekly_posts RENAME TO weekly_posts_away")
    clock.set(MONDAY_9)
    await flaky_core.tick()
    assert delivered(flaky) == {"post": 1, "find": 1, "reveal": 1, "board": 0, "remind": 1}
    execute(db_path, "ALTER TABLE weekly_posts_away RENAME TO weekly_posts")
    clock.set(MONDAY_9 + timedelta(minutes=1))
    await flaky_core.tick()
    assert delivered(flaky) == dict.fromkeys(KINDS, 1)


# --- reminders from two processes -------------------------------------------------------------------


async def test_two_processes_ticking_together_nudge_each_user_once(db_path: Path, clock: ManualClock) -> None:
    users = [make_actor(f"u{i:02d}") for i in range(30)]
    first, second = RecordingOutbound(delay=0.001), RecordingOutbound(delay=0.001)
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        a.register_outbound(first)
        b.register_outbound(second)
        clock.set(SUNDAY_NOON)
        for user in users:
            await run(a, user, "streak UTC remind=3")
            post = card_post_id(await run(a, user, "quiz"))
            await press(a, user, "good", post)
        clock.set(datetime(2026, 11, 30, 21, 30, tzinfo=UTC))
        for _ in range(3):
            await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
            clock.advance(timedelta(minutes=1))
    sent = Counter(user for out in (first, second) for _, user, _ in out.private)
    assert sent == Counter({u.user_id: 1 for u in users})
    assert query(db_path, "SELECT DISTINCT reminded_on FROM users WHERE user_id LIKE 'u%'") == [("2026-11-30",)]


async def test_reminder_candidates_are_typed_records(flaky_core: Core) -> None:
    [candidate] = await flaky_core.store.reminder_candidates()
    assert (candidate.platform, candidate.team_id, candidate.user_id) == ("test", "T1", "ann")
    assert (candidate.timezone, candidate.remind_hours, candidate.reminded_on) == ("UTC", 15, None)
    assert (candidate.current, candidate.last_date) == (1, "2026-11-29")


async def test_a_scheduled_tick_failing_every_minute_logs_one_traceback(
        core: Core, caplog: pytest.LogCaptureFixture) -> None:
    scheduler = start_scheduler(core, key="failing-core")
    try:
        async def broken() -> None:
            raise RuntimeError("database is on fire")

        core.qotd.tick = broken  # type: ignore[method-assign]
        caplog.set_level(logging.INFO)
        for _ in range(4):
            await run_tick("failing-core")
        del core.qotd.tick  # the real one again
        await run_tick("failing-core")
    finally:
        scheduler.shutdown(wait=False)
    records = [r for r in caplog.records if r.name == "bot.qotd.scheduler"]
    assert [bool(r.exc_info) for r in records] == [True, False, False, False, False]
    assert [r.getMessage().count("failed again") for r in records[1:4]] == [1, 1, 1]
    assert "succeeded after 4 failed attempt(s)" in records[-1].getMessage()


@pytest.mark.parametrize("kind", ["reveal", "board", "remind"])
async def test_a_reveal_board_or_reminder_known_impossible_is_not_retried_and_the_rest_goes_out(
        flaky_core: Core, clock: ManualClock, flaky: FlakyOutbound, db_path: Path, kind: str) -> None:
    flaky.fail(kind, PlaceUnavailableError)
    for minute in range(3):
        clock.set(MONDAY_9 + timedelta(minutes=minute))
        await flaky_core.tick()
    assert flaky.attempts[kind] == 1  # the channel (or the user) is gone: tried once, not every minute
    assert delivered(flaky) == {k: 0 if k == kind else 1 for k in KINDS}
    assert scalar(db_path, "SELECT revealed_at IS NOT NULL FROM posts WHERE channel_id = 'C2'") == 1
    assert scalar(db_path, "SELECT COUNT(*) FROM weekly_posts") == 1
    assert scalar(db_path, "SELECT reminded_on FROM users WHERE user_id = 'ann'") == "2026-11-30"
