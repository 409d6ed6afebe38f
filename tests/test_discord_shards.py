"""Discord shards split over processes, and command sync only when the commands changed (issue 10).

The real discord.py (AutoShardedClient) and the real core against the fake Discord, whose gateway gives every
shard its own session and only the guilds of that shard. Two clients on one database file stand for two processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from adapters.discord.client import build_bot
from adapters.discord.command_sync import COMMANDS_HASH_KEY
from adapters.discord.runner import StartupError, configure_endpoints, serve, shards_from_env
from adapters.discord.shards import serves_team, shard_of
from bot.app import open_core
from bot.clock import ManualClock
from bot.config import ConfigError, DiscordShards, discord_shards
from bot.domain.events import Actor, Command, Place
from tests.conftest import MONDAY_MORNING, REPO, SMALL_BANK, query, scalar
from tests.fakes.discord_fake import ADMIN_ID, APP_ID, GUILD_ID, FakeDiscord, Message, run_bot

SHARDS = 4
# Eight guilds, two on each of the four shards: (5000 + k) % 4 == k % 4.
GUILDS = [(5000 + k) << 22 for k in range(8)]
CHANNELS = {guild: 960000000000000000 + k for k, guild in enumerate(GUILDS)}
FIRST_POST = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)  # 09:00:30 in Berlin, the schedules' first minute
REVEAL_MINUTES = 120


@pytest.fixture(autouse=True)
def _restore_endpoints() -> Any:
    yield
    configure_endpoints()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@contextlib.asynccontextmanager
async def process(db_path: Path, clock: ManualClock, fake: FakeDiscord, shards: DiscordShards | None,
                  **options: Any) -> AsyncIterator[Any]:
    """One bot process: its own core on the shared database file and its own client running `shards`."""
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK]) as core, \
            run_bot(core, fake, shards=shards, identify_delay=0, **options) as bot:
        yield core, bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        for guild in GUILDS:
            f.add_guild(guild, [CHANNELS[guild]])
        yield f


async def setup_qotd(fake: FakeDiscord, guild: int) -> str:
    """An admin runs /qotd setup in the guild (the interaction reaches whichever process runs its shard)."""
    record = await fake.slash(
        "qotd",
        {"time": "09:00", "tz": "Europe/Berlin", "days": "mon-fri", "reveal": "2h", "channel": CHANNELS[guild]},
        subcommand="setup", user_id=ADMIN_ID, channel_id=CHANNELS[guild], guild_id=guild,
    )
    [reply] = await fake.wait_answered(record)
    return reply.text()


def posts_of(db_path: Path, day: str = "2026-11-23") -> dict[int, tuple[str, str | None]]:
    """The day's question-of-the-day posts by guild: (process that delivered it, revealed_at)."""
    rows = query(db_path, "SELECT team_id, attempt_by, revealed_at FROM posts WHERE kind = 'qotd' AND local_date = ?",
                 (day,))
    assert len({r[0] for r in rows}) == len(rows), f"a guild got two posts: {rows}"
    return {int(r[0]): (r[1], r[2]) for r in rows}


# ----- posting: each process only to the guilds of its shards -------------------------------------------------


