"""/progress, the goal on /streak, /progress team, /qotd stats and topics=weakest through the real core and a real
SQLite file (issue 13). Replies are checked as a user reads them, the database with query()/scalar()."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from PIL import ImageStat

from bot.clock import ManualClock
from bot.commands.args import ArgumentError
from bot.commands.progress_args import parse_progress
from bot.commands.replies import Reply
from bot.core import Core
from bot.practice.progress import frozen_days
from bot.practice.streaks import compute
from bot.qotd.stats_chart import WeekRow, render_participation, text_participation
from tests.conftest import (
    RecordingOutbound,
    card_post_id,
    card_question,
    make_actor,
    make_place,
    press,
    query,
    run,
    scalar,
)

ALICE = make_actor("alice")
TODAY = date(2026, 11, 23)


def png_of(reply: Reply, filename: str) -> PILImage.Image:
    """The reply's one picture, decoded, checked not blank."""
    [image] = reply.images
    assert image.filename == filename and image.alt
    img = PILImage.open(io.BytesIO(image.png))
    img.load()
    assert img.format == "PNG" and img.width == 800
    assert max(ImageStat.Stat(img.convert("L")).stddev) > 10  # not one flat colour
    return img


async def graded(core: Core, actor, topic: str, grade: str = "good") -> str:
    """Draw a question of `topic`, reveal it and grade it; returns its id."""
    replies = await run(core, actor, f"quiz {topic}")
    post_id = card_post_id(replies)
    await press(core, actor, "reveal", post_id)
    await press(core, actor, grade, post_id)
    return card_question(replies)


# --- /progress --------------------------------------------------------------------------------------


async def test_progress_weakest_first_with_coverage_next_steps_and_a_picture(core: Core) -> None:
    await graded(core, ALICE, "pytorch")
    await graded(core, ALICE, "pytorch", "easy")
    [reply] = await run(core, ALICE, "progress")
    assert reply.private and reply.title == "Your progress"
    lines = [line for line in reply.text.splitlines() if ": readiness " in line]
    topics = [line.split(":")[0] for line in lines]
    assert topics[-1] == "pytorch" and set(topics) == {"pytorch", "sql", "ml-fundamentals", "deep-learning",
                                                        "nlp-llm", "statistics-math"}
    assert "pytorch: readiness 33%, coverage 33% (2 of 6 seen)" in reply.text  # 2 fresh cards of 6 questions
    assert "sql: readiness 0%, coverage 0% (0 of 4 seen)" in reply.text
    assert "Questions never seen count as not ready." in reply.text
    assert "start `deep-learning`: 0 of 2 seen — `/quiz deep-learning`" in reply.text
    img = png_of(reply, "readiness.png")
    assert img.height == 70 + 44 * 6 + 40


async def test_due_reviews_come_first_in_what_to_do_next(core: Core, clock: ManualClock) -> None:
    await graded(core, ALICE, "sql", "again")
    clock.advance(timedelta(days=2))
    [reply] = await run(core, ALICE, "progress")
    assert "• 1 review due: `/quiz review`" in reply.text
    assert reply.text.index("review due") < reply.text.index("start `")


async def test_forecast_is_lower_and_says_reviews_a_day(core: Core) -> None:
    await graded(core, ALICE, "pytorch")
    [now] = await run(core, ALICE, "progress")
    [later] = await run(core, ALICE, "progress 2027-02-01")
    now_pct = int(re.search(r"pytorch: readiness (\d+)%", now.text).group(1))
    later_pct = int(re.search(r"pytorch: (\d+)% on 2027-02-01", later.text).group(1))
    assert later_pct < now_pct
    assert "on **Mon 01 Feb 2027** (70 days)" in later.text
    assert re.search(r"In all \*\*about \d+ reviews? a day\*\* keep every topic above 90%", later.text)
    png_of(later, "readiness.png")
    assert scalar(core.store.path, "SELECT COUNT(*) FROM user_goals") == 0  # a forecast stores nothing


