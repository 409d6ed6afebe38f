"""Settings from environment variables. Secrets are read here and never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "./data/bot.sqlite3"
DEFAULT_POOL_SIZE = 10


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""


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


def platforms_configured(env: Mapping[str, str] | None = None) -> list[str]:
    """Adapters whose tokens are set: discord (DISCORD_TOKEN), slack (SLACK_BOT_TOKEN or OAuth client id)."""
    env = os.environ if env is None else env
    found = []
    if env.get("DISCORD_TOKEN"):
        found.append("discord")
    if env.get("SLACK_BOT_TOKEN") or env.get("SLACK_CLIENT_ID"):
        found.append("slack")
    return found
