"""Claims the minutely tick takes before it sends something, so two processes on one database never both send,
and their release when the send failed so that the next tick tries again.

Each claim is one conditional statement whose row count says who won.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import iso

if TYPE_CHECKING:
    from datetime import datetime

    from bot.domain.events import Place
    from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class ReminderCandidate:
    """An opted-in user holding a streak in one team, with what the reminder needs to decide."""

    platform: str
    team_id: str
    user_id: str
    timezone: str | None  # the user's own, else the platform's; None: use the team's
    remind_hours: int
    reminded_on: str | None  # local date (ISO) of the last nudge
    current: int
    best: int
    freezes: int
    freezes_used: int
    last_date: str | None  # local date (ISO) of the last practice


async def reminder_candidates(store: Store) -> list[ReminderCandidate]:
    """Opted-in users holding a streak (one record per user and team)."""
    rows = await store.fetchall(
        "SELECT s.platform, s.team_id, s.user_id, COALESCE(u.timezone, u.platform_timezone), u.remind_hours, "
        "u.reminded_on, s.current, s.best, s.freezes, s.freezes_used, s.last_date FROM users u JOIN streaks s "
        "ON s.platform = u.platform AND s.user_id = u.user_id "
        "WHERE u.remind_hours IS NOT NULL AND s.current > 0 ORDER BY s.platform, s.user_id, s.team_id"
    )
    return [ReminderCandidate(r[0], r[1], r[2], r[3], int(r[4]), r[5], int(r[6]), int(r[7]), int(r[8]),
                              int(r[9]), r[10]) for r in rows]


async def claim_reminder(store: Store, platform: str, user_id: str, today: str) -> bool:
    """Claim today's reminder for a user; False if it was already claimed (by this or another process)."""
    async with store.write() as db:
        cur = await db.execute(
            "UPDATE users SET reminded_on = ? WHERE platform = ? AND user_id = ? "
            "AND (reminded_on IS NULL OR reminded_on <> ?)",
            (today, platform, user_id, today),
        )
        return cur.rowcount == 1


async def release_reminder(store: Store, platform: str, user_id: str, today: str, previous: str | None) -> None:
    """Undo a claim whose DM failed, so a later tick sends it (only if the claim is still today's)."""
    async with store.write() as db:
        await db.execute(
            "UPDATE users SET reminded_on = ? WHERE platform = ? AND user_id = ? AND reminded_on = ?",
            (previous, platform, user_id, today),
        )


async def release_reveal(store: Store, post_id: int, claimed_at: datetime) -> None:
    """Undo the claim of a public reveal that failed (only our own claim, stamped `claimed_at`)."""
    async with store.write() as db:
        await db.execute("UPDATE posts SET revealed_at = NULL WHERE id = ? AND revealed_at = ?",
                         (post_id, iso(claimed_at)))


async def release_weekly_post(store: Store, place: Place, week: str) -> None:
    """Undo the claim of a weekly leaderboard whose post failed, so a later tick posts it."""
    async with store.write() as db:
        await db.execute(
            "DELETE FROM weekly_posts WHERE platform = ? AND team_id = ? AND channel_id = ? AND week_key = ?",
            (place.platform, place.team_id, place.channel_id, week),
        )
