"""The Outbound port on Slack: question-of-the-day posts, thread replies, DMs and admin notices.

Errors map to the core's two kinds: a channel or permission Slack will not let us use (channel_not_found,
not_in_channel, is_archived, missing_scope, a revoked token, ...) → PlaceUnavailableError; rate limits, Slack
5xx and network failures → TransientPostError. chat.postMessage is paced to about one message per second per
channel, Slack's documented rate. A scheduled post carries its dedupe key as message metadata so that
`find_posted` can recognise it after a crash between Slack's answer and the core's bookkeeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM, REVEAL_REACTION, error_code, http_status
from adapters.slack.images import upload_images
from adapters.slack.lograte import LogOnce
from adapters.slack.render import SlackMessage, mention_markup, render_reply
from adapters.slack.users import UserDirectory
from bot.commands.replies import Reply
from bot.domain.events import Place, PostedMessage
from bot.qotd.ports import PlaceUnavailableError, TransientPostError

log = logging.getLogger(__name__)
_quiet = LogOnce(log)

POST_INTERVAL = 1.0
METADATA_EVENT = "mlq_post"
HISTORY_LIMIT = 100

TRANSIENT_ERRORS = frozenset({
    "ratelimited", "rate_limited", "fatal_error", "internal_error", "service_unavailable", "request_timeout",
    "team_added_to_org",
})
"""Slack error codes worth another try on a later tick; every other refusal makes the place unavailable."""
GONE_ERRORS = frozenset({
    "channel_not_found", "is_archived", "account_inactive", "invalid_auth", "token_revoked", "not_authed",
    "team_access_not_granted",
})
"""Refusals meaning the channel (or the whole install) cannot be used any more."""

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
"""The Web API client holding the bot token of a team (raises PlaceUnavailableError if not installed)."""
AdminIds = Callable[[str], Awaitable[Sequence[str]]]
"""The user ids on a team's /qotd allow-list."""


@contextlib.asynccontextmanager
async def mapped_errors(what: str) -> AsyncIterator[None]:
    """Translate slack_sdk and network errors into the core's outbound errors."""
    try:
        yield
    except SlackApiError as exc:
        status, code = http_status(exc), error_code(exc)
        if status == 429 or status >= 500 or code in TRANSIENT_ERRORS:
            raise TransientPostError(f"{what}: {code}") from exc
        raise PlaceUnavailableError(f"{what}: {code}") from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TransientPostError(f"{what}: {exc.__class__.__name__}") from exc


