"""Failure tests through the real adapters (issue 6), against the fake Discord and the fake Slack on 127.0.0.1.

- outages: Discord or Slack unreachable at start-up, or gone mid-session: retried with growing delays, one log
  line per attempt, and a question of the day that fell due meanwhile is posted once when the platform is back;
- secrets: no token, app token, signing secret or client secret in any log record, at DEBUG, on any logger;
- buttons and /qotd: forged `mlq:` ids and non-admin /qotd change nothing, and are refused privately;
- hostile input: random Unicode, very long strings, Markdown and mention syntax in every option and command: the
  request is always answered, replies keep to the platform's limits and nothing can ping.

Each test checks what a user sees (the fakes' recorded messages and calls) and what the database holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import runner as discord_runner
from adapters.discord.retry import Backoff as DiscordBackoff
from adapters.slack import runner as slack_runner
from adapters.slack.redact import install_redaction
from adapters.slack.retry import Backoff as SlackBackoff
from bot.app import open_core
from bot.clock import ManualClock
from bot.core import Core
from bot.domain.events import Actor, Command, Place
from tests import test_discord_adapter as dt
from tests import test_slack_adapter as stt
from tests.fakes import discord_fake as df
from tests.fakes import slack_fake as sf

DISCORD_RETRY = re.compile(
    r"^discord: cannot reach Discord at (?P<where>\S+) \((?P<why>[\w ]+)\), "
    r"retrying in (?P<delay>[\d.]+) s \(attempt (?P<attempt>\d+)\)$"
)
GATEWAY_RETRY = re.compile(
    r"^discord: cannot reach the gateway \((?P<why>[\w ]+)\), "
    r"retrying in (?P<delay>[\d.]+) s \(attempt (?P<attempt>\d+)\)$"
)
SLACK_RETRY = re.compile(
    r"^slack: cannot reach (?P<where>.+) \((?P<why>[\w ]+)\), "
    r"retrying in (?P<delay>[\d.]+) s \(attempt (?P<attempt>\d+)\)$"
)
BERLIN_0900_MONDAY = datetime(2026, 1, 5, 8, 0, 30, tzinfo=UTC)  # due: 09:00 Europe/Berlin on a Monday
SLACK_0900 = stt.START.replace(hour=9, minute=0, second=30)
FAST = {"base": 0.1, "cap": 0.4}
# discord.py warns once per process that voice is unavailable; not about the outage.
NO_VOICE = re.compile(r"^\w+ is not installed, voice will NOT be supported$")


# ----- shared helpers -----------------------------------------------------------------------------------------


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def qotd_posts(db: Path) -> list[tuple[Any, ...]]:
    return rows(db, "SELECT status FROM posts WHERE kind = 'qotd'")


def schedules(db: Path) -> list[tuple[Any, ...]]:
    return rows(db, "SELECT * FROM schedules ORDER BY platform, team_id, channel_id")


async def retry_lines(
    caplog: pytest.LogCaptureFixture, pattern: re.Pattern[str], count: int, timeout: float = 15.0
) -> list[tuple[logging.LogRecord, re.Match[str]]]:
    """Wait until at least `count` log records match `pattern`; returns them with their matches."""
    async with asyncio.timeout(timeout):
        while True:
            found = [(r, m) for r in caplog.records if (m := pattern.match(r.getMessage()))]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)


def assert_backoff(lines: list[tuple[logging.LogRecord, re.Match[str]]], *, base: float, cap: float) -> None:
    """One warning line per attempt, numbered 2, 3, ..., with delays base, 2·base, ... capped, no traceback."""
    attempts = [int(m["attempt"]) for _, m in lines]
    assert attempts == list(range(2, 2 + len(lines)))
    delays = [float(m["delay"]) for _, m in lines]
    assert delays == [min(cap, base * 2**k) for k in range(len(lines))]
    assert delays[1] > delays[0]  # growing
    for record, _ in lines:
        assert record.levelno == logging.WARNING and record.exc_info is None and "\n" not in record.getMessage()


def noisy_records(caplog: pytest.LogCaptureFixture, *allowed: re.Pattern[str]) -> list[str]:
    """WARNING-or-worse records that are not one of the `allowed` lines (an outage should log nothing else)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING and not any(p.match(r.getMessage()) for p in allowed)
    ]


async def cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# ----- Discord fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Iterable[None]:
    yield
    discord_runner.configure_endpoints()


@pytest.fixture
def d_bank(tmp_path: Path) -> Path:
    path = tmp_path / "dbank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(dt.BANK)
    return path


@pytest.fixture
def d_db(tmp_path: Path) -> Path:
    return tmp_path / "discord.sqlite3"


@pytest.fixture
def d_clock() -> ManualClock:
    return ManualClock(dt.MONDAY_0700_UTC)


