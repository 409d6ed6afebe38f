"""Who a Slack user is to the core: users.info gives the admin verdict, timezone and name (cached briefly)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM, error_code
from adapters.slack.lograte import LogOnce
from bot.domain.events import Actor

log = logging.getLogger(__name__)

USER_TTL = 60.0
ADMINS_TTL = 600.0
MAX_ENTRIES = 10_000
MAX_FALLBACK_ADMINS = 3
LOOKUP_TIMEOUT = 5.0
"""users.info gets this long; after that the user acts without a profile (the slow answer is not awaited)."""


def actor_from_user(team_id: str, user_id: str, user: dict[str, Any], name_hint: str = "") -> Actor:
    """An Actor from a users.info `user` object: admins and owners are admins; `tz` is the profile's zone.

    Admin rights count only when users.info places the user in `team_id`, the team of the signed request: an
    admin of another workspace (a shared channel, a forged id) is an ordinary member here.
    """
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        or name_hint
    )
    return Actor(
        platform=PLATFORM,
        team_id=team_id,
        user_id=user_id,
        display_name=str(name),
        is_admin=str(user.get("team_id") or "") == team_id
        and bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        platform_timezone=user.get("tz") or None,
    )


class UserDirectory:
    """users.info lookups per (team, user), shared by concurrent callers and kept for `ttl` seconds.

    A failed lookup is not cached: the user acts as a non-admin without a platform timezone this once.
    """

    def __init__(self, *, ttl: float = USER_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._users: dict[tuple[str, str], tuple[float, asyncio.Future[dict[str, Any] | None]]] = {}
        self._admins: dict[str, tuple[float, list[str]]] = {}
        self._quiet = LogOnce(log)

    async def actor(self, client: AsyncWebClient, *, team_id: str, user_id: str, name_hint: str = "",
                    wait: float | None = None) -> Actor:
        """The Actor for a user, with the platform's admin verdict and timezone.

        With `wait`, the profile is awaited at most that long: past it the Actor carries only what the signed
        request says (no admin verdict, no platform timezone) and the lookup goes on to fill the cache.
        """
        try:
            user = await asyncio.wait_for(self._user(client, team_id, user_id), wait)
        except TimeoutError:
            user = None
        if user is None:
            return Actor(platform=PLATFORM, team_id=team_id, user_id=user_id, display_name=name_hint)
        return actor_from_user(team_id, user_id, user, name_hint)

    async def _user(self, client: AsyncWebClient, team_id: str, user_id: str) -> dict[str, Any] | None:
        key = (team_id, user_id)
        now = self._clock()
        cached = self._users.get(key)
        if cached is not None and cached[0] > now:
            return await asyncio.shield(cached[1])
        if len(self._users) >= MAX_ENTRIES:
            self._users = {k: v for k, v in self._users.items() if v[0] > now and v[1].done()}
        future: asyncio.Future[dict[str, Any] | None] = asyncio.ensure_future(self._fetch(client, user_id))
        self._users[key] = (now + self._ttl, future)

        def forget_failure(done: asyncio.Future[dict[str, Any] | None]) -> None:
            entry = self._users.get(key)
            if done.result() is None and entry is not None and entry[1] is done:
                del self._users[key]

        future.add_done_callback(forget_failure)
        return await asyncio.shield(future)

    async def _fetch(self, client: AsyncWebClient, user_id: str) -> dict[str, Any] | None:
        try:
            response = await asyncio.wait_for(client.users_info(user=user_id), LOOKUP_TIMEOUT)
        except SlackApiError as exc:
            self._quiet.log(logging.WARNING, ("users.info", error_code(exc)), "users.info for %s failed: %s",
                            user_id, error_code(exc))
            return None
        except Exception as exc:  # network trouble: act without the profile this time
            self._quiet.log(logging.WARNING, ("users.info", type(exc)), "users.info for %s failed: %r", user_id, exc)
            return None
        user = response.get("user")
        return user if isinstance(user, dict) else None

    def forget(self, team_id: str) -> None:
        """Drop what is cached for a team (after it uninstalled the app)."""
        self._users = {k: v for k, v in self._users.items() if k[0] != team_id}
        self._admins.pop(team_id, None)

    async def workspace_admins(self, client: AsyncWebClient, team_id: str) -> list[str]:
        """A few workspace owners and admins (primary owner first) from users.list, cached for 10 minutes."""
        now = self._clock()
        cached = self._admins.get(team_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        ranked: list[tuple[int, str]] = []
        cursor: str | None = None
        try:
            for _ in range(10):  # 10 pages of 200: enough to find an owner without walking a huge directory
                response = await client.users_list(limit=200, cursor=cursor)
                for member in response.get("members") or []:
                    if member.get("deleted") or member.get("is_bot"):
                        continue
                    rank = 0 if member.get("is_primary_owner") else 1 if member.get("is_owner") else 2
                    if member.get("is_admin") or rank < 2:
                        ranked.append((rank, member["id"]))
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
        except Exception as exc:
            log.warning("users.list for team %s failed: %r", team_id, exc)
            return []
        admins = [user_id for _, user_id in sorted(ranked)[:MAX_FALLBACK_ADMINS]]
        self._admins[team_id] = (now + ADMINS_TTL, admins)
        return admins
