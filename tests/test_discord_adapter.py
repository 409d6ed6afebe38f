"""End to end: the real discord.py and the real core against a fake Discord on 127.0.0.1.

Each test drives what a user does (slash commands, button clicks, reactions) through the fake gateway, then
checks what the user would see (the fake's recorded messages: content, embeds, flags, buttons) and what the
database holds (read with sqlite3).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.runner import StartupError, configure_endpoints, serve
from bot.app import open_core
from bot.clock import ManualClock
from tests.conftest import execute, query
from tests.fakes.discord_fake import (
    ADMIN_ID,
    APP_ID,
    GENERAL_ID,
    GUILD_ID,
    LOCKED_ID,
    MANAGE_GUILD,
    MEMBER_ID,
    OWNER_ID,
    QOTD_ID,
    STUDY_ROLE_ID,
    FakeDiscord,
    InteractionRecord,
    Message,
    run_bot,
)

BANK = """\
pack: test
questions:
  - id: pt-easy-1
    topic: pytorch
    difficulty: easy
    prompt: What does `torch.no_grad()` do?
    answer: It disables gradient tracking inside the block, saving memory at inference.
    hints: ["Think about autograd."]
  - id: pt-hard-1
    topic: pytorch
    difficulty: hard
    prompt: How does DistributedDataParallel overlap communication with the backward pass?
    answer: Gradients are grouped in **buckets** that are all-reduced as soon as each bucket is ready.
    hints: ["Buckets."]
  - id: sql-med-1
    topic: sql
    difficulty: medium
    prompt: What is the difference between WHERE and HAVING?
    answer: WHERE filters rows before grouping; HAVING filters groups after aggregation.
"""
ANSWERS = {
    "pt-easy-1": "disables gradient tracking",
    "pt-hard-1": "all-reduced as soon as each bucket is ready",
    "sql-med-1": "HAVING filters groups",
}
MONDAY_0700_UTC = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


# ----- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(BANK)
    return path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_0700_UTC)


@contextlib.asynccontextmanager
async def core_on(db_path: Path, bank: Path, clock: ManualClock) -> AsyncIterator[Any]:
    async with open_core(database=db_path, clock=clock, bank_paths=[bank]) as core:
        yield core


@pytest.fixture
async def core(db_path: Path, bank: Path, clock: ManualClock) -> AsyncIterator[Any]:
    async with core_on(db_path, bank, clock) as c:
        yield c


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def bot(core: Any, fake: FakeDiscord) -> AsyncIterator[Any]:
    async with run_bot(core, fake) as b:
        yield b


@pytest.fixture(autouse=True)
def _restore_endpoints() -> Any:
    yield
    configure_endpoints()


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return query(db_path, sql, params)  # SQLite or PostgreSQL, as the db_path fixture gives


# ----- helpers ----------------------------------------------------------------------------------------------


async def answered(fake: FakeDiscord, record: InteractionRecord, messages: int = 1) -> list[Message]:
    return await fake.wait_answered(record, messages)


async def quiz_card(
    fake: FakeDiscord, topic: str = "pytorch", difficulty: str = "hard", **kw: Any
) -> Message:
    record = await fake.slash("quiz", {"topic": topic, "difficulty": difficulty}, **kw)
    [card] = await answered(fake, record)
    return card


async def click_and_wait(fake: FakeDiscord, message: Message, action: str, **kw: Any) -> InteractionRecord:
    """Click the button for `action` on `message` and wait until the bot acknowledged it."""
    [custom_id] = [c for c in message.custom_ids() if c.split(":")[1] == action]
    record = await fake.click(message, custom_id, **kw)
    await fake.wait_until(lambda: record.callbacks)
    return record


async def settle(fake: FakeDiscord, seconds: float = 0.15) -> None:
    """Let in-flight handlers finish (used only to show that nothing *more* happens)."""
    await asyncio.sleep(seconds)


async def setup_qotd(fake: FakeDiscord, **options: Any) -> list[Message]:
    opts = {
        "time": "09:00",
        "tz": "Europe/Berlin",
        "days": "mon-fri",
        "reveal": "2h",
        "channel": QOTD_ID,
        **options,
    }
    record = await fake.slash("qotd", opts, subcommand="setup", user_id=ADMIN_ID, channel_id=GENERAL_ID)
    return await answered(fake, record)


FIRST_POST_TIME = datetime(2026, 1, 5, 8, 0, 30, tzinfo=UTC)  # Monday 09:00:30 in Berlin: setup_qotd's first post


async def first_qotd_post(core: Any, clock: ManualClock, fake: FakeDiscord) -> Message:
    """Tick at the schedule's first minute; the one question of the day that went out."""
    clock.set(FIRST_POST_TIME)
    await core.tick()
    [post] = fake.channel_messages(QOTD_ID)
    return post


