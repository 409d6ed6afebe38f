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


# Claim due schedules (bot.store.schedules.claim_due): keys (platform, team, channel, due, next run) and a limit;
# moves up to `limit` rows still at their due value to their next run and returns them (columns, next run, topic
# mode). The key columns are named k_* so that the schedule's own columns stay unambiguous in RETURNING.
_CLAIMED = ("RETURNING {columns}, next_run_utc, (SELECT m.mode FROM qotd_topic_modes m WHERE "
            "m.platform = schedules.platform AND m.team_id = schedules.team_id AND m.channel_id = schedules.channel_id)")


def claim_due_sqlite(columns: str) -> str:
    """SQLite: one writer at a time, so a plain UPDATE ... FROM the first `limit` matching keys is a claim."""
    keys = ", ".join(f"json_extract(value, '$[{i}]') AS {c}"
                     for i, c in enumerate(("k_platform", "k_team", "k_channel", "k_due", "k_next")))
    return (f"WITH k AS (SELECT {keys} FROM json_each(?)), "
            "c AS (SELECT k.* FROM k JOIN schedules s ON s.platform = k_platform AND s.team_id = k_team "
            "AND s.channel_id = k_channel WHERE s.paused = 0 AND s.next_run_utc = k_due LIMIT ?) "
            "UPDATE schedules SET next_run_utc = c.k_next FROM c WHERE schedules.platform = c.k_platform "
            "AND schedules.team_id = c.k_team AND schedules.channel_id = c.k_channel "
            + _CLAIMED.format(columns=columns))


def claim_due_postgres(columns: str) -> str:
    """PostgreSQL: lock the rows first with FOR UPDATE SKIP LOCKED, so replicas claiming at once split the rows
    (a row another claim holds is skipped, not waited for; one it changed no longer matches its due value)."""
    return ("WITH k AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
            "AS k (k_platform, k_team, k_channel, k_due, k_next)), "
            "c AS (SELECT k.* FROM k JOIN schedules s ON s.platform = k_platform AND s.team_id = k_team "
            "AND s.channel_id = k_channel WHERE s.paused = 0 AND s.next_run_utc = k_due "
            "ORDER BY s.next_run_utc LIMIT ? FOR UPDATE OF s SKIP LOCKED) "
            "UPDATE schedules SET next_run_utc = c.k_next FROM c WHERE schedules.platform = c.k_platform "
            "AND schedules.team_id = c.k_team AND schedules.channel_id = c.k_channel "
            + _CLAIMED.format(columns=columns))


CLAIM_DUE = {"sqlite": claim_due_sqlite, "postgres": claim_due_postgres}


def claim_due_params(engine: str, keys: Sequence[Sequence[Any]], limit: int) -> tuple[Any, ...]:
    """The parameters of `CLAIM_DUE[engine]`: the key tuples, then the limit."""
    return (*keyed_params(engine, keys, 5), limit)


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
