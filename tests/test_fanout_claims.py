"""Claiming due question-of-the-day schedules before any per-schedule work (issue 10, fan-out over replicas).

A replica that loses a schedule to another stops after its share of one claim statement: it draws nothing and
records nothing. Concurrent claims split the due rows without overlap; a claim whose work fails before the post
is recorded is given back, so the next tick posts it; exactly one post per channel and day either way.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.bank.loader import Bank
from bot.clock import ManualClock, iso
from bot.core import Core
from bot.domain.schedule import WEEKDAYS, Schedule
from bot.qotd.schedule import next_fire
from bot.qotd.service import CLAIM_CHUNK, CLAIM_WINDOW
from bot.store import schedules as schedule_store
from bot.store.store import Store
from tests.conftest import RecordingOutbound, make_actor, make_place, open_test_core, query, run, scalar

ADMIN = make_actor("admin", admin=True)
BEFORE = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday, before any post is due
DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 09:00, when every schedule below is due
CHANNELS = [f"C{k:02d}" for k in range(12)]


async def set_up(core: Core, channels: list[str]) -> None:
    core.clock.set(BEFORE)  # type: ignore[attr-defined]
    for channel in channels:
        replies = await run(core, ADMIN, "qotd setup 09:00 UTC daily", make_place(channel))
        assert not replies[0].is_error, replies[0].text


def next_runs(db: Path | str) -> dict[str, str]:
    return dict(query(db, "SELECT channel_id, next_run_utc FROM schedules ORDER BY channel_id"))


async def claim_all(store: Store, now: datetime, limit: int) -> list[schedule_store.ClaimedRun]:
    runs = await schedule_store.due_runs(store, now)
    return await schedule_store.claim_due(store, [(r, next_fire(r.schedule, now)) for r in runs], limit)


async def test_a_schedule_claimed_by_another_replica_is_neither_drawn_nor_recorded_here(
        db_path: Path, clock: ManualClock) -> None:
    """Another replica has claimed the run (and is still drawing): this one's tick makes no post row at all."""
    mine = RecordingOutbound()
    async with open_test_core(db_path, clock, seed=1) as other, open_test_core(db_path, clock, seed=2) as here:
        here.register_outbound(mine)
        await set_up(here, ["C1", "C2"])
        clock.set(DUE)
        runs = [r for r in await schedule_store.due_runs(other.store, DUE) if r.schedule.place.channel_id == "C1"]
        won = await schedule_store.claim_due(other.store, [(r, next_fire(r.schedule, DUE)) for r in runs], 10)
        assert [w.schedule.place.channel_id for w in won] == ["C1"]
        await here.tick()
    assert [p.place.channel_id for p in mine.qotd_posts()] == ["C2"]
    assert query(db_path, "SELECT channel_id, status FROM posts WHERE kind = 'qotd' ORDER BY channel_id") == [
        ("C2", "posted")]


async def test_two_claims_of_the_same_runs_split_them_without_overlap(db_path: Path, clock: ManualClock) -> None:
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        await set_up(a, CHANNELS)
        due = await schedule_store.due_runs(a.store, DUE)
        assert len(due) == len(CHANNELS)
        first, second = await asyncio.gather(claim_all(a.store, DUE, 5), claim_all(b.store, DUE, 5))
        third = await claim_all(a.store, DUE, 5)
        fourth = await claim_all(b.store, DUE, 5)
        claimed = [w.schedule.place.channel_id for w in (*first, *second, *third, *fourth)]
        assert len(first) == len(second) == 5 and len(third) == 2 and fourth == []
        assert sorted(claimed) == CHANNELS  # each run won exactly once
        tomorrow = iso(DUE + timedelta(days=1))
        assert set(next_runs(db_path).values()) == {tomorrow}  # every claim moved its row to the next run
        assert await schedule_store.due_runs(a.store, DUE) == []


