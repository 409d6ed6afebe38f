"""Slash commands → core Commands; the reply rides on the ack when it is one message, else the response_url.

`/quiz help` is the core's `help`. Argument words are passed as they are (in any order); the core validates
them and answers privately with what is allowed. Slack's escaping of mentions (`<@U1|ann>`,
`<!subteam^S1|@ml>`, `<#C1|general>`) is left for the core's parser, which understands it.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM
from adapters.slack.delivery import payloads, respond_all
from adapters.slack.deps import Deps, guarded
from bot.commands.events import Actor, Command, Place
from bot.commands.replies import Reply

log = logging.getLogger(__name__)

COMMAND_NAMES = ("quiz", "answer", "streak", "leaderboard", "topics", "qotd")
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(COMMAND_NAMES) + r")$")
NOT_A_MEMBER = (
    "Heads-up: I'm not a member of this private channel, so I can't post the question of the day here. "
    "Add me with `/invite @ML Interview Practice`."
)


def command_words(text: str) -> tuple[str, ...]:
    """The argument words; Slack sends `&`, `<` and `>` typed by the user as HTML entities."""
    return tuple(html.unescape(text or "").split())


def to_command(body: dict[str, Any], actor: Actor) -> Command:
    """The neutral Command for a slash command request body."""
    name = str(body.get("command", "")).lstrip("/").lower()
    words = command_words(body.get("text", ""))
    if name == "quiz" and words and words[0].lower() == "help":
        name, words = "help", words[1:]
    place = Place(PLATFORM, str(body.get("team_id", "")), str(body.get("channel_id", "")))
    return Command(actor=actor, place=place, name=name, args=words, event_id=body.get("trigger_id"))


async def membership_warning(client: AsyncWebClient, command: Command) -> Reply | None:
    """A note when /qotd is set up in a private channel the bot is not in (it could never post there)."""
    if command.name != "qotd" or not command.args or command.args[0].lower() != "setup":
        return None
    if any(w.lower().startswith("channel=") for w in command.args) or command.place.channel_id.startswith("D"):
        return None
    try:
        info = (await client.conversations_info(channel=command.place.channel_id)).get("channel") or {}
    except Exception as exc:  # channel_not_found: a private channel we cannot see
        log.info("conversations.info for %s failed: %r", command.place.channel_id, exc)
        return Reply(text=NOT_A_MEMBER)
    if info.get("is_private") and not info.get("is_member"):
        return Reply(text=NOT_A_MEMBER)
    return None


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the six slash commands."""

    async def replies_for(body: dict[str, Any], client: AsyncWebClient) -> list[Reply]:
        actor = await deps.users.actor(
            client, team_id=str(body.get("team_id", "")), user_id=str(body.get("user_id", "")),
            name_hint=str(body.get("user_name", "")),
        )
        command = to_command(body, actor)
        replies = await guarded(deps.core.handle_command(command), f"/{command.name}")
        if replies and not replies[0].is_error:
            warning = await membership_warning(client, command)
            if warning is not None:
                replies.append(warning)
        return replies

    async def deliver_late(task: asyncio.Task[list[Reply]], respond: AsyncRespond) -> None:
        await respond_all(respond, payloads(await task))

    @app.command(COMMAND_PATTERN)
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        task = asyncio.ensure_future(replies_for(body, client))
        if not await deps.deadline.wait(task):
            await ack()
            deps.deadline.detach(deliver_late(task, respond))
            return
        items = payloads(task.result())
        if len(items) == 1:
            await ack(**items[0])
            return
        # Several messages: all through the response_url, so they arrive in order (an ack with a body would only
        # reach Slack after them, when the request is processed before responding).
        await ack()
        await respond_all(respond, items)