# ----- start-up ---------------------------------------------------------------------------------------------


async def test_startup_logs_in_syncs_commands_and_asks_no_privileged_intents(
    fake: FakeDiscord, bot: Any
) -> None:
    paths = [(c.method, c.path) for c in fake.calls]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    assert ("PUT", f"/applications/{APP_ID}/commands") in paths
    assert fake.registered_command_names() == [
        "answer",
        "help",
        "leaderboard",
        "privacy",
        "progress",
        "qotd",
        "quiz",
        "streak",
        "suggest",
        "topics",
    ]

    qotd = fake.command_schema("qotd")
    assert qotd["default_member_permissions"] == str(MANAGE_GUILD)
    assert {o["name"] for o in qotd["options"]} == {"setup", "now", "pause", "resume", "status", "reload",
                                                     "suggestions", "stats"}
    setup = next(o for o in qotd["options"] if o["name"] == "setup")
    assert [o["name"] for o in setup["options"]] == [
        "time",
        "tz",
        "days",
        "topics",
        "difficulty",
        "reveal",
        "thread",
        "mention",
        "channel",
        "champion",
    ]
    quiz = {o["name"]: o for o in fake.command_schema("quiz")["options"]}
    assert quiz["topic"]["autocomplete"] is True
    assert [c["value"] for c in quiz["difficulty"]["choices"]] == ["easy", "medium", "hard"]
    assert fake.command_schema("quiz")["default_member_permissions"] is None
    board = {o["name"]: o for o in fake.command_schema("leaderboard")["options"]}
    assert [c["value"] for c in board["period"]["choices"]] == ["week", "month", "all"]
    streak = {o["name"]: o for o in fake.command_schema("streak")["options"]}
    assert streak["tz"]["autocomplete"] is True and streak["remind"]["type"] == 4

    [identify] = [f["d"] for f in fake.gateway_log if f["op"] == 2]
    privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
    assert identify["intents"] & privileged == 0
    assert (
        identify["intents"] & (1 << 0) and identify["intents"] & (1 << 10) and identify["intents"] & (1 << 13)
    )


