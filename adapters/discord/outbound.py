"""The Outbound port on Discord: question-of-the-day posts, thread follow-ups, DMs and admin notices.

Errors map to the core's two kinds: 403/404 (missing access, unknown channel) → PlaceUnavailableError;
429 that discord.py gave up waiting on, 5xx and network failures → TransientPostError. discord.py already
waits out a 429's Retry-After and re-sends, so a rate-limited post still goes out exactly once; this module
never retries on its own.

Every REST request made here is paced to Discord's global limit (50 requests/s for the whole bot): discord.py only
learns that limit by hitting it, and a fan-out of thousands of posts would otherwise meet a storm of global 429s
whose short Retry-After exhausts discord.py's five tries, leaving most posts for a later tick.

Admin notices go to the guild owner by DM (private, and the owner can always fix permissions); when the owner's
DMs are closed they fall back to the guild's system channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import aiohttp
import discord

from adapters.discord.permissions import champion_role_problems
from adapters.discord.render import Outgoing, render_reply
from adapters.discord.translate import PLATFORM
from bot.commands.replies import Reply
from bot.domain.events import Place, PostedMessage
from bot.qotd.ports import PlaceUnavailableError, TransientPostError

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
NONCE_LIMIT = 25
HISTORY_SEARCH = 50
REVEAL_EMOJI = "👀"
GLOBAL_RATE = 48.0
"""Just under Discord's global REST limit of 50 requests/s (interaction responses are exempt): event-loop jitter
can bunch evenly spaced requests, and a margin keeps a strict one-second window from ever answering 429."""
_ROLE_ID = re.compile(r"^<?@?&?(\d{15,25})>?$")


@contextlib.asynccontextmanager
async def _mapped_errors(what: str) -> AsyncIterator[None]:
    """Translate discord.py and network errors into the core's outbound errors."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as exc:
        raise PlaceUnavailableError(f"{what}: {exc.status} {exc.text or exc}") from exc
    except discord.RateLimited as exc:
        raise TransientPostError(f"{what}: rate limited for {exc.retry_after:.0f}s") from exc
    except discord.DiscordServerError as exc:
        raise TransientPostError(f"{what}: Discord error {exc.status}") from exc
    except discord.HTTPException as exc:
        if exc.status == 429 or exc.status >= 500:
            raise TransientPostError(f"{what}: {exc.status}") from exc
        raise
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TransientPostError(f"{what}: {exc!r}") from exc


def role_id_of(mention: str | None) -> int | None:
    """The role id in a stored mention ('123', '<@&123>'), or None."""
    if not mention:
        return None
    match = _ROLE_ID.match(mention.strip())
    return int(match.group(1)) if match else None


def thread_name(reply: Reply) -> str:
    text = reply.card.question.prompt if reply.card is not None else reply.title or reply.text or "Discussion"
    name = " ".join(text.split())
    return name if len(name) <= THREAD_NAME_LIMIT else name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"


