"""Leaderboards: weeks from Monday 00:00 in the team's timezone, months, all time, per topic; the top 10 plus
the caller's own rank; ties to whoever got there first; totals kept in SQL by triggers; the weekly post."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.core import Core
from tests.conftest import (
    RecordingOutbound,
    card_post_id,
    make_actor,
    press,
    query,
    run,
)

ADMIN = make_actor("admin", admin=True)


async def grade(core: Core, actor, line: str = "quiz easy", how: str = "good") -> int:
    post = card_post_id(await run(core, actor, line))
    reply = (await press(core, actor, how, post))[0]
    assert "Graded" in reply.text, reply.text
    return post


async def board(core: Core, actor, args: str = "") -> str:
    replies = await run(core, actor, f"leaderboard {args}".strip())
    assert len(replies) == 1 and not replies[0].is_error, replies[0].text
    return replies[0].text


async def test_weeks_start_on_monday_midnight_in_the_team_timezone(core: Core, clock: ManualClock,
                                                                  db_path: Path) -> None:
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    await run(core, ADMIN, "qotd setup 09:00 America/New_York")  # the team's timezone
    sunday, monday = make_actor("sunday"), make_actor("monday")
    clock.set(datetime(2026, 11, 23, 4, 59, tzinfo=UTC))  # Sunday 23:59 in New York (Monday in UTC)
    await grade(core, sunday, "quiz pytorch hard")
    clock.set(datetime(2026, 11, 23, 5, 1, tzinfo=UTC))  # Monday 00:01 in New York
    await grade(core, monday, "quiz sql easy")
    assert query(db_path, "SELECT user_id, period, points FROM scores WHERE period LIKE 'w:%' ORDER BY user_id") == [
        ("monday", "w:2026-11-23", 1.0), ("sunday", "w:2026-11-16", 3.0)]
    week = await board(core, monday, "week")
    assert "This week" in week and "Monday — 1 pts" in week and "Sunday" not in week
    month = await board(core, monday, "month")
    assert "🥇 Sunday — 3 pts" in month and "🥈 Monday — 1 pts" in month
    # a month boundary in the same timezone: 1 December 00:30 in New York is 05:30 UTC
    clock.set(datetime(2026, 12, 1, 4, 30, tzinfo=UTC))  # still 30 November in New York
    await grade(core, monday, "quiz sql easy")
    clock.set(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
    await grade(core, sunday, "quiz sql easy")
    assert query(db_path, "SELECT user_id, points FROM scores WHERE period = 'm:2026-12'") == [("sunday", 1.0)]
    assert "🥇 Sunday — 1 pts" in await board(core, sunday, "month")
    assert "🥇 Sunday — 4 pts" in await board(core, sunday, "all")


async def test_top_ten_and_the_callers_own_rank(core: Core, clock: ManualClock) -> None:
    players = [make_actor(f"p{i:02d}", name=f"Player{i:02d}") for i in range(1, 13)]
    for i, player in enumerate(players, start=1):
        for _ in range(i):
            await grade(core, player)
            clock.advance(timedelta(seconds=1))
    text = await board(core, players[0], "all")
    lines = text.splitlines()
    assert lines[0] == "**🏆 All time**"
    ranked = lines[1:11]
    assert [line.split(" — ")[0].split(" ", 1)[1] for line in ranked] == [f"Player{i:02d}" for i in range(12, 2, -1)]
    assert ranked[0] == "🥇 Player12 — 12 pts (12 graded)"
    assert lines[11:] == ["…", "12. Player01 (you) — 1 pts (1 graded)"]
    inside = await board(core, players[5], "all")  # rank 7: inside the top 10, no extra line
    assert "(you)" not in inside and "…" not in inside
    stranger = await board(core, make_actor("lurker"), "all")  # never graded: no rank line
    assert "(you)" not in stranger and "Player12" in stranger


async def test_ties_go_to_whoever_got_there_first(core: Core, clock: ManualClock, db_path: Path) -> None:
    zed, abe = make_actor("zed", name="Zed"), make_actor("abe", name="Abe")
    await grade(core, zed, "quiz sql easy")
    clock.advance(timedelta(minutes=5))
    await grade(core, abe, "quiz sql easy")
    text = await board(core, abe)
    assert text.index("Zed") < text.index("Abe")
    # an Again adds no points and does not make Zed's total any later
    clock.advance(timedelta(minutes=5))
    await grade(core, zed, "quiz sql easy", "again")
    assert (await board(core, abe)).index("Zed") < (await board(core, abe)).index("Abe")
    # Abe reaches 2 first
    clock.advance(timedelta(minutes=5))
    await grade(core, abe, "quiz sql easy")
    clock.advance(timedelta(minutes=5))
    await grade(core, zed, "quiz sql easy")
    text = await board(core, zed)
    assert text.index("Abe") < text.index("Zed")
    assert query(db_path, "SELECT user_id, points FROM scores WHERE period = 'all' ORDER BY user_id") == [
        ("abe", 2.0), ("zed", 2.0)]


async def test_per_topic_boards(core: Core, clock: ManualClock) -> None:
    ann, bo = make_actor("ann", name="Ann"), make_actor("bo", name="Bo")
    await grade(core, ann, "quiz pytorch hard")
    await grade(core, bo, "quiz sql medium")
    await grade(core, bo, "quiz sql easy")
    sql = await board(core, ann, "all sql")
    assert "SQL" in sql and "🥇 Bo — 3 pts (2 graded)" in sql and "Ann" not in sql
    torch = await board(core, ann, "torch")
    assert "This week · PyTorch" in torch and "🥇 Ann — 3 pts" in torch and "Bo" not in torch
    clock.advance(timedelta(days=7))
    assert "No grades yet" in await board(core, ann, "week pytorch")
    assert "🥇 Ann — 3 pts" in await board(core, ann, "month pytorch")
    empty = await board(core, ann, "all computer-vision")
    assert "No grades yet" in empty


async def test_scores_are_kept_by_triggers_through_grades_and_regrades(core: Core, clock: ManualClock,
                                                                      db_path: Path) -> None:
    alice = make_actor("alice")
    post = await grade(core, alice, "quiz pytorch hard", "good")
    first_time = query(db_path, "SELECT graded_at FROM grades")[0][0]
    assert query(db_path, "SELECT period, points, grades, achieved_at FROM scores ORDER BY period") == [
        ("all", 3.0, 1, first_time), ("m:2026-11", 3.0, 1, first_time), ("w:2026-11-23", 3.0, 1, first_time)]
    clock.advance(timedelta(minutes=10))
    await press(core, alice, "hard", post)
    assert query(db_path, "SELECT DISTINCT points, grades FROM scores") == [(1.5, 1)]
    clock.advance(timedelta(minutes=10))
    await grade(core, alice, "quiz sql easy", "again")
    assert query(db_path, "SELECT DISTINCT points, grades FROM scores") == [(1.5, 2)]

    # a long random run of grades and regrades by several people: the totals always equal the grades' sums
    rng = random.Random(5)
    people = [make_actor(n) for n in ("a", "b", "c", "d")]
    posts: list[tuple] = []
    for _ in range(60):
        clock.advance(timedelta(hours=rng.choice([1, 5, 20])))
        who = rng.choice(people)
        how = rng.choice(["again", "hard", "good", "easy"])
        if posts and rng.random() < 0.4:
            owner, post_id = rng.choice(posts)
            await press(core, owner, how, post_id)
        else:
            post_id = card_post_id(await run(core, who, "quiz"))
            await press(core, who, how, post_id)
            posts.append((who, post_id))
    expected = query(db_path, """
        SELECT team_id, period, user_id, SUM(points), COUNT(*) FROM (
            SELECT team_id, 'all' AS period, user_id, points FROM grades
            UNION ALL SELECT team_id, week_key, user_id, points FROM grades
            UNION ALL SELECT team_id, month_key, user_id, points FROM grades) AS g
        GROUP BY team_id, period, user_id ORDER BY team_id, period, user_id""")
    actual = query(db_path, "SELECT team_id, period, user_id, points, grades FROM scores "
                            "ORDER BY team_id, period, user_id")
    assert actual == expected
    assert len({p for _, p, *_ in actual if p.startswith("w:")}) > 1


async def test_weekly_leaderboard_post_on_monday_after_the_local_time(core: Core, clock: ManualClock,
                                                                     outbound: RecordingOutbound) -> None:
    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin daily weekly=on")
    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # first Monday: last week had no grades
    await core.tick()
    assert outbound.board_posts() == []
    clock.set(datetime(2026, 11, 24, 12, tzinfo=UTC))
    await grade(core, make_actor("ann", name="Ann"), "quiz pytorch hard")
    await grade(core, make_actor("bo", name="Bo"), "quiz sql easy")
    clock.set(datetime(2026, 11, 29, 22, 59, tzinfo=UTC))  # Sunday 23:59 in Berlin
    await grade(core, make_actor("bo", name="Bo"), "quiz pytorch hard")
    for moment in (datetime(2026, 11, 30, 7, 0, tzinfo=UTC), datetime(2026, 11, 30, 7, 59, tzinfo=UTC)):
        clock.set(moment)  # Monday 08:00 and 08:59 in Berlin: before the schedule's time
        await core.tick()
    assert outbound.board_posts() == []
    for minute in (0, 1, 30):
        clock.set(datetime(2026, 11, 30, 8, minute, tzinfo=UTC))
        await core.tick()
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    await core.tick()
    posts = outbound.board_posts()
    assert len(posts) == 1
    text = posts[0].reply.text
    assert "Last week's leaderboard (week of 23 Nov)" in text
    assert "🥇 Bo — 4 pts (2 graded)" in text and "🥈 Ann — 3 pts (1 graded)" in text
    assert not posts[0].reply.private and posts[0].place.channel_id == "C1"


async def test_totals_and_levels_kept_in_python_match_the_grades(core: Core, db_path: Path) -> None:
    """Issue 15: leaderboard bookkeeping in one place. After a burst of concurrent first grades and regrades,
    every total equals the sum of its grades and the level histogram counts exactly the players at each score."""
    import asyncio

    from bot.domain.events import ButtonPress
    from tests.conftest import make_place

    rng = random.Random(5)
    people = [make_actor(f"u{i}") for i in range(12)]
    posts = {p.user_id: [card_post_id(await run(core, p, "quiz")) for _ in range(3)] for p in people}
    clicks = [ButtonPress(p, make_place(), rng.choice(["again", "hard", "good", "easy"]), rng.choice(posts[p.user_id]))
              for p in people for _ in range(6)]
    await asyncio.gather(*(core.handle_button(c) for c in clicks))
    totals = query(db_path, "SELECT user_id, points, grades FROM scores WHERE period = 'all' ORDER BY user_id")
    expected = query(db_path, "SELECT user_id, SUM(points), COUNT(*) FROM grades GROUP BY user_id ORDER BY user_id")
    assert totals == expected
    for period_rows in ("all",):
        levels = query(db_path, "SELECT points, users FROM score_levels WHERE period = ? AND users > 0 "
                                "ORDER BY points", (period_rows,))
        counted = query(db_path, "SELECT points, COUNT(*) FROM scores WHERE period = ? GROUP BY points "
                                 "ORDER BY points", (period_rows,))
        assert levels == counted
    if str(db_path).startswith("postgresql://"):
        assert query(db_path, "SELECT COUNT(*) FROM information_schema.triggers "
                              "WHERE event_object_table IN ('scores', 'score_levels')") == [(0,)]
    else:
        assert query(db_path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND "
                              "(tbl_name = 'scores' OR sql LIKE '%scores%')") == [(0,)]