async def test_goal_is_stored_shown_on_streak_and_forgotten(core: Core, db_path: Path) -> None:
    [saved] = await run(core, ALICE, "progress goal=2027-01-10")
    assert "Goal saved: ready by **Sun 10 Jan 2027**" in saved.text and "on **Sun 10 Jan 2027**" in saved.text
    assert query(db_path, "SELECT platform, user_id, goal_date FROM user_goals") == [("test", "alice", "2027-01-10")]
    [streak] = await run(core, ALICE, "streak")
    assert "🎯 Goal: ready by Sun 10 Jan 2027 (48 days left)" in streak.text
    png_of(streak, "streak.png")
    [cleared] = await run(core, ALICE, "progress goal=off")
    assert "goal date is cleared" in cleared.text and scalar(db_path, "SELECT COUNT(*) FROM user_goals") == 0
    [streak] = await run(core, ALICE, "streak")
    assert "Goal" not in streak.text


@pytest.mark.parametrize("line, message", [
    ("progress 2026-11-01", "is not in the future"),
    ("progress goal=tomorrow", "is not a date"),
    ("progress 2040-01-01", "more than 5 years away"),
    ("progress everything", "I don't know `everything`"),
    ("progress colour=red", "Unknown option `colour`"),
    ("progress team 2027-01-01", "forecasts and goals are your own"),
])
async def test_bad_progress_arguments_get_a_clear_private_message(core: Core, db_path: Path, line: str,
                                                                  message: str) -> None:
    [reply] = await run(core, ALICE, line)
    assert reply.is_error and reply.private and message in reply.text and not reply.images
    assert scalar(db_path, "SELECT COUNT(*) FROM user_goals") == 0


def test_progress_arguments_parse() -> None:
    assert parse_progress(["2027-02-01"], TODAY).on == date(2027, 2, 1)
    assert parse_progress(["date=2027-02-01"], TODAY).on == date(2027, 2, 1)
    assert parse_progress(["goal:2027-02-01"], TODAY).goal == date(2027, 2, 1)
    assert parse_progress(["team=on"], TODAY).team and parse_progress(["team"], TODAY).team
    assert parse_progress([], TODAY) == parse_progress(["me"], TODAY)
    with pytest.raises(ArgumentError):
        parse_progress(["goal=2026-11-23"], TODAY)  # today is not ahead


async def test_team_progress_shows_averages_and_no_one_by_name(core: Core) -> None:
    bob = make_actor("bob", name="Bobby Tables")
    await graded(core, ALICE, "pytorch")
    await graded(core, bob, "sql")
    await graded(core, bob, "sql")
    [reply] = await run(core, ALICE, "progress team")
    assert reply.private and reply.title == "Team progress"
    assert "Averages over the 2 members who have practised" in reply.text
    assert "sql: readiness 25%, coverage 25%, 1 of 2 practise it" in reply.text  # bob 2/4, alice 0/4
    assert "pytorch: readiness 8%, coverage 8%, 1 of 2 practise it" in reply.text  # alice 1/6, bob 0
    assert "deep-learning: readiness 0%, coverage 0%, 0 of 2 practise it" in reply.text
    for who in ("alice", "Alice", "bob", "Bobby"):
        assert who not in reply.text
    png_of(reply, "readiness.png")
    [empty] = await run(core, make_actor("carol", team="T2"), "progress team")
    assert "Nobody in this team has graded a question yet" in empty.text and not empty.images


async def test_pictures_are_cached_per_user_day_and_state(core: Core) -> None:
    await graded(core, ALICE, "pytorch")
    cache = core.progress.pictures
    await run(core, ALICE, "progress")
    renders = cache.renders
    await run(core, ALICE, "progress")
    assert cache.renders == renders  # the same figures on the same day: no new render
    await graded(core, ALICE, "sql")
    await run(core, ALICE, "progress")
    assert cache.renders == renders + 1


# --- the streak calendar --------------------------------------------------------------------------------


