"""Many real processes on one database behave as one bot (issue 10).

Three Slack HTTP replicas and one Discord process — each a real Python process running the real adapter against
the loopback fakes, with a clock the test moves — tick at the same moments over 50 channels due in the same
minute: every day exactly 50 posts and one reveal each, for 10 days in a row. And two `python -m bot` processes
started at once on an empty database: the schema is made once and both serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import textwrap
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.events import Place
from bot.domain.schedule import WEEKDAYS, Schedule
from bot.qotd.schedule import next_fire
from bot.store.migrations import load_migrations
from bot.store.schedules import save_schedule
from bot.store.store import Store
from tests.conftest import REPO, SMALL_BANK, postgres_server, query, scalar
from tests.fakes import discord_fake, slack_fake
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_fake import FakeSlack

SLACK_CHANNELS = 35
DISCORD_CHANNELS = 15
DAYS = 10
REVEAL_MINUTES = 30
FIRST_DISCORD_CHANNEL = 931000000000000000
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday; every schedule is due at 09:00 UTC, daily
STARTUP_TIMEOUT = 60.0

DRIVER = textwrap.dedent('''
    """One bot process: the real Slack (HTTP) or Discord adapter, a clock moved by `tick ISO` lines on stdin."""
    import asyncio, os, random, sys
    from datetime import datetime
    from pathlib import Path

    from bot.app import open_core
    from bot.clock import ManualClock


    async def main(role, database, bank, start):
        clock = ManualClock(datetime.fromisoformat(start))
        async with open_core(database=database, clock=clock, bank_paths=[Path(bank)], rng=random.Random()) as core:
            if role == "slack":
                from adapters.slack.runner import serve
                task = asyncio.create_task(serve(core, env=dict(os.environ)))
                while "slack" not in core.outbounds:
                    await asyncio.sleep(0.01)
            else:
                from adapters.discord.client import build_bot
                from adapters.discord.runner import configure_endpoints
                configure_endpoints(api_base_url=os.environ["DISCORD_API_BASE_URL"],
                                    gateway_url=os.environ["DISCORD_GATEWAY_URL"])
                bot = build_bot(core, guild_ready_timeout=0.05)
                await bot.login(os.environ["DISCORD_TOKEN"])
                task = asyncio.create_task(bot.connect(reconnect=True))
                await bot.wait_until_ready()
            print("READY", flush=True)
            while True:
                line = (await asyncio.to_thread(sys.stdin.readline)).split()
                if not line or line[0] == "quit":
                    break
                clock.set(datetime.fromisoformat(line[1]))
                await core.tick()
                print("TICKED", flush=True)
            task.cancel()


    asyncio.run(main(*sys.argv[1:]))
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    """A driver subprocess: start, wait for READY, send ticks, stop."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.proc = proc
        self.name = name

    async def expect(self, word: str, timeout: float = STARTUP_TIMEOUT) -> None:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    err = await self.proc.stderr.read() if self.proc.stderr else b""
                    raise AssertionError(f"{self.name} ended before {word}: {err.decode()[-3000:]}")
                if line.decode().strip() == word:
                    return

    async def tick(self, moment: datetime) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"tick {moment.isoformat()}\n".encode())
        await self.proc.stdin.drain()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                assert self.proc.stdin is not None
                self.proc.stdin.write(b"quit\n")
                await self.proc.stdin.drain()
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def start_driver(driver: Path, role: str, database: str, env: dict[str, str], name: str) -> BotProcess:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(driver), role, database, str(SMALL_BANK), START.isoformat(), cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "BOT_LOG_LEVEL": "WARNING", **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    return BotProcess(proc, name)


@contextlib.asynccontextmanager
async def processes(*procs: BotProcess) -> AsyncIterator[list[BotProcess]]:
    try:
        await asyncio.gather(*(p.expect("READY") for p in procs))
        yield list(procs)
    finally:
        await asyncio.gather(*(p.stop() for p in procs))


async def tick_all(procs: list[BotProcess], moment: datetime) -> None:
    """Every process ticks at the same moment (each told at once; all answered before the next step)."""
    for p in procs:
        await p.tick(moment)
    await asyncio.gather(*(p.expect("TICKED", timeout=120) for p in procs))


def slack_messages(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.body for c in fake.calls if c.method == "chat.postMessage"]


def discord_messages(fake: FakeDiscord) -> list[discord_fake.Message]:
    return [m for m in fake.messages.values() if m.interaction_token is None]


def is_reveal_text(text: str) -> bool:
    return "✅ Answer" in text


async def add_schedules(database: str | Path) -> None:
    places = [Place("slack", slack_fake.TEAM_ID, f"C{k:05d}") for k in range(SLACK_CHANNELS)]
    places += [Place("discord", str(discord_fake.GUILD_ID), str(FIRST_DISCORD_CHANNEL + k))
               for k in range(DISCORD_CHANNELS)]
    async with Store.open(database) as store:  # type: ignore[arg-type]
        for place in places:
            owner = "UADMIN" if place.platform == "slack" else str(discord_fake.OWNER_ID)
            schedule = Schedule(place=place, local_time=clock_time(9, 0), timezone="UTC", weekdays=WEEKDAYS,
                                reveal_minutes=REVEAL_MINUTES, created_by=owner)
            await save_schedule(store, schedule, next_fire(schedule, START), START)


