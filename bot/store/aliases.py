"""Move users' history from merged-away question ids to the question they were merged into.

When the bank merges questions (questions/curation/merges.yaml), the old ids become aliases of the kept one. At
start-up `apply_aliases` rewrites every stored question id that is an alias, in one transaction:

- review_cards: a user's card moves to the kept id; when the user has cards on several ids of the group, the
  card reviewed most recently wins (FSRS state is per card and cannot be added up);
- user_seen: times served are added up and the latest `last_at` is kept, so the question is not new again;
- every other table with a `question_id` column (grades, posts — the QOTD and quiz history — and any added
  later): a plain update. grades are keyed by post, so no two rows can collide.

Running it again finds nothing to do. Only `store.write()` is used, so it works on any store built on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.store.sql import LIST_TABLES, TABLE_COLUMNS

log = logging.getLogger(__name__)


class _Connection(Protocol):
    async def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    async def executemany(self, sql: str, parameters: Any, /) -> Any: ...

    async def fetchall(self, sql: str, parameters: Any = ..., /) -> Any: ...


class WritableStore(Protocol):
    def write(self) -> AbstractAsyncContextManager[Any]: ...


def resolve(aliases: Mapping[str, str]) -> dict[str, str]:
    """Follow chains (a → b → c gives a → c); drop self-maps and cycles."""
    out: dict[str, str] = {}
    for old in aliases:
        seen = {old}
        new = aliases[old]
        while new in aliases and new not in seen:
            seen.add(new)
            new = aliases[new]
        if new not in seen:
            out[old] = new
    return out


async def _tables_with_question_id(db: _Connection, engine: str) -> list[str]:
    found = []
    for (name,) in await db.fetchall(LIST_TABLES[engine]):
        columns = await db.fetchall(TABLE_COLUMNS[engine], (name,))
        if any(c[0] == "question_id" for c in columns):
            found.append(name)
    return found


def _card_recency(card_json: str, due: str) -> tuple[str, str]:
    try:
        last = json.loads(card_json).get("last_review") or ""
    except (ValueError, AttributeError):
        last = ""
    return str(last), due


_MAP = "question_alias_map"  # old_id → new_id, a temporary table on this connection (no change to the schema)
_CREATE_MAP = {
    "sqlite": f"CREATE TEMP TABLE IF NOT EXISTS {_MAP} (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL) WITHOUT ROWID",
    "postgres": f"CREATE TEMP TABLE IF NOT EXISTS {_MAP} (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL)",
}
_OLD_IDS = f"(SELECT old_id FROM {_MAP})"
_NEW_ID = f"(SELECT new_id FROM {_MAP} WHERE old_id = question_id)"


async def _merge_cards(db: _Connection, aliases: Mapping[str, str]) -> int:
    old_rows = await db.fetchall(
        f"SELECT platform, user_id, question_id, card, due FROM review_cards WHERE question_id IN {_OLD_IDS}"
    )
    if not old_rows:
        return 0
    users = {(r[0], r[1]) for r in old_rows}
    current = [r for r in await db.fetchall(
        "SELECT platform, user_id, question_id, card, due FROM review_cards "
        f"WHERE question_id IN (SELECT new_id FROM {_MAP})") if (r[0], r[1]) in users]
    best: dict[tuple[str, str, str], tuple[str, str]] = {}
    for platform, user_id, qid, card, due in [*current, *old_rows]:
        key = (platform, user_id, aliases.get(qid, qid))
        if key not in best or _card_recency(card, due) > _card_recency(*best[key]):
            best[key] = (card, due)
    await db.execute(f"DELETE FROM review_cards WHERE question_id IN {_OLD_IDS}")
    await db.executemany(
        "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
        [(*key, card, due) for key, (card, due) in sorted(best.items())],
    )
    return len(old_rows)


async def _merge_seen(db: _Connection) -> int:
    # Grouped first: several old ids of one group become one row (PostgreSQL refuses to upsert a row twice).
    await db.execute(
        "INSERT INTO user_seen (platform, user_id, question_id, times, last_at) "
        f"SELECT s.platform, s.user_id, m.new_id, SUM(s.times), MAX(s.last_at) FROM user_seen s JOIN {_MAP} m "
        "ON m.old_id = s.question_id WHERE s.times IS NOT NULL GROUP BY s.platform, s.user_id, m.new_id "
        "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET times = user_seen.times + excluded.times, "
        "last_at = CASE WHEN excluded.last_at > user_seen.last_at THEN excluded.last_at ELSE user_seen.last_at END"
    )
    cur = await db.execute(f"DELETE FROM user_seen WHERE question_id IN {_OLD_IDS}")
    return int(cur.rowcount)


# Tables where question_id is in no unique key: a plain update cannot collide.
_PLAIN = frozenset({"grades", "posts"})


async def _rewrite(db: _Connection, table: str, engine: str) -> int:
    # One scan of the table (question_id is in no index); ids are looked up in the indexed temp map.
    update = f'UPDATE "{table}" SET question_id = {_NEW_ID} WHERE question_id IN {_OLD_IDS}'
    if table in _PLAIN:
        return int((await db.execute(update)).rowcount)
    if engine == "sqlite":
        # OR IGNORE: a table added later with a unique key on question_id keeps its colliding rows rather than
        # failing start-up.
        cur = await db.execute(update.replace("UPDATE", "UPDATE OR IGNORE", 1))
    else:
        # PostgreSQL has no OR IGNORE: a collision undoes this table's update (a savepoint) and is logged.
        await db.execute("SAVEPOINT alias_rewrite")
        try:
            cur = await db.execute(update)
        except Exception as exc:
            await db.execute("ROLLBACK TO SAVEPOINT alias_rewrite")
            log.warning("%s: question ids left unchanged (%s)", table, type(exc).__name__)
            return 0
        await db.execute("RELEASE SAVEPOINT alias_rewrite")
    left = await db.fetchall(f'SELECT COUNT(*) FROM "{table}" WHERE question_id IN {_OLD_IDS}')
    if left and left[0][0]:
        log.warning("%s: %d row(s) kept their merged-away question id (a unique key collided)", table, left[0][0])
    return int(cur.rowcount)


async def apply_aliases(store: WritableStore, aliases: Mapping[str, str]) -> dict[str, int]:
    """Rewrite every stored question id that is an alias (old id → kept id); returns rows changed per table.

    One transaction; idempotent (a second run changes nothing and returns zeros).
    """
    resolved = resolve(aliases)
    if not resolved:
        return {}
    counts: dict[str, int] = {}
    engine = getattr(store, "engine", "sqlite")
    async with store.write() as db:
        await db.execute(_CREATE_MAP[engine])
        await db.execute(f"DELETE FROM {_MAP}")
        await db.executemany(f"INSERT INTO {_MAP} (old_id, new_id) VALUES (?, ?)", sorted(resolved.items()))
        for table in await _tables_with_question_id(db, engine):
            if table == "review_cards":
                counts[table] = await _merge_cards(db, resolved)
            elif table == "user_seen":
                counts[table] = await _merge_seen(db)
            else:
                counts[table] = await _rewrite(db, table, engine)
        await db.execute(f"DELETE FROM {_MAP}")
    if any(counts.values()):
        log.info("moved history from merged-away question ids: %s",
                 ", ".join(f"{t} {n}" for t, n in counts.items() if n))
    return counts
