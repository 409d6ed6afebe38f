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

log = logging.getLogger(__name__)


class _Connection(Protocol):
    async def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    async def executemany(self, sql: str, parameters: Any, /) -> Any: ...

    async def execute_fetchall(self, sql: str, parameters: Any = ..., /) -> Any: ...


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


async def _tables_with_question_id(db: _Connection) -> list[str]:
    tables = await db.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    found = []
    for (name,) in tables:
        columns = await db.execute_fetchall("SELECT name FROM pragma_table_info(?)", (name,))
        if any(c[0] == "question_id" for c in columns):
            found.append(name)
    return found


def _card_recency(card_json: str, due: str) -> tuple[str, str]:
    try:
        last = json.loads(card_json).get("last_review") or ""
    except (ValueError, AttributeError):
        last = ""
    return str(last), due


_MAP = "temp.question_alias_map"  # old_id → new_id, on this connection only (no change to the schema)
_OLD_IDS = f"(SELECT old_id FROM {_MAP})"
_NEW_ID = f"(SELECT new_id FROM {_MAP} WHERE old_id = question_id)"


async def _merge_cards(db: _Connection, aliases: Mapping[str, str]) -> int:
    old_rows = await db.execute_fetchall(
        f"SELECT platform, user_id, question_id, card, due FROM review_cards WHERE question_id IN {_OLD_IDS}"
    )
    if not old_rows:
        return 0
    kept_ids = json.dumps(sorted(set(aliases.values())))
    users = json.dumps(sorted({f"{r[0]}\x1f{r[1]}" for r in old_rows}))
    current = await db.execute_fetchall(
        "SELECT platform, user_id, question_id, card, due FROM review_cards "
        "WHERE question_id IN (SELECT value FROM json_each(?)) "
        "AND platform || char(31) || user_id IN (SELECT value FROM json_each(?))",
        (kept_ids, users),
    )
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
    await db.execute(
        "INSERT INTO user_seen (platform, user_id, question_id, times, last_at) "
        f"SELECT platform, user_id, {_NEW_ID}, times, last_at FROM user_seen WHERE question_id IN {_OLD_IDS} "
        "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET times = user_seen.times + excluded.times, "
        "last_at = max(user_seen.last_at, excluded.last_at)"
    )
    cur = await db.execute(f"DELETE FROM user_seen WHERE question_id IN {_OLD_IDS}")
    return int(cur.rowcount)


# Tables where question_id is in no unique key: a plain update cannot collide.
_PLAIN = frozenset({"grades", "posts"})


async def _rewrite(db: _Connection, table: str) -> int:
    # One scan of the table (question_id is in no index); ids are looked up in the indexed temp map.
    # OR IGNORE: a table added later with a unique key on question_id keeps its row rather than failing start-up.
    cur = await db.execute(f'UPDATE OR IGNORE "{table}" SET question_id = {_NEW_ID} WHERE question_id IN {_OLD_IDS}')
    if table not in _PLAIN:
        left = await db.execute_fetchall(f'SELECT COUNT(*) FROM "{table}" WHERE question_id IN {_OLD_IDS}')
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
    async with store.write() as db:
        await db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_MAP.split('.')[1]} "
                         "(old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL) WITHOUT ROWID")
        await db.execute(f"DELETE FROM {_MAP}")
        await db.executemany(f"INSERT INTO {_MAP} (old_id, new_id) VALUES (?, ?)", sorted(resolved.items()))
        for table in await _tables_with_question_id(db):
            if table == "review_cards":
                counts[table] = await _merge_cards(db, resolved)
            elif table == "user_seen":
                counts[table] = await _merge_seen(db)
            else:
                counts[table] = await _rewrite(db, table)
        await db.execute(f"DELETE FROM {_MAP}")
    if any(counts.values()):
        log.info("moved history from merged-away question ids: %s",
                 ", ".join(f"{t} {n}" for t, n in counts.items() if n))
    return counts
