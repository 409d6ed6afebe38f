"""Which guilds a process serves when Discord shards are split over processes.

Discord routes a guild's gateway events to shard `(guild_id >> 22) % shard_count`; the process running that shard
is the one that sees the guild, so it is also the one that posts there (questions of the day, reveals, weekly
boards, reminders). DMs arrive on shard 0.
"""

from __future__ import annotations

from collections.abc import Collection


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a guild (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def serves_team(team_id: str, shard_count: int | None, shard_ids: Collection[int] | None) -> bool:
    """True when a process running `shard_ids` of `shard_count` owns the guild `team_id`.

    A process with no explicit shard ids runs every shard and serves every guild. A place with no guild (a DM)
    belongs to the process holding shard 0.
    """
    if shard_ids is None or shard_count is None:
        return True
    if not team_id.isdecimal():
        return 0 in shard_ids
    return shard_of(int(team_id), shard_count) in shard_ids


def holds_shard_zero(shard_ids: Collection[int] | None) -> bool:
    """The process that syncs application commands: the one with shard 0, or the only (unsharded) one."""
    return shard_ids is None or 0 in shard_ids
