"""The outbound port: what the core asks an adapter to do on its own (scheduled posts, reminders, notices)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from bot.commands.replies import Reply
from bot.domain.events import Place, PostedMessage


class PlaceUnavailableError(Exception):
    """The channel is gone or we may not post there: the schedule is paused and the admins told."""


class TransientPostError(Exception):
    """The platform could not take the post right now (rate limit, outage): try again on a later tick."""


class Outbound(Protocol):
    """Implemented by each adapter; every method may raise the errors above."""

    platform: str

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        """Post a public message (the question of the day) and, if asked, open a thread on it."""
        ...

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        """Post a follow-up (the public answer) in the post's thread, or under it when there is no thread."""
        ...

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        """Send to one user privately (DM); False if the user cannot be reached."""
        ...

    async def notify_admins(self, place: Place, text: str) -> None:
        """Tell the team's admins about a problem or a change (e.g. the pool started over)."""
        ...

    async def find_posted(self, place: Place, dedupe_key: str) -> PostedMessage | None:
        """The message an earlier, interrupted `post` made with this dedupe key, or None if it never went out.

        Raise TransientPostError when the platform cannot tell (e.g. history unreadable): the core then never
        posts again blindly.
        """
        ...


class ServesSomeTeams(Protocol):
    """An Outbound that serves only some teams of its platform (a Discord process running some of the shards).

    The tick leaves every other team's posts, reveals, boards and reminders (and their claims) to the process that
    serves it. An Outbound without `serves` serves every team of its platform (`serving_outbound`).
    """

    def serves(self, team_id: str) -> bool: ...


def serving_outbound(outbounds: Mapping[str, Outbound], platform: str, team_id: str) -> Outbound | None:
    """The Outbound that sends to this team from this process, or None when another process serves it."""
    outbound = outbounds.get(platform)
    if outbound is None:
        return None
    # getattr, not isinstance on a runtime-checkable Protocol: this runs for every due item of every tick, and that
    # isinstance costs several times more.
    serves: Callable[[str], bool] | None = getattr(outbound, "serves", None)
    return outbound if serves is None or serves(team_id) else None


async def notify_admins_quietly(outbounds: Mapping[str, Outbound], place: Place, text: str) -> None:
    """Tell the place's admins, if its platform is connected; a failure is logged, never raised (it is advice)."""
    outbound = outbounds.get(place.platform)
    if outbound is None:
        return
    try:
        await outbound.notify_admins(place, text)
    except Exception:
        logging.getLogger(__name__).exception("could not notify the admins of %s", place)