async def test_streak_calendar_marks_active_days_and_freezes(core: Core, clock: ManualClock) -> None:
    for _ in range(7):  # a 7-day run earns a freeze
        await graded(core, ALICE, "pytorch" if _ % 2 else "sql")
        clock.advance(timedelta(days=1))
    clock.advance(timedelta(days=1))  # one missed day, covered by the freeze
    [streak] = await run(core, ALICE, "streak")
    assert "Last 26 weeks: 7 active days, 1 freezes." in streak.text
    assert "Last 7 days (# answered, * freeze, . none): # # # # # * ." in streak.text
    png_of(streak, "streak.png")


@settings(max_examples=150, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=80), max_size=45), st.integers(min_value=0, max_value=5))
def test_frozen_days_are_missed_days_and_never_more_than_the_freezes_used(offsets: set[int], after: int) -> None:
    start = date(2026, 1, 5)
    days = {start + timedelta(days=o) for o in offsets}
    today = (max(days) if days else start) + timedelta(days=after)
    frozen = frozen_days(days, today)
    assert not frozen & days and all(d < today for d in frozen)
    assert len(frozen_days(days, max(days))) <= compute(days).freezes_used if days else frozen == set()


# --- the leaderboard chart -------------------------------------------------------------------------------


async def test_leaderboard_chart_is_public_with_the_same_numbers(core: Core) -> None:
    await graded(core, ALICE, "pytorch")
    await graded(core, make_actor("bob"), "sql", "hard")
    [plain] = await run(core, ALICE, "leaderboard")
    assert not plain.images
    [board] = await run(core, ALICE, "leaderboard week chart")
    assert not board.private and board.text == plain.text
    png_of(board, "leaderboard.png")
    assert "Alice — 1 pts" in board.text and "Bob — 0.5 pts" in board.text  # a fractional score stays exact


async def test_the_weekly_board_post_carries_its_chart(core: Core, clock: ManualClock,
                                                       outbound: RecordingOutbound) -> None:
    admin = make_actor("ann", admin=True)
    await run(core, admin, "qotd setup 09:00 UTC daily weekly=on")
    await graded(core, ALICE, "pytorch")
    clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))  # the next Monday
    await core.tick()
    [board] = outbound.board_posts()
    assert "Alice — 1 pts" in board.reply.text
    png_of(board.reply, "leaderboard.png")


# --- /qotd stats -----------------------------------------------------------------------------------------


async def test_qotd_stats_is_for_admins_only(core: Core) -> None:
    [reply] = await run(core, ALICE, "qotd stats")
    assert reply.is_error and reply.private and "`/qotd stats` is for admins" in reply.text


async def test_qotd_stats_counts_people_per_week_and_finds_outliers(core: Core, clock: ManualClock,
                                                                      outbound: RecordingOutbound,
                                                                      db_path: Path) -> None:
    admin = make_actor("ann", admin=True)
    await run(core, admin, "qotd setup 09:00 UTC daily")
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    await core.tick()
    [post] = outbound.qotd_posts()
    post_id = post.reply.card.post_id
    people = [make_actor(f"u{i}") for i in range(6)]
    for i, who in enumerate(people):
        await press(core, who, "reveal", post_id)
        if i < 5:
            await press(core, who, "again" if i < 4 else "good", post_id)
    await press(core, people[0], "reveal", post_id)  # a second reveal is the same person
    skipped = await run(core, ALICE, "quiz sql")
    await press(core, ALICE, "skip", card_post_id(skipped))
    assert scalar(db_path, "SELECT COUNT(*) FROM post_actions WHERE action = 'reveal'") == 6
    [stats] = await run(core, admin, "qotd stats")
    assert stats.private and stats.title == "Question of the day: stats"
    assert "Week of 23 Nov: 1 posts, 6 revealed, 5 graded, 0 in their own words" in stats.text
    assert "Week of 05 Oct: 0 posts, 0 revealed, 0 graded, 0 in their own words" in stats.text
    qid = post.reply.card.question.id
    assert f"• `{qid}` — " in stats.text and "20% Good/Easy of 5 grades" in stats.text
    assert f"`{card_question(skipped)}` — " in stats.text and "skipped 1 time" in stats.text
    png_of(stats, "qotd-stats.png")


