"""Streaks: the pure arithmetic (properties and examples), whose local day counts (user, platform, team, UTC;
far east, far west, across DST), and the opt-in reminder before local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.core import Core
from bot.practice.streaks import MAX_FREEZES, StreakState, advance, as_of, compute, practised_today
from tests.conftest import (
    RecordingOutbound,
    card_post_id,
    make_actor,
    press,
    query,
    run,
)

START = date(2026, 1, 5)
day_sets = st.sets(st.integers(min_value=0, max_value=70), max_size=40).map(
    lambda offsets: {START + timedelta(days=o) for o in offsets})
FAST = settings(max_examples=120, deadline=None)


def run_of(n: int, start: date = START) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


# --- properties -----------------------------------------------------------------------------------


@FAST
@given(day_sets)
def test_a_streak_never_exceeds_the_span_of_days(days: set[date]) -> None:
    state = compute(days)
    span = (max(days) - min(days)).days + 1 if days else 0
    assert 0 <= state.current <= state.best <= min(span, len(days))
    assert 0 <= state.freezes <= MAX_FREEZES
    assert state.last_date == (max(days) if days else None)


@FAST
@given(day_sets, st.integers(min_value=-5, max_value=80))
def test_adding_a_day_never_lowers_the_best(days: set[date], extra: int) -> None:
    more = days | {START + timedelta(days=extra)}
    assert compute(more).best >= compute(days).best


@FAST
@given(day_sets, st.randoms(use_true_random=False))
def test_order_and_duplicates_do_not_matter(days: set[date], rnd) -> None:
    shuffled = [*days, *days]
    rnd.shuffle(shuffled)
    assert compute(shuffled) == compute(sorted(days))


@FAST
@given(st.integers(min_value=1, max_value=60))
def test_a_consecutive_run_of_n_days_gives_n(n: int) -> None:
    state = compute(run_of(n))
    assert (state.current, state.best) == (n, n)
    assert state.freezes == min(MAX_FREEZES, n // 7)
    assert state.freezes_used == 0


@FAST
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=5))
def test_a_gap_covered_by_freezes_keeps_the_run(weeks: int, extra: int, tail: int) -> None:
    before = run_of(7 * weeks + extra)
    held = compute(before).freezes
    for gap in range(held + 1):
        resume = before[-1] + timedelta(days=gap + 1)
        state = compute([*before, *run_of(tail, resume)])
        assert state.current == len(before) + tail
        assert state.freezes_used >= gap
    broken = compute([*before, *run_of(tail, before[-1] + timedelta(days=held + 2))])
    assert broken.current == tail
    assert broken.best == max(len(before), tail)


@FAST
@given(day_sets, st.integers(min_value=0, max_value=10))
def test_as_of_never_raises_the_streak(days: set[date], later: int) -> None:
    state = compute(days)
    today = (state.last_date or START) + timedelta(days=later)
    seen = as_of(state, today)
    assert seen.current <= state.current and seen.freezes <= state.freezes and seen.best == state.best
    assert (seen.current == state.current) == (later <= 1 + state.freezes or state.current == 0)


@FAST
@given(day_sets, st.integers(min_value=-3, max_value=0))
def test_a_day_not_after_the_last_changes_nothing(days: set[date], back: int) -> None:
    state = compute(days)
    if state.last_date is not None:
        assert advance(state, state.last_date + timedelta(days=back)) == state


# --- examples -------------------------------------------------------------------------------------


def test_a_freeze_is_earned_on_day_seven() -> None:
    assert compute(run_of(6)).freezes == 0
    assert compute(run_of(7)).freezes == 1
    assert compute(run_of(14)).freezes == 2
    assert compute(run_of(21)).freezes == 2  # at most two held


def test_a_freeze_is_used_automatically_for_one_missed_day() -> None:
    days = [*run_of(7), START + timedelta(days=8)]  # day 8 (index 7) missed
    state = compute(days)
    assert (state.current, state.best, state.freezes, state.freezes_used) == (8, 8, 0, 1)
    assert as_of(compute(run_of(7)), START + timedelta(days=8)).freezes == 0  # spent once the day is over


def test_two_missed_days_with_one_freeze_break_the_run() -> None:
    days = [*run_of(7), START + timedelta(days=9)]
    state = compute(days)
    assert (state.current, state.best, state.freezes) == (1, 7, 0)
    seen = as_of(compute(run_of(7)), START + timedelta(days=9))
    assert seen.current == 0 and seen.best == 7


def test_today_is_never_missed() -> None:
    state = compute(run_of(3))
    today = state.last_date + timedelta(days=1)  # type: ignore[operator]
    assert as_of(state, today) == state
    assert not practised_today(state, today) and practised_today(state, state.last_date)  # type: ignore[arg-type]
    assert compute([]) == StreakState()


# --- whose local day ------------------------------------------------------------------------------


async def grade_at(core: Core, clock: ManualClock, actor, moment: datetime, grade: str = "good") -> None:
    clock.set(moment)
    post = card_post_id(await run(core, actor, "quiz"))
    reply = (await press(core, actor, grade, post))[0]
    assert "Graded" in reply.text, reply.text


def local_dates(db: Path, user: str) -> list[str]:
    return [r[0] for r in query(db, "SELECT local_date FROM grades WHERE user_id = ? ORDER BY graded_at", (user,))]


async def test_far_east_and_far_west_users_count_different_days(core: Core, clock: ManualClock,
                                                               db_path: Path) -> None:
    east, west, utc = make_actor("east"), make_actor("west"), make_actor("utc")
    assert "Pacific/Kiritimati" in (await run(core, east, "streak Pacific/Kiritimati"))[0].text
    assert "Pacific/Pago_Pago" in (await run(core, west, "streak tz=pacific/pago_pago"))[0].text
    instants = [datetime(2026, 11, 23, 9, 30, tzinfo=UTC), datetime(2026, 11, 23, 10, 30, tzinfo=UTC)]
    for moment in instants:
        for actor in (east, west, utc):
            await grade_at(core, clock, actor, moment)
    # UTC+14: 23:30 on the 23rd, then 00:30 on the 24th.  UTC-11: 22:30 and 23:30 on the 22nd.
    assert local_dates(db_path, "east") == ["2026-11-23", "2026-11-24"]
    assert local_dates(db_path, "west") == ["2026-11-22", "2026-11-22"]
    assert local_dates(db_path, "utc") == ["2026-11-23", "2026-11-23"]
    streaks = dict(query(db_path, "SELECT user_id, current FROM streaks"))
    assert streaks == {"east": 2, "west": 1, "utc": 1}
    assert "**2 days**" in (await run(core, east, "streak"))[0].text
    west_view = (await run(core, west, "streak"))[0].text
    assert "**1 day**" in west_view and "Your timezone: Pacific/Pago_Pago" in west_view


async def test_the_local_day_comes_from_user_then_platform_then_team_then_utc(
        core: Core, clock: ManualClock, db_path: Path) -> None:
    moment = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # Tokyo: 24th; New York: 23rd; UTC: 23rd; Auckland: 24th
    slack_user = make_actor("profile", tz="Asia/Tokyo")
    chooser = make_actor("chooser", tz="Asia/Tokyo")
    await run(core, chooser, "streak America/Los_Angeles")
    teamed = make_actor("teamed", team="T2")
    admin = make_actor("boss", team="T2", admin=True)
    await run(core, admin, "qotd setup 09:00 Pacific/Auckland daily")
    plain = make_actor("plain", team="T3")
    for actor in (slack_user, chooser, teamed, plain):
        await grade_at(core, clock, actor, moment)
    assert local_dates(db_path, "profile") == ["2026-11-24"]
    assert local_dates(db_path, "chooser") == ["2026-11-23"]
    assert local_dates(db_path, "teamed") == ["2026-11-24"]
    assert local_dates(db_path, "plain") == ["2026-11-23"]
    assert "Your timezone: Asia/Tokyo" in (await run(core, slack_user, "streak"))[0].text
    assert "Your timezone: Pacific/Auckland" in (await run(core, teamed, "streak"))[0].text
    assert "Your timezone: UTC" in (await run(core, plain, "streak"))[0].text


async def test_days_follow_berlin_across_the_spring_change(core: Core, clock: ManualClock, db_path: Path) -> None:
    """Practising at 00:30 Berlin time each night around Sunday 29 March 2026 (CET -> CEST)."""
    user = make_actor("berliner")
    await run(core, user, "streak Europe/Berlin")
    nights = [datetime(2026, 3, 27, 23, 30, tzinfo=UTC), datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
              datetime(2026, 3, 29, 22, 30, tzinfo=UTC), datetime(2026, 3, 30, 22, 30, tzinfo=UTC)]
    for moment in nights:
        await grade_at(core, clock, user, moment)
    assert local_dates(db_path, "berliner") == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]
    assert query(db_path, "SELECT current, best FROM streaks") == [(4, 4)]


async def test_days_follow_berlin_across_the_autumn_change(core: Core, clock: ManualClock, db_path: Path) -> None:
    """Practising at 23:30 Berlin time each evening around Sunday 25 October 2026 (CEST -> CET)."""
    user = make_actor("berliner")
    await run(core, user, "streak Europe/Berlin")
    evenings = [datetime(2026, 10, 24, 21, 30, tzinfo=UTC), datetime(2026, 10, 25, 22, 30, tzinfo=UTC),
                datetime(2026, 10, 26, 22, 30, tzinfo=UTC)]
    for moment in evenings:
        await grade_at(core, clock, user, moment)
    # the extra hour on the 25th: 00:30 and 23:30 CET that day are both the 25th
    await grade_at(core, clock, user, datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    assert sorted(local_dates(db_path, "berliner")) == ["2026-10-24", "2026-10-25", "2026-10-25", "2026-10-26"]
    assert query(db_path, "SELECT current FROM streaks") == [(3,)]


# --- reminders ------------------------------------------------------------------------------------


async def test_opt_in_reminder_before_local_midnight(core: Core, clock: ManualClock,
                                                    outbound: RecordingOutbound) -> None:
    alice, bob, carol, dave = (make_actor(n) for n in ("alice", "bob", "carol", "dave"))
    for actor in (alice, bob, carol):
        await run(core, actor, "streak Europe/Berlin")
        reply = (await run(core, actor, "streak remind=3"))[0]
        assert "3 h before your midnight" in reply.text
    await run(core, dave, "streak Europe/Berlin")
    for actor in (alice, bob, dave):  # Monday practice: everyone but carol holds a streak
        await grade_at(core, clock, actor, datetime(2026, 11, 23, 12, tzinfo=UTC))
    await grade_at(core, clock, bob, datetime(2026, 11, 24, 12, tzinfo=UTC))  # bob practised on Tuesday too

    clock.set(datetime(2026, 11, 24, 19, 55, tzinfo=UTC))  # 20:55 in Berlin: more than 3 h before midnight
    await core.tick()
    assert outbound.private == []
    clock.set(datetime(2026, 11, 24, 20, 5, tzinfo=UTC))  # 21:05 in Berlin
    for _ in range(3):
        await core.tick()
        clock.advance(timedelta(minutes=20))
    assert [(team, user) for team, user, _ in outbound.private] == [("T1", "alice")]
    text = outbound.private[0][2].text
    assert "haven't practised today" in text and "**1 day**" in text

    # Wednesday evening: alice's streak is gone (no freeze), bob's holds
    outbound.private.clear()
    clock.set(datetime(2026, 11, 25, 21, 30, tzinfo=UTC))
    await core.tick()
    assert [user for _, user, _ in outbound.private] == ["bob"]

    # switched off: no more nudges
    await run(core, bob, "streak remind=off")
    outbound.private.clear()
    clock.set(datetime(2026, 11, 26, 21, 30, tzinfo=UTC))
    await core.tick()
    assert outbound.private == []


async def test_reminder_uses_the_platform_timezone_when_the_user_set_none(core: Core, clock: ManualClock,
                                                                         outbound: RecordingOutbound) -> None:
    user = make_actor("kenji", tz="Asia/Tokyo")  # e.g. a Slack profile timezone
    await run(core, user, "streak remind=2")
    await grade_at(core, clock, user, datetime(2026, 11, 23, 3, tzinfo=UTC))  # 12:00 in Tokyo on the 23rd
    clock.set(datetime(2026, 11, 24, 12, 30, tzinfo=UTC))  # 21:30 in Tokyo on the 24th: too early
    await core.tick()
    assert outbound.private == []
    clock.set(datetime(2026, 11, 24, 13, 30, tzinfo=UTC))  # 22:30 in Tokyo (only 13:30 in UTC)
    await core.tick()
    assert [user for _, user, _ in outbound.private] == ["kenji"]


async def test_changing_yesterdays_grade_is_not_practice_today(core: Core, clock: ManualClock, db_path: Path) -> None:
    alice = make_actor("alice")
    clock.set(datetime(2026, 11, 23, 12, tzinfo=UTC))
    post = card_post_id(await run(core, alice, "quiz"))
    await press(core, alice, "hard", post)
    clock.set(datetime(2026, 11, 24, 12, tzinfo=UTC))
    changed = (await press(core, alice, "good", post))[0]
    assert "Changed your grade" in changed.text and "**1 day**" in changed.text
    assert query(db_path, "SELECT current, last_date FROM streaks") == [(1, "2026-11-23")]
    assert query(db_path, "SELECT local_date FROM practice_days") == [("2026-11-23",)]
    assert "Not practised yet today" in (await run(core, alice, "streak"))[0].text