async def test_three_slack_replicas_and_a_discord_process_post_each_channel_once_a_day(
    db_path: Path | str, tmp_path: Path
) -> None:
    database = str(db_path)
    await add_schedules(database)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    async with FakeSlack() as s_fake, FakeDiscord() as d_fake:
        s_fake.add_user("UADMIN", is_admin=True)
        template = next(c for c in d_fake.guild["channels"] if int(c["id"]) == discord_fake.QOTD_ID)
        d_fake.guild["channels"] += [dict(template, id=str(FIRST_DISCORD_CHANNEL + k), name=f"qotd-{k}",
                                          position=10 + k) for k in range(DISCORD_CHANNELS)]
        slack_env = {"SLACK_BOT_TOKEN": slack_fake.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_fake.SIGNING_SECRET,
                     "SLACK_API_BASE_URL": s_fake.base_url, "HOST": "127.0.0.1"}
        discord_env = {"DISCORD_TOKEN": d_fake.token, "DISCORD_API_BASE_URL": d_fake.api_base_url,
                       "DISCORD_GATEWAY_URL": d_fake.gateway_url}
        replicas = [await start_driver(driver, "slack", database, {**slack_env, "PORT": str(free_port())},
                                       f"slack-{n}") for n in range(3)]
        shard = await start_driver(driver, "discord", database, discord_env, "discord")
        async with processes(*replicas, shard) as procs:
            for day in range(DAYS):
                due = START + timedelta(days=day, hours=1)
                await tick_all(procs, due)
                await tick_all(procs, due + timedelta(minutes=1))  # the next minute finds nothing more to post
                await tick_all(procs, due + timedelta(minutes=REVEAL_MINUTES + 1))

                local_date = due.date().isoformat()
                rows = query(db_path, "SELECT platform, status, revealed_at IS NOT NULL FROM posts "
                                      "WHERE kind = 'qotd' AND local_date = ?", (local_date,))
                assert Counter(rows) == {("slack", "posted", 1): SLACK_CHANNELS,
                                         ("discord", "posted", 1): DISCORD_CHANNELS}, (day, rows)

                posts = [m for m in slack_messages(s_fake) if not m.get("thread_ts")]
                reveals = [m for m in slack_messages(s_fake) if m.get("thread_ts") and is_reveal_text(str(m))]
                assert len(posts) == SLACK_CHANNELS * (day + 1), day
                assert Counter(m["channel"] for m in posts) == {f"C{k:05d}": day + 1 for k in range(SLACK_CHANNELS)}
                assert len(reveals) == SLACK_CHANNELS * (day + 1), day

                d_posts = [m for m in discord_messages(d_fake) if m.channel_id >= FIRST_DISCORD_CHANNEL
                           and m.channel_id < FIRST_DISCORD_CHANNEL + DISCORD_CHANNELS]
                d_reveals = [m for m in discord_messages(d_fake) if is_reveal_text(m.text())]
                assert len(d_posts) == DISCORD_CHANNELS * (day + 1), day
                assert len(d_reveals) == DISCORD_CHANNELS * (day + 1), day
    assert scalar(db_path, "SELECT count(*) FROM posts WHERE kind = 'qotd'") == DAYS * (SLACK_CHANNELS +
                                                                                          DISCORD_CHANNELS)


async def healthy(url: str, proc: asyncio.subprocess.Process, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the process answers /healthz with ok; fail at once if it exits."""
    async with aiohttp.ClientSession() as session, asyncio.timeout(timeout):
        while True:
            if proc.returncode is not None:
                _, err = await proc.communicate()
                raise AssertionError(f"exited {proc.returncode}: {err.decode()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as r:
                    if r.status == 200 and (await r.json())["ok"]:
                        return
            await asyncio.sleep(0.1)


@pytest.fixture
def empty_database(db_engine: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet: a new SQLite path, or an empty PostgreSQL database."""
    if db_engine == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
        return
    server = postgres_server()
    url = server.create_database(migrated=False)
    try:
        yield url
    finally:
        server.drop_database(url)


async def test_two_processes_started_at_once_on_an_empty_database_both_serve(
    empty_database: str, db_engine: str
) -> None:
    """`python -m bot run slack` twice at once: one makes the schema (the other finds it made), both answer."""
    async with FakeSlack() as fake:
        ports = [free_port(), free_port()]
        env = {**os.environ, "PYTHONPATH": str(REPO), "BOT_DATABASE": empty_database, "BOT_LOG_LEVEL": "INFO",
               "SLACK_BOT_TOKEN": slack_fake.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_fake.SIGNING_SECRET,
               "SLACK_API_BASE_URL": fake.base_url, "HOST": "127.0.0.1"}
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "slack", cwd=REPO, env={**env, "PORT": str(port)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for port in ports]
        try:
            await asyncio.gather(*(healthy(f"http://127.0.0.1:{port}/healthz", p) for port, p in zip(ports, procs,
                                                                                                  strict=True)))
            assert all(p.returncode is None for p in procs)
        finally:
            for p in procs:
                if p.returncode is None:
                    p.terminate()
            outputs = [await p.communicate() for p in procs]
        errors = b"".join(err for _, err in outputs).decode()
        assert "Traceback" not in errors and "already exists" not in errors, errors[-3000:]
    latest = load_migrations(engine=db_engine)[-1].version
    if db_engine == "postgres":
        # One process ran the migrations (it logs the upgrade); the other waited on the advisory lock, found the
        # schema made and logged nothing.
        assert errors.count(f"database upgraded from schema version 0 to {latest}") == 1, errors[-3000:]
        assert query(empty_database, "SELECT version FROM schema_version") == [(latest,)]
    else:
        assert scalar(empty_database, "PRAGMA user_version") == latest
    assert scalar(empty_database, "SELECT count(*) FROM posts") == 0
