"""Failure tests at the core: a locked database, hostile input, forged button ids, SQL metacharacters."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.args import (
    ArgumentError,
    parse_days,
    parse_duration_minutes,
    parse_leaderboard,
    parse_qotd_setup,
    parse_quiz,
    parse_streak,
    parse_time,
    parse_timezone,
)
from bot.core import Core
from bot.domain.events import Actor, ButtonPress, Command, Place

BANK = Path(__file__).parent / "data" / "small_bank.yaml"
START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday
HOSTILE = ["'; DROP TABLE grades; --", 'Robert"); DELETE FROM users; --', "a\x00b", "<!channel> @everyone",
           "🙂" * 50, "x" * 5000, "%s %d {0}", "\\'\\\"", "null", "../../etc/passwd"]


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(START), bank_paths=[BANK]) as c:
        yield c


def actor(user: str = "U1", team: str = "T1", admin: bool = False, name: str = "") -> Actor:
    return Actor("test", team, user, name or user, admin)


def place(team: str = "T1", channel: str = "C1") -> Place:
    return Place("test", team, channel)


async def quiz_post(core: Core, who: Actor, where: Place) -> int:
    """A private pytorch/easy question (1 point for Good)."""
    replies = await core.handle_command(Command(who, where, "quiz", ("pytorch", "easy")))
    assert replies[-1].card is not None and replies[-1].card.question.difficulty == "easy"
    return replies[-1].buttons[0].post_id


def hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO teams (platform, team_id, created_at) VALUES ('other', 'X', 'now')")
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


async def test_database_locked_by_another_writer_for_two_seconds_loses_no_grade(core: Core) -> None:
    who, where = actor(), place()
    post_id = await quiz_post(core, who, where)
    started = threading.Event()
    locker = threading.Thread(target=hold_write_lock, args=(core.store.path, 2.0, started))
    locker.start()
    started.wait()
    began = time.monotonic()
    replies = await core.handle_button(ButtonPress(who, where, "good", post_id))
    waited = time.monotonic() - began
    locker.join()
    assert "Graded **Good**" in replies[0].text
    assert waited >= 1.5  # it waited for the other writer instead of failing
    rows = sqlite3.connect(core.store.path).execute("SELECT grade, points FROM grades").fetchall()
    assert rows == [("good", 1.0)]


@given(words=st.lists(st.text(max_size=40), max_size=6))
@settings(max_examples=150, deadline=None)
def test_argument_parsers_only_ever_raise_argument_error(words: list[str]) -> None:
    for parser in (parse_quiz, parse_leaderboard, parse_streak, parse_qotd_setup):
        try:
            parser(words)
        except ArgumentError as exc:
            assert str(exc)  # always says what is allowed


@given(text=st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_time_timezone_day_and_duration_parsing_never_crash(text: str) -> None:
    for parser in (parse_time, parse_timezone, parse_days, parse_duration_minutes):
        try:
            parser(text)
        except ArgumentError as exc:
            assert "`" in str(exc) or "No days" in str(exc) or "at most" in str(exc)


@given(words=st.lists(st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE)), max_size=5),
       command=st.sampled_from(["quiz", "streak", "leaderboard", "topics", "qotd", "answer", "help", "nope"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_command_with_random_words_gets_a_reply_and_the_bot_keeps_running(
    core: Core, words: list[str], command: str
) -> None:
    replies = await core.handle_command(Command(actor(admin=True), place(), command, tuple(words)))
    assert replies
    for reply in replies:
        assert reply.text or reply.card
        if reply.is_error:
            assert reply.private
    assert (await core.handle_command(Command(actor(), place(), "topics", ())))[0].text.startswith("**Topics**")


@pytest.mark.parametrize("action", ["setup 09:00 UTC", "now", "pause", "resume", "status",
                                    "setup admins=U2", "setup channel=C9 10:00"])
async def test_a_non_admin_cannot_change_any_schedule(core: Core, action: str) -> None:
    admin = actor("A1", admin=True)
    await core.handle_command(Command(admin, place(), "qotd", ("setup", "09:00", "UTC")))
    before = sqlite3.connect(core.store.path).execute("SELECT * FROM schedules").fetchall()
    replies = await core.handle_command(Command(actor("U2"), place(), "qotd", tuple(action.split())))
    assert replies[0].is_error and replies[0].private
    assert "Only server admins" in replies[0].text
    after = sqlite3.connect(core.store.path).execute("SELECT * FROM schedules").fetchall()
    assert after == before


async def test_forged_button_ids_are_checked_against_who_clicks(core: Core) -> None:
    owner, where = actor("U1"), place()
    post_id = await quiz_post(core, owner, where)
    intruder = actor("U2")
    for action in ("reveal", "good", "skip"):
        replies = await core.handle_button(ButtonPress(intruder, where, action, post_id))
        assert replies[0].is_error and "someone else's" in replies[0].text
    other_team = actor("U3", team="T2")
    admin = actor("A1", admin=True)
    await core.handle_command(Command(admin, where, "qotd", ("setup", "09:00", "UTC", "daily")))
    await core.handle_command(Command(admin, where, "qotd", ("now",)))
    qotd_id = sqlite3.connect(core.store.path).execute("SELECT id FROM posts WHERE kind = 'qotd'").fetchone()
    if qotd_id is not None:  # posting needs an outbound; without one the claim is skipped
        replies = await core.handle_button(ButtonPress(other_team, place("T2"), "good", qotd_id[0]))
        assert replies[0].is_error
    missing = await core.handle_button(ButtonPress(owner, where, "good", 999_999))
    assert missing[0].is_error and "no longer available" in missing[0].text
    assert sqlite3.connect(core.store.path).execute("SELECT COUNT(*) FROM grades").fetchone() == (0,)


@pytest.mark.parametrize("evil", [*HOSTILE[:2], HOSTILE[3]])
async def test_sql_metacharacters_in_every_text_field_are_stored_literally(core: Core, evil: str) -> None:
    who = Actor("test", f"T{evil}", f"U{evil}", f"name {evil}", True, None)
    where = Place("test", f"T{evil}", f"C{evil}")
    post_id = await quiz_post(core, who, where)
    graded = await core.handle_button(ButtonPress(who, where, "easy", post_id))
    assert "Graded **Easy**" in graded[0].text
    word = evil.replace(" ", "")  # command words never contain spaces
    setup = await core.handle_command(Command(who, where, "qotd", ("setup", "09:00", "UTC", f"mention={word}",
                                                                      f"admins={word}")))
    assert "set up" in setup[0].text
    streak = await core.handle_command(Command(who, where, "streak", (f"remind={word}",)))
    assert streak[0].is_error and "Reminder must be a number" in streak[0].text
    board = await core.handle_command(Command(who, where, "leaderboard", ("all",)))
    assert f"name {evil}" in board[0].text
    db = sqlite3.connect(core.store.path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"grades", "users", "teams", "schedules", "scores"} <= tables
    assert db.execute("SELECT user_id, team_id FROM grades").fetchall() == [(f"U{evil}", f"T{evil}")]
    assert db.execute("SELECT display_name FROM users WHERE user_id = ?", (f"U{evil}",)).fetchone() == (
        f"name {evil}",)
    assert db.execute("SELECT channel_id FROM schedules").fetchall() == [(f"C{evil}",)]


async def test_concurrent_duplicate_grades_count_once(core: Core) -> None:
    who, where = actor(), place()
    post_id = await quiz_post(core, who, where)
    await asyncio.gather(*(core.handle_button(ButtonPress(who, where, "good", post_id)) for _ in range(10)))
    db = sqlite3.connect(core.store.path)
    assert db.execute("SELECT COUNT(*) FROM grades").fetchone() == (1,)
    assert db.execute("SELECT points, grades FROM scores WHERE period = 'all'").fetchone() == (1.0, 1)


async def test_a_malformed_pack_added_while_running_is_refused_and_the_bank_kept(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    good = ("questions:\n  - id: team-q1\n    topic: sql\n    difficulty: easy\n"
            "    prompt: What does our nightly ETL job load?\n")
    (packs / "ours.yaml").write_text(good)
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(START),
                         bank_paths=[BANK], extra_packs=[packs]) as core:
        before = len(core.bank)
        (packs / "broken.yaml").write_text(good.replace("team-q1", "team-q2").replace("sql", "cooking"))
        admin = actor("A1", admin=True)
        replies = await core.handle_command(Command(admin, place(), "qotd", ("reload",)))
        assert replies[0].is_error and replies[0].private
        assert "kept the current bank" in replies[0].text
        assert f"{packs / 'broken.yaml'}:3: unknown topic 'cooking'" in replies[0].text
        assert len(core.bank) == before
        quiz = await core.handle_command(Command(actor(), place(), "quiz", ("sql",)))
        assert quiz[-1].card is not None  # still serving from the previous bank
        refused = await core.handle_command(Command(actor("U9"), place(), "qotd", ("reload",)))
        assert refused[0].is_error and "Only server admins" in refused[0].text
        (packs / "broken.yaml").write_text(good.replace("team-q1", "team-q2").replace("load?", "skip?"))
        fixed = await core.handle_command(Command(admin, place(), "qotd", ("reload",)))
        assert not fixed[0].is_error and f"{before + 1} questions" in fixed[0].text
        assert core.bank.get("team-q2") is not None


async def test_a_button_clicked_in_a_direct_message_belongs_to_the_posts_team(core: Core) -> None:
    who, where = actor(), place()
    post_id = await quiz_post(core, who, where)
    in_dm = Actor("test", "", who.user_id, who.display_name)
    replies = await core.handle_button(ButtonPress(in_dm, Place("test", "", "D1"), "good", post_id, in_dm=True))
    assert "Graded **Good**" in replies[0].text
    db = sqlite3.connect(core.store.path)
    assert db.execute("SELECT team_id FROM grades").fetchall() == [("T1",)]
    assert db.execute("SELECT COUNT(*) FROM teams WHERE team_id = ''").fetchone() == (0,)


async def test_a_press_without_a_team_outside_a_dm_is_refused(core: Core) -> None:
    """Issue 15 probe 9: a forged payload with no team no longer takes the post's team."""
    who, where = actor(), place()
    post_id = await quiz_post(core, who, where)
    foreign = Actor("test", "", who.user_id, who.display_name)
    replies = await core.handle_button(ButtonPress(foreign, Place("test", "", "C9"), "good", post_id))
    assert replies[0].is_error and "no longer available" in replies[0].text
    assert sqlite3.connect(core.store.path).execute("SELECT COUNT(*) FROM grades").fetchone() == (0,)


