"""Monthly champions: the role or user group per schedule, the monthly claim row, and last month's top scorer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso
from bot.domain.events import Place
from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class ChampionSchedule:
    place: Place
    champion: str  # a Discord role id or a Slack user group id
    timezone: str  # the team's timezone, else the schedule's


@dataclass(frozen=True, slots=True)
class TopScorer:
    user_id: str
    display_name: str
    points: float


async def set_champion(store: Store, place: Place, champion: str | None) -> bool:
    """Set (or clear, with None) a schedule's champion role; False when the channel has no schedule."""
    async with store.write() as db:
        cur = await db.execute(
            "UPDATE schedules SET champion = ? WHERE platform = ? AND team_id = ? AND channel_id = ?",
            (champion, place.platform, place.team_id, place.channel_id),
        )
        return cur.rowcount == 1


async def champion_schedules(store: Store) -> list[ChampionSchedule]:
    """Active schedules with a champion role."""
    rows = await store.fetchall(
        "SELECT s.platform, s.team_id, s.channel_id, s.champion, COALESCE(t.timezone, s.timezone) FROM schedules s "
        "LEFT JOIN teams t ON t.platform = s.platform AND t.team_id = s.team_id "
        "WHERE s.paused = 0 AND s.champion IS NOT NULL AND s.champion <> '' "
        "ORDER BY s.platform, s.team_id, s.channel_id"
    )
    return [ChampionSchedule(Place(r[0], r[1], r[2]), r[3], r[4]) for r in rows]


async def claim_month(store: Store, place: Place, month: str, now: datetime) -> bool:
    """Claim the champion move of `month` ('m:YYYY-MM') for a channel; False if it was already claimed."""
    async with store.write() as db:
        cur = await db.execute(
            "INSERT INTO champion_awards (platform, team_id, channel_id, month_key, claimed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, team_id, channel_id, month_key) DO NOTHING",
            (place.platform, place.team_id, place.channel_id, month, iso(now)),
        )
        return cur.rowcount == 1


async def release_month(store: Store, place: Place, month: str) -> None:
    """Undo a claim whose move failed for a passing reason, so a later tick tries again."""
    async with store.write() as db:
        await db.execute(
            "DELETE FROM champion_awards WHERE platform = ? AND team_id = ? AND channel_id = ? AND month_key = ?",
            (place.platform, place.team_id, place.channel_id, month),
        )


async def record_winner(store: Store, place: Place, month: str, winner: TopScorer) -> None:
    async with store.write() as db:
        await db.execute(
            "UPDATE champion_awards SET user_id = ?, points = ? WHERE platform = ? AND team_id = ? "
            "AND channel_id = ? AND month_key = ?",
            (winner.user_id, float(winner.points), place.platform, place.team_id, place.channel_id, month),
        )


async def previous_holder(store: Store, place: Place, before: str) -> str | None:
    """Who won the latest month before `before` in this channel (they hold the role now), if anyone."""
    row = await store.fetchone(
        "SELECT user_id FROM champion_awards WHERE platform = ? AND team_id = ? AND channel_id = ? "
        "AND month_key < ? AND user_id IS NOT NULL ORDER BY month_key DESC LIMIT 1",
        (place.platform, place.team_id, place.channel_id, before),
    )
    return str(row[0]) if row else None


async def top_scorer(store: Store, platform: str, team_id: str, month: str) -> TopScorer | None:
    """The month's top scorer among players on the boards (ties: who reached the score first)."""
    row = await store.fetchone(
        "SELECT s.user_id, COALESCE(u.display_name, s.user_id), s.points FROM scores s "
        "LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
        "WHERE s.platform = ? AND s.team_id = ? AND s.period = ? AND s.points > 0 "
        "AND COALESCE(u.board_hidden, 0) = 0 ORDER BY s.points DESC, s.achieved_at ASC, s.user_id ASC LIMIT 1",
        (platform, team_id, month),
    )
    return TopScorer(str(row[0]), str(row[1]), float(row[2])) if row else None