async def test_two_processes_post_only_to_the_guilds_of_their_shards(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    low, high = DiscordShards(SHARDS, (0, 1)), DiscordShards(SHARDS, (2, 3))
    async with process(db_path, clock, fake, high) as (core_b, bot_b), \
            process(db_path, clock, fake, low) as (core_a, bot_a):
        # The gateway: one session per shard, IDENTIFY with [id, count], each shard given only its guilds.
        assert sorted(f["d"]["shard"] for f in fake.gateway_log if f["op"] == 2) == [[k, SHARDS] for k in range(4)]
        everything = [*GUILDS, GUILD_ID]
        assert {g.id for g in bot_a.guilds} == {g for g in everything if shard_of(g, SHARDS) in (0, 1)}
        assert {g.id for g in bot_b.guilds} == {g for g in everything if shard_of(g, SHARDS) in (2, 3)}

        for guild in GUILDS:
            assert "set up" in await setup_qotd(fake, guild)
        mine = {core_a.qotd.instance: [g for g in GUILDS if shard_of(g, SHARDS) < 2],
                core_b.qotd.instance: [g for g in GUILDS if shard_of(g, SHARDS) >= 2]}
        [next_run] = {r[0] for r in query(db_path, "SELECT next_run_utc FROM schedules")}

        # Only the low process ticks: its four guilds get their post; the others are left untouched (no claim,
        # next run unchanged) for the process that runs their shards.
        clock.set(FIRST_POST)
        await core_a.tick()
        assert {g: len(fake.channel_messages(CHANNELS[g])) for g in GUILDS} == \
            {g: int(g in mine[core_a.qotd.instance]) for g in GUILDS}
        assert {g: by for g, (by, _) in posts_of(db_path).items()} == \
            dict.fromkeys(mine[core_a.qotd.instance], core_a.qotd.instance)
        waiting = query(db_path, "SELECT team_id, next_run_utc FROM schedules")
        assert {int(t) for t, run in waiting if run == next_run} == set(mine[core_b.qotd.instance])

        # Then the high process: the rest. Both ticking again posts nothing more: exactly one post per guild.
        await core_b.tick()
        await core_a.tick()
        await core_b.tick()
        assert {g: len(fake.channel_messages(CHANNELS[g])) for g in GUILDS} == dict.fromkeys(GUILDS, 1)
        delivered = posts_of(db_path)
        assert {g: by for g, (by, _) in delivered.items()} == \
            {g: owner for owner, guilds in mine.items() for g in guilds}

        # Reveals are claimed only by the process that posts them.
        clock.set(FIRST_POST + timedelta(minutes=REVEAL_MINUTES + 1))
        await core_a.tick()
        assert {g for g, (_, revealed) in posts_of(db_path).items() if revealed} == set(mine[core_a.qotd.instance])
        await core_b.tick()
        assert all(revealed for _, revealed in posts_of(db_path).values())
        for guild in GUILDS:
            post = fake.channel_messages(CHANNELS[guild])[0]
            assert post.thread_id is not None
            [answer] = fake.channel_messages(post.thread_id)
            assert "Answer" in answer.text()

        # The next day both processes tick at the same moment: again one post per guild, each from its owner.
        clock.set(FIRST_POST + timedelta(days=1))
        await asyncio.gather(core_a.tick(), core_b.tick())
        assert {g: len(fake.channel_messages(CHANNELS[g])) for g in GUILDS} == dict.fromkeys(GUILDS, 2)
        assert {g: by for g, (by, _) in posts_of(db_path, "2026-11-24").items()} == \
            {g: owner for owner, guilds in mine.items() for g in guilds}


def _shows(message: Message, what: str) -> bool:
    return what in " ".join([message.text(), *message.custom_ids()])


async def practise(fake: FakeDiscord, guild: int, user: int) -> None:
    """The user runs /quiz in the guild, reveals the answer and grades it Good."""
    [card] = await fake.wait_answered(await fake.slash("quiz", user_id=user, channel_id=CHANNELS[guild],
                                                       guild_id=guild))
    for action, then in (("reveal", "good"), ("good", "Graded **Good**")):
        [custom_id] = [c for c in card.custom_ids() if c.split(":")[1] == action]
        await fake.click(card, custom_id, user_id=user)
        await fake.wait_until(partial(_shows, card, then))  # edited in place, or after a defer


async def test_weekly_boards_go_out_from_the_process_of_the_guild(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    low_guild = next(g for g in GUILDS if shard_of(g, SHARDS) == 0)
    high_guild = next(g for g in GUILDS if shard_of(g, SHARDS) == 2)
    async with process(db_path, clock, fake, DiscordShards(SHARDS, (2, 3))) as (core_b, _), \
            process(db_path, clock, fake, DiscordShards(SHARDS, (0, 1))) as (core_a, _):
        for k, guild in enumerate((low_guild, high_guild)):
            assert "set up" in await setup_qotd(fake, guild)
            place = Place("discord", str(guild), str(CHANNELS[guild]))
            admin = Actor("discord", str(guild), str(ADMIN_ID), "Alice", True, None)
            [reply] = await core_a.handle_command(Command(admin, place, "qotd", ("setup", "weekly=on")))
            assert "updated" in reply.text
            await practise(fake, guild, 920000000000000201 + k)

        def boards() -> dict[int, int]:
            return {g: len([m for m in fake.channel_messages(CHANNELS[g]) if "Last week's leaderboard" in m.text()])
                    for g in (low_guild, high_guild)}

        clock.set(FIRST_POST + timedelta(days=7))  # the next Monday, 09:00:30 in Berlin
        await core_a.tick()
        assert boards() == {low_guild: 1, high_guild: 0}
        assert [int(r[0]) for r in query(db_path, "SELECT team_id FROM weekly_posts")] == [low_guild]
        await core_b.tick()
        await core_a.tick()
        assert boards() == {low_guild: 1, high_guild: 1}


async def test_reminders_go_out_from_the_process_of_the_users_guild(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    low_guild = next(g for g in GUILDS if shard_of(g, SHARDS) == 1)
    high_guild = next(g for g in GUILDS if shard_of(g, SHARDS) == 3)
    async with process(db_path, clock, fake, DiscordShards(SHARDS, (2, 3))) as (core_b, _), \
            process(db_path, clock, fake, DiscordShards(SHARDS, (0, 1))) as (core_a, _):
        users = {low_guild: 920000000000000101, high_guild: 920000000000000102}
        for guild, user in users.items():
            await practise(fake, guild, user)
            await fake.wait_answered(await fake.slash("streak", {"remind": 3}, user_id=user,
                                                      channel_id=CHANNELS[guild], guild_id=guild))
        # Same local evening for both (UTC users): 22:30, inside the 3 hours before midnight.
        clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
        await core_a.tick()
        assert [len(fake.dm_messages(u)) for u in users.values()] == [1, 0]
        assert scalar(db_path, "SELECT reminded_on FROM users WHERE user_id = ?", (str(users[high_guild]),)) is None
        await core_b.tick()
        await core_a.tick()
        assert [len(fake.dm_messages(u)) for u in users.values()] == [1, 1]
        assert "haven't practised today" in fake.dm_messages(users[high_guild])[0].text()


async def test_unset_shards_run_every_recommended_shard_and_serve_every_guild(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    fake.shard_count = 2  # GET /gateway/bot recommends two shards
    async with process(db_path, clock, fake, None) as (core, bot):
        assert sorted(f["d"]["shard"] for f in fake.gateway_log if f["op"] == 2) == [[0, 2], [1, 2]]
        assert {g.id for g in bot.guilds} == {*GUILDS, GUILD_ID}
        for guild in GUILDS:
            assert "set up" in await setup_qotd(fake, guild)
        clock.set(FIRST_POST)
        await core.tick()
        assert {g: len(fake.channel_messages(CHANNELS[g])) for g in GUILDS} == dict.fromkeys(GUILDS, 1)
        assert fake.command_syncs() == 1


# ----- command sync: one process, only when changed ---------------------------------------------------------


def stored_hash(db_path: Path) -> str | None:
    return scalar(db_path, "SELECT value FROM app_state WHERE key = ?", (COMMANDS_HASH_KEY,))


async def test_only_the_process_with_shard_zero_syncs_the_commands(
    db_path: Path, clock: ManualClock, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with process(db_path, clock, fake, DiscordShards(SHARDS, (2, 3))):
        assert fake.command_syncs() == 0 and stored_hash(db_path) is None
        assert "synced by the process running shard 0" in caplog.text
        async with process(db_path, clock, fake, DiscordShards(SHARDS, (0, 1))):
            assert fake.command_syncs() == 1
            assert "quiz" in fake.registered_command_names()
            assert len(stored_hash(db_path) or "") == 64


async def test_commands_synced_once_then_only_when_they_change(
    db_path: Path, clock: ManualClock, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.discord.command_sync")
    async with process(db_path, clock, fake, None):
        assert fake.command_syncs() == 1
    first = stored_hash(db_path)
    assert first is not None
    assert "commands unchanged" not in caplog.text

    # A restart with the same commands: no sync, one line saying so.
    async with process(db_path, clock, fake, None) as (_, bot):
        assert fake.command_syncs() == 1
        assert caplog.text.count("commands unchanged, not synced") == 1
        record = await fake.slash("topics")  # the commands registered by the first start still work
        [reply] = await fake.wait_answered(record)
        assert "sql" in reply.text().lower()
    assert stored_hash(db_path) == first

    # A new version of the bot with one more command: synced again, and the new hash kept.
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK]) as core:
        bot = build_bot(core)

        @app_commands.command(name="ping", description="Is the bot there?")
        async def ping(interaction: Any) -> None:
            del interaction

        bot.tree.add_command(ping)
        try:
            await bot.login(fake.token)
        finally:
            await bot.close()
    assert fake.command_syncs() == 2
    assert "ping" in fake.registered_command_names()
    assert stored_hash(db_path) not in (None, first)


async def test_a_failed_sync_keeps_the_old_hash_and_the_next_start_syncs(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK]) as core:
        fake.fail_next("PUT", f"/applications/{APP_ID}/commands", status=403)
        with pytest.raises(StartupError, match="refused to register the slash commands"):
            await serve(core, token=fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
    assert stored_hash(db_path) is None and fake.command_syncs() == 0
    async with process(db_path, clock, fake, None):
        assert fake.command_syncs() == 1 and stored_hash(db_path) is not None


async def test_a_guild_sync_and_a_global_sync_are_different_command_sets(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    async with process(db_path, clock, fake, None):
        pass
    async with process(db_path, clock, fake, None, guild_id=GUILD_ID):
        assert fake.calls_to("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert fake.command_syncs() == 2


# ----- configuration ----------------------------------------------------------------------------------------


def test_shard_settings_are_read_from_the_environment() -> None:
    assert discord_shards({}) is None
    assert discord_shards({"DISCORD_SHARD_COUNT": "4"}) == DiscordShards(4, None)
    assert discord_shards({"DISCORD_SHARD_COUNT": " 4 ", "DISCORD_SHARD_IDS": "3, 2"}) == DiscordShards(4, (2, 3))


@pytest.mark.parametrize(("env", "says"), [
    ({"DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS=0,1 needs DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_COUNT": "four"}, "DISCORD_SHARD_COUNT must be a whole number of at least 1, not 'four'"),
    ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT must be a whole number of at least 1"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0,x"}, "must be shard numbers separated by commas"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "-1"}, "must be shard numbers separated by commas"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2,4"}, "shard 4 does not exist with DISCORD_SHARD_COUNT=4"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,1"}, "names a shard twice"),
])
def test_bad_shard_settings_are_one_clear_line(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as info:
        discord_shards(env)
    assert says in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(StartupError, match=says.split("=")[0]):
        shards_from_env(env)


def test_bad_shard_settings_stop_the_bot_at_start_up(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))},
        "DISCORD_TOKEN": "not-a-real-token",
        "DISCORD_SHARD_COUNT": "2",
        "DISCORD_SHARD_IDS": "0,2",
        # loopback only, in case anything tried to connect
        "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
        "BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
        "BOT_QUESTION_PACKS": "",
    }
    result = subprocess.run([sys.executable, "-m", "bot", "run", "discord"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.splitlines() == ["error: DISCORD_SHARD_IDS=0,2: shard 2 does not exist with DISCORD_SHARD_COUNT=2 "
                     "(shards are numbered 0 to 1)."], result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before opening anything


async def test_too_few_shards_for_discord_is_a_one_line_startup_error(
    db_path: Path, clock: ManualClock, fake: FakeDiscord
) -> None:
    fake.required_shards = 4  # the bot is in too many guilds for fewer shards
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK]) as core:
        with pytest.raises(StartupError) as info:
            await asyncio.wait_for(serve(core, token=fake.token, api_base_url=fake.api_base_url,
                                         gateway_url=fake.gateway_url, shards=DiscordShards(2, (0,))), timeout=10)
    message = str(info.value)
    assert "4011" in message and "DISCORD_SHARD_COUNT (now 2)" in message and "\n" not in message


def test_a_guild_belongs_to_the_process_running_its_shard() -> None:
    assert [shard_of(g, SHARDS) for g in GUILDS] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert serves_team(str(GUILDS[1]), SHARDS, [0, 1]) and not serves_team(str(GUILDS[2]), SHARDS, [0, 1])
    assert serves_team(str(GUILDS[2]), SHARDS, None) and serves_team(str(GUILDS[2]), None, None)
    assert serves_team("", SHARDS, [0]) and not serves_team("", SHARDS, [1])  # DMs come on shard 0