async def test_a_press_from_another_team_is_refused_with_a_clear_message(core: Core) -> None:
    who, where = actor(), place()
    post_id = await quiz_post(core, who, where)
    intruder = Actor("test", "T2", who.user_id, who.display_name)
    replies = await core.handle_button(ButtonPress(intruder, Place("test", "T2", "C1"), "good", post_id))
    assert replies[0].is_error and "belongs to another team" in replies[0].text
    assert sqlite3.connect(core.store.path).execute("SELECT COUNT(*) FROM grades").fetchone() == (0,)
    assert await core.post_team(post_id) == "T1"
    assert await core.post_team(10**9) is None


@pytest.mark.parametrize("field", ["user", "team", "channel", "name", "long"])
async def test_nul_bytes_control_characters_and_overlong_ids_are_refused_and_never_stored(
    core: Core, field: str
) -> None:
    user, team, channel, name = "U1", "T1", "C1", "Ann"
    if field == "user":
        user = "a\x00b"
    elif field == "team":
        team = "T\x07"
    elif field == "channel":
        channel = "C\n1"
    elif field == "name":
        name = "Ann\x00"
    else:
        user = "U" * 5000
    replies = await core.handle_command(Command(Actor("test", team, user, name), Place("test", team, channel),
                                                "quiz", ()))
    assert len(replies) == 1 and replies[0].is_error and "malformed" in replies[0].text
    db = sqlite3.connect(core.store.path)
    assert db.execute("SELECT COUNT(*) FROM users").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM posts").fetchone() == (0,)


@pytest.mark.parametrize("word", ["channel", "@here", "<!everyone>", "everyone"])
async def test_the_daily_post_cannot_be_set_to_ping_everyone(core: Core, word: str) -> None:
    replies = await core.handle_command(Command(actor("A1", admin=True), place(), "qotd",
                                                ("setup", "09:00", "UTC", f"mention={word}")))
    assert replies[0].is_error and "not @channel, @here or @everyone" in replies[0].text
    assert sqlite3.connect(core.store.path).execute("SELECT COUNT(*) FROM schedules").fetchone() == (0,)
