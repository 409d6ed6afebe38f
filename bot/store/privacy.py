"""What the bot holds about a user, in one registry: export it, delete it, hide it from the boards.

`USER_TABLES` names every table with a column that identifies a user; tests/test_privacy.py reads the schema and
fails when a table with a user column is missing here, so a table added later cannot be forgotten. A column is
either deleted with its row (`delete`) or, where the row belongs to the team (a schedule, a monthly champion),
blanked (`blank`): the row stays and no longer names the user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.clock import iso
from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class UserColumn:
    """A table's column naming a user (next to its `platform` column), and what a deletion does to the row."""

    table: str
    column: str
    action: Literal["delete", "blank"] = "delete"
    team_scoped: bool = True  # the table has a team_id column (an admin's delete reaches only their team)


USER_TABLES: tuple[UserColumn, ...] = (
    UserColumn("users", "user_id", team_scoped=False),
    UserColumn("grades", "user_id"),  # before posts: a grade references its post
    UserColumn("posts", "user_id"),  # private /quiz draws; a question of the day has no user
    UserColumn("user_seen", "user_id", team_scoped=False),
    UserColumn("scores", "user_id"),
    UserColumn("practice_days", "user_id"),
    UserColumn("streaks", "user_id"),
    UserColumn("review_cards", "user_id", team_scoped=False),
    UserColumn("team_admins", "user_id"),
    UserColumn("privacy_requests", "requester_id"),
    UserColumn("privacy_requests", "target_id"),
    UserColumn("schedules", "created_by", "blank"),
    UserColumn("champion_awards", "user_id", "blank"),
    UserColumn("typed_answers", "user_id"),  # before posts: a typed answer references its card
    UserColumn("post_actions", "user_id"),  # reveals and skips counted by /qotd stats
    UserColumn("user_goals", "user_id", team_scoped=False),
    UserColumn("suggestions", "user_id"),  # what they proposed goes, approved team questions included
    UserColumn("suggestions", "decided_by", "blank"),  # an admin's decision stays, without their id
)
"""Every (table, user column)."""

NOT_USER_COLUMNS: frozenset[tuple[str, str]] = frozenset({
    ("posts", "attempt_by"),  # the process delivering a post, not a person
    # The Slack installer's id beside the workspace's tokens: the install itself, removed on app_uninstalled.
    ("slack_installations", "user_id"),
})
"""Columns whose names look like a user's but are not (the schema test skips them)."""


def erasure_digest(platform: str, user_id: str) -> str:
    """The one-way digest kept for a deleted user until they come back (never the id itself)."""
    return hashlib.sha256(f"{platform}:{user_id}".encode()).hexdigest()


def _tables() -> list[str]:
    return list(dict.fromkeys(c.table for c in USER_TABLES))


