"""Assembling the Bolt AsyncApp for a core: client, authorization (one token or OAuth), listeners, Outbound."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import actions, answers, commands, events, suggest
from adapters.slack.common import PLATFORM
from adapters.slack.deadline import ACK_BUDGET, MAX_IN_FLIGHT, Deadline
from adapters.slack.deps import Deps
from adapters.slack.form_body import form_body_middleware
from adapters.slack.oauth import TeamClients, oauth_settings, oauth_stores
from adapters.slack.outbound import POST_INTERVAL, ChannelPacer, SlackOutbound
from adapters.slack.redact import install_redaction
from adapters.slack.settings import SlackSettings
from adapters.slack.users import UserDirectory
from adapters.slack.verify import verify_middleware
from bot.core import Core

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
CONNECTION_LIMIT = 32
"""Open connections to Slack at once (Web API and response_urls); more requests wait for a free one."""
SHUTDOWN_GRACE = 5.0
"""Seconds late listener work may finish when the server stops."""

_DEPS: weakref.WeakKeyDictionary[AsyncApp, Deps] = weakref.WeakKeyDictionary()


def deps_of(app: AsyncApp) -> Deps:
    """What the app's listeners share (tests and the runner look at the deadline and the session)."""
    return _DEPS[app]


def _healthz(core: Core) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(request: web.Request) -> web.Response:
        problem = await core.check_health()
        if problem:
            return web.json_response({"ok": False, "error": str(problem)}, status=503)
        return web.json_response({"ok": True})

    return healthz


def open_session(limit: int = CONNECTION_LIMIT) -> aiohttp.ClientSession:
    """The adapter's one HTTP session: every Web API call and response_url post shares its `limit` connections."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit))


def create_app(
    core: Core,
    settings: SlackSettings,
    *,
    base_url: str = DEFAULT_API_BASE_URL,
    post_interval: float = POST_INTERVAL,
    ack_budget: float = ACK_BUDGET,
    max_in_flight: float = MAX_IN_FLIGHT,
    connection_limit: float = CONNECTION_LIMIT,
) -> AsyncApp:
    """A ready AsyncApp whose Outbound is registered with the core.

    HTTP modes process before responding (side effects finish inside Slack's 3 s, kept by the ack budget);
    Socket Mode acks over the websocket as soon as `ack()` is called. Must be called with an event loop running
    (the shared HTTP session belongs to it); the HTTP server closes it on cleanup, `close_app` otherwise.
    """
    http = settings.mode != "socket"
    install_redaction(settings.bot_token, settings.app_token, settings.signing_secret, settings.client_secret)
    session = open_session(int(connection_limit))
    client = AsyncWebClient(token=settings.bot_token if settings.mode != "oauth" else None, base_url=base_url,
                            session=session)
    oauth = None
    store = None
    if settings.mode == "oauth":
        store, states = oauth_stores(settings, core.store)
        oauth = oauth_settings(settings, store, client, states)
    app = AsyncApp(
        name="ml-interview-bot",
        client=client,
        signing_secret=settings.signing_secret,
        oauth_settings=oauth,
        process_before_response=http,
        request_verification_enabled=http,
    )
    install_redaction()  # again: the app's own loggers exist now
    deps = Deps(core=core, users=UserDirectory(), deadline=Deadline(ack_budget, max_in_flight=int(max_in_flight)),
                session=session)
    _DEPS[app] = deps
    commands.register(app, deps)
    answers.register(app, deps)  # before the generic button listener: Bolt runs the first match
    actions.register(app, deps)
    suggest.register(app, deps)
    events.register(app, deps, installations=store is not None)

    async def single_team(team_id: str) -> AsyncWebClient:
        return client

    async def allow_list(team_id: str) -> list[str]:
        return await core.team_admin_ids(PLATFORM, team_id)

    client_for = TeamClients(store, base_url=base_url, shared=client) if store is not None else single_team
    core.register_outbound(
        SlackOutbound(client_for=client_for, users=deps.users, admin_ids=allow_list,
                      pacer=ChannelPacer(post_interval))
    )
    if http:
        # app.web_app() keeps the server it builds, so what is added here is part of what it returns later too.
        web_app = app.web_app(path=EVENTS_PATH)
        web_app.router.add_get(HEALTH_PATH, _healthz(core))
        web_app.middlewares.append(verify_middleware(settings.signing_secret, EVENTS_PATH))  # type: ignore[arg-type]
        web_app.middlewares.append(form_body_middleware(app, EVENTS_PATH))  # type: ignore[arg-type]

        async def cleanup(_: web.Application) -> None:
            await close_app(app)

        web_app.on_cleanup.append(cleanup)
    return app


async def close_app(app: AsyncApp, grace: float = SHUTDOWN_GRACE) -> None:
    """Let late work finish (up to `grace` seconds), then close the shared HTTP session."""
    deps = _DEPS.get(app)
    if deps is None:
        return
    await deps.deadline.drain(timeout=grace)
    if deps.session is not None and not deps.session.closed:
        await deps.session.close()
