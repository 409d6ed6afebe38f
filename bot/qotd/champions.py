"""Monthly champions: on the first local day of a month the champion role moves to last month's top scorer.

Exactly once per channel and month: the move is claimed in the database first (`champion_awards`), so restarts
and several processes on one database never move it twice. A move the platform refuses for good (missing
permissions, the role above the bot's own) keeps the claim and tells the admins what is missing; a passing
failure releases the claim for the next tick.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.commands.replies import Reply
from bot.domain.events import Place
from bot.domain.periods import zone
from bot.qotd.failures import FailureLog
from bot.qotd.ports import (
    Outbound,
    PlaceUnavailableError,
    TransientPostError,
    notify_admins_quietly,
    serving_outbound,
)
from bot.store import champions as store_champions
from bot.store.champions import ChampionSchedule
from bot.store.store import Store

log = logging.getLogger(__name__)


@runtime_checkable
class ChampionPort(Protocol):
    """What an adapter's Outbound adds to move a champion role (Discord) or user group (Slack)."""

    async def champion_problem(self, place: Place, champion: str) -> str | None:
        """What stops the bot from moving this role (said to an admin), or None when it can."""
        ...

    async def move_champion(self, place: Place, champion: str, previous: str | None, winner: str) -> None:
        """Give the role to `winner` and take it from `previous`; PlaceUnavailableError when not allowed."""
        ...


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


class ChampionService:
    def __init__(self, *, store: Store, outbounds: dict[str, Outbound]) -> None:
        self.store = store
        self.outbounds = outbounds
        self.failures = FailureLog(log)

    def _port(self, platform: str, team_id: str | None = None) -> ChampionPort | None:
        """The platform's champion mover; with a team, only when this process serves it (Discord shards)."""
        outbound = self.outbounds.get(platform) if team_id is None else \
            serving_outbound(self.outbounds, platform, team_id)
        return outbound if isinstance(outbound, ChampionPort) else None

    async def problem(self, place: Place, champion: str) -> str | None:
        """For `/qotd setup champion=...`: what the admin must fix, or None."""
        port = self._port(place.platform)
        if port is None:
            return "Champion roles are not supported on this platform."
        return await port.champion_problem(place, champion)

    async def tick(self, now: datetime) -> None:
        """On the first local day of a month, move each channel's champion role (once)."""
        for schedule in await store_champions.champion_schedules(self.store):
            local = now.astimezone(zone(schedule.timezone)).date()
            # Another process may serve this team (its Discord shard): it claims and moves the role there.
            if local.day != 1 or self._port(schedule.place.platform, schedule.place.team_id) is None:
                continue
            month = previous_month(local)
            key = ("champion", schedule.place, month)
            what = f"the {month:%B %Y} champion in {schedule.place.platform} #{schedule.place.channel_id}"
            try:
                await self._award(schedule, month, now)
            except Exception as exc:
                self.failures.failed(key, what, exc, expected=isinstance(exc, TransientPostError))
            else:
                self.failures.succeeded(key, what)

    async def _award(self, schedule: ChampionSchedule, month: date, now: datetime) -> None:
        place, period = schedule.place, f"m:{month:%Y-%m}"
        port = self._port(place.platform, place.team_id)
        outbound = self.outbounds.get(place.platform)
        if port is None or outbound is None or not await store_champions.claim_month(self.store, place, period, now):
            return
        winner = await store_champions.top_scorer(self.store, place.platform, place.team_id, period)
        if winner is None:
            log.info("no champion for %s in %s: nobody scored", period, place)
            return
        previous = await store_champions.previous_holder(self.store, place, period)
        try:
            await port.move_champion(place, schedule.champion, previous, winner.user_id)
        except PlaceUnavailableError as exc:
            # Known impossible until an admin fixes it: the month stays claimed, the admins are told what to fix.
            await store_champions.record_winner(self.store, place, period, winner)
            await self._notify(place, f"I could not give the champion role to last month's top scorer: {exc}")
            return
        except BaseException:
            await store_champions.release_month(self.store, place, period)
            raise
        await store_champions.record_winner(self.store, place, period, winner)
        text = (f"🏆 **Champion of {month:%B %Y}**: {winner.display_name} with {winner.points:g} pts! "
                "The champion role is theirs for this month — congratulations.")
        try:
            await outbound.post(place, Reply(text=text, private=False), mention=None, make_thread=False)
        except Exception as exc:  # the role moved: the announcement is not worth a second move
            log.warning("champion of %s moved in %s but the post failed: %s", period, place, exc)

    async def _notify(self, place: Place, text: str) -> None:
        await notify_admins_quietly(self.outbounds, place, text)
