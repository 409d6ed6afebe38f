"""Pictures on Discord, end to end: the real discord.py uploads each PNG as multipart `files[n]` with its alt text,
and the message's embed shows it through `attachment://NAME`; private where the command was private."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from adapters.discord.runner import configure_endpoints
from bot.app import open_core
from bot.clock import ManualClock
from tests.fakes.discord_fake import ADMIN_ID, GENERAL_ID, MEMBER_ID, FakeDiscord, Message, run_bot
from tests.test_discord_adapter import BANK, MONDAY_0700_UTC, answered, click_and_wait, quiz_card


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Any]:
    bank = tmp_path / "bank" / "test.yaml"
    bank.parent.mkdir()
    bank.write_text(BANK)
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(MONDAY_0700_UTC),
                         bank_paths=[bank]) as core, run_bot(core, fake) as b:
        yield b
    configure_endpoints()


def only_picture(message: Message, filename: str) -> PILImage.Image:
    """The one PNG attached to `message`, checked against the embed that shows it."""
    [upload] = message.attachments
    assert upload["filename"] == filename and upload["content_type"] == "image/png"
    assert upload["description"]  # the alt text
    assert any((e.get("image") or {}).get("url") == f"attachment://{filename}" for e in message.embeds)
    image = PILImage.open(io.BytesIO(upload["data"]))
    image.load()
    return image


async def test_progress_is_private_with_its_picture_and_the_same_figures_as_text(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, difficulty="easy")
    await click_and_wait(fake, card, "reveal")
    await click_and_wait(fake, card, "good")

    record = await fake.slash("progress")
    [reply] = await answered(fake, record)
    assert reply.ephemeral and reply.channel_id == GENERAL_ID
    assert "pytorch: readiness 50%, coverage 50% (1 of 2 seen)" in reply.text()
    assert "sql: readiness 0%, coverage 0% (0 of 1 seen)" in reply.text()
    assert "never seen count as not ready" in reply.text()
    picture = only_picture(reply, "readiness.png")
    assert picture.format == "PNG" and picture.width == 800
    calls = [c for c in fake.calls if c.path.endswith("/callback")]
    assert calls[-1].json["data"]["attachments"][0]["description"].startswith("Your readiness by topic")


async def test_a_public_leaderboard_chart_is_posted_in_the_channel(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, difficulty="easy", user_id=MEMBER_ID)
    await click_and_wait(fake, card, "reveal")
    await click_and_wait(fake, card, "good")
    record = await fake.slash("leaderboard", {"period": "week", "chart": True}, user_id=ADMIN_ID)
    [board] = await answered(fake, record)
    assert not board.ephemeral and board.channel_id == GENERAL_ID
    assert "1 pts" in board.text()
    only_picture(board, "leaderboard.png")


async def test_streak_shows_the_calendar_and_the_goal(fake: FakeDiscord, bot: Any) -> None:
    record = await fake.slash("progress", {"goal": "2026-03-01"})
    [saved] = await answered(fake, record)
    assert saved.ephemeral and "Goal saved: ready by **Sun 01 Mar 2026**" in saved.text()
    record = await fake.slash("streak")
    [streak] = await answered(fake, record)
    assert streak.ephemeral and "Goal: ready by Sun 01 Mar 2026 (55 days left)" in streak.text()
    assert "Last 26 weeks: 0 active days, 0 freezes." in streak.text()
    only_picture(streak, "streak.png")


async def test_qotd_stats_refuses_members_privately(fake: FakeDiscord, bot: Any) -> None:
    record = await fake.slash("qotd", subcommand="stats", user_id=MEMBER_ID, permissions=0)
    [refusal] = await answered(fake, record)
    assert refusal.ephemeral and "`/qotd stats` is for admins" in refusal.text() and not refusal.attachments
    record = await fake.slash("qotd", subcommand="stats", user_id=ADMIN_ID)
    [stats] = await answered(fake, record)
    assert stats.ephemeral and "Participation per week" in stats.text()
    only_picture(stats, "qotd-stats.png")


async def test_the_weekly_board_post_carries_its_chart(fake: FakeDiscord, bot: Any) -> None:
    from adapters.discord.outbound import DiscordOutbound
    from bot.commands.replies import Image, Reply
    from bot.domain.events import Place
    from bot.practice.pictures import render_leaderboard
    from tests.fakes.discord_fake import GUILD_ID

    png = render_leaderboard([("Ann", 12.5), ("Bo", 3)], "Last week")
    reply = Reply(text="**Last week's leaderboard**\n🥇 Ann — 12.5 pts", private=False,
                  images=(Image(png, "leaderboard.png", "Leaderboard chart: Last week"),))
    await DiscordOutbound(bot).post(Place("discord", str(GUILD_ID), str(GENERAL_ID)), reply, mention=None,
                                    make_thread=False)
    [post] = fake.channel_messages(GENERAL_ID)
    assert "12.5 pts" in post.text() and not post.ephemeral
    assert only_picture(post, "leaderboard.png").size == (800, 64 + 2 * 44 + 20)


async def test_a_deferred_private_reply_edits_the_thinking_message_with_its_picture(tmp_path: Path,
                                                                                    fake: FakeDiscord) -> None:
    bank = tmp_path / "bank2" / "test.yaml"
    bank.parent.mkdir()
    bank.write_text(BANK)
    async with open_core(database=tmp_path / "slow.sqlite3", clock=ManualClock(MONDAY_0700_UTC),
                         bank_paths=[bank]) as core, run_bot(core, fake, defer_after=0):
        record = await fake.slash("progress")
        [reply] = await answered(fake, record)
        await fake.wait_until(lambda: reply.attachments)
        assert record.callback_type == 5  # deferred first ("thinking"), then edited
        assert reply.ephemeral and "readiness 0%" in reply.text()
        only_picture(reply, "readiness.png")
    configure_endpoints()


async def test_without_attach_files_the_text_still_arrives_without_the_picture(tmp_path: Path) -> None:
    from adapters.discord.outbound import DiscordOutbound
    from bot.commands.replies import Image, Reply
    from bot.domain.events import Place
    from tests.fakes.discord_fake import ATTACH_FILES, BOT_PERMISSIONS, BOT_ROLE_ID, GUILD_ID

    bank = tmp_path / "bank3" / "test.yaml"
    bank.parent.mkdir()
    bank.write_text(BANK)
    async with FakeDiscord(guild_permissions={BOT_ROLE_ID: BOT_PERMISSIONS & ~ATTACH_FILES}) as fake, \
            open_core(database=tmp_path / "noattach.sqlite3", clock=ManualClock(MONDAY_0700_UTC),
                      bank_paths=[bank]) as core, run_bot(core, fake) as client:
        record = await fake.slash("progress")
        [reply] = await answered(fake, record)
        assert reply.ephemeral and "readiness 0%" in reply.text() and not reply.attachments
        assert not any("image" in e for e in reply.embeds)  # no embed pointing at a missing attachment
        board = Reply(text="Last week's leaderboard: Ann 3 pts", private=False,
                      images=(Image(b"\x89PNG\r\n\x1a\nnot-really", "leaderboard.png", "chart"),))
        await DiscordOutbound(client).post(Place("discord", str(GUILD_ID), str(GENERAL_ID)), board, mention=None,
                                           make_thread=False)
        [post] = fake.channel_messages(GENERAL_ID)
        assert "Ann 3 pts" in post.text() and not post.attachments
    configure_endpoints()
