"""Button clicks (action ids `mlq:<action>:<post id>`) → core ButtonPresses → replies via the response_url."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM
from adapters.slack.delivery import answer_interaction
from adapters.slack.deps import Deps, guarded
from bot.commands.events import ButtonPress, Place
from bot.commands.replies import CUSTOM_ID_PREFIX, parse_custom_id

ACTION_PATTERN = re.compile(rf"^{CUSTOM_ID_PREFIX}:")


def interaction_place(body: dict[str, Any]) -> Place:
    """Where the click happened: the team and channel of a block_actions payload."""
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    return Place(PLATFORM, str(team), str(channel))


def register(app: AsyncApp, deps: Deps) -> None:
    """One listener for every button we make."""

    async def press(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                    client: AsyncWebClient) -> None:
        parsed = parse_custom_id(str(action.get("action_id", "")))
        if parsed is None:
            return
        place = interaction_place(body)
        user = body.get("user") or {}
        actor = await deps.users.actor(client, team_id=place.team_id, user_id=str(user.get("id", "")),
                                       name_hint=str(user.get("username") or user.get("name") or ""))
        event = ButtonPress(actor=actor, place=place, action=parsed[0], post_id=parsed[1],
                            event_id=body.get("trigger_id"))
        replies = await guarded(deps.core.handle_button(event), f"button {parsed[0]}")
        source_private = bool((body.get("container") or {}).get("is_ephemeral"))
        await answer_interaction(respond, replies, source_private=source_private)

    @app.action(ACTION_PATTERN)
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()
        await deps.deadline.run(press(body, action, respond, client))
