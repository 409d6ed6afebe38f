"""Settings from environment variables. Secrets are read here and never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "./data/bot.sqlite3"
DEFAULT_POOL_SIZE = 10


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why, in one line."""


def database_pool_size(env: Mapping[str, str] | None = None) -> int:
    """BOT_DATABASE_POOL_SIZE: connections per process to PostgreSQL (default 10)."""
    env = os.environ if env is None else env
    raw = (env.get("BOT_DATABASE_POOL_SIZE") or "").strip()
    if not raw:
        return DEFAULT_POOL_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"BOT_DATABASE_POOL_SIZE must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def database_target(env: Mapping[str, str]) -> str | Path:
    """BOT_DATABASE (a SQLite path or a PostgreSQL URL); else DATABASE_URL (Heroku, Render, Dokku); else the
    default SQLite file. A URL stays a string (its password is a secret: print it with `redacted()`)."""
    from bot.store.backend import is_postgres_url

    raw = (env.get("BOT_DATABASE") or "").strip() or (env.get("DATABASE_URL") or "").strip()
    if not raw:
        return Path(DEFAULT_DATABASE)
    return raw if is_postgres_url(raw) else Path(raw)


@dataclass(frozen=True, slots=True)
class Settings:
    database: str | Path  # a Path for SQLite, a postgresql:// URL string for PostgreSQL
    pool_size: int
    extra_packs: tuple[Path, ...]
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        packs = tuple(Path(p) for p in env.get("BOT_QUESTION_PACKS", "").split(os.pathsep) if p.strip())
        return cls(
            database=database_target(env),
            pool_size=database_pool_size(env),
            extra_packs=packs,
            log_level=env.get("BOT_LOG_LEVEL", "INFO").upper(),
        )


@dataclass(frozen=True, slots=True)
class DiscordShards:
    """Which Discord shards this process runs: `ids` of `count` (None: all of them)."""

    count: int
    ids: tuple[int, ...] | None = None


def discord_shards(env: Mapping[str, str] | None = None) -> DiscordShards | None:
    """DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS (e.g. `4` and `0,1`); None when neither is set.

    Raises ConfigError for a count that is not a positive integer, ids that are not integers in 0..count-1
    (or repeat), and ids without a count.
    """
    env = os.environ if env is None else env
    raw_count = (env.get("DISCORD_SHARD_COUNT") or "").strip()
    raw_ids = (env.get("DISCORD_SHARD_IDS") or "").strip()
    if not raw_count and not raw_ids:
        return None
    if not raw_count:
        raise ConfigError(f"DISCORD_SHARD_IDS={raw_ids} needs DISCORD_SHARD_COUNT, the total number of shards "
                          "over all processes (e.g. DISCORD_SHARD_COUNT=4).")
    if not raw_count.isdecimal() or int(raw_count) < 1:
        raise ConfigError(f"DISCORD_SHARD_COUNT must be a whole number of at least 1, not {raw_count!r}.")
    count = int(raw_count)
    if not raw_ids:
        return DiscordShards(count)
    parts = [p.strip() for p in raw_ids.split(",")]
    if not all(p.isdecimal() for p in parts):
        raise ConfigError(f"DISCORD_SHARD_IDS must be shard numbers separated by commas (e.g. 0,1), not {raw_ids!r}.")
    ids = tuple(int(p) for p in parts)
    outside = [i for i in ids if i >= count]
    if outside:
        raise ConfigError(f"DISCORD_SHARD_IDS={raw_ids}: shard {outside[0]} does not exist with "
                          f"DISCORD_SHARD_COUNT={count} (shards are numbered 0 to {count - 1}).")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"DISCORD_SHARD_IDS={raw_ids} names a shard twice.")
    return DiscordShards(count, tuple(sorted(ids)))


def platforms_configured(env: Mapping[str, str] | None = None) -> list[str]:
    """Adapters whose tokens are set: discord (DISCORD_TOKEN), slack (SLACK_BOT_TOKEN or OAuth client id)."""
    env = os.environ if env is None else env
    found = []
    if env.get("DISCORD_TOKEN"):
        found.append("discord")
    if env.get("SLACK_BOT_TOKEN") or env.get("SLACK_CLIENT_ID"):
        found.append("slack")
    return found
