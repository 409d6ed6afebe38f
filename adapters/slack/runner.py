"""`python -m bot run slack`: Socket Mode or HTTP (one token or OAuth), until cancelled.

Start-up problems a person must fix (missing variables, a token Slack rejects, a port in use) surface as
`StartupError` with one line of text; tokens and the signing secret are never logged or echoed. A Slack that
cannot be reached at start-up (refused connections, DNS, timeouts, 5xx) is retried with capped exponential
back-off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack.app import DEFAULT_API_BASE_URL, EVENTS_PATH, HEALTH_PATH, close_app, create_app
from adapters.slack.common import error_code
from adapters.slack.retry import Backoff, is_transient, until_reachable
from adapters.slack.settings import SlackSettings, StartupError
from bot.core import Core

log = logging.getLogger(__name__)

__all__ = ["StartupError", "build_app", "serve"]


def build_app(core: Core, *, env: Mapping[str, str], client_base_url: str | None = None, **tuning: float) -> AsyncApp:
    """The configured AsyncApp for `env` (tests pass `client_base_url`; `tuning`: post_interval, ack_budget)."""
    settings = SlackSettings.from_env(env)
    return create_app(core, settings, base_url=_base_url(settings, client_base_url), **tuning)


def _base_url(settings: SlackSettings, override: str | None) -> str:
    url = override or settings.api_base_url or DEFAULT_API_BASE_URL
    return url if url.endswith("/") else url + "/"


async def check_token(app: AsyncApp, *, variable: str) -> None:
    """auth.test with the app's token; StartupError when Slack rejects it (transient failures are raised)."""
    try:
        await app.client.auth_test()
    except SlackApiError as exc:
        if is_transient(exc):
            raise
        raise StartupError(
            f"Slack rejected {variable} ({error_code(exc)}): check the token in your app's settings"
        ) from None


async def serve(core: Core, *, env: Mapping[str, str], backoff: Backoff | None = None) -> None:
    """Run the Slack adapter for `core` until cancelled. Does not start the scheduler (the caller owns it).

    While the Web API cannot be reached at start-up the checks are tried again after a growing delay (`backoff`),
    one log line per attempt; StartupError only for what a person must fix.
    """
    settings = SlackSettings.from_env(env)
    base_url = _base_url(settings, None)
    backoff = backoff or Backoff()
    app = create_app(core, settings, base_url=base_url)
    try:
        if settings.mode != "oauth":
            await until_reachable(lambda: check_token(app, variable="SLACK_BOT_TOKEN"),
                                  what=f"the Slack API at {base_url}", backoff=backoff)
        if settings.mode == "socket":
            await _serve_socket_mode(app, settings, base_url, backoff)
        else:
            await _serve_http(app, settings)
    finally:
        await close_app(app)


async def _open_connection(app: AsyncApp, app_token: str) -> None:
    try:
        await app.client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        if is_transient(exc):
            raise
        raise StartupError(
            f"Slack rejected SLACK_APP_TOKEN ({error_code(exc)}): it needs the connections:write scope"
        ) from None


async def _serve_socket_mode(app: AsyncApp, settings: SlackSettings, base_url: str, backoff: Backoff) -> None:
    assert settings.app_token is not None
    app_token = settings.app_token
    # The Socket Mode client retries a failed connect forever (every 5 s, with a traceback); ask for a URL first
    # so a bad token fails fast and an unreachable Slack is waited for here, with back-off.
    await until_reachable(lambda: _open_connection(app, app_token), what=f"Socket Mode via {base_url}",
                          backoff=backoff)
    handler = AsyncSocketModeHandler(app, app_token)
    try:
        await handler.connect_async()
        log.info("Slack adapter connected in Socket Mode")
        await asyncio.Event().wait()
    finally:
        await handler.close_async()


async def _serve_http(app: AsyncApp, settings: SlackSettings) -> None:
    runner = web.AppRunner(app.web_app(path=EVENTS_PATH), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            raise StartupError(f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
        extra = ", install at /slack/install" if settings.mode == "oauth" else ""
        log.info("Slack adapter listening on %s:%s (events at %s, health at %s%s)", settings.host, settings.port,
                 EVENTS_PATH, HEALTH_PATH, extra)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
