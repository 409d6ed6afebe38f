"""Button clicks (action ids `mlq:<action>:<post id>`) → core ButtonPresses → replies via the response_url.

A click never waits on a slow users.info: who clicked and in which team comes from the signed payload, and the
profile (admin verdict, timezone) is used only if it arrives within `PROFILE_WAIT` (the lookup goes on to fill
the cache), so the grade is committed before Slack is answered.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM
from adapters.slack.deadline import BUSY
from adapters.slack.delivery import answer_interaction
from adapters.slack.deps import Deps, guarded
from adapters.slack.identity import click_event_id, in_direct_message, request_team, slack_time
from adapters.slack.suggest import form_view, open_form
from bot.commands.replies import APOLOGY, CUSTOM_ID_PREFIX, Reply, error, parse_custom_id
from bot.domain.events import Actor, ButtonPress, Place
from bot.suggestions.service import SuggestionForm

log = logging.getLogger(__name__)
FORM_FAILED = "I couldn't open the form. Try again, or use `/qotd suggestions approve|reject ID [reason]`."

ACTION_PATTERN = re.compile(rf"^{CUSTOM_ID_PREFIX}:")
PROFILE_WAIT = 0.2
"""Seconds a click waits for the clicker's users.info profile before going on without it."""


def interaction_place(body: dict[str, Any], context: AsyncBoltContext | None = None) -> Place:
    """Where the click happened: the signed request's team and the channel of a block_actions payload."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    return Place(PLATFORM, request_team(body, context), str(channel))


def register(app: AsyncApp, deps: Deps) -> None:
    """One listener for every button we make."""

    async def guarded_form(actor: Actor, suggestion_id: int) -> SuggestionForm | Reply:
        try:
            return await deps.core.suggestion_form(actor, suggestion_id)
        except Exception:
            log.exception("suggestion form %s failed", suggestion_id)
            return error(APOLOGY)

    async def press(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                    client: AsyncWebClient, context: AsyncBoltContext) -> None:
        parsed = parse_custom_id(str(action.get("action_id", "")))
        if parsed is None:
            return
        place = interaction_place(body, context)
        user = body.get("user") or {}
        actor = await deps.users.actor(client, team_id=place.team_id, user_id=str(user.get("id", "")),
                                       name_hint=str(user.get("username") or user.get("name") or ""),
                                       wait=PROFILE_WAIT)
        if parsed[0] in ("edit", "reject"):  # under a queued suggestion: a modal, or the core's refusal
            form = await guarded_form(actor, parsed[1])
            if not isinstance(form, Reply):
                if await open_form(client, str(body.get("trigger_id", "")),
                                   form_view(form, action=parsed[0], channel=place.channel_id)):
                    return
                form = error(FORM_FAILED)
            await answer_interaction(deps.respond(respond), [form], source_private=True)
            return
        event = ButtonPress(actor=actor, place=place, action=parsed[0], post_id=parsed[1],
                            event_id=click_event_id(body, action), in_dm=in_direct_message(body),
                            occurred_at=slack_time(action.get("action_ts")))
        replies = await guarded(deps.core.handle_button(event), f"button {parsed[0]}")
        source_private = bool((body.get("container") or {}).get("is_ephemeral"))
        await answer_interaction(deps.respond(respond), replies, source_private=source_private)

    @app.action(ACTION_PATTERN)
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                        client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()

        async def busy() -> None:
            await answer_interaction(deps.respond(respond), [error(BUSY)], source_private=True)

        await deps.deadline.run(press(body, action, respond, client, context), on_shed=busy)