@pytest.fixture
async def d_core(d_db: Path, d_bank: Path, d_clock: ManualClock) -> AsyncIterator[Core]:
    async with open_core(database=d_db, clock=d_clock, bank_paths=[d_bank]) as core:
        yield core


@pytest.fixture
async def d_fake() -> AsyncIterator[df.FakeDiscord]:
    async with df.FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def d_bot(d_core: Core, d_fake: df.FakeDiscord) -> AsyncIterator[Any]:
    async with df.run_bot(d_core, d_fake) as bot:
        yield bot


def discord_admin_setup(channel_id: int = df.QOTD_ID) -> Command:
    """`/qotd setup` as Discord's adapter would hand it to the core for the server owner."""
    actor = Actor("discord", str(df.GUILD_ID), str(df.ADMIN_ID), "Alice", is_admin=True)
    place = Place("discord", str(df.GUILD_ID), str(channel_id))
    return Command(actor, place, "qotd", ("setup", "time=09:00", "tz=Europe/Berlin", "days=mon-fri", "reveal=2h"))


# ----- 1. outages: Discord ------------------------------------------------------------------------------------


async def test_discord_unreachable_at_start_up_is_retried_and_the_due_post_goes_out_once(
    d_core: Core, d_clock: ManualClock, d_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = df.FakeDiscord()
    await fake.start()
    await fake.close()  # the port is known, but nothing answers: REST and gateway refuse connections
    await d_core.handle_command(discord_admin_setup())
    d_clock.set(BERLIN_0900_MONDAY)
    task = asyncio.create_task(
        discord_runner.serve(
            d_core,
            token=fake.token,
            api_base_url=fake.api_base_url,
            gateway_url=fake.gateway_url,
            backoff=DiscordBackoff(**FAST),
        )
    )
    try:
        await d_core.tick()  # due while Discord is unreachable: nothing can go out
        lines = await retry_lines(caplog, DISCORD_RETRY, 4)
        assert not task.done()  # not a StartupError: still trying
        assert qotd_posts(d_db) == []
        assert_backoff(lines, **FAST)
        assert {m["where"] for _, m in lines} == {fake.api_base_url}
        assert {m["why"] for _, m in lines} == {"ClientConnectorError"}
        assert noisy_records(caplog, DISCORD_RETRY, NO_VOICE) == []

        await fake.start()  # Discord is back, on the same address
        await fake.wait_connected(timeout=10)
        await fake.wait_until(lambda: "discord" in d_core.outbounds)
        d_clock.advance(timedelta(minutes=20))  # still inside the one-hour grace window
        await d_core.tick()
        await d_core.tick()

        posts = fake.calls_to("POST", f"/channels/{df.QOTD_ID}/messages")
        assert [c.status for c in posts] == [200]
        [post] = fake.channel_messages(df.QOTD_ID)
        assert post.embeds[0]["title"].startswith("📅 Question of the day")
        assert qotd_posts(d_db) == [("posted",)]
        assert fake.identifies == 1
    finally:
        await cancel(task)
        await fake.close()


async def test_discord_gateway_and_rest_gone_mid_session_then_back_posts_once(
    d_core: Core, d_fake: df.FakeDiscord, d_clock: ManualClock, d_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with df.run_bot(d_core, d_fake, backoff=DiscordBackoff(**FAST)):
        await dt.setup_qotd(d_fake)
        caplog.set_level(logging.INFO)
        caplog.clear()

        await d_fake.close()  # the gateway closes and REST refuses connections
        d_clock.set(BERLIN_0900_MONDAY)
        await d_core.tick()  # the post falls due while Discord is gone
        assert qotd_posts(d_db) == [("pending",)]
        lines = await retry_lines(caplog, GATEWAY_RETRY, 4)
        assert_backoff(lines, **FAST)
        assert {m["why"] for _, m in lines} == {"ClientConnectorError"}

        await d_fake.start()
        await d_fake.wait_until(lambda: d_fake.resumes == 1, timeout=10)  # resumed: the same session
        d_clock.advance(timedelta(minutes=5))
        await d_core.tick()
        await d_core.tick()

        assert [c.status for c in d_fake.calls_to("POST", f"/channels/{df.QOTD_ID}/messages")] == [200]
        assert len(d_fake.channel_messages(df.QOTD_ID)) == 1
        assert qotd_posts(d_db) == [("posted",)]
        assert d_fake.identifies == 1
        # The failed post is one warning from the core; everything else is one line per attempt.
        noisy = noisy_records(caplog, GATEWAY_RETRY, re.compile(r"^post \d+ in .* will be retried"))
        assert noisy == []

        # And the session works: a command after the outage is answered.
        record = await d_fake.slash("topics")
        [reply] = await dt.answered(d_fake, record)
        assert "pytorch" in reply.text()


async def test_discord_gateway_down_at_start_up_is_retried_with_backoff(
    d_core: Core, d_fake: df.FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    d_fake.gateway_refusals = 3  # REST works, the gateway answers 503 three times
    task = asyncio.create_task(
        discord_runner.serve(
            d_core,
            token=d_fake.token,
            api_base_url=d_fake.api_base_url,
            gateway_url=d_fake.gateway_url,
            backoff=DiscordBackoff(**FAST),
        )
    )
    try:
        await d_fake.wait_connected(timeout=10)
        lines = await retry_lines(caplog, GATEWAY_RETRY, 3)
        assert_backoff(lines, **FAST)
        assert {m["why"] for _, m in lines} == {"WSServerHandshakeError 503"}
        assert noisy_records(caplog, GATEWAY_RETRY, NO_VOICE) == []  # no traceback from discord.py's own retry
        assert d_fake.identifies == 1
        record = await d_fake.slash("topics")
        await dt.answered(d_fake, record)
    finally:
        await cancel(task)


async def test_discord_rejected_token_stops_with_one_line_and_no_retries(
    d_core: Core, d_fake: df.FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(discord_runner.StartupError) as caught:
        await asyncio.wait_for(
            discord_runner.serve(
                d_core,
                token="not-the-token",
                api_base_url=d_fake.api_base_url,
                gateway_url=d_fake.gateway_url,
                backoff=DiscordBackoff(**FAST),
            ),
            timeout=10,
        )
    assert "rejected the token" in str(caught.value) and "\n" not in str(caught.value)
    assert not [r for r in caplog.records if DISCORD_RETRY.match(r.getMessage())]
    assert len(d_fake.calls_to("GET", "/users/@me")) == 1


async def test_discord_5xx_at_start_up_is_retried(
    d_core: Core, d_fake: df.FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # 503 is not one of the statuses discord.py retries by itself (500, 502, 504): the runner does.
    d_fake.fail_next("GET", "/users/@me", status=503, times=2)
    task = asyncio.create_task(
        discord_runner.serve(
            d_core,
            token=d_fake.token,
            api_base_url=d_fake.api_base_url,
            gateway_url=d_fake.gateway_url,
            backoff=DiscordBackoff(**FAST),
        )
    )
    try:
        await d_fake.wait_connected(timeout=10)
        lines = await retry_lines(caplog, DISCORD_RETRY, 2)
        assert [m["why"] for _, m in lines] == ["DiscordServerError 503"] * 2
        assert [c.status for c in d_fake.calls_to("GET", "/users/@me")] == [503, 503, 200]
    finally:
        await cancel(task)


# ----- Slack fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def s_bank(tmp_path: Path) -> Path:
    folder = tmp_path / "sbank"
    folder.mkdir()
    (folder / "test.yaml").write_text(stt.BANK, encoding="utf-8")
    return folder


@pytest.fixture
def s_db(tmp_path: Path) -> Path:
    return tmp_path / "slack.sqlite3"


@pytest.fixture
async def s_core(s_db: Path, s_bank: Path) -> AsyncIterator[Core]:
    async with open_core(database=s_db, clock=ManualClock(stt.START), bank_paths=[s_bank]) as core:
        yield core


def with_users(fake: sf.FakeSlack) -> sf.FakeSlack:
    fake.add_user("UADMIN", is_admin=True, tz="Europe/Berlin")
    fake.add_user("UOWNER", is_owner=True)
    fake.add_user("UMEMBER", tz="America/New_York")
    return fake


@pytest.fixture
async def s_fake() -> AsyncIterator[sf.FakeSlack]:
    async with sf.FakeSlack() as fake:
        yield with_users(fake)


@pytest.fixture
async def rig(s_fake: sf.FakeSlack, s_core: Core, s_db: Path) -> AsyncIterator[stt.Rig]:
    app = slack_runner.build_app(s_core, env=stt.HTTP_ENV, client_base_url=s_fake.base_url, post_interval=0.0)
    async with sf.serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield stt.Rig(s_fake, s_core, s_core.clock, sf.SignedSender(session, url), url, session,  # type: ignore[arg-type]
                      s_db)


def slack_admin_setup() -> Command:
    actor = Actor("slack", sf.TEAM_ID, "UADMIN", "Admin", is_admin=True)
    return Command(actor, Place("slack", sf.TEAM_ID, stt.CHANNEL), "qotd", ("setup", "09:00", "UTC", "daily"))


def slack_posts_to(fake: sf.FakeSlack, channel: str) -> list[sf.ApiCall]:
    return [c for c in fake.calls_to("chat.postMessage") if c.body.get("channel") == channel]


# ----- 1. outages: Slack --------------------------------------------------------------------------------------


async def test_slack_socket_mode_unreachable_at_start_up_is_retried_and_the_due_post_goes_out_once(
    s_core: Core, s_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = with_users(sf.FakeSlack())
    await fake.__aenter__()
    await fake.__aexit__(None, None, None)  # the Web API refuses connections
    await s_core.handle_command(slack_admin_setup())
    s_core.clock.set(SLACK_0900)  # type: ignore[attr-defined]
    env = {"SLACK_APP_TOKEN": sf.APP_TOKEN, "SLACK_BOT_TOKEN": sf.BOT_TOKEN, "SLACK_API_BASE_URL": fake.base_url}
    backoff = {"base": 0.1, "cap": 0.2}
    task = asyncio.create_task(slack_runner.serve(s_core, env=env, backoff=SlackBackoff(**backoff)))
    try:
        await stt.eventually(lambda: "slack" in s_core.outbounds)
        await s_core.tick()  # due while Slack is unreachable: the post waits for a later tick
        assert qotd_posts(s_db) == [("pending",)]
        lines = await retry_lines(caplog, SLACK_RETRY, 3)
        assert not task.done()
        assert_backoff(lines, **backoff)
        assert {m["where"] for _, m in lines} == {f"the Slack API at {fake.base_url}"}

        await fake.__aenter__()  # Slack is back on the same address
        await fake.wait_for_socket(timeout=10)
        payload = sf.slash_command_form("/quiz", "pytorch easy", user_id="UMEMBER", response_url=fake.response_url())
        ack = await fake.send_envelope("slash_commands", payload)
        assert "tensor" in stt.texts(ack["payload"])

        s_core.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]
        await s_core.tick()
        await s_core.tick()
        assert len(slack_posts_to(fake, stt.CHANNEL)) == 1
        assert qotd_posts(s_db) == [("posted",)]
        noisy = noisy_records(caplog, SLACK_RETRY, re.compile(r"^post \d+ in .* will be retried"))
        assert noisy == []
    finally:
        await cancel(task)
        await fake.__aexit__(None, None, None)


async def test_slack_http_mode_waits_for_the_api_at_start_up(
    s_core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = with_users(sf.FakeSlack())
    await fake.__aenter__()
    fake.failures["auth.test"] = sf.Failure(status=503, times=2)  # Slack answers 503 twice, then works
    env = {**stt.HTTP_ENV, "SLACK_API_BASE_URL": fake.base_url, "HOST": "127.0.0.1", "PORT": "0"}
    task = asyncio.create_task(slack_runner.serve(s_core, env=env, backoff=SlackBackoff(**FAST)))
    try:
        lines = await retry_lines(caplog, SLACK_RETRY, 2)
        await stt.eventually(lambda: any(r.getMessage().startswith("Slack adapter listening") for r in caplog.records))
        assert [m["why"] for _, m in lines] == ["SlackApiError HTTP 503"] * 2
        assert len(fake.calls_to("auth.test")) == 3 and not task.done()
    finally:
        await cancel(task)
        await fake.__aexit__(None, None, None)


async def test_slack_http_post_that_fails_with_a_network_error_goes_out_once_on_the_next_tick(rig: stt.Rig) -> None:
    await stt.setup_qotd(rig)
    await rig.fake.__aexit__(None, None, None)  # Slack unreachable when the post falls due
    rig.clock.set(SLACK_0900)
    await rig.core.tick()
    assert rig.db("SELECT status FROM posts WHERE kind = 'qotd'") == [("pending",)]

    await rig.fake.__aenter__()
    rig.clock.advance(timedelta(minutes=1))
    await rig.core.tick()
    await rig.core.tick()
    [post] = slack_posts_to(rig.fake, stt.CHANNEL)
    assert post.body["metadata"]["event_payload"]["dedupe_key"].startswith("qotd-")
    assert rig.db("SELECT status FROM posts WHERE kind = 'qotd'") == [("posted",)]


# ----- 2. secrets never reach the logs ------------------------------------------------------------------------

LOGGERS = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "bot", "adapters", "asyncio", "websockets")


def capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


def leaks(caplog: pytest.LogCaptureFixture, secrets: Iterable[str]) -> list[str]:
    """Every place a secret shows up in a captured record: message, args, exception or stack text."""
    formatter = logging.Formatter()
    found = []
    for record in caplog.records:
        # What a handler prints: the message and the exception text (kept on the record once formatted).
        exc_text = record.exc_text or (formatter.formatException(record.exc_info) if record.exc_info else "")
        parts = [record.getMessage(), repr(record.msg), repr(record.args), exc_text, record.stack_info or ""]
        text = "\n".join(parts)
        found += [f"{secret!r} in {record.name}: {record.getMessage()[:200]}" for secret in secrets if secret in text]
    return found


async def test_discord_token_never_appears_in_logs(
    d_core: Core, d_fake: df.FakeDiscord, d_clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    capture_everything(caplog)
    rejected = "rejected-token-0123456789"
    task = asyncio.create_task(
        discord_runner.serve(d_core, token=d_fake.token, api_base_url=d_fake.api_base_url,
                             gateway_url=d_fake.gateway_url)
    )
    try:
        await d_fake.wait_connected()
        card = await dt.quiz_card(d_fake)  # a command
        await dt.click_and_wait(d_fake, card, "reveal")  # a button
        await dt.setup_qotd(d_fake)
        d_clock.set(BERLIN_0900_MONDAY)
        await d_core.tick()  # a scheduled post
        assert len(d_fake.channel_messages(df.QOTD_ID)) == 1
    finally:
        await cancel(task)
    with pytest.raises(discord_runner.StartupError):
        await discord_runner.serve(d_core, token=rejected, api_base_url=d_fake.api_base_url,
                                   gateway_url=d_fake.gateway_url)
    assert any(r.name.startswith("discord.") and r.levelno == logging.DEBUG for r in caplog.records)
    assert leaks(caplog, [d_fake.token, rejected]) == []


async def test_slack_tokens_and_secrets_never_appear_in_logs(
    s_fake: sf.FakeSlack, s_core: Core, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    capture_everything(caplog)
    client_secret = "client-secret-0123456789"
    rejected = ["xoxb-rejected-0123456789", "xapp-rejected-0123456789"]
    secrets = [sf.BOT_TOKEN, sf.APP_TOKEN, sf.SIGNING_SECRET, client_secret, s_fake.oauth_bot_token, *rejected]

    # Socket Mode: start-up, a command, a button and a scheduled post.
    socket_env = {"SLACK_APP_TOKEN": sf.APP_TOKEN, "SLACK_BOT_TOKEN": sf.BOT_TOKEN,
                  "SLACK_API_BASE_URL": s_fake.base_url}
    await s_core.handle_command(slack_admin_setup())
    task = asyncio.create_task(slack_runner.serve(s_core, env=socket_env))
    try:
        form = sf.slash_command_form("/quiz", "sql", user_id="UMEMBER", response_url=s_fake.response_url("q"))
        await s_fake.send_envelope("slash_commands", form)
        post_id = rows(tmp_path / "slack.sqlite3", "SELECT id FROM posts WHERE kind = 'quiz'")[0][0]
        click = sf.block_action_payload(f"mlq:reveal:{post_id}", user_id="UMEMBER",
                                        response_url=s_fake.response_url("b"))
        await s_fake.send_envelope("interactive", click)
        await stt.eventually(lambda: s_fake.posts_to("b"))
        s_core.clock.set(SLACK_0900)  # type: ignore[attr-defined]
        await s_core.tick()
        assert len(slack_posts_to(s_fake, stt.CHANNEL)) == 1
    finally:
        await cancel(task)

    # HTTP mode with the signing secret: a signed command and a button.
    app = slack_runner.build_app(s_core, env=stt.HTTP_ENV, client_base_url=s_fake.base_url, post_interval=0.0)
    async with sf.serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        sender = sf.SignedSender(session, url)
        assert (await sender.command("/quiz", "pytorch", user_id="UMEMBER", response_url=s_fake.response_url())).status == 200
        assert (await sender.click(f"mlq:hint:{post_id}", user_id="UMEMBER",
                                   response_url=s_fake.response_url())).status == 200
        forged = await sender.send(sf.encode_form(form), content_type="application/x-www-form-urlencoded",
                                   secret="wrong-secret")
        assert forged.status == 401

    # OAuth with the client secret: an install, then a command with the installed token.
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": client_secret, "SLACK_SIGNING_SECRET": sf.SIGNING_SECRET,
           "SLACK_INSTALLATION_DB": str(tmp_path / "installs.sqlite3")}
    app = slack_runner.build_app(s_core, env=env, client_base_url=s_fake.base_url, post_interval=0.0)
    async with sf.serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        async with session.get(url + "/slack/install") as page:
            state = re.search(r"state=([\w-]+)", await page.text()).group(1)  # type: ignore[union-attr]
            cookie = page.headers["Set-Cookie"].split(";")[0]
        async with session.get(url + f"/slack/oauth_redirect?code=good-code&state={state}",
                               headers={"Cookie": cookie}) as done:
            assert done.status == 200
        s_fake.add_user("UNEW", team_id=s_fake.oauth_team_id)
        response = await sf.SignedSender(session, url).command("/quiz", "sql", user_id="UNEW",
                                                               team_id=s_fake.oauth_team_id,
                                                               response_url=s_fake.response_url())
        assert response.status == 200
    assert s_fake.calls_to("oauth.v2.access")

    # Rejected tokens at start-up.
    s_fake.valid_tokens = {"xoxb-the-real-one"}
    http_env = {"SLACK_BOT_TOKEN": rejected[0], "SLACK_SIGNING_SECRET": sf.SIGNING_SECRET,
                "SLACK_API_BASE_URL": s_fake.base_url, "HOST": "127.0.0.1", "PORT": "0"}
    with pytest.raises(slack_runner.StartupError):
        await slack_runner.serve(s_core, env=http_env)
    with pytest.raises(slack_runner.StartupError):
        await slack_runner.serve(s_core, env={"SLACK_APP_TOKEN": rejected[1], "SLACK_BOT_TOKEN": "xoxb-the-real-one",
                                              "SLACK_API_BASE_URL": s_fake.base_url})

    assert any(r.name.startswith("slack_sdk") and r.levelno == logging.DEBUG for r in caplog.records)
    assert any(r.name.startswith("slack_bolt") and r.levelno == logging.DEBUG for r in caplog.records)
    assert leaks(caplog, secrets) == []


def test_the_slack_redaction_filter_covers_child_loggers_tokens_and_exception_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    capture_everything(caplog)
    install_redaction("a-signing-secret-value")
    logger = logging.getLogger("slack_sdk.web.async_base_client")
    logger.debug("Received the following response - body: %s", {"access_token": "xoxb-1-2-abc",
                                                                  "refresh_token": "xoxe-1-xyz"})
    try:
        raise ValueError("signed with a-signing-secret-value, app token xapp-1-A1-2-ff")
    except ValueError:
        logging.getLogger("slack_bolt.AsyncApp").exception("listener failed")
    text = caplog.text
    assert "[redacted]" in text and "access_token" in text
    assert leaks(caplog, ["xoxb-1-2-abc", "xoxe-1-xyz", "a-signing-secret-value", "xapp-1-A1-2-ff"]) == []


# ----- 3. forged buttons and /qotd from a non-admin -----------------------------------------------------------

OTHER_ID = 920000000000000003  # a plain member who is neither the quiz's owner nor an admin
GRADES_AND_ACTIONS = ("reveal", "hint", "skip", "again", "hard", "good", "easy")
SCHEDULE_ACTIONS = ("pause", "resume", "setup", "now", "status")


def forged(message: df.Message, custom_id: str) -> df.Message:
    """`message` as a modified client could present it: one button carrying `custom_id`."""
    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": custom_id}]}
    return dataclasses.replace(message, components=[row])


async def test_discord_forged_buttons_and_non_admin_qotd_change_nothing(
    d_fake: df.FakeDiscord, d_bot: Any, d_core: Core, d_clock: ManualClock, d_db: Path
) -> None:
    await dt.setup_qotd(d_fake, thread=False)
    d_clock.set(BERLIN_0900_MONDAY)
    await d_core.tick()
    [public] = d_fake.channel_messages(df.QOTD_ID)
    qotd_id = int(public.custom_ids()[0].split(":")[2])
    card = await dt.quiz_card(d_fake, user_id=df.MEMBER_ID)  # Bob's private quiz
    quiz_id = int(card.custom_ids()[0].split(":")[2])
    card_before, public_before = card.text(), public.text()
    before = (schedules(d_db), rows(d_db, "SELECT * FROM posts ORDER BY id"))

    # Another member forges every quiz button for Bob's post, on the public question of the day.
    for action in GRADES_AND_ACTIONS:
        custom_id = f"mlq:{action}:{quiz_id}"
        record = await d_fake.click(forged(public, custom_id), custom_id, user_id=OTHER_ID)
        [refusal] = await dt.answered(d_fake, record)
        assert refusal.ephemeral and "someone else's" in refusal.text(), (action, refusal.text())
    # ... and buttons that would change the schedule, which do not exist.
    for action in SCHEDULE_ACTIONS:
        custom_id = f"mlq:{action}:{qotd_id}"
        record = await d_fake.click(forged(public, custom_id), custom_id, user_id=OTHER_ID)
        [refusal] = await dt.answered(d_fake, record)
        assert refusal.ephemeral and "no longer works" in refusal.text()

    # /qotd from a member: every action refused privately, whatever the channel.
    for sub, options in [("setup", {"time": "06:00", "tz": "UTC", "days": "daily", "channel": df.QOTD_ID}),
                         ("pause", {}), ("resume", {}), ("now", {}), ("status", {})]:
        record = await d_fake.slash("qotd", options, subcommand=sub, user_id=OTHER_ID, channel_id=df.QOTD_ID)
        [refusal] = await dt.answered(d_fake, record)
        assert refusal.ephemeral and "Only server admins" in refusal.text(), sub

    await dt.settle(d_fake)
    assert (schedules(d_db), rows(d_db, "SELECT * FROM posts ORDER BY id")) == before
    assert rows(d_db, "SELECT count(*) FROM grades") == [(0,)]
    assert card.text() == card_before and public.text() == public_before
    assert d_fake.channel_messages(df.QOTD_ID) == [public]
    assert all(m.ephemeral for m in d_fake.messages.values() if m.interaction_token)


async def test_slack_forged_buttons_and_non_admin_qotd_change_nothing(rig: stt.Rig) -> None:
    rig.fake.add_user("UOTHER")
    await stt.setup_qotd(rig)
    rig.clock.set(SLACK_0900)
    await rig.core.tick()
    qotd_id, qotd_ts = rig.db("SELECT id, message_id FROM posts WHERE kind = 'qotd'")[0]
    await rig.slack.command("/quiz", "pytorch", user_id="UMEMBER", response_url=rig.fake.response_url())
    quiz_id = rig.db("SELECT id FROM posts WHERE kind = 'quiz'")[0][0]
    before = (rig.db("SELECT * FROM schedules"), rig.db("SELECT * FROM posts ORDER BY id"))
    rig.fake.reset()

    for k, action in enumerate(GRADES_AND_ACTIONS):
        key = f"forged-{action}"
        # Alternately from an ephemeral message of the clicker's and from the public question of the day.
        where = {"ephemeral": True} if k % 2 else {"ephemeral": False, "message_ts": qotd_ts}
        response = await rig.slack.click(f"mlq:{action}:{quiz_id}", user_id="UOTHER",
                                         response_url=rig.fake.response_url(key), **where)
        assert response.status == 200
        [refusal] = rig.fake.posts_to(key)
        assert refusal["response_type"] == "ephemeral" and refusal["replace_original"] is False, action
        assert "someone else" in stt.texts(refusal)
    for action in SCHEDULE_ACTIONS:
        response = await rig.slack.click(f"mlq:{action}:{qotd_id}", user_id="UOTHER", ephemeral=False,
                                         message_ts=qotd_ts, response_url=rig.fake.response_url("sched"))
        assert response.status == 200
    assert rig.fake.posts_to("sched") == []  # not our button: acknowledged and ignored

    for words in ("setup 06:00 UTC daily", "pause", "resume", "now", "status", "setup channel=<#C0002|other>"):
        body = (await rig.slack.command("/qotd", words, user_id="UMEMBER",
                                        response_url=rig.fake.response_url())).json()
        assert body["response_type"] == "ephemeral" and "Only server admins" in stt.texts(body), words

    assert (rig.db("SELECT * FROM schedules"), rig.db("SELECT * FROM posts ORDER BY id")) == before
    assert rig.db("SELECT count(*) FROM grades") == [(0,)]
    assert rig.fake.calls_to("chat.postMessage") == [] and rig.fake.calls_to("chat.update") == []


# ----- 4. hostile input through the adapters ------------------------------------------------------------------

MARKUP = [
    "@everyone", "@here", f"<@{df.MEMBER_ID}>", f"<@!{df.ADMIN_ID}>", f"<@&{df.STUDY_ROLE_ID}>", f"<#{df.GENERAL_ID}>",
    "<!channel>", "<!here>", "<!everyone>", "<!channel|channel>", "<@U1>", "<@UMEMBER|bob>", "<!subteam^S1|@ml>",
    "<#C1|general>", "**bold**", "__u__", "~~s~~", "||spoiler||", "`x`", "```py\nprint(1)\n```", "> quote",
    "# Heading", "[link](https://example.com)", "<https://example.com|x>", "$$\\frac{a}{b}$$",
    "| a | b |\n|---|---|\n| 1 | 2 |", "&amp; &lt; &gt;", "\u200b", "\u202e", "\x00", "\\", "%s %(x)s {0}",
    "'; DROP TABLE posts; --", "🙂", "time=", "tz=", "channel=<#C1>", "admins=UMEMBER", "mention=<!channel>",
]
PIECE = st.one_of(st.sampled_from(MARKUP), st.text(max_size=30))


def hostile(max_size: int) -> st.SearchStrategy[str]:
    """Random Unicode, Markdown and mention syntax, and very long strings (up to `max_size` characters)."""
    long = st.builds(lambda p, n: ((p or "x") + " ") * n, PIECE, st.integers(100, max_size)).map(lambda t: t[:max_size])
    return st.one_of(st.text(min_size=1, max_size=100), st.lists(PIECE, min_size=1, max_size=10).map(" ".join), long)


def embed_size(embed: dict[str, Any]) -> int:
    fields = sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", []))
    author = (embed.get("author") or {}).get("name", "")
    return len(embed.get("title", "")) + len(embed.get("description", "")) + fields + len(
        (embed.get("footer") or {}).get("text", "")) + len(author)


def assert_discord_message_ok(message: df.Message) -> None:
    """Within Discord's limits, and unable to ping anyone."""
    assert len(message.content) <= 2000
    assert len(message.embeds) <= 10
    for embed in message.embeds:
        assert len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096
    assert sum(embed_size(e) for e in message.embeds) <= 6000
    assert len(message.components) <= 5
    for row in message.components:
        assert len(row["components"]) <= 5
        assert all(len(c.get("custom_id", "")) <= 100 and len(c.get("label", "")) <= 80 for c in row["components"])
    mentions = message.allowed_mentions
    assert mentions is not None and mentions.get("parse") == [], mentions
    assert not mentions.get("users") and not mentions.get("roles") and not mentions.get("replied_user")


DISCORD_COMMANDS = [
    ("quiz", None, "topic", df.MEMBER_ID),
    ("leaderboard", None, "topic", df.MEMBER_ID),
    ("streak", None, "tz", df.MEMBER_ID),
    ("qotd", "setup", "time", df.ADMIN_ID),
    ("qotd", "setup", "tz", df.ADMIN_ID),
    ("qotd", "setup", "days", df.ADMIN_ID),
    ("qotd", "setup", "topics", df.ADMIN_ID),
    ("qotd", "setup", "reveal", df.ADMIN_ID),
    ("qotd", "setup", "topics", df.MEMBER_ID),
]
DISCORD_AUTOCOMPLETE = [("quiz", None, "topic"), ("leaderboard", None, "topic"), ("streak", None, "tz"),
                        ("qotd", "setup", "topics"), ("qotd", "setup", "tz")]


VALID_SETUP = {"time": "09:00", "tz": "Europe/Berlin", "days": "mon-fri", "topics": "pytorch", "reveal": "2h"}


@given(case=st.sampled_from(DISCORD_COMMANDS), value=hostile(6000),  # 6000: Discord's longest option value
       others_valid=st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_discord_hostile_option_values_are_answered_within_limits_and_cannot_ping(
    d_fake: df.FakeDiscord, d_bot: Any, case: tuple[str, str | None, str, int], value: str, others_valid: bool
) -> None:
    name, sub, option, user = case
    # With the other /qotd setup options valid, the hostile one is the only thing the core can object to.
    options = {**(VALID_SETUP if sub == "setup" and others_valid else {}), option: value}
    record = await d_fake.slash(name, options, subcommand=sub, user_id=user)
    await d_fake.wait_answered(record)
    assert record.callbacks[0].status == 200
    for message in d_fake.messages.values():  # every reply so far, follow-ups included
        assert_discord_message_ok(message)


@given(case=st.sampled_from(DISCORD_AUTOCOMPLETE), value=hostile(6000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_discord_hostile_autocomplete_input_gets_valid_choices(
    d_fake: df.FakeDiscord, d_bot: Any, case: tuple[str, str | None, str], value: str
) -> None:
    name, sub, option = case
    record = await d_fake.autocomplete(name, option, value, subcommand=sub)
    await d_fake.wait_until(lambda: record.callbacks)
    [callback] = record.callbacks
    assert callback.status == 200 and callback.json["type"] == 8
    choices = callback.json["data"]["choices"]
    assert len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(str(c["value"])) <= 100 for c in choices)


PINGS = re.compile(r"<!(?:channel|here|everyone)")


def strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_slack_message_ok(payload: dict[str, Any]) -> None:
    """Within Slack's limits, and unable to ping anyone."""
    blocks = payload.get("blocks") or []
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        elif block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        elif block["type"] == "context":
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        elif block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= 75 and len(button["value"]) <= 2000
    assert len(payload.get("text") or "") <= 4000
    assert "link_names" not in payload and payload.get("parse") != "full"
    for text in strings(payload):
        assert not PINGS.search(text), text[:300]
        assert not re.search(r"<[!@]", text), text[:300]  # no user, group or special mention at all


SLACK_PREFIXES = ["", "pytorch", "sql easy", "review", "week", "all pytorch", "Europe/Berlin remind=3", "status",
                  "setup 09:00 UTC daily", "setup 07:30 Europe/Berlin mon-fri reveal=2h mention=", "setup topics=",
                  "now", "pause", "resume", "help"]


@given(command=st.sampled_from(["/quiz", "/leaderboard", "/streak", "/topics", "/answer", "/qotd"]),
       prefix=st.sampled_from(SLACK_PREFIXES), rest=hostile(8000), user=st.sampled_from(["UMEMBER", "UADMIN"]))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_slack_hostile_command_text_is_answered_within_limits_and_cannot_ping(
    rig: stt.Rig, command: str, prefix: str, rest: str, user: str
) -> None:
    text = f"{prefix} {rest}" if prefix else rest
    seen_posts, seen_calls = len(rig.fake.response_posts), len(rig.fake.calls)
    response = await rig.slack.command(command, text, user_id=user, response_url=rig.fake.response_url("fuzz"))
    assert response.status == 200
    await stt.eventually(lambda: response.text or len(rig.fake.response_posts) > seen_posts)
    replies = ([response.json()] if response.text else []) + [b for _, b in rig.fake.response_posts[seen_posts:]]
    replies += [c.body for c in rig.fake.calls[seen_calls:] if c.method == "chat.postEphemeral"]
    for reply in replies:
        assert_slack_message_ok(reply)
    for call in rig.fake.calls[seen_calls:]:
        assert "link_names" not in call.body