async def test_guild_id_syncs_commands_to_that_guild(core: Any, fake: FakeDiscord) -> None:
    async with run_bot(core, fake, guild_id=GUILD_ID):
        assert fake.calls_to("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
        assert "quiz" in [c["name"] for c in fake.registered_commands[f"guild:{GUILD_ID}"]]


async def test_missing_token_is_a_one_line_startup_error(core: Any) -> None:
    for token in (None, "", "   "):
        with pytest.raises(StartupError) as info:
            await serve(core, token=token)
        assert "DISCORD_TOKEN" in str(info.value) and "\n" not in str(info.value)


async def test_rejected_token_is_a_one_line_startup_error(core: Any, fake: FakeDiscord) -> None:
    wrong = "definitely-not-the-token"
    with pytest.raises(StartupError) as info:
        await asyncio.wait_for(
            serve(core, token=wrong, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url), timeout=10
        )
    message = str(info.value)
    assert "rejected the token" in message and "401" in message
    assert "\n" not in message and wrong not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert fake.calls_to("GET", "/users/@me")[0].status == 401


async def test_serve_runs_until_cancelled(core: Any, fake: FakeDiscord) -> None:
    task = asyncio.create_task(
        serve(core, token=fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
    )
    await fake.wait_connected()
    record = await fake.slash("topics")
    [reply] = await answered(fake, record)
    assert "pytorch" in reply.text()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_explicit_gateway_url_wins_over_the_advertised_one(core: Any, fake: FakeDiscord) -> None:
    fake.gateway_bot_url = "ws://127.0.0.1:9/nowhere"  # what Discord would advertise: must not be used
    task = asyncio.create_task(
        serve(core, token=fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
    )
    try:
        await fake.wait_connected()
        assert fake.identifies == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ----- /quiz and buttons ------------------------------------------------------------------------------------


async def test_quiz_with_topic_and_difficulty_is_a_private_card(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    record = await fake.slash("quiz", {"topic": "pytorch", "difficulty": "hard"})
    [card] = await answered(fake, record)

    assert record.callback_type == 4  # answered directly, no defer needed
    assert card.ephemeral
    [embed] = card.embeds
    assert embed["title"] == "PyTorch · hard"
    assert "DistributedDataParallel" in embed["description"]
    assert ANSWERS["pt-hard-1"] not in card.text()  # not revealed yet
    assert [c.split(":")[1] for c in card.custom_ids()] == ["reveal", "hint", "skip", "answer"]
    assert card.allowed_mentions == {"parse": []}

    posts = rows(db_path, "SELECT kind, user_id, question_id, team_id, channel_id FROM posts")
    assert posts == [("quiz", str(MEMBER_ID), "pt-hard-1", str(GUILD_ID), str(GENERAL_ID))]


async def test_unknown_topic_gets_a_private_error_listing_topics(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    record = await fake.slash("quiz", {"topic": "quantum-chemistry"})
    [reply] = await answered(fake, record)
    assert reply.ephemeral
    text = reply.text()
    assert "quantum-chemistry" in text
    assert "pytorch" in text and "sql" in text
    assert rows(db_path, "SELECT count(*) FROM posts") == [(0,)]


@pytest.mark.parametrize(("grade", "points"), [("again", 0), ("hard", 1.5), ("good", 3), ("easy", 3)])
async def test_reveal_then_grade_with_buttons(
    fake: FakeDiscord, bot: Any, db_path: Path, grade: str, points: float
) -> None:
    card = await quiz_card(fake)

    hint = await click_and_wait(fake, card, "hint")
    assert hint.callback_type == 7  # the private card is updated in place
    assert "Buckets." in card.text()
    assert ANSWERS["pt-hard-1"] not in card.text()

    reveal = await click_and_wait(fake, card, "reveal")
    assert reveal.callback_type == 7
    assert ANSWERS["pt-hard-1"] in card.text()
    assert [c.split(":")[1] for c in card.custom_ids()] == ["again", "hard", "good", "easy"]

    await click_and_wait(fake, card, grade)
    text = card.text()
    assert f"Graded **{grade.title()}**" in text
    assert f"+{points:g} point" in text
    assert "Streak" in text
    assert card.ephemeral

    graded = rows(db_path, "SELECT user_id, team_id, question_id, grade, points FROM grades")
    assert graded == [(str(MEMBER_ID), str(GUILD_ID), "pt-hard-1", grade, points)]


async def test_skip_replaces_the_card_and_serves_another(fake: FakeDiscord, bot: Any, db_path: Path) -> None:
    card = await quiz_card(fake, difficulty="easy")
    record = await click_and_wait(fake, card, "skip")
    await fake.wait_until(lambda: record.followup_ids)
    assert card.content == "Skipped." and not card.embeds
    [new_card] = fake.replies_to(record)
    assert new_card.ephemeral and new_card.embeds[0]["title"].startswith("PyTorch")
    assert rows(db_path, "SELECT count(*) FROM posts WHERE kind = 'quiz'") == [(2,)]


async def test_someone_elses_buttons_are_refused_privately(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    card = await quiz_card(fake, user_id=MEMBER_ID)
    record = await click_and_wait(fake, card, "reveal", user_id=ADMIN_ID)
    [refusal] = await answered(fake, record)
    assert refusal.ephemeral and "someone else's" in refusal.text()
    assert ANSWERS["pt-hard-1"] not in card.text()


async def test_same_grade_interaction_delivered_twice_counts_once(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    card = await quiz_card(fake)
    await click_and_wait(fake, card, "reveal")
    record = await click_and_wait(fake, card, "good")
    score = rows(db_path, "SELECT points, grades FROM scores WHERE period = 'all'")
    assert score == [(3.0, 1)]

    await fake.redeliver(record)
    await settle(fake)
    # A later command still works, so the redelivery was seen and dropped rather than stuck.
    later = await fake.slash("streak")
    await answered(fake, later)

    # The core drops the repeated interaction id; Discord refuses a second acknowledgement in any case,
    # so the user sees no second message.
    assert len([c for c in record.callbacks if c.status < 300]) == 1
    assert len(fake.replies_to(record)) <= 1
    assert rows(db_path, "SELECT count(*), sum(points) FROM grades") == [(1, 3.0)]
    assert rows(db_path, "SELECT points, grades FROM scores WHERE period = 'all'") == score


async def test_slow_core_defers_then_follows_up(core: Any, fake: FakeDiscord) -> None:
    async with run_bot(core, fake, defer_after=0):
        record = await fake.slash("quiz", {"topic": "sql"})
        [card] = await answered(fake, record)
        assert record.callback_type == 5
        assert record.callbacks[0].json["data"]["flags"] == 64  # ephemeral "thinking"
        assert card.ephemeral and "WHERE and HAVING" in card.text()
        assert fake.calls_to("PATCH", rf"/webhooks/{APP_ID}/{record.token}/messages/@original")

        reveal = await click_and_wait(fake, card, "reveal")
        assert reveal.callback_type == 6  # deferred update, then the card is edited
        await fake.wait_until(lambda: ANSWERS["sql-med-1"] in card.text())

        board = await fake.slash("leaderboard", {"period": "week"})
        await fake.wait_until(lambda: board.followup_ids)
        pointer, public = fake.replies_to(board)
        assert pointer.ephemeral and public.ephemeral is False
        assert "This week" in public.text()


async def test_autocomplete_offers_bank_topics_review_and_timezones(fake: FakeDiscord, bot: Any) -> None:
    record = await fake.autocomplete("quiz", "topic", "py")
    await fake.wait_until(lambda: record.callbacks)
    [call] = record.callbacks
    assert call.json["type"] == 8
    assert call.json["data"]["choices"] == [{"name": "PyTorch (2)", "value": "pytorch"}]

    record = await fake.autocomplete("quiz", "topic", "")
    await fake.wait_until(lambda: record.callbacks)
    values = [c["value"] for c in record.callbacks[0].json["data"]["choices"]]
    assert values == ["review", "pytorch", "sql"]

    record = await fake.autocomplete("streak", "tz", "berl")
    await fake.wait_until(lambda: record.callbacks)
    assert record.callbacks[0].json["data"]["choices"][0]["value"] == "Europe/Berlin"


# ----- question of the day ----------------------------------------------------------------------------------


async def test_qotd_setup_by_an_admin(fake: FakeDiscord, bot: Any, db_path: Path) -> None:
    [reply] = await setup_qotd(fake, topics="pytorch", difficulty="any", thread=True, mention=STUDY_ROLE_ID)
    assert reply.ephemeral
    assert "set up" in reply.text() and "Europe/Berlin" in reply.text()
    schedules = rows(
        db_path,
        "SELECT team_id, channel_id, local_time, timezone, weekdays, topics, reveal_minutes, use_thread, "
        "mention, paused FROM schedules",
    )
    assert schedules == [
        (
            str(GUILD_ID),
            str(QOTD_ID),
            "09:00",
            "Europe/Berlin",
            "mon,tue,wed,thu,fri",
            "pytorch",
            120,
            1,
            str(STUDY_ROLE_ID),
            0,
        )
    ]


async def test_qotd_setup_is_refused_privately_for_a_member(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    record = await fake.slash("qotd", {"time": "09:00"}, subcommand="setup", user_id=MEMBER_ID)
    [reply] = await answered(fake, record)
    assert reply.ephemeral and "Only server admins" in reply.text()
    assert rows(db_path, "SELECT count(*) FROM schedules") == [(0,)]

    # Manage Server on the member's resolved permissions is what makes an admin.
    record = await fake.slash("qotd", {}, subcommand="status", user_id=MEMBER_ID, permissions=MANAGE_GUILD)
    [reply] = await answered(fake, record)
    assert "Only server admins" not in reply.text()


async def test_qotd_setup_reports_missing_channel_permissions(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    [reply] = await setup_qotd(fake, channel=LOCKED_ID)
    assert reply.ephemeral
    assert "**Embed Links**" in reply.text() and "**Create Public Threads**" in reply.text()
    assert "Send Messages" not in reply.text().replace("Send Messages in Threads", "")
    assert rows(db_path, "SELECT count(*) FROM schedules") == [(0,)]

    [reply] = await setup_qotd(fake, channel=LOCKED_ID, thread=False)
    assert "**Embed Links**" in reply.text() and "Threads" not in reply.text()


async def test_scheduled_post_thread_mention_and_public_reveal(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake, topics="pytorch", difficulty="hard", mention=STUDY_ROLE_ID)

    await core.tick()  # 08:00 in Berlin: nothing due yet
    assert fake.channel_messages(QOTD_ID) == []

    clock.set(FIRST_POST_TIME)
    await core.tick()
    await core.tick()  # a second tick in the same minute must not post again
    [post] = fake.channel_messages(QOTD_ID)
    assert post.content == f"<@&{STUDY_ROLE_ID}>"
    assert post.allowed_mentions is not None
    assert post.allowed_mentions["parse"] == [] and post.allowed_mentions["roles"] == [STUDY_ROLE_ID]
    assert post.embeds[0]["title"] == "📅 Question of the day: PyTorch · hard"
    assert ANSWERS["pt-hard-1"] not in post.text()
    assert (
        [c.split(":")[1] for c in post.custom_ids()] == ["reveal", "answer"]
    )
    assert post.thread_id is not None and fake.threads[post.thread_id]["name"].startswith("How does")
    assert (QOTD_ID, post.id, "👀") in fake.reactions
    db_post = rows(
        db_path, "SELECT status, message_id, thread_id, revealed_at FROM posts WHERE kind = 'qotd'"
    )
    assert db_post == [("posted", str(post.id), str(post.thread_id), None)]

    # A member reveals privately from the post's button.
    record = await click_and_wait(fake, post, "reveal")
    [private] = await answered(fake, record)
    assert private.ephemeral and ANSWERS["pt-hard-1"] in private.text()
    assert [c.split(":")[1] for c in private.custom_ids()] == ["again", "hard", "good", "easy"]
    assert ANSWERS["pt-hard-1"] not in post.text()

    clock.advance(timedelta(hours=2))
    await core.tick()
    [answer] = fake.channel_messages(post.thread_id)
    assert answer.embeds[0]["title"].startswith("✅ Answer") and ANSWERS["pt-hard-1"] in answer.text()
    assert not answer.ephemeral
    assert len(fake.channel_messages(QOTD_ID)) == 1
    assert rows(db_path, "SELECT revealed_at IS NOT NULL FROM posts WHERE kind = 'qotd'") == [(1,)]


async def test_reveal_without_thread_replies_under_the_post(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock
) -> None:
    await setup_qotd(fake, thread=False)
    clock.set(datetime(2026, 1, 5, 8, 1, tzinfo=UTC))
    await core.tick()
    [post] = fake.channel_messages(QOTD_ID)
    assert post.thread_id is None and post.content == ""
    clock.advance(timedelta(hours=2))
    await core.tick()
    _, answer = fake.channel_messages(QOTD_ID)
    assert answer.reference_id == post.id and "✅ Answer" in answer.text()


async def test_qotd_now_posts_immediately(fake: FakeDiscord, bot: Any, db_path: Path) -> None:
    await setup_qotd(fake, channel=None)  # in #general, where the command runs
    record = await fake.slash("qotd", {}, subcommand="now", user_id=ADMIN_ID)
    [reply] = await answered(fake, record)
    assert reply.ephemeral and "Posted" in reply.text()
    [post] = fake.channel_messages(GENERAL_ID)
    assert post.embeds and post.custom_ids()[0].startswith("mlq:reveal:")


async def test_eyes_reaction_sends_the_answer_by_dm_with_grade_buttons(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake, topics="sql")
    post = await first_qotd_post(core, clock, fake)

    await fake.react(post, "👍")  # other emoji are ignored
    await fake.react(post, "👀", user_id=MEMBER_ID)
    [dm] = await fake.wait_until(lambda: fake.dm_messages(MEMBER_ID))
    assert ANSWERS["sql-med-1"] in dm.text()
    assert [c.split(":")[1] for c in dm.custom_ids()] == ["again", "hard", "good", "easy"]
    assert fake.channel_messages(QOTD_ID) == [post]  # nothing public

    # Grading from the DM (no guild in the interaction) counts for the post's team.
    record = await click_and_wait(fake, dm, "easy")
    [confirmation] = await answered(fake, record)
    assert "Graded **Easy** · +2 points" in confirmation.text()
    assert rows(db_path, "SELECT user_id, team_id, grade FROM grades") == [
        (str(MEMBER_ID), str(GUILD_ID), "easy")
    ]


async def test_eyes_reaction_with_closed_dms_leaves_a_notice(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake)
    post = await first_qotd_post(core, clock, fake)
    fake.close_dms(MEMBER_ID)
    await fake.react(post, "👀", user_id=MEMBER_ID)
    notice = "SELECT count(*) FROM users WHERE user_id = ? AND pending_notice IS NOT NULL"
    await fake.wait_until(lambda: rows(db_path, notice, (str(MEMBER_ID),)) == [(1,)])
    assert fake.dm_messages(MEMBER_ID) == []
    record = await fake.slash("topics")
    first, *_ = await answered(fake, record)
    assert first.ephemeral and "couldn't send you a DM" in first.text()


async def test_rate_limited_post_goes_out_exactly_once(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake)
    fake.fail_next("POST", f"/channels/{QOTD_ID}/messages", status=429, retry_after=0.3)
    clock.set(FIRST_POST_TIME)
    await core.tick()

    attempts = fake.calls_to("POST", f"/channels/{QOTD_ID}/messages")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.29  # Retry-After was honoured
    assert len(fake.channel_messages(QOTD_ID)) == 1
    assert rows(db_path, "SELECT status FROM posts WHERE kind = 'qotd'") == [("posted",)]


async def test_server_error_is_retried_on_the_next_tick(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake)
    fake.fail_next("POST", f"/channels/{QOTD_ID}/messages", status=503)
    clock.set(FIRST_POST_TIME)
    await core.tick()
    assert fake.channel_messages(QOTD_ID) == []
    assert rows(db_path, "SELECT status FROM posts WHERE kind = 'qotd'") == [("pending",)]

    clock.advance(timedelta(minutes=1))
    await core.tick()
    assert len(fake.channel_messages(QOTD_ID)) == 1
    assert rows(db_path, "SELECT status FROM posts WHERE kind = 'qotd'") == [("posted",)]


@pytest.mark.parametrize("status", [403, 404])
async def test_refused_channel_pauses_the_schedule_and_tells_the_owner(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path, status: int
) -> None:
    await setup_qotd(fake)
    fake.refuse_channel(QOTD_ID, status)
    clock.set(FIRST_POST_TIME)
    await core.tick()

    assert fake.channel_messages(QOTD_ID) == []
    assert rows(db_path, "SELECT paused FROM schedules") == [(1,)]
    [notice] = fake.dm_messages(OWNER_ID)
    assert "could not post the question of the day" in notice.text() and f"<#{QOTD_ID}>" in notice.text()


async def test_pending_post_found_after_a_crash_is_not_posted_again(
    fake: FakeDiscord, bot: Any, core: Any, clock: ManualClock, db_path: Path
) -> None:
    await setup_qotd(fake)
    post = await first_qotd_post(core, clock, fake)
    # Simulate a crash between Discord accepting the post and the core recording it.
    execute(db_path, "UPDATE posts SET status = 'pending', message_id = NULL, thread_id = NULL WHERE kind = 'qotd'")
    clock.advance(timedelta(minutes=1))
    await core.tick()
    assert fake.channel_messages(QOTD_ID) == [post]
    assert fake.calls_to("GET", f"/channels/{QOTD_ID}/messages")  # found in the channel's history
    assert rows(db_path, "SELECT status, message_id, thread_id FROM posts WHERE kind = 'qotd'") == [
        ("posted", str(post.id), str(post.thread_id))
    ]


# ----- connection life --------------------------------------------------------------------------------------


async def test_gateway_reconnect_resumes_and_loses_nothing(fake: FakeDiscord, bot: Any) -> None:
    await fake.send_reconnect()
    # Sent while the bot is reconnecting: the fake replays it after RESUME, as Discord does.
    record = await fake.slash("quiz", {"topic": "sql"})
    [card] = await answered(fake, record)
    assert "WHERE and HAVING" in card.text()
    assert fake.identifies == 1 and fake.resumes == 1
    [resume] = [f["d"] for f in fake.gateway_log if f["op"] == 6]
    assert resume["session_id"] == "session-1" and resume["seq"] >= 2

    after = await fake.slash("topics")
    await answered(fake, after)


async def test_restart_keeps_old_buttons_working(
    fake: FakeDiscord, db_path: Path, bank: Path, clock: ManualClock
) -> None:
    async with core_on(db_path, bank, clock) as core, run_bot(core, fake):
        card = await quiz_card(fake)

    # A new process: a new core and a new client on the same database.
    async with core_on(db_path, bank, clock) as core, run_bot(core, fake):
        await click_and_wait(fake, card, "reveal")
        assert ANSWERS["pt-hard-1"] in card.text()
        await click_and_wait(fake, card, "good")
        assert "Graded **Good**" in card.text()
    assert fake.identifies == 2
    assert rows(db_path, "SELECT grade FROM grades") == [("good",)]


async def test_public_leaderboard_and_private_streak(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, difficulty="easy")
    await click_and_wait(fake, card, "reveal")
    await click_and_wait(fake, card, "good")

    record = await fake.slash("leaderboard", {"period": "all", "topic": "pytorch"})
    [board] = await answered(fake, record)
    assert not board.ephemeral and "Bob" in board.text() and "1 pts" in board.text()
    assert board.allowed_mentions == {"parse": []}

    record = await fake.slash("streak", {"tz": "Europe/Berlin", "remind": 3})
    [streak] = await answered(fake, record)
    assert streak.ephemeral and "Europe/Berlin" in streak.text() and "1 day" in streak.text()
