"""SQL that differs between the engines, side by side. Everything else in bot/store is portable SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# Key columns that are not TEXT (PostgreSQL needs each array's element type).
_PG_TYPES = {"post_id": "bigint"}


def keyed_lookup_sqlite(table: str, key_columns: tuple[str, ...], select: str) -> str:
    """SQLite: join a json_each list of key tuples (one parameter) so every lookup uses the primary key.

    A row-value `IN (VALUES ...)` makes SQLite scan the whole table.
    """
    keys = ", ".join(f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(key_columns))
    match = " AND ".join(f"t.{c} = k.{c}" for c in key_columns)
    return f"WITH k AS (SELECT {keys} FROM json_each(?)) SELECT {select} FROM k JOIN {table} t ON {match}"


def keyed_lookup_postgres(table: str, key_columns: tuple[str, ...], select: str) -> str:
    """PostgreSQL: `unnest` one typed array per key column (one parameter each) into a join on the key."""
    arrays = ", ".join(f"?::{_PG_TYPES.get(c, 'text')}[]" for c in key_columns)
    match = " AND ".join(f"t.{c} = k.{c}" for c in key_columns)
    return (f"SELECT {select} FROM unnest({arrays}) AS k ({', '.join(key_columns)}) "
            f"JOIN {table} t ON {match}")


KEYED_LOOKUP = {"sqlite": keyed_lookup_sqlite, "postgres": keyed_lookup_postgres}


def keyed_params(engine: str, keys: Sequence[Sequence[Any]], width: int) -> tuple[Any, ...]:
    """The parameters for `KEYED_LOOKUP[engine]` given the key tuples."""
    if engine == "sqlite":
        return (json.dumps([list(k) for k in keys]),)
    return tuple([k[i] for k in keys] for i in range(width))


def keys_sqlite(columns: Sequence[tuple[str, str]]) -> str:
    """SQLite: rows of (name, type) columns from one JSON parameter, a list of lists (see `keyed_params`)."""
    picked = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, (name, _) in enumerate(columns))
    return f"SELECT {picked} FROM json_each(?)"


def keys_postgres(columns: Sequence[tuple[str, str]]) -> str:
    """PostgreSQL: rows of (name, type) columns from one typed array parameter per column (`unnest`)."""
    arrays = ", ".join(f"?::{kind}[]" for _, kind in columns)
    return f"SELECT * FROM unnest({arrays}) AS k ({', '.join(name for name, _ in columns)})"


KEYS = {"sqlite": keys_sqlite, "postgres": keys_postgres}

# Claiming due schedules (bot.store.schedules.claim_due): on PostgreSQL the matching rows are locked first and rows
# another claim holds are skipped (not waited for), so replicas claiming at once split the due rows; SQLite has one
# writer at a time, so its claims never overlap anyway.
CLAIM_LOCK = {"sqlite": "", "postgres": " FOR UPDATE OF s SKIP LOCKED"}

# A private draw, recorded only while the question's served count is what the drawing process expects (see
# Store.draw_quiz_post). Portable; PostgreSQL appends RETURNING id, SQLite reads lastrowid (RETURNING makes its
# autocommit insert about twice as slow). The count is a primary-key read of user_seen.
DRAW_QUIZ_POST = (
    "INSERT INTO posts (platform, team_id, channel_id, kind, user_id, question_id, status, created_at, posted_at) "
    "SELECT ?, ?, ?, 'quiz', ?, ?, 'posted', ?, ? WHERE COALESCE((SELECT times FROM user_seen "
    "WHERE platform = ? AND user_id = ? AND question_id = ?), 0) = ?"
)


# Tables and their columns (aliases.py finds every table with a question_id column).
LIST_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
}
TABLE_COLUMNS = {
    "sqlite": "SELECT name FROM pragma_table_info(?)",
    "postgres": "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ?",
}
