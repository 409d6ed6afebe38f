"""Assembling the Bolt AsyncApp for a core: client, authorization (one token or OAuth), listeners, Outbound."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import actions, commands, events
from adapters.slack.common import PLATFORM
from adapters.slack.deadline import ACK_BUDGET, Deadline
from adapters.slack.deps import Deps
from adapters.slack.form_body import form_body_middleware
from adapters.slack.oauth import TeamClients, oauth_settings, open_installation_store
from adapters.slack.outbound import POST_INTERVAL, ChannelPacer, SlackOutbound
from adapters.slack.redact import install_redaction
from adapters.slack.settings import SlackSettings
from adapters.slack.users import UserDirectory
from bot.core import Core

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_app(
    core: Core,
    settings: SlackSettings,
    *,
    base_url: str = DEFAULT_API_BASE_URL,
    post_interval: float = POST_INTERVAL,
    ack_budget: float = ACK_BUDGET,
) -> AsyncApp:
    """A ready AsyncApp whose Outbound is registered with the core.

    HTTP modes process before responding (side effects finish inside Slack's 3 s, kept by the ack budget);
    Socket Mode acks over the websocket as soon as `ack()` is called.
    """
    http = settings.mode != "socket"
    install_redaction(settings.bot_token, settings.app_token, settings.signing_secret, settings.client_secret)
    client = AsyncWebClient(token=settings.bot_token if settings.mode != "oauth" else None, base_url=base_url)
    oauth = None
    store = None
    if settings.mode == "oauth":
        store = open_installation_store(settings)
        oauth = oauth_settings(settings, store, client)
    app = AsyncApp(
        name="ml-interview-bot",
        client=client,
        signing_secret=settings.signing_secret,
        oauth_settings=oauth,
        process_before_response=http,
        request_verification_enabled=http,
    )
    install_redaction()  # again: the app's own loggers exist now
    deps = Deps(core=core, users=UserDirectory(), deadline=Deadline(ack_budget))
    commands.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps, installations=store is not None)

    async def single_team(team_id: str) -> AsyncWebClient:
        return client

    async def allow_list(team_id: str) -> list[str]:
        return await core.store.team_admin_ids(PLATFORM, team_id)

    client_for = TeamClients(store, base_url=base_url, shared=client) if store is not None else single_team
    core.register_outbound(
        SlackOutbound(client_for=client_for, users=deps.users, admin_ids=allow_list,
                      pacer=ChannelPacer(post_interval))
    )
    if http:
        # app.web_app() keeps the server it builds, so what is added here is part of what it returns later too.
        web_app = app.web_app(path=EVENTS_PATH)
        web_app.router.add_get(HEALTH_PATH, _healthz)
        web_app.middlewares.append(form_body_middleware(app, EVENTS_PATH))
    return app
