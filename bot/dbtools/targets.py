"""What a database target string is (a SQLite path or a PostgreSQL URL), and how to show it without its password.

Thin names over bot.store.backend, which the store itself uses, so both agree on what counts as a URL.
"""

from __future__ import annotations

from bot.store.backend import is_postgres_url, redacted

__all__ = ["is_postgres", "redacted"]


def is_postgres(target: str) -> bool:
    """True for a `postgresql://` (or Heroku's `postgres://`) URL; anything else is a SQLite file path."""
    return is_postgres_url(target)
