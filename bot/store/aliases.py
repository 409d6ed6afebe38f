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


async def _merge_cards(db: _Connection, mapping: str, aliases: Mapping[str, str]) -> int:
    old_rows = await db.execute_fetchall(
        "SELECT platform, user_id, question_id, card, due FROM review_cards "
        "WHERE question_id IN (SELECT key FROM json_each(?))",
        (mapping,),
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
    await db.execute("DELETE FROM review_cards WHERE question_id IN (SELECT key FROM json_each(?))", (mapping,))
    for (platform, user_id, qid), (card, due) in sorted(best.items()):
        await db.execute(
            "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
            (platform, user_id, qid, card, due),
        )
    return len(old_rows)


async def _merge_seen(db: _Connection, mapping: str) -> int:
    await db.execute(
        "INSERT INTO user_seen (platform, user_id, question_id, times, last_at) "
        "SELECT s.platform, s.user_id, m.value, s.times, s.last_at "
        "FROM user_seen AS s JOIN json_each(?) AS m ON m.key = s.question_id WHERE true "
        "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET times = user_seen.times + excluded.times, "
        "last_at = max(user_seen.last_at, excluded.last_at)",
        (mapping,),
    )
    cur = await db.execute("DELETE FROM user_seen WHERE question_id IN (SELECT key FROM json_each(?))", (mapping,))
    return int(cur.rowcount)


async def _rewrite(db: _Connection, table: str, mapping: str) -> int:
    # OR IGNORE: a table added later with a unique key on question_id keeps its row rather than failing start-up.
    cur = await db.execute(
        f'UPDATE OR IGNORE "{table}" SET question_id = (SELECT value FROM json_each(?1) WHERE key = question_id) '
        "WHERE question_id IN (SELECT key FROM json_each(?1))",
        (mapping,),
    )
    left = await db.execute_fetchall(
        f'SELECT COUNT(*) FROM "{table}" WHERE question_id IN (SELECT key FROM json_each(?))', (mapping,)
    )
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
    mapping = json.dumps(resolved, sort_keys=True)
    counts: dict[str, int] = {}
    async with store.write() as db:
        for table in await _tables_with_question_id(db):
            if table == "review_cards":
                counts[table] = await _merge_cards(db, mapping, resolved)
            elif table == "user_seen":
                counts[table] = await _merge_seen(db, mapping)
            else:
                counts[table] = await _rewrite(db, table, mapping)
    if any(counts.values()):
        log.info("moved history from merged-away question ids: %s",
                 ", ".join(f"{t} {n}" for t, n in counts.items() if n))
    return counts
