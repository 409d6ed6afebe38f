"""The SQLite store: one aiosqlite connection, serialized write transactions, and the queries the core needs.

Every statement is parameterised. Writes go through `write()` (a lock plus BEGIN IMMEDIATE/COMMIT) so that a
transaction never interleaves with another coroutine's statements on the shared connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import iso, parse_iso
from bot.domain.events import Place
from bot.domain.grades import GradePlan, GradeRequest, GradeResult, GradeState, ScoreChange, StoredGrade
from bot.domain.records import PostRow, UserSettings
from bot.domain.streak import StreakState
from bot.store import claims
from bot.store.claims import ReminderCandidate
from bot.store.db import open_database

__all__ = ["DatabaseUnavailableError", "PostRow", "Store", "keyed_lookup"]
log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a platform may redeliver an event (Slack retries for minutes, Discord not at all): ids older go.
EVENT_MEMORY = timedelta(days=1)


class DatabaseUnavailableError(RuntimeError):
    """The database file was deleted or replaced under the running bot: nothing more is written."""


def keyed_lookup(table: str, key_columns: tuple[str, ...], select: str) -> str:
    """SQL that fetches `select` from `table` for a JSON array of key tuples (one parameter).

    A row-value `IN (VALUES ...)` makes SQLite scan the whole table; joining a json_each list of keys lets it
    use the primary key for every lookup.
    """
    keys = ", ".join(f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(key_columns))
    match = " AND ".join(f"t.{c} = k.{c}" for c in key_columns)
    return f"WITH k AS (SELECT {keys} FROM json_each(?)) SELECT {select} FROM k JOIN {table} t ON {match}"


_POST_COLUMNS = (
    "id, platform, team_id, channel_id, kind, user_id, question_id, local_date, cycle, status, "
    "message_id, thread_id, reveal_at, revealed_at, created_at"
)


def _post(row: sqlite3.Row | None) -> PostRow | None:
    return PostRow(*row) if row is not None else None


class Store:
    """Async access to the database. Open with `async with Store.open(path) as store`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._identity = _file_identity(path)
        self._gone_logged = False
        self._write_lock = asyncio.Lock()
        # Users with a pending notice, loaded on first use: most commands then need no query to learn "none".
        self._notices: set[tuple[str, str]] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, path: str | Path) -> AsyncIterator[Store]:
        conn = await open_database(path)
        try:
            yield cls(conn, Path(path))
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; commits on success, rolls back on error."""
        async with self._write_lock:
            self.check_file()
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    def check_file(self) -> None:
        """Raise DatabaseUnavailableError if the file we opened was deleted or replaced (its inode changed)."""
        if self._identity is None:  # ":memory:"
            return
        now = _file_identity(self.path)
        if now == self._identity:
            return
        if not self._gone_logged:
            self._gone_logged = True
            log.error("database file %s was %s while the bot runs; refusing every write until it is restored "
                      "and the bot restarted", self.path, "deleted" if now == _GONE else "replaced")
        raise DatabaseUnavailableError(f"the database file {self.path} was deleted or replaced")

    async def health(self) -> str | None:
        """None when the file is the one we opened and answers a query; else what is wrong."""
        try:
            self.check_file()
            await self.fetchone("SELECT count(*) FROM sqlite_master")
        except DatabaseUnavailableError as exc:
            return str(exc)
        except (sqlite3.Error, ValueError) as exc:
            return f"the database does not answer: {exc}"
        return None

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the database thread in one hop, under the write lock.

        `fn` owns the transaction (BEGIN IMMEDIATE ... COMMIT). aiosqlite's `_execute` is the documented-by-source
        way to queue a function on its thread; using it saves one thread hop per statement.
        """
        async with self._write_lock:
            self.check_file()
            raw = self.conn._connection
            assert raw is not None
            return await self.conn._execute(fn, raw)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)  # one trip to the database thread, not three
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def checkpoint(self) -> None:
        """Copy the WAL back into the database without blocking other connections.

        Under the write lock: on this shared connection a checkpoint inside another coroutine's open transaction
        fails with "database table is locked".
        """
        async with self._write_lock:
            await self.conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")

    # --- teams and users -------------------------------------------------------------------------

    async def ensure_user(self, platform: str, user_id: str, display_name: str, now: datetime,
                          platform_timezone: str | None = None) -> None:
        """Create or refresh a user; `platform_timezone` (as the platform reports it) is kept when given."""
        async with self.write() as db:
            await db.execute(
                "INSERT INTO users (platform, user_id, display_name, created_at, platform_timezone) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, user_id) DO UPDATE SET display_name = "
                "COALESCE(NULLIF(excluded.display_name, ''), users.display_name), "
                "platform_timezone = COALESCE(excluded.platform_timezone, users.platform_timezone)",
                (platform, user_id, display_name, iso(now), platform_timezone),
            )

    async def user_settings(self, platform: str, user_id: str) -> UserSettings | None:
        row = await self.fetchone(
            "SELECT display_name, timezone, remind_hours, reminded_on, pending_notice FROM users "
            "WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        return UserSettings(*row) if row is not None else None

    async def set_user_field(self, platform: str, user_id: str, column: str, value: Any) -> None:
        if column not in {"timezone", "remind_hours", "reminded_on", "pending_notice"}:
            raise ValueError(column)
        if column == "pending_notice" and value and self._notices is not None:
            self._notices.add((platform, user_id))
        async with self.write() as db:
            await db.execute(f"UPDATE users SET {column} = ? WHERE platform = ? AND user_id = ?",
                             (value, platform, user_id))

    async def take_pending_notice(self, platform: str, user_id: str) -> str | None:
        """A notice left for the user (e.g. a DM that could not be delivered), removed as it is taken."""
        if self._notices is None:
            rows = await self.fetchall("SELECT platform, user_id FROM users WHERE pending_notice IS NOT NULL")
            self._notices = {(r[0], r[1]) for r in rows}
        if (platform, user_id) not in self._notices:
            return None  # the common case, answered without a query
        self._notices.discard((platform, user_id))
        row = await self.fetchone(
            "SELECT pending_notice FROM users WHERE platform = ? AND user_id = ?", (platform, user_id)
        )
        if row is None or not row[0]:
            return None
        await self.set_user_field(platform, user_id, "pending_notice", None)
        return str(row[0])

    async def ensure_team(self, platform: str, team_id: str, now: datetime) -> None:
        async with self.write() as db:
            await db.execute(
                "INSERT OR IGNORE INTO teams (platform, team_id, created_at) VALUES (?, ?, ?)",
                (platform, team_id, iso(now)),
            )

    async def team_timezone(self, platform: str, team_id: str) -> str | None:
        row = await self.fetchone(
            "SELECT timezone FROM teams WHERE platform = ? AND team_id = ?", (platform, team_id)
        )
        return row[0] if row else None

    async def set_team_timezone(self, platform: str, team_id: str, tz: str) -> None:
        async with self.write() as db:
            await db.execute(
                "UPDATE teams SET timezone = ? WHERE platform = ? AND team_id = ?", (tz, platform, team_id)
            )

    async def is_listed_admin(self, platform: str, team_id: str, user_id: str) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM team_admins WHERE platform = ? AND team_id = ? AND user_id = ?",
            (platform, team_id, user_id),
        )
        return row is not None

    async def team_admin_ids(self, platform: str, team_id: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT user_id FROM team_admins WHERE platform = ? AND team_id = ? ORDER BY user_id",
            (platform, team_id),
        )
        return [r[0] for r in rows]

    async def set_team_admins(self, platform: str, team_id: str, user_ids: Iterable[str]) -> None:
        async with self.write() as db:
            await db.execute("DELETE FROM team_admins WHERE platform = ? AND team_id = ?", (platform, team_id))
            await db.executemany(
                "INSERT INTO team_admins (platform, team_id, user_id) VALUES (?, ?, ?)",
                [(platform, team_id, u) for u in user_ids],
            )

    async def is_new_event(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; False when it was seen before (a redelivery)."""
        async with self.write() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)",
                (platform, event_id, iso(now)),
            )
            return cur.rowcount == 1

    async def prune_events(self, now: datetime) -> int:
        """Forget event ids older than any platform redelivers them; returns how many went."""
        async with self.write() as db:
            cur = await db.execute("DELETE FROM processed_events WHERE seen_at < ?", (iso(now - EVENT_MEMORY),))
            return cur.rowcount

    # --- grades -----------------------------------------------------------------------------------

    async def apply_grades(self, batch: Sequence[GradeRequest],
                           decide: Callable[[Sequence[GradeRequest], GradeState], GradePlan]) -> list[GradeResult]:
        """Read the state a batch of grades needs, let `decide` (the grading rules) plan it, and write the
        plan: grades, leaderboard totals, streaks and review cards, in one transaction, in one trip to the
        database thread. Committed (synchronous=FULL) before this returns."""
        return await self.run_sync(lambda conn: _apply_grades(conn, batch, decide))

    # --- posts ------------------------------------------------------------------------------------

    async def create_quiz_post(self, place: Place, user_id: str, question_id: str, now: datetime) -> int:
        """Record a private draw; a trigger counts it as served to the user. Returns the post id.

        One statement, committed on its own (atomic with its trigger): a single trip to the database thread.
        """
        stamp = iso(now)
        async with self._write_lock:
            self.check_file()
            cur = await self.conn.execute(
                "INSERT INTO posts (platform, team_id, channel_id, kind, user_id, question_id, status, "
                "created_at, posted_at) VALUES (?, ?, ?, 'quiz', ?, ?, 'posted', ?, ?)",
                (place.platform, place.team_id, place.channel_id, user_id, question_id, stamp, stamp),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def served_counts(self, platform: str, user_id: str) -> dict[str, int]:
        rows = await self.fetchall(
            "SELECT question_id, times FROM user_seen WHERE platform = ? AND user_id = ?", (platform, user_id)
        )
        return {r[0]: r[1] for r in rows}

    async def get_post(self, post_id: int) -> PostRow | None:
        return _post(await self.fetchone(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)))

    async def post_by_message(self, platform: str, message_id: str) -> PostRow | None:
        return _post(
            await self.fetchone(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE platform = ? AND message_id = ? AND kind = 'qotd'",
                (platform, message_id),
            )
        )

    async def latest_qotd(self, place: Place) -> PostRow | None:
        return _post(
            await self.fetchone(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE platform = ? AND team_id = ? AND channel_id = ? "
                "AND kind = 'qotd' AND status = 'posted' ORDER BY local_date DESC LIMIT 1",
                (place.platform, place.team_id, place.channel_id),
            )
        )

    async def latest_team_qotd(self, platform: str, team_id: str) -> PostRow | None:
        return _post(
            await self.fetchone(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE platform = ? AND team_id = ? AND kind = 'qotd' "
                "AND status = 'posted' ORDER BY posted_at DESC LIMIT 1",
                (platform, team_id),
            )
        )

    async def qotd_for_date(self, place: Place, local_day: date) -> PostRow | None:
        return _post(
            await self.fetchone(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE platform = ? AND team_id = ? AND channel_id = ? "
                "AND kind = 'qotd' AND local_date = ?",
                (place.platform, place.team_id, place.channel_id, local_day.isoformat()),
            )
        )

    async def used_in_cycle(self, place: Place, cycle: int) -> set[str]:
        rows = await self.fetchall(
            "SELECT question_id FROM posts WHERE platform = ? AND team_id = ? AND channel_id = ? "
            "AND kind = 'qotd' AND cycle = ?",
            (place.platform, place.team_id, place.channel_id, cycle),
        )
        return {r[0] for r in rows}

    async def claim_qotd(
        self, place: Place, local_day: date, question_id: str, cycle: int, reveal_at: datetime, now: datetime,
        owner: str | None = None,
    ) -> int | None:
        """Record the intent to post today's question (leased to `owner` for delivery); None if this channel
        already has one for the date."""
        async with self.write() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO posts (platform, team_id, channel_id, kind, question_id, local_date, "
                "cycle, status, created_at, reveal_at, attempt_by, attempt_at) "
                "VALUES (?, ?, ?, 'qotd', ?, ?, ?, 'pending', ?, ?, ?, ?)",
                (place.platform, place.team_id, place.channel_id, question_id, local_day.isoformat(), cycle,
                 iso(now), iso(reveal_at), owner, iso(now)),
            )
            return cur.lastrowid if cur.rowcount == 1 else None

    async def take_delivery(self, post_id: int, owner: str, now: datetime, stale_before: datetime) -> bool:
        """Lease a pending post for delivery: True if it was free, already ours, or its lease ran out."""
        async with self.write() as db:
            cur = await db.execute(
                "UPDATE posts SET attempt_by = ?, attempt_at = ? WHERE id = ? AND status = 'pending' AND "
                "(attempt_by IS NULL OR attempt_by = ? OR attempt_at IS NULL OR attempt_at < ?)",
                (owner, iso(now), post_id, owner, iso(stale_before)),
            )
            return cur.rowcount == 1

    async def pending_qotd(self) -> list[PostRow]:
        rows = await self.fetchall(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE kind = 'qotd' AND status = 'pending' ORDER BY id"
        )
        return [PostRow(*r) for r in rows]

    async def mark_posted(self, post_id: int, message_id: str, thread_id: str | None, now: datetime) -> None:
        async with self.write() as db:
            await db.execute(
                "UPDATE posts SET status = 'posted', message_id = ?, thread_id = ?, posted_at = ? WHERE id = ?",
                (message_id, thread_id, iso(now), post_id),
            )

    async def mark_post_status(self, post_id: int, status: str) -> None:
        async with self.write() as db:
            await db.execute("UPDATE posts SET status = ? WHERE id = ?", (status, post_id))

    async def due_reveals(self, now: datetime) -> list[PostRow]:
        rows = await self.fetchall(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE kind = 'qotd' AND status = 'posted' "
            "AND revealed_at IS NULL AND reveal_at <= ? ORDER BY reveal_at",
            (iso(now),),
        )
        return [PostRow(*r) for r in rows]

    async def mark_revealed(self, post_id: int, now: datetime) -> bool:
        """Claim the public reveal; False if another tick already did."""
        async with self.write() as db:
            cur = await db.execute(
                "UPDATE posts SET revealed_at = ? WHERE id = ? AND revealed_at IS NULL", (iso(now), post_id)
            )
            return cur.rowcount == 1

    async def post_grade_summary(self, post_id: int) -> tuple[int, int]:
        """(number of grades, number rated good or easy) for a post."""
        row = await self.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(grade IN ('good', 'easy')), 0) FROM grades WHERE post_id = ?",
            (post_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def delete_post(self, post_id: int) -> None:
        async with self.write() as db:
            await db.execute("DELETE FROM posts WHERE id = ? AND NOT EXISTS "
                             "(SELECT 1 FROM grades WHERE grades.post_id = posts.id)", (post_id,))

    async def claim_weekly_post(self, place: Place, week: str, now: datetime) -> bool:
        """Claim the weekly leaderboard post for a channel and week; False if already made."""
        async with self.write() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO weekly_posts (platform, team_id, channel_id, week_key, posted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (place.platform, place.team_id, place.channel_id, week, iso(now)),
            )
            return cur.rowcount == 1

    async def reminder_candidates(self) -> list[ReminderCandidate]:
        """Opted-in users holding a streak, as typed records (see `bot.store.claims`)."""
        return await claims.reminder_candidates(self)


_GONE = (-1, -1)


def _file_identity(path: Path) -> tuple[int, int] | None:
    if str(path) == ":memory:":
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _GONE
    return (st.st_dev, st.st_ino)


_GRADE_COLUMNS = "t.post_id, t.platform, t.user_id, t.grade, t.points, t.team_id, t.week_key, t.month_key, " \
    "t.occurred_at"
_STREAK_COLUMNS = "t.platform, t.team_id, t.user_id, t.current, t.best, t.freezes, t.freezes_used, t.last_date"
_SCORE_KEY = ("platform", "team_id", "period", "user_id")
PUT_SCORES = (
    "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (platform, team_id, period, user_id) DO UPDATE SET points = excluded.points, "
    "grades = excluded.grades, achieved_at = excluded.achieved_at"
)
MOVE_LEVELS = (
    "INSERT INTO score_levels (platform, team_id, period, points, users) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (platform, team_id, period, points) DO UPDATE SET users = users + excluded.users"
)


def _write_scores(conn: sqlite3.Connection, changes: Sequence[ScoreChange]) -> None:
    """Leaderboard totals and the score-level histogram, both kept here (no trigger does any of it).

    The batch's changes are folded per total first, so a total is read once and written once, and a level's
    count moves once per batch however many players pass through it.
    """
    if not changes:
        return
    keys = list(dict.fromkeys((c.platform, c.team_id, c.period, c.user_id) for c in changes))
    totals: dict[tuple[str, str, str, str], tuple[float, int, str]] = {
        (r[0], r[1], r[2], r[3]): (r[4], r[5], r[6])
        for r in conn.execute(keyed_lookup("scores", _SCORE_KEY, "t.platform, t.team_id, t.period, t.user_id, "
                                           "t.points, t.grades, t.achieved_at"), (json.dumps(keys),))
    }
    before = dict(totals)
    for c in changes:
        key = (c.platform, c.team_id, c.period, c.user_id)
        points, grades, achieved = totals.get(key, (0.0, 0, iso(c.at)))
        if not c.first and key not in totals:
            continue  # a regrade of a total that is gone: nothing to move
        # A first grade dates the total only when it earns points (ties go to who got there first); a regrade
        # always does.
        stamp = iso(c.at) if (c.points > 0 or not c.first or key not in totals) else achieved
        totals[key] = (points + c.points, grades + (1 if c.first else 0), stamp)
    levels: dict[tuple[str, str, str, float], int] = {}
    for key, (points, _, _) in totals.items():
        old = before.get(key)
        if old is not None and old[0] == points:
            continue
        if old is not None:
            levels[(*key[:3], old[0])] = levels.get((*key[:3], old[0]), 0) - 1
        levels[(*key[:3], points)] = levels.get((*key[:3], points), 0) + 1
    # Rows sorted by key: neighbouring keys share B-tree pages, which makes the batch markedly cheaper.
    conn.executemany(PUT_SCORES, sorted((*key, *value) for key, value in totals.items() if before.get(key) != value))
    conn.executemany(MOVE_LEVELS, sorted((*key, users) for key, users in levels.items() if users))


def _grade_rows(grades: list[GradeRequest]) -> list[tuple[Any, ...]]:
    return [(r.post_id, r.platform, r.user_id, r.team_id, r.question_id, r.topic, r.grade, r.points,
             iso(r.graded_at), r.local_date.isoformat(), r.week_key, r.month_key,
             iso(r.occurred_at) if r.occurred_at else None) for r in grades]


def _grade_key(row: tuple[Any, ...]) -> tuple[int, str, str]:
    return (row[0], row[1], row[2])


def _apply_grades(conn: sqlite3.Connection, batch: Sequence[GradeRequest],
                  decide: Callable[[Sequence[GradeRequest], GradeState], GradePlan]) -> list[GradeResult]:
    """The synchronous body of `Store.apply_grades`, run on the database thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        keys = json.dumps(list(dict.fromkeys(r.key for r in batch)))
        grades = {
            (row[0], row[1], row[2]): StoredGrade(row[3], row[4], row[5], row[6], row[7],
                                                  parse_iso(row[8]) if row[8] else None)
            for row in conn.execute(keyed_lookup("grades", ("post_id", "platform", "user_id"), _GRADE_COLUMNS),
                                    (keys,))
        }
        people = json.dumps(list(dict.fromkeys(r.person for r in batch)))
        streaks = {
            (row[0], row[1], row[2]): StreakState(row[3], row[4], row[5], row[6],
                                                  date.fromisoformat(row[7]) if row[7] else None)
            for row in conn.execute(keyed_lookup("streaks", ("platform", "team_id", "user_id"), _STREAK_COLUMNS),
                                    (people,))
        }
        card_keys = json.dumps(list(dict.fromkeys(r.card_key for r in batch)))
        cards = {
            (row[0], row[1], row[2]): row[3]
            for row in conn.execute(keyed_lookup("review_cards", ("platform", "user_id", "question_id"),
                                                 "t.platform, t.user_id, t.question_id, t.card"), (card_keys,))
        }
        plan = decide(batch, GradeState(grades, streaks, cards))
        _write_scores(conn, plan.scores)
        grade_rows = sorted(_grade_rows(plan.grades), key=_grade_key)  # stable: a key's grades keep their order
        conn.executemany(
            "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, "
            "graded_at, local_date, week_key, month_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (post_id, platform, user_id) DO UPDATE SET grade = excluded.grade, "
            "points = excluded.points, regraded_at = excluded.graded_at, "
            "occurred_at = COALESCE(excluded.occurred_at, grades.occurred_at)",
            grade_rows,
        )
        conn.executemany(
            "INSERT INTO streaks (platform, team_id, user_id, current, best, freezes, freezes_used, last_date) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, team_id, user_id) DO UPDATE SET "
            "current = excluded.current, best = excluded.best, freezes = excluded.freezes, "
            "freezes_used = excluded.freezes_used, last_date = excluded.last_date",
            [(*who, s.current, s.best, s.freezes, s.freezes_used, s.last_date.isoformat() if s.last_date else None)
             for who, s in plan.streaks.items()],
        )
        conn.executemany(
            "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
            [(*c.key, c.card_json, iso(c.due)) for c in plan.cards],
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return plan.results
