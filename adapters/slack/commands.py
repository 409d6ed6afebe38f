"""Slash commands → core Commands; the reply rides on the ack when it is one message, else the response_url.

`/help` (and `/quiz help`, which the core parses) is the core's `help`. Argument words are passed as they are (in any order); the core validates
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
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM, error_code
from adapters.slack.deadline import BUSY
from adapters.slack.delivery import payloads, respond_all
from adapters.slack.deps import Deps, guarded
from adapters.slack.files import send_files
from adapters.slack.identity import command_event_id, request_team
from adapters.slack.images import SentPictures, upload_images, with_image_note
from adapters.slack.suggest import open_form, suggestion_view
from bot.commands.replies import Reply, error
from bot.domain.events import Actor, Command, Place

log = logging.getLogger(__name__)

COMMAND_NAMES = ("quiz", "answer", "streak", "leaderboard", "topics", "qotd", "help", "suggest", "privacy",
                 "progress")
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(COMMAND_NAMES) + r")$")
NOT_A_MEMBER = (
    "I'm not a member of this private channel, so I can't post the question of the day here. "
    "Add me with `/invite @ML Interview Practice`, then run `/qotd setup` again."
)
CANNOT_JOIN = (
    "I could not join this channel ({code}), so I can't post the question of the day here. "
    "Add me with `/invite @ML Interview Practice`, then run `/qotd setup` again."
)
FORM_FAILED = ("I couldn't open the suggestion form. Try again, or type it: "
               "`/suggest TOPIC DIFFICULTY PROMPT | ANSWER`.")
CHANNEL_ARG = re.compile(r"^channel=<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)


def command_words(text: str) -> tuple[str, ...]:
    """The argument words; Slack sends `&`, `<` and `>` typed by the user as HTML entities."""
    return tuple(html.unescape(text or "").split())


def to_command(body: dict[str, Any], actor: Actor) -> Command:
    """The neutral Command for a slash command request body."""
    name = str(body.get("command", "")).lstrip("/").lower()
    words = command_words(body.get("text", ""))
    place = Place(PLATFORM, request_team(body), str(body.get("channel_id", "")))
    return Command(actor=actor, place=place, name=name, args=words, event_id=command_event_id(body))


def setup_channel(command: Command) -> str | None:
    """The channel a `/qotd setup` is for (its `channel=#x` word, else where it was typed); None otherwise."""
    if command.name != "qotd" or not command.args or command.args[0].lower() != "setup":
        return None
    for word in command.args:
        if word.lower().startswith("channel="):
            match = CHANNEL_ARG.match(word)
            return match.group(1) if match else None  # the core explains a malformed channel
    channel = command.place.channel_id
    return None if channel.startswith("D") else channel


async def join_for_setup(client: AsyncWebClient, channel: str) -> Reply | None:
    """Make sure the bot is in `channel` before a question of the day is set up there.

    Public channels are joined (conversations.join, scope channels:join): only members get the 👀 reactions and
    can read the history that finds a post again after a crash. A private channel needs an invitation: the
    reply says so, and setup does not go ahead.
    """
    try:
        info = (await client.conversations_info(channel=channel)).get("channel") or {}
    except SlackApiError as exc:  # channel_not_found: a private channel we cannot see
        log.info("conversations.info for %s failed: %s", channel, error_code(exc))
        return error(NOT_A_MEMBER)
    except Exception as exc:  # network trouble: setup can be tried again
        log.warning("conversations.info for %s failed: %r", channel, exc)
        return error(CANNOT_JOIN.format(code=type(exc).__name__))
    if info.get("is_member"):
        return None
    if info.get("is_private"):
        return error(NOT_A_MEMBER)
    try:
        await client.conversations_join(channel=channel)
    except Exception as exc:
        code = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
        log.info("conversations.join %s failed: %s", channel, code)
        return error(CANNOT_JOIN.format(code=code))
    log.info("joined channel %s for its question of the day", channel)
    return None


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the slash commands (`/suggest` without text opens its modal)."""

    async def replies_for(body: dict[str, Any], client: AsyncWebClient) -> list[Reply]:
        actor = await deps.users.actor(
            client, team_id=str(body.get("team_id", "")), user_id=str(body.get("user_id", "")),
            name_hint=str(body.get("user_name", "")),
        )
        command = to_command(body, actor)
        channel = setup_channel(command)
        if channel is not None:
            refusal = await join_for_setup(client, channel)
            if refusal is not None:
                return [refusal]
        replies = await guarded(deps.core.handle_command(command), f"/{command.name}")
        return await send_files(client, actor.user_id, replies)

    sent = SentPictures()

    async def pictures(client: AsyncWebClient, body: dict[str, Any], replies: list[Reply]) -> None:
        for reply in replies:
            await upload_images(client, reply, channel=str(body.get("channel_id", "")),
                                user=str(body.get("user_id", "")), sent=sent)

    async def deliver_late(task: asyncio.Task[list[Reply]], respond: AsyncRespond, client: AsyncWebClient,
                           body: dict[str, Any]) -> None:
        replies = await task
        await respond_all(deps.respond(respond), payloads(with_image_note(r) for r in replies))
        await pictures(client, body, replies)

    @app.command(COMMAND_PATTERN)
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        if str(body.get("command", "")).lower() == "/suggest" and not str(body.get("text") or "").strip():
            view = suggestion_view(channel=str(body.get("channel_id", "")))
            if await open_form(client, str(body.get("trigger_id", "")), view):
                await ack()
            else:
                await ack(**payloads([error(FORM_FAILED)])[0])
            return
        task = deps.deadline.start(replies_for(body, client))
        if task is None:
            await ack(**payloads([error(BUSY)])[0])
            return
        if not await deps.deadline.wait(task):
            await ack()
            deps.deadline.detach(deliver_late(task, respond, client, body))
            return
        replies = task.result()
        items = payloads(with_image_note(r) for r in replies)
        if len(items) == 1:
            await ack(**items[0])
        else:
            # Several messages: all through the response_url, so they arrive in order (an ack with a body would
            # only reach Slack after them, when the request is processed before responding).
            await ack()
            await respond_all(deps.respond(respond), items)
        if any(r.images for r in replies):
            # In the background: with process_before_response the HTTP answer waits for this listener, and three
            # upload round trips must not eat into Slack's 3 s.
            deps.deadline.detach(pictures(client, body, replies))
