"""What a database target string is (a SQLite path or a PostgreSQL URL), and how to show it without its password."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target: str) -> bool:
    """True for a `postgresql://` (or Heroku's `postgres://`) URL; anything else is a SQLite file path."""
    return target.startswith(POSTGRES_SCHEMES)


def redacted(target: str) -> str:
    """The target as it may be printed: a URL's password becomes `***`; a path is unchanged."""
    if not is_postgres(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def database_target(env: Mapping[str, str] | None = None, default: str = "./data/bot.sqlite3") -> str:
    """The bot's database as a string: BOT_DATABASE, else DATABASE_URL (Heroku, Render, Dokku), else the default."""
    env = os.environ if env is None else env
    return env.get("BOT_DATABASE") or env.get("DATABASE_URL") or default
