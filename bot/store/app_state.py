"""Named values the bot keeps for itself across restarts and processes (table `app_state`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import iso

if TYPE_CHECKING:
    from datetime import datetime

    from bot.store.store import Store


async def get_value(store: Store, key: str) -> str | None:
    """The value stored under `key`, or None."""
    row = await store.fetchone("SELECT value FROM app_state WHERE key = ?", (key,))
    return None if row is None else str(row[0])


async def set_value(store: Store, key: str, value: str, now: datetime) -> None:
    """Store `value` under `key` (insert or overwrite)."""
    async with store.write() as db:
        await db.execute(
            "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, iso(now)),
        )