class GlobalPacer:
    """Spaces requests `1 / rate` seconds apart (slots are reserved, so concurrent callers never race)."""

    def __init__(self, rate: float = GLOBAL_RATE, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class DiscordOutbound:
    """Implements bot.qotd.ports.Outbound with a logged-in discord.py client."""

    platform = PLATFORM

    def __init__(self, client: discord.Client, *, pacer: GlobalPacer | None = None) -> None:
        self._client = client
        self._pacer = pacer or GlobalPacer()

    async def _messageable(self, channel_id: int) -> discord.abc.Messageable:
        channel = self._client.get_channel(channel_id)
        if channel is None:
            await self._pacer.wait()
            channel = await self._client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise PlaceUnavailableError(f"channel {channel_id} is not a text channel")
        return channel

    async def _send_all(
        self,
        target: discord.abc.Messageable,
        outs: list[Outgoing],
        *,
        allowed: discord.AllowedMentions | None = None,
        reference: discord.MessageReference | None = None,
        nonce: str | None = None,
    ) -> list[discord.Message]:
        sent = []
        for k, out in enumerate(outs):
            # The stubs type reference/nonce as never None, which discord.py accepts (None = none / a random nonce).
            extra: dict[str, Any] = {
                "reference": reference if k == 0 else None,
                # discord.py sends nonces with enforce_nonce: Discord returns the first message instead of
                # creating a second one when the same nonce comes again within minutes.
                "nonce": f"{nonce}.{k}"[:NONCE_LIMIT] if nonce else None,
            }
            await self._pacer.wait()
            sent.append(
                await target.send(
                    out.content,
                    embeds=out.embeds,
                    view=out.send_view(),
                    allowed_mentions=allowed
                    if k == 0 and allowed is not None
                    else discord.AllowedMentions.none(),
                    mention_author=False,
                    **extra,
                    **out.send_files(),
                )
            )
        return sent

    async def post(
        self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool
    ) -> PostedMessage:
        """Post publicly (role mention allowed for that role only), add 👀 and open a thread when asked."""
        channel_id = int(place.channel_id)
        role_id = role_id_of(mention)
        allowed = (
            discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)])
            if role_id
            else discord.AllowedMentions.none()
        )
        async with _mapped_errors(f"post to channel {channel_id}"):
            channel = await self._messageable(channel_id)
            if reply.images and not _can_attach(channel):
                log.info("no Attach Files permission in %s: posting without the picture", channel_id)
                reply = dataclasses.replace(reply, images=())
            outs = render_reply(reply, prefix=f"<@&{role_id}>" if role_id else None)
            sent = await self._send_all(channel, outs, allowed=allowed, nonce=reply.dedupe_key)
        message = sent[0]
        # Once the message exists nothing below may raise: the core would post it again on a later tick.
        thread_id: str | None = None
        if make_thread:
            try:
                await self._pacer.wait()
                thread = await message.create_thread(
                    name=thread_name(reply), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
                thread_id = str(thread.id)
            except (TimeoutError, discord.HTTPException, aiohttp.ClientError, ValueError) as exc:
                log.warning("posted %s in %s but could not open a thread: %s", message.id, channel_id, exc)
        with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError):
            await self._pacer.wait()
            await message.add_reaction(REVEAL_EMOJI)
        return PostedMessage(message_id=str(message.id), thread_id=thread_id)

    async def find_posted(self, place: Place, dedupe_key: str) -> PostedMessage | None:
        """A post made before a crash, found in the channel's recent history by its nonce or its buttons.

        Message history does not always echo nonces, so a message of ours whose buttons carry the post id (the
        number at the end of the core's dedupe key, 'qotd-42') also counts.
        """
        me = self._client.user
        match = re.search(r"(\d+)$", dedupe_key)
        post_id = match.group(1) if match else None
        channel = self._client.get_partial_messageable(int(place.channel_id), guild_id=_guild(place))
        try:
            async with _mapped_errors(f"history of channel {place.channel_id}"):
                await self._pacer.wait()
                async for message in channel.history(limit=HISTORY_SEARCH):
                    if me is None or message.author.id != me.id:
                        continue
                    ids = [c.custom_id for row in message.components for c in getattr(row, "children", [])]
                    ours = str(message.nonce or "") == f"{dedupe_key}.0" or (
                        post_id is not None and any(i and i.endswith(f":{post_id}") for i in ids)
                    )
                    if ours:
                        thread = message.thread
                        return PostedMessage(str(message.id), str(thread.id) if thread is not None else None)
        except PlaceUnavailableError:
            return None
        return None

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        """Post in the post's thread; without one (or if it is gone) reply under the post in the channel."""
        outs = render_reply(reply)
        if message.thread_id:
            thread = self._client.get_partial_messageable(int(message.thread_id), guild_id=_guild(place))
            try:
                async with _mapped_errors(f"post in thread {message.thread_id}"):
                    await self._send_all(thread, outs)
                return
            except PlaceUnavailableError as exc:
                log.info("thread %s unavailable (%s); replying in the channel", message.thread_id, exc)
        channel_id = int(place.channel_id)
        reference = discord.MessageReference(
            message_id=int(message.message_id), channel_id=channel_id, fail_if_not_exists=False
        )
        async with _mapped_errors(f"post under {message.message_id} in channel {channel_id}"):
            channel = await self._messageable(channel_id)
            await self._send_all(channel, outs, reference=reference)

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        """DM the user; False when Discord refuses (DMs closed, no shared server, unknown user)."""
        try:
            async with _mapped_errors(f"DM to {user_id}"):
                await self._pacer.wait()
                dm = await self._client.create_dm(discord.Object(int(user_id)))
                await self._send_all(dm, render_reply(reply))
        except PlaceUnavailableError as exc:
            log.info("cannot DM user %s: %s", user_id, exc)
            return False
        return True

    async def notify_admins(self, place: Place, text: str) -> None:
        """DM the guild owner; if that fails, post in the guild's system channel; else log."""
        guild = self._client.get_guild(int(place.team_id)) if place.team_id else None
        reply = Reply(text=text, title="ML interview bot", private=True)
        if (
            guild is not None
            and guild.owner_id
            and await self.send_private(place.team_id, str(guild.owner_id), reply)
        ):
            return
        system = guild.system_channel if guild is not None else None
        if system is not None:
            try:
                async with _mapped_errors(f"notice in {system.id}"):
                    await self._send_all(system, render_reply(reply))
                return
            except (PlaceUnavailableError, TransientPostError) as exc:
                log.info("cannot post the notice in the system channel: %s", exc)
        log.warning("could not tell the admins of guild %s: %s", place.team_id, text)

    async def champion_problem(self, place: Place, champion: str) -> str | None:
        """What the admin must change before the champion role can move (from the cached guild), or None."""
        guild = self._client.get_guild(int(place.team_id)) if place.team_id else None
        problems = champion_role_problems(guild, role_id_of(champion))
        return "; ".join(problems) + "." if problems else None

    async def move_champion(self, place: Place, champion: str, previous: str | None, winner: str) -> None:
        """Take the role from last month's champion and give it to the new one (REST, audit-log reason)."""
        problem = await self.champion_problem(place, champion)
        if problem is not None:
            raise PlaceUnavailableError(problem)
        guild_id, role_id = int(place.team_id), role_id_of(champion)
        assert role_id is not None
        reason = "ML interview bot: monthly champion"
        async with _mapped_errors(f"champion role {role_id} in guild {guild_id}"):
            if previous and previous != winner:
                await self._pacer.wait()
                with contextlib.suppress(discord.NotFound):  # they left the server: nothing to take back
                    await self._client.http.remove_role(guild_id, int(previous), role_id, reason=reason)
            await self._pacer.wait()
            await self._client.http.add_role(guild_id, int(winner), role_id, reason=reason)


def _can_attach(channel: discord.abc.Messageable) -> bool:
    """Whether the bot may upload files in a guild channel (True elsewhere, and when it cannot tell)."""
    if not isinstance(channel, discord.abc.GuildChannel):
        return True
    me = channel.guild.me
    return me is None or channel.permissions_for(me).attach_files


def _guild(place: Place) -> Any:
    return int(place.team_id) if place.team_id else None