class ChannelPacer:
    """Spaces posts to one channel `interval` seconds apart (slots are reserved, so callers never race)."""

    def __init__(self, interval: float = POST_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next: dict[tuple[str, str], float] = {}

    async def wait(self, team_id: str, channel_id: str) -> None:
        if self.interval <= 0:
            return
        now = self._clock()
        if len(self._next) > 10_000:
            self._next = {k: t for k, t in self._next.items() if t > now}
        key = (team_id, channel_id)
        slot = max(now, self._next.get(key, now))
        self._next[key] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SlackOutbound:
    """Implements bot.qotd.ports.Outbound with the Slack Web API."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        client_for: ClientFor,
        users: UserDirectory,
        admin_ids: AdminIds | None = None,
        pacer: ChannelPacer | None = None,
    ) -> None:
        self._client_for = client_for
        self._users = users
        self._admin_ids = admin_ids
        self._pacer = pacer or ChannelPacer()

    async def _client(self, team_id: str) -> AsyncWebClient:
        async with mapped_errors(f"team {team_id}"):
            return await self._client_for(team_id)

    async def _post_all(
        self, client: AsyncWebClient, team_id: str, channel: str, messages: list[SlackMessage], **extra: Any
    ) -> list[str]:
        """Post messages in order (paced); returns their timestamps."""
        stamps = []
        for message in messages:
            await self._pacer.wait(team_id, channel)
            async with mapped_errors(f"chat.postMessage to {channel}"):
                response = await client.chat_postMessage(channel=channel, **message.kwargs(), **extra)
            stamps.append(str(response["ts"]))
            extra.pop("metadata", None)  # only the first message carries the dedupe key
        return stamps

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        """Post publicly in the channel; in Slack a thread is the replies under the post (thread_ts = its ts)."""
        client = await self._client(place.team_id)
        messages = render_reply(reply, prefix=mention_markup(mention))
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if reply.dedupe_key:
            extra["metadata"] = {
                "event_type": METADATA_EVENT,
                "event_payload": {"dedupe_key": reply.dedupe_key, "thread": make_thread},
            }
        stamps = await self._post_all(client, place.team_id, place.channel_id, messages, **extra)
        first = stamps[0]
        if reply.card is not None and not reply.card.reveal:
            await self._invite_reveal_reaction(client, place.channel_id, first)
        await upload_images(client, replace(reply, private=False), channel=place.channel_id)
        return PostedMessage(message_id=first, thread_id=first if make_thread else None,
                             extra={"channel": place.channel_id})

    @staticmethod
    async def _invite_reveal_reaction(client: AsyncWebClient, channel: str, ts: str) -> None:
        """Add 👀 to a question so people can click it for the answer (a nicety: failures are only logged)."""
        try:
            await client.reactions_add(channel=channel, name=REVEAL_REACTION, timestamp=ts)
        except Exception as exc:
            _quiet.log(logging.INFO, ("reactions.add", type(exc)), "could not add the 👀 reaction in %s: %r", channel,
                       exc)

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        """Reply in the post's thread, or in the channel under it when the post has no thread."""
        client = await self._client(place.team_id)
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if message.thread_id:
            extra["thread_ts"] = message.thread_id
        await self._post_all(client, place.team_id, place.channel_id, render_reply(reply), **extra)

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        """A DM (the app's Messages tab); False when Slack will not deliver it."""
        try:
            client = await self._client(team_id)
            await self._post_all(client, team_id, user_id, render_reply(reply))
            await upload_images(client, reply, channel=user_id, user=user_id)
        except (PlaceUnavailableError, TransientPostError) as exc:
            log.info("could not DM %s in %s: %s", user_id, team_id, exc)
            return False
        return True

    async def notify_admins(self, place: Place, text: str) -> None:
        """DM the team's /qotd allow-list; without one (or if none is reachable), a few workspace admins."""
        reply = Reply(text=text, title="Question of the day")
        listed = list(await self._admin_ids(place.team_id)) if self._admin_ids else []
        delivered = [await self.send_private(place.team_id, user_id, reply) for user_id in listed]
        if any(delivered):
            return
        client = await self._client(place.team_id)
        for user_id in await self._users.workspace_admins(client, place.team_id):
            if user_id not in listed:
                await self.send_private(place.team_id, user_id, reply)

    async def find_posted(self, place: Place, dedupe_key: str) -> PostedMessage | None:
        """The post carrying `dedupe_key` in its metadata among the channel's recent messages, if any.

        History that cannot be read never means "not posted" (that could post twice): a bot outside a public
        channel (`not_in_channel`) joins it and reads again; if the history still cannot be read, this raises
        TransientPostError and the core keeps the post pending. A channel that is gone is PlaceUnavailableError.
        """
        client = await self._client(place.team_id)
        try:
            response = await self._history(client, place.channel_id)
        except SlackApiError as exc:
            code = error_code(exc)
            if code in GONE_ERRORS:
                raise PlaceUnavailableError(f"conversations.history of {place.channel_id}: {code}") from exc
            if code != "not_in_channel":
                raise TransientPostError(f"cannot read the history of {place.channel_id}: {code}") from exc
            try:
                await client.conversations_join(channel=place.channel_id)
                response = await self._history(client, place.channel_id)
            except SlackApiError as again:
                raise TransientPostError(
                    f"cannot read the history of {place.channel_id}: {error_code(again)}") from again
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientPostError(f"conversations.history of {place.channel_id}: {exc!r}") from exc
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("dedupe_key") == dedupe_key:
                ts = str(message["ts"])
                return PostedMessage(message_id=ts, thread_id=ts if payload.get("thread") else None,
                                     extra={"channel": place.channel_id})
        return None

    @staticmethod
    async def _history(client: AsyncWebClient, channel: str) -> Any:
        return await client.conversations_history(channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True)

    async def champion_problem(self, place: Place, champion: str) -> str | None:
        """A champion must be a user group (`@group`, sent as `<!subteam^S…>`); Slack checks the rest at the move."""
        if not champion.startswith("S"):
            return ("the champion is a user group: pick one with `champion=@group` (Slack lists them under "
                    "People → User groups).")
        return None

    async def move_champion(self, place: Place, champion: str, previous: str | None, winner: str) -> None:
        """Make the winner the user group's only member (usergroups.users.update, scope usergroups:write)."""
        client = await self._client(place.team_id)
        async with mapped_errors(f"usergroups.users.update of {champion}"):
            await client.usergroups_users_update(usergroup=champion, users=winner)
