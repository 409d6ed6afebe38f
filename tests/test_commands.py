"""Commands as a user types them: what each shows, the private errors that list what is allowed, and the
argument parsers (examples, and random words that never raise anything but ArgumentError)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bank.loader import load_bank
from bot.bank.model import DIFFICULTIES, TOPIC_TITLES, TOPICS
from bot.commands.args import (
    ArgumentError,
    BoardArgs,
    QuizArgs,
    StreakArgs,
    parse_days,
    parse_duration_minutes,
    parse_leaderboard,
    parse_qotd_setup,
    parse_quiz,
    parse_streak,
    parse_time,
)
from bot.commands.help import HELP_TEXT
from bot.core import Core
from tests.conftest import SMALL_BANK, card_question, make_actor, query, run, scalar, texts

BANK = load_bank([SMALL_BANK])
ALICE = make_actor("alice")


# --- what the commands show ---------------------------------------------------------------------------


async def test_help(core: Core) -> None:
    for line in ("help", "quiz help", "/HELP"):
        replies = await run(core, ALICE, line)
        assert replies[0].text == HELP_TEXT and replies[0].private
        for command in ("/quiz", "/answer", "/streak", "/leaderboard", "/topics", "/qotd"):
            assert command in replies[0].text


async def test_topics_lists_every_topic_in_use_with_counts(core: Core) -> None:
    text = (await run(core, ALICE, "topics"))[0].text
    for topic in BANK.topics_in_use():
        counts = " / ".join(str(BANK.count(topic, d)) for d in DIFFICULTIES)
        assert f"`{topic}` — {TOPIC_TITLES[topic]}: {BANK.count(topic)} ({counts})" in text
    assert f"{len(BANK)} questions in all" in text
    unused = [t for t in TOPICS if t not in BANK.topics_in_use()]
    assert unused and all(f"`{t}`" not in text for t in unused)


async def test_streak_shows_state_and_settings(core: Core, db_path: Path) -> None:
    text = (await run(core, ALICE, "streak"))[0].text
    assert "**0 days**" in text and "Not practised yet today" in text and "Your timezone: UTC" in text
    text = (await run(core, ALICE, "streak tz=asia/kolkata remind=4"))[0].text
    assert "Your timezone is now **Asia/Kolkata**" in text and "nudge you 4 h" in text
    assert query(db_path, "SELECT timezone, remind_hours FROM users WHERE user_id = 'alice'") == [("Asia/Kolkata", 4)]
    assert "Reminders are off" in (await run(core, ALICE, "streak remind off"))[0].text
    assert scalar(db_path, "SELECT remind_hours FROM users WHERE user_id = 'alice'") is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("quiz cooking", "Topics: ml-fundamentals, deep-learning"),
        ("quiz pytroch", "Did you mean `pytorch`?"),
        ("quiz difficulty=insane", "Difficulties: easy, medium, hard"),
        ("quiz topic=knitting", "Unknown topic `knitting`"),
        ("quiz colour=red", "/quiz takes a topic and a difficulty"),
        ("streak Mars/Olympus", "Use an IANA name such as Europe/Berlin"),
        ("streak tz=Berlin", "Unknown timezone `Berlin`"),
        ("streak remind=99", "1 to 23, or `off`"),
        ("streak remind=²", "1 to 23, or `off`"),
        ("leaderboard yesterday", "a period (week, month, all)"),
        ("leaderboard week knitting", "Topics: ml-fundamentals"),
        ("dance", "Commands: /quiz, /answer, /streak, /leaderboard, /topics, /qotd, /help"),
    ],
)
async def test_bad_arguments_get_a_private_message_listing_what_is_allowed(core: Core, db_path: Path, line: str,
                                                                          expected: str) -> None:
    replies = await run(core, ALICE, line)
    assert len(replies) == 1
    assert replies[0].is_error and replies[0].private
    assert expected in replies[0].text
    assert scalar(db_path, "SELECT COUNT(*) FROM posts") == 0
    assert query(db_path, "SELECT timezone, remind_hours FROM users") in ([], [(None, None)])


async def test_quiz_accepts_words_in_any_order_and_discord_options(core: Core) -> None:
    for line in ("quiz hard pytorch", "quiz pytorch hard", "quiz topic=pytorch difficulty=hard",
                 "quiz topic:torch advanced"):
        question = BANK.by_id[card_question(await run(core, ALICE, line))]
        assert (question.topic, question.difficulty) == ("pytorch", "hard")


async def test_a_notice_we_could_not_deliver_leads_the_next_reply(core: Core) -> None:
    await core.note_unreachable(ALICE, "I could not DM you your reminder; open your DMs to get them.")
    replies = await run(core, ALICE, "topics")
    assert replies[0].text.startswith("I could not DM you") and len(replies) == 2
    assert "could not DM" not in texts(await run(core, ALICE, "topics"))


# --- parser examples ------------------------------------------------------------------------------------


def test_parse_quiz_examples() -> None:
    assert parse_quiz([]) == QuizArgs()
    assert parse_quiz(["hard", "pytorch"]) == QuizArgs(("pytorch",), "hard")
    assert parse_quiz(["torch", "advanced"]) == QuizArgs(("pytorch",), "hard")
    assert parse_quiz(["sql", "#sql", "nlp", "beginner"]) == QuizArgs(("sql", "nlp-llm"), "easy")
    assert parse_quiz(["review", "sql"]) == QuizArgs(("sql",), None, review=True)
    assert parse_quiz(["topic=review"]).review
    assert parse_quiz(["help"]).help and parse_quiz(["?"]).help
    assert parse_quiz(["any", "any"]) == QuizArgs()
    assert parse_quiz(["topic=pytorch difficulty=medium"]) == QuizArgs(("pytorch",), "medium")
    with pytest.raises(ArgumentError, match="Did you mean `sql`"):
        parse_quiz(["sqll"])


def test_parse_leaderboard_examples() -> None:
    assert parse_leaderboard([]) == BoardArgs("week", None)
    assert parse_leaderboard(["month", "sql"]) == BoardArgs("month", "sql")
    assert parse_leaderboard(["torch", "alltime"]) == BoardArgs("all", "pytorch")
    assert parse_leaderboard(["period=monthly", "topic=stats"]) == BoardArgs("month", "statistics-math")
    with pytest.raises(ArgumentError, match="Unknown option `since`"):
        parse_leaderboard(["since=monday"])


def test_parse_streak_examples() -> None:
    assert parse_streak([]) == StreakArgs()
    assert parse_streak(["europe/berlin"]) == StreakArgs("Europe/Berlin")
    assert parse_streak(["tz=America/New_York", "remind=5"]) == StreakArgs("America/New_York", 5)
    assert parse_streak(["remind", "3"]) == StreakArgs(None, 3)
    assert parse_streak(["remind=off"]) == StreakArgs(None, None, True)
    for bad in (["remind=0.5"], ["remind=24"], ["remind=²"], ["Nowhere/Land"], ["color=red"]):
        with pytest.raises(ArgumentError):
            parse_streak(bad)


def test_parse_time_days_and_durations() -> None:
    assert parse_time("09:00") == time(9) and parse_time("9") == time(9) and parse_time("17:30") == time(17, 30)
    assert parse_time("9am") == time(9) and parse_time("12am") == time(0) and parse_time("12pm") == time(12)
    assert parse_time("6:30pm") == time(18, 30) and parse_time("0:05") == time(0, 5)
    for bad in ("24:00", "13pm", "0am", "9:60", "noon", "", "9:5"):
        with pytest.raises(ArgumentError):
            parse_time(bad)
    assert parse_days("mon-fri") == ("mon", "tue", "wed", "thu", "fri")
    assert parse_days("fri-mon") == ("mon", "fri", "sat", "sun")
    assert parse_days("Monday,Wednesday") == ("mon", "wed")
    assert parse_days("weekends") == ("sat", "sun") and len(parse_days("daily")) == 7
    for bad in ("funday", ",", "-", "mon-"):
        with pytest.raises(ArgumentError):
            parse_days(bad)
    assert parse_duration_minutes("12h") == 720 and parse_duration_minutes("90m") == 90
    assert parse_duration_minutes("1d") == 1440 and parse_duration_minutes("30") == 30
    for bad in ("8d", "soon", "-1h", "1y"):
        with pytest.raises(ArgumentError):
            parse_duration_minutes(bad)


def test_parse_qotd_setup_examples() -> None:
    args = parse_qotd_setup(["08:30", "America/New_York", "mon-fri", "pytorch", "deep-learning", "medium",
                             "reveal=6h", "thread=off", "mention=<@&123>", "admins=<@U1>,U2", "channel=<#C9|quiz>",
                             "weekly=on"])
    assert args.local_time == time(8, 30) and args.timezone == "America/New_York"
    assert args.weekdays == ("mon", "tue", "wed", "thu", "fri")
    assert args.topics == ("pytorch", "deep-learning") and args.difficulty == "medium" and args.difficulty_given
    assert args.reveal_minutes == 360 and args.use_thread is False and args.mention == "123"
    assert args.admins == ("U1", "U2") and args.channel_id == "C9" and args.weekly_board is True
    nothing = parse_qotd_setup([])
    assert nothing.local_time is None and nothing.topics is None and not nothing.difficulty_given
    assert parse_qotd_setup(["any"]).difficulty_given and parse_qotd_setup(["any"]).difficulty is None
    assert parse_qotd_setup(["mention=off"]).mention == ""
    assert parse_qotd_setup(["time=7pm", "tz=utc", "days=daily"]).local_time == time(19)


# --- random words -----------------------------------------------------------------------------------------

VOCABULARY = ["review", "help", "?", "any", "all", "*", "hard", "easy", "medium", "advanced", "pytorch", "torch",
              "sql", "week", "month", "alltime", "remind", "off", "3", "²", "٣", "09:00", "9am", "13pm", "25:00",
              "Europe/Berlin", "utc", "mon-fri", "fri-mon", "daily", "-", ",", "=", ":", "#", "<@&1>", "<#C1>",
              "mon,", "sunny", "12h", "99999999999999999999d", "1e9", "ǅ", "İ", "ß", "\u00a0", "\t"]
KEYS = ["topic", "difficulty", "period", "tz", "timezone", "remind", "time", "days", "topics", "reveal", "thread",
        "mention", "role", "group", "admins", "channel", "weekly", "x", "TOPIC"]
words = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(VOCABULARY),
        st.builds(lambda k, sep, v: f"{k}{sep}{v}", st.sampled_from(KEYS), st.sampled_from("=:"),
                  st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8))),
    ),
    max_size=6,
)
PARSERS = [parse_quiz, parse_leaderboard, parse_streak, parse_qotd_setup]


@settings(max_examples=200, deadline=None)
@given(words)
def test_random_words_raise_nothing_but_argument_error(args: list[str]) -> None:
    for parser in PARSERS:
        try:
            parser(args)
        except ArgumentError as exc:
            assert str(exc)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=10))
def test_random_single_values_raise_nothing_but_argument_error(text: str) -> None:
    for parser in (parse_time, parse_days, parse_duration_minutes):
        try:
            parser(text)
        except ArgumentError as exc:
            assert str(exc)


# --- bounded input (issue 15 probe 10) ------------------------------------------------------------


@pytest.mark.parametrize("value", ["9" * 5000, "9" * 30, "1" + "0" * 4400])
def test_huge_reminder_hours_get_a_clear_error(value: str) -> None:
    with pytest.raises(ArgumentError, match="Reminder must be a number of hours"):
        parse_streak([f"remind={value}"])


@pytest.mark.parametrize("value", ["9" * 5000, "9" * 5000 + "h", "9" * 30 + "d"])
def test_huge_reveal_delays_get_a_clear_error(value: str) -> None:
    with pytest.raises(ArgumentError, match="at most 7 days"):
        parse_qotd_setup(["09:00", f"reveal={value}"])
    with pytest.raises(ArgumentError):
        parse_duration_minutes(value)


def test_an_unknown_huge_duration_is_not_echoed_in_full() -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_duration_minutes("x" * 5000)
    assert len(str(caught.value)) < 200


async def test_a_5000_digit_reminder_through_the_core_is_a_clear_private_error(core: Core) -> None:
    replies = await run(core, make_actor(), "streak remind=" + "9" * 5000)
    assert replies[0].is_error and replies[0].private and "Reminder must be" in replies[0].text
    replies = await run(core, make_actor(admin=True), "qotd setup 09:00 UTC reveal=" + "9" * 5000)
    assert replies[0].is_error and "at most 7 days" in replies[0].text


@pytest.mark.parametrize("custom_id", ["mlq:good:" + "9" * 30, f"mlq:good:{2**63}", "mlq:good:" + "1" * 5000,
                                       "mlq:good:-1", "mlq:good:+1", "mlq:good:١٢"])
def test_custom_ids_with_huge_or_odd_post_ids_are_not_ours(custom_id: str) -> None:
    from bot.commands.replies import parse_custom_id

    assert parse_custom_id(custom_id) is None


def test_the_largest_rowid_still_parses() -> None:
    from bot.commands.replies import parse_custom_id

    assert parse_custom_id(f"mlq:good:{2**63 - 1}") == ("good", 2**63 - 1)
    assert parse_custom_id("mlq:reveal:12") == ("reveal", 12)


async def test_quiz_help_is_parsed_in_one_place(core: Core) -> None:
    """`/quiz help` and `/help` give the same text: parse_quiz sees the word, the core answers it."""
    assert parse_quiz(["help"]).help
    assert texts(await run(core, make_actor(), "quiz help")) == texts(await run(core, make_actor(), "help"))
