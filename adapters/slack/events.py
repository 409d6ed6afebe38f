"""Events API: 👀 reactions on a question of the day, App Home opens, uninstalls and revoked tokens.

Slack redelivers an event it thinks failed (`X-Slack-Retry-Num`) with the same `event_id`; it goes to the core
as the Reaction's event id, and the core's duplicate filter makes a redelivered 👀 send its answer once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM, REVEAL_REACTION
from adapters.slack.delivery import post_ephemeral_all
from adapters.slack.deps import Deps, guarded
from adapters.slack.home import home_view
from adapters.slack.identity import callback_event_id, request_team
from bot.domain.events import Place, Reaction

log = logging.getLogger(__name__)


def event_team(body: dict[str, Any], context: AsyncBoltContext | None = None) -> str:
    """The team of an event callback: the signed envelope's `team_id` (or Bolt's authorize context)."""
    return request_team(body, context)


def register(app: AsyncApp, deps: Deps, *, installations: bool) -> None:
    """Listen for the subscribed events. With `installations` (OAuth), uninstalls delete the stored tokens."""

    async def reveal(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                     context: AsyncBoltContext) -> None:
        item = event.get("item") or {}
        team_id = event_team(body, context)
        actor = await deps.users.actor(client, team_id=team_id, user_id=str(event.get("user", "")))
        place = Place(PLATFORM, team_id, str(item.get("channel", "")))
        reaction = Reaction(actor=actor, place=place, message_id=str(item.get("ts", "")), emoji=REVEAL_REACTION,
                            event_id=callback_event_id(body))
        replies = await guarded(deps.core.handle_reaction(reaction), "reaction")
        await post_ephemeral_all(client, channel=place.channel_id, user=actor.user_id, replies=replies)

    @app.event("reaction_added")
    async def on_reaction(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                          context: AsyncBoltContext) -> None:
        # Skin-tone variants arrive as 'name::skin-tone-2'; 'eyes' has none, but compare the base name anyway.
        if str(event.get("reaction", "")).split("::")[0] != REVEAL_REACTION:
            return
        if (event.get("item") or {}).get("type") != "message":
            return
        await deps.deadline.run(reveal(body, event, client, context))

    async def publish_home(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                           context: AsyncBoltContext) -> None:
        actor = await deps.users.actor(client, team_id=event_team(body, context), user_id=str(event.get("user", "")))
        try:
            summary = await deps.core.home_summary(actor)
        except Exception:
            log.exception("home summary failed for %s", actor.user_id)
            return
        await client.views_publish(user_id=actor.user_id, view=home_view(summary))

    @app.event("app_home_opened")
    async def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        await deps.deadline.run(publish_home(body, event, client, context))

    if installations:
        revoked = app.default_tokens_revoked_event_listener()
        uninstalled = app.default_app_uninstalled_event_listener()

        @app.event("tokens_revoked")
        async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
            await revoked(event=event, context=context)
            deps.users.forget(str(context.team_id))
            log.info("tokens revoked in team %s; stored tokens deleted", context.team_id)

        @app.event("app_uninstalled")
        async def on_uninstalled(context: AsyncBoltContext) -> None:
            await uninstalled(context=context)
            deps.users.forget(str(context.team_id))
            log.info("app uninstalled from team %s; installation deleted", context.team_id)

    else:

        @app.event("tokens_revoked")
        @app.event("app_uninstalled")
        async def on_lost_access(body: dict[str, Any], event: dict[str, Any]) -> None:
            log.warning("Slack reports %s for team %s: this single-workspace token no longer works",
                        event.get("type"), body.get("team_id"))