async def export_user(store: Store, platform: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every registered row about the user, per table, as column → value (rows in a stable order)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in _tables():
        columns = [c.column for c in USER_TABLES if c.table == table]
        where = " OR ".join(f"{c} = ?" for c in columns)
        rows = await store.fetchall(
            f"SELECT * FROM {table} WHERE platform = ? AND ({where})", (platform, *[user_id] * len(columns))
        )
        records = [dict(r) for r in rows]  # sqlite3.Row and asyncpg.Record both map names to values
        out[table] = sorted(records, key=lambda d: tuple(str(v) for v in d.values()))
    return out


async def delete_user(store: Store, platform: str, user_id: str, now: datetime,
                      team_id: str | None = None) -> dict[str, int]:
    """Delete (or blank) every registered row about the user in one transaction; returns rows per table.

    With `team_id` (an admin acting for a member) only that team's rows go, and the user's own rows (profile,
    served questions, review cards) only when nothing of them is left in another team. The user's leaderboard
    totals go, and the score-level histogram loses them, so every other player's rank (counted from it) stays
    right. When the profile goes, an erasure digest is kept until the user's next visit.
    """
    team_sql, team_args = (" AND team_id = ?", (team_id,)) if team_id is not None else ("", ())
    counts: dict[str, int] = {}
    async with store.write() as db:
        cur = await db.execute(
            f"SELECT team_id, period, points FROM scores WHERE platform = ? AND user_id = ?{team_sql}",
            (platform, user_id, *team_args),
        )
        levels = [(platform, *tuple(r)) for r in await cur.fetchall()]
        await db.executemany(
            "UPDATE score_levels SET users = users - 1 WHERE platform = ? AND team_id = ? AND period = ? "
            "AND points = ?", levels,
        )
        await db.executemany(
            "DELETE FROM score_levels WHERE platform = ? AND team_id = ? AND period = ? AND points = ? "
            "AND users <= 0", levels,
        )
        for entry in sorted(USER_TABLES, key=lambda c: not c.team_scoped):  # stable: grades before posts
            if not entry.team_scoped and team_id is not None and await _left_elsewhere(db, platform, user_id):
                continue
            scope, args = (team_sql, team_args) if entry.team_scoped else ("", ())
            if entry.action == "delete":
                cur = await db.execute(
                    f"DELETE FROM {entry.table} WHERE platform = ? AND {entry.column} = ?{scope}",
                    (platform, user_id, *args),
                )
            else:
                # created_by is NOT NULL: a schedule stays, without its author ('')
                cur = await db.execute(
                    f"UPDATE {entry.table} SET {entry.column} = ? WHERE platform = ? AND {entry.column} = ?{scope}",
                    ("" if entry.table == "schedules" else None, platform, user_id, *args),
                )
            if cur.rowcount:
                counts[entry.table] = counts.get(entry.table, 0) + cur.rowcount
        if counts.get("suggestions"):
            # Team banks cache approved questions by version: a deleted author's questions leave every process.
            await db.execute("UPDATE team_question_versions SET version = version + 1 WHERE platform = ?",
                             (platform,))
        if counts.get("users"):
            await db.execute(
                "INSERT INTO erasures (digest, erased_at) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET "
                "erased_at = excluded.erased_at",
                (erasure_digest(platform, user_id), iso(now)),
            )
    return counts


async def _left_elsewhere(db: Any, platform: str, user_id: str) -> bool:
    """Whether the user still has team rows (in another team) after a team-scoped delete."""
    for entry in USER_TABLES:
        if entry.team_scoped and entry.action == "delete":
            cur = await db.execute(
                f"SELECT 1 FROM {entry.table} WHERE platform = ? AND {entry.column} = ? LIMIT 1", (platform, user_id)
            )
            if await cur.fetchone() is not None:
                return True
    return False


async def take_erasure(store: Store, platform: str, user_id: str) -> str | None:
    """When the user's data was deleted (ISO time), removing the digest; None if it never was."""
    digest = erasure_digest(platform, user_id)
    if await store.fetchone("SELECT 1 FROM erasures WHERE digest = ?", (digest,)) is None:
        return None  # the common case: a read, no write transaction
    async with store.write() as db:
        cur = await db.execute("DELETE FROM erasures WHERE digest = ? RETURNING erased_at", (digest,))
        row = await cur.fetchone()
    return str(row[0]) if row else None


async def set_hidden(store: Store, platform: str, user_id: str, hidden: bool) -> None:
    async with store.write() as db:
        await db.execute("UPDATE users SET board_hidden = ? WHERE platform = ? AND user_id = ?",
                         (int(hidden), platform, user_id))


async def is_hidden(store: Store, platform: str, user_id: str) -> bool:
    row = await store.fetchone("SELECT board_hidden FROM users WHERE platform = ? AND user_id = ?",
                               (platform, user_id))
    return bool(row and row[0])


async def save_request(store: Store, platform: str, team_id: str, requester: str, target: str, nonce: int,
                       now: datetime) -> None:
    """Remember a delete waiting for its confirm button (a newer request replaces an older one)."""
    async with store.write() as db:
        await db.execute(
            "INSERT INTO privacy_requests (platform, requester_id, target_id, team_id, nonce, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, requester_id) DO UPDATE SET "
            "target_id = excluded.target_id, team_id = excluded.team_id, nonce = excluded.nonce, "
            "created_at = excluded.created_at",
            (platform, requester, target, team_id, nonce, iso(now)),
        )


async def take_request(store: Store, platform: str, requester: str, nonce: int) -> tuple[str, str, str] | None:
    """(target user, team, created_at) of the pending delete this button confirms, removed as it is taken."""
    async with store.write() as db:
        cur = await db.execute(
            "DELETE FROM privacy_requests WHERE platform = ? AND requester_id = ? AND nonce = ? "
            "RETURNING target_id, team_id, created_at",
            (platform, requester, nonce),
        )
        row = await cur.fetchone()
    return (str(row[0]), str(row[1]), str(row[2])) if row else None


def summary(counts: dict[str, int], tables: Sequence[str] | None = None) -> str:
    """'grades 3, posts 2, ...' in registry order."""
    order = tables or _tables()
    return ", ".join(f"{t} {counts[t]}" for t in order if counts.get(t)) or "nothing"