def test_participation_chart_and_text_carry_the_same_numbers() -> None:
    weeks = [WeekRow(date(2026, 11, 2) + timedelta(weeks=i), i, 3 * i, 2 * i, i // 2) for i in range(8)]
    img = PILImage.open(io.BytesIO(render_participation(weeks)))
    assert img.size == (800, 420) and max(ImageStat.Stat(img.convert("L")).stddev) > 10
    text = text_participation(weeks)
    assert "Week of 21 Dec: 7 posts, 21 revealed, 14 graded, 3 in their own words" in text
    assert len(text.splitlines()) == 8


# --- /qotd setup topics=weakest -------------------------------------------------------------------------


async def test_topics_weakest_posts_from_the_teams_weakest_topic(core: Core, clock: ManualClock,
                                                                 outbound: RecordingOutbound, db_path: Path) -> None:
    admin = make_actor("ann", admin=True)
    for _ in range(2):
        await graded(core, ALICE, "deep-learning")  # deep-learning is no longer the weakest
    [setup] = await run(core, admin, "qotd setup 09:00 UTC daily topics=weakest")
    assert "weakest topic by readiness" in setup.text
    assert query(db_path, "SELECT mode FROM qotd_topic_modes") == [("weakest",)]
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    await core.tick()
    [post] = outbound.qotd_posts()
    assert post.reply.card.question.topic == "ml-fundamentals"  # readiness 0, then coverage 0, then by name


async def test_topics_weakest_falls_back_to_the_whole_pool_for_a_new_team(core: Core, clock: ManualClock,
                                                                          outbound: RecordingOutbound) -> None:
    admin = make_actor("ann", team="T9", admin=True)
    place = make_place(team="T9")
    await run(core, admin, "qotd setup 09:00 UTC daily topics=weakest", place)
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    await core.tick()
    assert len(outbound.qotd_posts(place)) == 1
    [back] = await run(core, admin, "qotd setup topics=pytorch", place)
    assert "weakest" not in back.text


def test_outliers_name_each_question_once_at_each_end() -> None:
    from bot.bank.loader import Bank, lint_paths
    from bot.qotd.stats import outlier_lines
    from bot.store.progress import QuestionOutcome
    from tests.conftest import SMALL_BANK

    bank = Bank(tuple(lint_paths([SMALL_BANK])[0]))
    outcomes = [QuestionOutcome("sql-easy-1", 10, 1, 0), QuestionOutcome("sql-easy-2", 5, 5, 4),
                QuestionOutcome("pytorch-easy-1", 6, 3, 0), QuestionOutcome("pytorch-easy-2", 4, 0, 9)]
    text = "\n".join(outlier_lines(outcomes, bank))
    hardest, easiest = text.split("**Easiest**")
    assert "`sql-easy-1`" in hardest and "10% Good/Easy of 10 grades" in hardest
    assert "`sql-easy-2`" in easiest and "100% Good/Easy of 5 grades" in easiest
    assert "pytorch-easy-2` — " in text.split("**Most skipped:**")[1].splitlines()[1]  # 4 grades: not an outlier
    assert text.count("`sql-easy-1`") == 1


async def test_a_teams_own_question_counts_in_its_progress_only(core: Core) -> None:
    prompt = "How do you roll back a bad model deployment without downtime?"
    answer = "Keep the previous model version serving behind the same endpoint and shift traffic back."
    await run(core, make_actor("bob"), f"suggest mlops medium {prompt} | {answer}")
    await press(core, make_actor("ann", admin=True), "approve", 1)
    [mine] = await run(core, ALICE, "progress")
    assert "mlops: readiness 0%, coverage 0% (0 of 1 seen)" in mine.text
    [other] = await run(core, make_actor("carol", team="T2"), "progress")
    assert "mlops" not in other.text  # the small bank has no mlops question: only team T1 has one
