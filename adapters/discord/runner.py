"""`python -m bot run discord`: log in, sync commands, stay connected until cancelled.

Start-up problems a person must fix (no token, a token Discord rejects, commands that cannot be registered)
surface as `StartupError` with one line of text; the token itself is never logged or echoed. A Discord that
cannot be reached (refused connections, DNS, timeouts, 5xx) is retried with capped exponential back-off.
Bad shard settings (DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS) are a StartupError too, before anything connects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import Core, QuizBot, build_bot
from adapters.discord.retry import Backoff, describe, is_transient
from bot.config import ConfigError, DiscordShards, discord_shards

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = Route.BASE
DEFAULT_GATEWAY_URL = DiscordWebSocket.DEFAULT_GATEWAY


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


def configure_endpoints(*, api_base_url: str | None = None, gateway_url: str | None = None) -> None:
    """Point discord.py's REST (and webhooks, interaction callbacks) and gateway at other hosts.

    These are class attributes in discord.py, so the setting is process-wide; None restores Discord's own.
    """
    Route.BASE = api_base_url.rstrip("/") if api_base_url else DEFAULT_API_BASE_URL
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else DEFAULT_GATEWAY_URL
    if api_base_url or gateway_url:
        log.info("Discord endpoints: REST %s, gateway %s", Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


def require_token(token: str | None) -> str:
    """The token, stripped; StartupError when it is missing or blank."""
    if not token or not token.strip():
        raise StartupError(
            "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications and export its token."
        )
    return token.strip()


def shards_from_env(env: Mapping[str, str]) -> DiscordShards | None:
    """The shards this process runs (None: all, as Discord recommends); StartupError for unusable settings."""
    try:
        return discord_shards(env)
    except ConfigError as exc:
        raise StartupError(str(exc)) from None


async def start(bot: QuizBot, token: str | None) -> None:
    """Log in (which runs setup_hook: buttons, command sync, Outbound).

    Failures a person must fix become StartupError; network trouble, 5xx and 429 are raised as they are (see
    `retry.is_transient`) so that `serve` can try again.
    """
    token = require_token(token)
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise StartupError("Discord rejected the token (401 Unauthorized): check DISCORD_TOKEN.") from None
    except discord.Forbidden as exc:
        raise StartupError(
            f"Discord refused to register the slash commands ({exc.status} {exc.text}): invite the bot with the "
            "applications.commands scope, and check DISCORD_GUILD_ID."
        ) from None
    except discord.HTTPException as exc:
        if is_transient(exc):
            raise
        raise StartupError(
            f"Discord answered {exc.status} during start-up: {exc.text or 'no details'}."
        ) from None


async def _connect(bot: QuizBot) -> None:
    """Stay connected to the gateway (discord.py reconnects and resumes) until closed."""
    try:
        await bot.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        raise StartupError("Discord refused the gateway intents requested by the bot.") from None
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:
            raise StartupError("Discord rejected the token on the gateway (4004): check DISCORD_TOKEN.") from None
        if exc.code == 4010:
            raise StartupError(
                f"Discord refused shard {exc.shard_id} (4010 invalid shard): check DISCORD_SHARD_COUNT and "
                "DISCORD_SHARD_IDS."
            ) from None
        if exc.code == 4011:
            raise StartupError(
                f"Discord requires more shards for this bot (4011 sharding required): raise DISCORD_SHARD_COUNT "
                f"(now {bot.shard_count}), or unset it and DISCORD_SHARD_IDS to use Discord's recommended count."
            ) from None
        raise


async def serve(
    core: Core,
    *,
    token: str | None,
    guild_id: int | None = None,
    api_base_url: str | None = None,
    gateway_url: str | None = None,
    backoff: Backoff | None = None,
    shards: DiscordShards | None = None,
) -> None:
    """Run the Discord adapter for `core` until cancelled (or until Discord closes the session for good).

    While Discord cannot be reached (at start-up, or when a session ends with a network error) it tries again
    with a fresh client after a growing delay, one log line per attempt; StartupError only for what a person
    must fix. Gateway reconnects inside a session are the client's (`QuizBot`, same back-off). `shards`: run only
    those shards of the bot (the guilds of the others are served by other processes).
    """
    token = require_token(token)
    configure_endpoints(api_base_url=api_base_url, gateway_url=gateway_url)
    if shards is not None:
        log.info("Discord shards %s of %d", ",".join(map(str, shards.ids)) if shards.ids else "all", shards.count)
    backoff = backoff or Backoff()
    failures = 0
    while True:
        bot = build_bot(
            core, guild_id=guild_id, shards=shards, gateway_override=gateway_url is not None, backoff=backoff
        )
        try:
            await start(bot, token)
            await _connect(bot)
            return
        except Exception as exc:
            if not is_transient(exc):
                raise
            if bot.reached_gateway:
                failures = 0  # a session that ran and ended, not a start that keeps failing: delays start over
            failures += 1
            delay = backoff.delay(failures)
            log.warning(
                "discord: cannot reach Discord at %s (%s), retrying in %.1f s (attempt %d)",
                Route.BASE,
                describe(exc),
                delay,
                failures + 1,
            )
        finally:
            await bot.close()
        await asyncio.sleep(delay)
