"""Delivering replies to an interaction: response_url payloads (ephemeral or in channel) and ephemeral posts.

Private replies only ever go out as `response_type="ephemeral"` or chat.postEphemeral to the actor: nothing
private is posted in a channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.lograte import LogOnce
from adapters.slack.render import render_reply
from bot.bank.render.slack import FALLBACK_LIMIT, MAX_BLOCKS
from bot.commands.replies import Reply

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5
"""A response_url takes at most five messages (within 30 minutes)."""
RESPONSE_TIMEOUT = 10
"""Seconds for one post to a response_url."""

Respond = Callable[..., Awaitable[Any]]
"""Posts one message payload (keyword arguments) to an interaction's response_url."""
_quiet = LogOnce(log)


def shared_respond(respond: AsyncRespond, session: aiohttp.ClientSession | None) -> Respond:
    """Bolt's `respond`, but through the adapter's one HTTP session (Bolt opens a new one, and a new connection,
    per call) and with a timeout."""
    if session is None or respond.response_url is None:
        return respond

    async def send(**message: Any) -> Any:
        webhook = AsyncWebhookClient(url=str(respond.response_url), session=session, timeout=RESPONSE_TIMEOUT)
        response = await webhook.send_dict(message)
        if response.status_code >= 400:
            raise RuntimeError(f"response_url answered HTTP {response.status_code}")
        return response

    return send


def response_type(reply: Reply) -> str:
    return "ephemeral" if reply.private else "in_channel"


def payloads(replies: Iterable[Reply]) -> list[dict[str, Any]]:
    """Response payloads in order; consecutive replies with the same visibility share a message when they fit.

    Fewer messages means a slash command's answer usually fits in its ack, and several never arrive out of order.
    """
    out: list[dict[str, Any]] = []
    for reply in replies:
        kind = response_type(reply)
        for message in render_reply(reply):
            last = out[-1] if out else None
            if last and last["response_type"] == kind and len(last["blocks"]) + len(message.blocks) <= MAX_BLOCKS:
                last["blocks"] = [*last["blocks"], *message.blocks]
                text = f"{last['text']}\n{message.text}"
                last["text"] = text if len(text) <= FALLBACK_LIMIT else last["text"]
            else:
                out.append({**message.kwargs(), "response_type": kind})
    return out


async def respond_all(respond: Respond, items: list[dict[str, Any]]) -> None:
    """Send payloads through the response_url, within its five uses; failures are logged."""
    if len(items) > RESPONSE_URL_USES:
        log.warning("dropping %d messages beyond the response_url's %d uses", len(items) - RESPONSE_URL_USES,
                    RESPONSE_URL_USES)
    for item in items[:RESPONSE_URL_USES]:
        try:
            await respond(**item)
        except Exception as exc:
            _quiet.log(logging.WARNING, ("response_url", type(exc)), "response_url post failed: %r", exc)


async def answer_interaction(respond: Respond, replies: list[Reply], *, source_private: bool) -> None:
    """Replies to a button click. `replace` updates the clicked message when it has the same visibility.

    A private reply never replaces a public message (a question of the day): it arrives as a new ephemeral one.
    """
    items: list[dict[str, Any]] = []
    replaced = False
    for reply in replies:
        for k, message in enumerate(render_reply(reply)):
            if k == 0 and reply.replace and not replaced and reply.private == source_private:
                items.append({**message.kwargs(), "replace_original": True})
                replaced = True
            else:
                items.append({**message.kwargs(), "response_type": response_type(reply), "replace_original": False})
    await respond_all(respond, items)


async def post_ephemeral_all(client: AsyncWebClient, *, channel: str, user: str, replies: list[Reply]) -> None:
    """Replies only `user` sees in `channel` (chat.postEphemeral); failures are logged."""
    for reply in replies:
        for message in render_reply(reply):
            try:
                await client.chat_postEphemeral(channel=channel, user=user, **message.kwargs())
            except Exception as exc:
                _quiet.log(logging.WARNING, ("postEphemeral", type(exc)), "chat.postEphemeral to %s in %s failed: %r",
                           user, channel, exc)
