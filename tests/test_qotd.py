"""Question of the day: admin-only setup with clear errors, firing at local time across DST on chosen weekdays,
the grace window after downtime, exactly once per channel and date (many ticks, two cores), the public reveal,
a pool that starts over, and channels that are gone or busy."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import Core
from bot.domain.events import Reaction
from bot.domain.schedule import Schedule
from bot.qotd.ports import PlaceUnavailableError, TransientPostError
from bot.qotd.schedule import latest_occurrence, next_fire, occurrence_on
from bot.qotd.scheduler import TICK_JOB_ID, run_tick, start_scheduler
from tests.conftest import (
    RecordingOutbound,
    make_actor,
    make_place,
    open_test_core,
    press,
    query,
    run,
    scalar,
    texts,
)

ADMIN = make_actor("admin", admin=True)
HERE = make_place()


async def setup(core: Core, line: str, *, actor=ADMIN, place=HERE) -> str:
    replies = await run(core, actor, f"qotd setup {line}", place)
    assert len(replies) == 1 and not replies[0].is_error, replies[0].text
    return replies[0].text


async def tick_at(core: Core, clock: ManualClock, moment: datetime, times: int = 1) -> None:
    clock.set(moment)
    for _ in range(times):
        await core.tick()


def qotd_rows(db: Path) -> list[tuple]:
    return query(db, "SELECT channel_id, local_date, status FROM posts WHERE kind = 'qotd' ORDER BY channel_id, "
                     "local_date")


# --- who may set it up, and what is allowed ---------------------------------------------------------


async def test_setup_is_for_admins_only(core: Core, db_path: Path) -> None:
    member = make_actor("member")
    for action in ("setup 09:00 UTC", "now", "pause", "resume", "status"):
        replies = await run(core, member, f"qotd {action}")
        assert len(replies) == 1 and replies[0].is_error and replies[0].private, action
        assert "Only server admins" in replies[0].text
    assert scalar(db_path, "SELECT COUNT(*) FROM schedules") == 0
    # anyone may read the help
    assert not (await run(core, member, "qotd help"))[0].is_error


async def test_an_allow_listed_user_may_change_the_schedule(core: Core, db_path: Path) -> None:
    carol = make_actor("carol")
    text = await setup(core, "09:00 Europe/Berlin admins=carol,<@dan>")
    assert "Allow-list for /qotd: carol, dan" in text
    assert query(db_path, "SELECT user_id FROM team_admins ORDER BY user_id") == [("carol",), ("dan",)]
    assert "paused" in (await run(core, carol, "qotd pause"))[0].text
    assert scalar(db_path, "SELECT paused FROM schedules") == 1
    # the allow-list is per team
    assert (await run(core, make_actor("carol", team="T2"), "qotd status"))[0].is_error


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("25:00", "Hours are 0-23"),
        ("9:75", "minutes 0-59"),
        ("time=noonish", "Use 24-hour HH:MM"),
        ("09:00 Mars/Olympus_Mons", "Use an IANA name such as Europe/Berlin"),
        ("tz=Berlin", "Unknown timezone"),
        ("days=funday", "Days: mon, tue, wed, thu, fri, sat, sun"),
        ("days=mon-frx", "Unknown day"),
        ("cooking", "Topics: ml-fundamentals"),
        ("topics=pytorch,knitting", "Unknown topic `knitting`"),
        ("difficulty=insane", "Difficulties: easy, medium, hard"),
        ("reveal=soon", "Use minutes or hours such as 90m, 12h or 1d"),
        ("thread=maybe", "on or off"),
        ("colour=blue", "Settings: time, tz, days"),
        ("deep-learning easy", "No questions match"),
    ],
)
async def test_bad_settings_are_refused_privately_saying_what_is_allowed(core: Core, db_path: Path, line: str,
                                                                        expected: str) -> None:
    replies = await run(core, ADMIN, f"qotd setup {line}")
    assert len(replies) == 1
    assert replies[0].is_error and replies[0].private
    assert expected in replies[0].text
    assert scalar(db_path, "SELECT COUNT(*) FROM schedules") == 0


async def test_setup_stores_every_setting(core: Core, db_path: Path) -> None:
    text = await setup(core, "6:30pm America/New_York mon,wed,fri pytorch sql hard reveal=90m thread=off "
                             "mention=<@&42> weekly=on")
    assert "18:30 America/New_York" in text and "public answer after 1h30m" in text and "no thread" in text
    row = query(db_path, "SELECT local_time, timezone, weekdays, topics, difficulty, reveal_minutes, use_thread, "
                         "mention, weekly_board FROM schedules")
    assert row == [("18:30", "America/New_York", "mon,wed,fri", "pytorch,sql", "hard", 90, 0, "42", 1)]
    # the team's timezone follows the first schedule
    assert scalar(db_path, "SELECT timezone FROM teams") == "America/New_York"
    # a second setup changes only what it names
    await setup(core, "days=daily")
    assert query(db_path, "SELECT local_time, weekdays, difficulty FROM schedules") == [
        ("18:30", "mon,tue,wed,thu,fri,sat,sun", "hard")]
    status = (await run(core, ADMIN, "qotd status"))[0].text
    assert "(this channel)" in status and "daily" in status and "next Mon 23 Nov 18:30" in status


# --- when it fires ----------------------------------------------------------------------------------


def test_occurrences_follow_local_time_across_dst() -> None:
    berlin = Schedule(place=HERE, local_time=time(9), timezone="Europe/Berlin", weekdays=("mon", "tue", "wed", "thu",
                                                                                           "fri", "sat", "sun"))
    assert occurrence_on(berlin, date(2026, 3, 28)) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert occurrence_on(berlin, date(2026, 3, 29)) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert occurrence_on(berlin, date(2026, 10, 24)) == datetime(2026, 10, 24, 7, tzinfo=UTC)
    assert occurrence_on(berlin, date(2026, 10, 25)) == datetime(2026, 10, 25, 8, tzinfo=UTC)
    assert next_fire(berlin, datetime(2026, 3, 28, 8, tzinfo=UTC)) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert latest_occurrence(berlin, datetime(2026, 3, 29, 6, 59, tzinfo=UTC)) == (
        date(2026, 3, 28), datetime(2026, 3, 28, 8, tzinfo=UTC))
    # 02:30 does not exist on 29 March: it fires at 03:30 CEST; on 25 October it exists twice: the first one
    night = Schedule(place=HERE, local_time=time(2, 30), timezone="Europe/Berlin")
    assert occurrence_on(night, date(2026, 3, 29)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert occurrence_on(night, date(2026, 10, 25)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # no weekdays: never
    assert next_fire(Schedule(place=HERE, local_time=time(9), timezone="UTC", weekdays=()),
                     datetime(2026, 3, 28, tzinfo=UTC)) is None


async def test_posts_at_nine_in_berlin_in_winter_and_in_summer(core: Core, clock: ManualClock,
                                                             outbound: RecordingOutbound, db_path: Path) -> None:
    clock.set(datetime(2026, 3, 27, 6, tzinfo=UTC))  # Friday, CET (UTC+1)
    await setup(core, "09:00 Europe/Berlin daily")
    await tick_at(core, clock, datetime(2026, 3, 27, 7, 59, tzinfo=UTC))
    assert outbound.qotd_posts() == []
    await tick_at(core, clock, datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1
    # Monday 30 March, CEST (UTC+2): 09:00 is 07:00 UTC
    await tick_at(core, clock, datetime(2026, 3, 30, 6, 59, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1
    await tick_at(core, clock, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 2
    # and back in winter time on Monday 26 October: 08:00 UTC
    await tick_at(core, clock, datetime(2026, 10, 26, 7, 0, tzinfo=UTC))
    await tick_at(core, clock, datetime(2026, 10, 26, 7, 59, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 2
    await tick_at(core, clock, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 3
    assert qotd_rows(db_path) == [("C1", "2026-03-27", "posted"), ("C1", "2026-03-30", "posted"),
                                  ("C1", "2026-10-26", "posted")]


async def test_posts_only_on_the_selected_weekdays(core: Core, clock: ManualClock, outbound: RecordingOutbound,
                                                  db_path: Path) -> None:
    await setup(core, "10:00 UTC mon,wed,fri")
    for day in range(23, 30):  # Monday 23 to Sunday 29 November
        await tick_at(core, clock, datetime(2026, 11, day, 10, 0, tzinfo=UTC))
        await tick_at(core, clock, datetime(2026, 11, day, 10, 30, tzinfo=UTC))
    assert [d for _, d, _ in qotd_rows(db_path)] == ["2026-11-23", "2026-11-25", "2026-11-27"]
    assert len(outbound.qotd_posts()) == 3


async def test_a_missed_post_is_posted_late_within_the_grace_window(core: Core, clock: ManualClock,
                                                                   outbound: RecordingOutbound, db_path: Path) -> None:
    await setup(core, "09:00 UTC daily")
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 59, tzinfo=UTC))  # down from 09:00 to 09:59
    assert len(outbound.qotd_posts()) == 1
    await tick_at(core, clock, datetime(2026, 11, 24, 10, 1, tzinfo=UTC))  # 61 minutes late: skipped
    await tick_at(core, clock, datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1
    await tick_at(core, clock, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))  # days of downtime: only today's
    assert len(outbound.qotd_posts()) == 2
    assert [d for _, d, _ in qotd_rows(db_path)] == ["2026-11-23", "2026-11-27"]


async def test_setting_up_after_todays_time_waits_for_tomorrow(core: Core, clock: ManualClock,
                                                              outbound: RecordingOutbound) -> None:
    clock.set(datetime(2026, 11, 23, 9, 20, tzinfo=UTC))
    text = await setup(core, "09:00 UTC daily")
    assert "Next post: Tue 24 Nov 09:00 UTC" in text
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 30, tzinfo=UTC), times=3)
    assert outbound.qotd_posts() == []
    await tick_at(core, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1


# --- exactly once -----------------------------------------------------------------------------------


async def test_exactly_once_per_channel_per_date_however_often_it_ticks(
        core: Core, clock: ManualClock, outbound: RecordingOutbound, db_path: Path) -> None:
    other = make_place("C2")
    await setup(core, "09:00 UTC daily")
    await setup(core, "09:00 UTC daily", place=other)
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for minute in range(0, 50, 5):
        await tick_at(core, clock, moment + timedelta(minutes=minute), times=3)
    await asyncio.gather(*(core.tick() for _ in range(5)))
    assert len(outbound.qotd_posts(HERE)) == 1 and len(outbound.qotd_posts(other)) == 1
    assert "already posted" in (await run(core, ADMIN, "qotd now"))[0].text
    assert len(outbound.qotd_posts(HERE)) == 1
    assert qotd_rows(db_path) == [("C1", "2026-11-23", "posted"), ("C2", "2026-11-23", "posted")]


async def test_two_cores_on_one_database_post_once(db_path: Path, clock: ManualClock) -> None:
    first, second = RecordingOutbound(delay=0.02), RecordingOutbound(delay=0.02)
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        a.register_outbound(first)
        b.register_outbound(second)
        for channel in ("C1", "C2", "C3"):
            await setup(a, "09:00 UTC daily", place=make_place(channel))
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        for _ in range(3):
            await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
            clock.advance(timedelta(minutes=3))
    posted = [p.place.channel_id for p in (*first.qotd_posts(), *second.qotd_posts())]
    assert sorted(posted) == ["C1", "C2", "C3"]
    assert [s for *_, s in qotd_rows(db_path)] == ["posted"] * 3


async def test_two_cores_start_one_new_round_and_tell_the_admins_once(db_path: Path, clock: ManualClock) -> None:
    first, second = RecordingOutbound(delay=0.01), RecordingOutbound(delay=0.01)
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        a.register_outbound(first)
        b.register_outbound(second)
        await setup(a, "09:00 UTC daily deep-learning")
        for day in range(4):
            clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(days=day))
            await asyncio.gather(a.tick(), b.tick())
    assert len(first.qotd_posts()) + len(second.qotd_posts()) == 4
    assert len(first.admin_notices) + len(second.admin_notices) == 1
    assert scalar(db_path, "SELECT cycle FROM schedules") == 1
    assert query(db_path, "SELECT cycle, COUNT(DISTINCT question_id) FROM posts GROUP BY cycle ORDER BY cycle") == [(0, 2), (1, 2)]


async def test_qotd_now_racing_the_tick_posts_once(db_path: Path, clock: ManualClock) -> None:
    slow = RecordingOutbound(delay=0.05)
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(slow)
        await setup(core, "09:00 UTC daily")
        clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
        now = asyncio.create_task(run(core, ADMIN, "qotd now"))
        while not slow.delay_started:  # the post is claimed and on its way to the platform
            await asyncio.sleep(0.001)
        await asyncio.gather(core.tick(), core.tick())
        replies = await now
        await core.tick()
    assert "Posted" in replies[0].text
    assert len(slow.qotd_posts()) == 1
    assert qotd_rows(db_path) == [("C1", "2026-11-23", "posted")]


async def test_a_core_without_that_platform_leaves_its_posts_alone(db_path: Path, clock: ManualClock) -> None:
    """One process per platform on one database: the Discord process must not use up the Slack posts."""
    slack = RecordingOutbound("slack")
    async with open_test_core(db_path, clock) as only_test, open_test_core(db_path, clock) as slack_core:
        only_test.register_outbound(RecordingOutbound("test"))
        slack_core.register_outbound(slack)
        await setup(slack_core, "09:00 UTC daily", actor=make_actor("admin", admin=True, platform="slack"),
                     place=make_place(platform="slack"))
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        await only_test.tick()
        assert scalar(db_path, "SELECT COUNT(*) FROM posts") == 0
        clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
        await slack_core.tick()
    assert len(slack.qotd_posts()) == 1
    assert query(db_path, "SELECT platform, status FROM posts") == [("slack", "posted")]


# --- the pool ---------------------------------------------------------------------------------------


async def test_the_pool_is_used_up_before_a_repeat_and_the_admins_are_told(
        core: Core, clock: ManualClock, outbound: RecordingOutbound, db_path: Path) -> None:
    text = await setup(core, "09:00 UTC daily pytorch hard")
    assert "3 questions in its pool" in text
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for day in range(3):
        await tick_at(core, clock, start + timedelta(days=day))
    first_round = [p.reply.card.question.id for p in outbound.qotd_posts()]  # type: ignore[union-attr]
    assert sorted(first_round) == ["pytorch-hard-1", "pytorch-hard-2", "pytorch-hard-3"]
    assert outbound.admin_notices == []
    await tick_at(core, clock, start + timedelta(days=3))
    assert len(outbound.admin_notices) == 1
    place, notice = outbound.admin_notices[0]
    assert place == HERE and "starts over" in notice and "3 questions" in notice
    for day in range(4, 6):
        await tick_at(core, clock, start + timedelta(days=day))
    second_round = [p.reply.card.question.id for p in outbound.qotd_posts()][3:]  # type: ignore[union-attr]
    assert sorted(second_round) == sorted(first_round)
    assert len(outbound.admin_notices) == 1
    assert query(db_path, "SELECT cycle, COUNT(*) FROM posts GROUP BY cycle ORDER BY cycle") == [(0, 3), (1, 3)]


# --- reveal -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("thread", ["on", "off"])
async def test_the_answer_is_revealed_publicly_with_the_grades(core: Core, clock: ManualClock,
                                                              outbound: RecordingOutbound, thread: str) -> None:
    await setup(core, f"09:00 UTC daily sql easy reveal=2h thread={thread}")
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    posted = outbound.qotd_posts()[0]
    post_id = posted.reply.card.post_id  # type: ignore[union-attr]
    assert posted.make_thread is (thread == "on") and not posted.reply.private
    for name, grade in (("ann", "good"), ("ben", "easy"), ("cat", "again"), ("ann", "easy")):
        await press(core, make_actor(name), grade, post_id)
    await tick_at(core, clock, datetime(2026, 11, 23, 10, 59, tzinfo=UTC))
    assert outbound.thread_posts == []
    await tick_at(core, clock, datetime(2026, 11, 23, 11, 0, tzinfo=UTC), times=3)
    assert len(outbound.thread_posts) == 1
    reveal = outbound.thread_posts[0]
    assert reveal.message == posted.message
    assert (reveal.message.thread_id is not None) is (thread == "on")
    assert reveal.reply.card is not None and reveal.reply.card.reveal and not reveal.reply.private
    assert reveal.reply.card.footer == "3 graded · 67% rated Good or Easy"


async def test_answer_command_and_reaction_give_todays_answer_privately(core: Core, clock: ManualClock,
                                                                       outbound: RecordingOutbound) -> None:
    member = make_actor("member")
    none_yet = (await run(core, member, "answer"))[0]
    assert not none_yet.is_error and none_yet.private and "No question of the day" in none_yet.text
    await setup(core, "09:00 UTC daily")
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    posted = outbound.qotd_posts()[0]
    answer = (await run(core, member, "answer"))[0]
    assert answer.private and answer.card is not None and answer.card.reveal
    assert answer.card.question.id == posted.reply.card.question.id  # type: ignore[union-attr]
    # from another channel of the team: the team's latest
    elsewhere = (await run(core, member, "answer", make_place("C9")))[0]
    assert elsewhere.card is not None and elsewhere.card.question.id == answer.card.question.id
    # 👀 on the post
    via_reaction = await core.handle_reaction(Reaction(member, HERE, posted.message.message_id, "👀"))
    assert via_reaction[0].private and via_reaction[0].card is not None and via_reaction[0].card.reveal
    assert await core.handle_reaction(Reaction(member, HERE, posted.message.message_id, "thumbsup")) == []


# --- channels that fail -----------------------------------------------------------------------------


async def test_a_channel_that_is_gone_pauses_its_schedule_and_tells_the_admins(
        core: Core, clock: ManualClock, outbound: RecordingOutbound, db_path: Path) -> None:
    await setup(core, "09:00 UTC daily")
    outbound.post_error = PlaceUnavailableError("channel not found")
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), times=3)
    assert outbound.posts == []
    assert len(outbound.admin_notices) == 1 and "channel not found" in outbound.admin_notices[0][1]
    assert "/qotd resume" in outbound.admin_notices[0][1]
    assert query(db_path, "SELECT paused, paused_reason FROM schedules") == [(1, "cannot post: channel not found")]
    assert scalar(db_path, "SELECT COUNT(*) FROM posts") == 0
    assert "paused (cannot post: channel not found)" in (await run(core, ADMIN, "qotd status"))[0].text
    await tick_at(core, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert outbound.posts == [] and len(outbound.admin_notices) == 1
    # fixed and resumed
    outbound.post_error = None
    assert "resumed" in (await run(core, ADMIN, "qotd resume"))[0].text
    await tick_at(core, clock, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1


async def test_a_transient_failure_is_retried_on_the_next_tick(core: Core, clock: ManualClock,
                                                              outbound: RecordingOutbound, db_path: Path) -> None:
    await setup(core, "09:00 UTC daily")
    outbound.post_error = TransientPostError("rate limited")
    outbound.post_error_times = 2
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert outbound.posts == [] and qotd_rows(db_path) == [("C1", "2026-11-23", "pending")]
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    assert outbound.posts == []
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 2, tzinfo=UTC), times=3)
    assert len(outbound.qotd_posts()) == 1
    assert qotd_rows(db_path) == [("C1", "2026-11-23", "posted")]
    assert outbound.admin_notices == []


async def test_an_unexpected_adapter_error_leaves_the_post_pending_and_it_goes_out_once(
        core: Core, clock: ManualClock, outbound: RecordingOutbound, db_path: Path) -> None:
    await setup(core, "09:00 UTC daily")
    outbound.post_error = RuntimeError("Session is closed")
    outbound.post_error_times = 1
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert outbound.posts == [] and qotd_rows(db_path) == [("C1", "2026-11-23", "pending")]
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 6, tzinfo=UTC), times=3)
    assert len(outbound.qotd_posts()) == 1
    assert qotd_rows(db_path) == [("C1", "2026-11-23", "posted")]


async def test_a_transient_failure_beyond_the_grace_window_is_given_up(core: Core, clock: ManualClock,
                                                                      outbound: RecordingOutbound,
                                                                      db_path: Path) -> None:
    await setup(core, "09:00 UTC daily")
    outbound.post_error = TransientPostError("outage")
    for minute in range(0, 60, 10):
        await tick_at(core, clock, datetime(2026, 11, 23, 9, minute, tzinfo=UTC))
    outbound.post_error = None
    await tick_at(core, clock, datetime(2026, 11, 23, 10, 15, tzinfo=UTC))
    assert outbound.posts == []
    assert qotd_rows(db_path) == [("C1", "2026-11-23", "skipped")]
    await tick_at(core, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert len(outbound.qotd_posts()) == 1


# --- commands ---------------------------------------------------------------------------------------


async def test_now_pause_resume_status_and_mention(core: Core, clock: ManualClock,
                                                   outbound: RecordingOutbound, db_path: Path) -> None:
    assert "no question of the day" in (await run(core, ADMIN, "qotd now"))[0].text
    assert "No question of the day is set up" in (await run(core, ADMIN, "qotd status"))[0].text
    await setup(core, "09:00 UTC daily mention=<@&77>")
    assert "Posted" in (await run(core, ADMIN, "qotd now"))[0].text
    assert outbound.posts[0].mention == "77"
    await tick_at(core, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert len(outbound.posts) == 1  # today's is already out
    assert "paused" in (await run(core, ADMIN, "qotd pause"))[0].text
    for day in (24, 25):
        await tick_at(core, clock, datetime(2026, 11, day, 9, 0, tzinfo=UTC))
    assert len(outbound.posts) == 1
    assert "⏸️ paused (paused by an admin)" in (await run(core, ADMIN, "qotd status"))[0].text
    resumed = (await run(core, ADMIN, "qotd resume"))[0].text
    assert "Next post: Thu 26 Nov 09:00 UTC" in resumed
    await tick_at(core, clock, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert len(outbound.posts) == 2
    unknown = (await run(core, ADMIN, "qotd explode"))[0]
    assert unknown.is_error and "setup, now, pause, resume, status" in unknown.text
    assert texts(await run(core, ADMIN, "qotd help")).count("/qotd setup") >= 1


# --- the minutely job ---------------------------------------------------------------------------------


async def test_the_scheduler_job_ticks_the_core_and_survives_errors(core: Core, clock: ManualClock,
                                                                    outbound: RecordingOutbound) -> None:
    scheduler = start_scheduler(core, key="test-core")
    try:
        job = scheduler.get_job(TICK_JOB_ID)
        assert job is not None and job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 55
        await setup(core, "09:00 UTC daily")
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        await run_tick("test-core")
        assert len(outbound.qotd_posts()) == 1
        await run_tick("no-such-core")  # nothing registered under that key: nothing happens

        async def broken() -> None:
            raise RuntimeError("database is on fire")

        core.qotd.tick = broken  # type: ignore[method-assign]
        await run_tick("test-core")  # logged, not raised: the next minute tries again
    finally:
        scheduler.shutdown(wait=False)