async def test_a_claim_compares_the_next_run_it_read(db_path: Path, clock: ManualClock) -> None:
    """A schedule changed since it was read as due (e.g. /qotd setup moved it) is not claimed with stale data."""
    async with open_test_core(db_path, clock) as core:
        await set_up(core, ["C1", "C2"])
        runs = await schedule_store.due_runs(core.store, DUE)
        await run(core, ADMIN, "qotd setup 10:00 UTC daily", make_place("C1"))
        won = await schedule_store.claim_due(core.store, [(r, next_fire(r.schedule, DUE)) for r in runs], 10)
    assert [w.schedule.place.channel_id for w in won] == ["C2"]
    assert scalar(db_path, "SELECT next_run_utc FROM schedules WHERE channel_id = 'C1'") == iso(
        DUE + timedelta(hours=1))


async def test_a_claim_whose_work_fails_before_the_post_is_given_back_and_posted_next_tick(
        db_path: Path, clock: ManualClock) -> None:
    out = RecordingOutbound()
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(out)
        await set_up(core, ["C1", "C2"])
        real = core.qotd.bank_for
        assert real is not None
        broken = {"T1": True}

        async def flaky_bank(platform: str, team_id: str) -> Bank:
            if broken.pop(team_id, False):
                raise RuntimeError("the team's questions could not be read")
            return await real(platform, team_id)

        core.qotd.bank_for = flaky_bank
        clock.set(DUE)
        await core.tick()
        assert out.qotd_posts() == []
        assert set(next_runs(db_path).values()) == {iso(DUE)}  # both claims given back: due again
        assert scalar(db_path, "SELECT COUNT(*) FROM posts WHERE kind = 'qotd'") == 0
        clock.set(DUE + timedelta(minutes=1))
        await core.tick()
        await core.tick()
    assert sorted(p.place.channel_id for p in out.qotd_posts()) == ["C1", "C2"]
    assert query(db_path, "SELECT channel_id, status FROM posts WHERE kind = 'qotd' ORDER BY channel_id") == [
        ("C1", "posted"), ("C2", "posted")]
    assert set(next_runs(db_path).values()) == {iso(DUE + timedelta(days=1))}


async def test_many_replicas_ticking_at_once_post_each_channel_once(db_path: Path, clock: ManualClock) -> None:
    outs = [RecordingOutbound(delay=0.005) for _ in range(3)]
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b, \
            open_test_core(db_path, clock, seed=3) as c:
        for core, out in zip((a, b, c), outs, strict=True):
            core.register_outbound(out)
        await set_up(a, CHANNELS)
        clock.set(DUE)
        await asyncio.gather(a.tick(), b.tick(), c.tick(), a.tick())
    posted = sorted(p.place.channel_id for out in outs for p in out.qotd_posts())
    assert posted == CHANNELS
    assert scalar(db_path, "SELECT COUNT(*) FROM posts WHERE kind = 'qotd' AND status = 'posted'") == len(CHANNELS)


async def test_more_channels_than_a_claim_window_over_three_replicas_each_posted_once(
        db_path: Path, clock: ManualClock) -> None:
    """Many chunks and windows (CLAIM_WINDOW, CLAIM_CHUNK): every channel once, nothing left due.

    How the channels are shared out between the replicas depends on timing (on SQLite one replica may claim every
    chunk before the others start), so it is not asserted here; bench/fanout_bench.py reports the split."""
    count = 2 * CLAIM_WINDOW + CLAIM_CHUNK // 2
    channels = [f"C{k:04d}" for k in range(count)]
    outs = [RecordingOutbound(delay=0.01) for _ in range(3)]
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b, \
            open_test_core(db_path, clock, seed=3) as c:
        for core, out in zip((a, b, c), outs, strict=True):
            core.register_outbound(out)
        for channel in channels:
            schedule = Schedule(place=make_place(channel), local_time=time(9, 0), timezone="UTC", weekdays=WEEKDAYS,
                                created_by="admin")
            await schedule_store.save_schedule(a.store, schedule, next_fire(schedule, BEFORE), BEFORE)
        clock.set(DUE)
        await asyncio.gather(a.tick(), b.tick(), c.tick())
        assert await schedule_store.due_runs(a.store, DUE) == []
    posted = sorted(p.place.channel_id for out in outs for p in out.qotd_posts())
    assert posted == channels
    assert scalar(db_path, "SELECT COUNT(*) FROM posts WHERE kind = 'qotd' AND status = 'posted'") == count
