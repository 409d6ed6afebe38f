"""Sync the application commands only when they changed, from one process only.

discord.py's docs advise against syncing at every start and Discord rate-limits the endpoint; with shards split
over processes every process would otherwise sync at once. The hash of what a sync sends (the sorted JSON of the
command tree's payload, for this application and scope) is kept in the database under `discord_commands_hash`;
a start whose hash matches does not sync. The hash is written only after Discord accepted the sync.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot.store import app_state
from bot.store.store import Store

log = logging.getLogger(__name__)

COMMANDS_HASH_KEY = "discord_commands_hash"


async def command_payload(tree: app_commands.CommandTree[Any], *, guild: discord.abc.Snowflake | None) -> list[Any]:
    """What `tree.sync(guild=guild)` sends to Discord, in the same form (translated when the tree has a translator)."""
    commands = tree.get_commands(guild=guild)
    translator = tree.translator
    if translator is not None:
        return [await c.get_translated_payload(tree, translator) for c in commands]
    return [c.to_dict(tree) for c in commands]


def commands_hash(payload: list[Any], *, application_id: int | None, guild_id: int | None) -> str:
    """SHA-256 of the sorted JSON of a sync: commands (ordered by type and name), application and scope."""
    commands = sorted(payload, key=lambda c: (int(c.get("type", 1)), str(c.get("name", ""))))
    document = {"application_id": application_id, "guild_id": guild_id, "commands": commands}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree[Any],
    store: Store,
    *,
    application_id: int | None,
    guild: discord.abc.Snowflake | None,
    now: datetime,
) -> int | None:
    """Sync when the command set differs from the last successful sync; the number synced, or None if unchanged.

    Sync errors propagate (and leave the stored hash as it was, so the next start tries again).
    """
    digest = commands_hash(
        await command_payload(tree, guild=guild),
        application_id=application_id,
        guild_id=guild.id if guild is not None else None,
    )
    if await app_state.get_value(store, COMMANDS_HASH_KEY) == digest:
        log.info("commands unchanged, not synced")
        return None
    synced = await tree.sync(guild=guild)
    await app_state.set_value(store, COMMANDS_HASH_KEY, digest, now)
    return len(synced)
