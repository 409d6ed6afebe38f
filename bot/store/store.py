"""The store: the queries the core needs, over a backend (SQLite file or PostgreSQL server, see backend.py).

Every statement is parameterised and written with `?` placeholders in portable SQL. Writes go through
`write()` (SQLite: a lock plus BEGIN IMMEDIATE/COMMIT on the shared connection; PostgreSQL: a transaction on
a pooled connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.clock import iso
from bot.domain.events import Place
from bot.domain.grades import GradePlan, GradeRequest, GradeResult, GradeState
from bot.domain.records import PostRow, UserSettings
from bot.store import claims, grades
from bot.store.backend import DatabaseUnavailableError, is_postgres_url, redacted
from bot.store.claims import ReminderCandidate
from bot.store.sql import DRAW_QUIZ_POST, KEYS, keyed_params
from bot.store.sql import keyed_lookup_sqlite as keyed_lookup
from bot.store.sqlite_backend import SqliteBackend

__all__ = ["DatabaseUnavailableError", "PostRow", "Store", "keyed_lookup"]
log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a platform may redeliver an event (Slack retries for minutes, Discord not at all): ids older go.
EVENT_MEMORY = timedelta(days=1)
# A grade batch whose connection dropped (server restart, failover) is retried after these pauses (seconds).
GRADE_RETRY_DELAYS = (0.1, 0.3, 0.6, 1.2, 2.4, 4.0)

_POST_COLUMNS = (
    "id, platform, team_id, channel_id, kind, user_id, question_id, local_date, cycle, status, "
    "message_id, thread_id, reveal_at, revealed_at, created_at"
)


@dataclass(frozen=True, slots=True)
class QotdClaim:
    """One channel's question of the day to record as pending (see `Store.claim_qotds`)."""

    place: Place
    local_day: date
    question_id: str
    cycle: int
    reveal_at: datetime


def _post(row: Any) -> PostRow | None:
    return PostRow(*row) if row is not None else None


class Store:
    """Async access to the database. Open with `async with Store.open(target) as store`, where target is a
    SQLite path or a `postgresql://` URL."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.engine: str = backend.engine
        self.target = backend.path if self.engine == "sqlite" else backend.url

    @property
    def path(self) -> Path | str:
        """Where the data lives: the SQLite file, or the PostgreSQL URL (print it with `redacted()`)."""
        return self.target

    @property
    def conn(self) -> Any:
        """The aiosqlite connection (SQLite only)."""
        assert isinstance(self.backend, SqliteBackend)
        return self.backend.conn

    def __repr__(self) -> str:
        return f"Store({self.engine}: {redacted(self.target)})"

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, target: str | Path, *, pool_size: int | None = None) -> AsyncIterator[Store]:
        """`pool_size`: connections to PostgreSQL (BOT_DATABASE_POOL_SIZE, read by bot.app; default 10)."""
        if is_postgres_url(target):
            from bot.store.postgres_backend import DEFAULT_POOL_SIZE, PostgresBackend

            backend: Any = await PostgresBackend.open(str(target), pool_size or DEFAULT_POOL_SIZE)
        else:
            backend = await SqliteBackend.open(target)
        try:
            yield cls(backend)
        finally:
            await backend.close()

    def write(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """A write transaction; commits on success, rolls back on error."""
        return self.backend.write()

    def check_file(self) -> None:
        """Raise DatabaseUnavailableError if the SQLite file we opened was deleted or replaced."""
        self.backend.check_file()

    async def health(self) -> str | None:
        """None when the database answers a query (and, on SQLite, is the file we opened); else what is wrong."""
        return await self.backend.health()

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """SQLite only: run `fn(connection)` on the database thread in one hop, under the write lock."""
        assert isinstance(self.backend, SqliteBackend)
        return await self.backend.run_sync(fn)

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement committed on its own (atomic with its triggers); rows of its RETURNING clause."""
        return await self.backend.execute_alone(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.backend.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.backend.fetchall(sql, params)

    async def checkpoint(self) -> None:
        """SQLite: copy the WAL back into the database without blocking other connections."""
        await self.backend.checkpoint()

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

    async def registration(self, platform: str, team_id: str, user_id: str, display_name: str,
                           platform_timezone: str | None) -> tuple[bool, str | None]:
        """(whether the team and user rows already hold what `ensure_team` + `ensure_user` would write, the notice
        left for the user if any; take it with `clear_pending_notice`).

        One read, so that a command writes (and fsyncs) only when something changed; read each time rather than
        remembered, because another process may have written the rows since.
        """
        row = await self.fetchone(
            "SELECT (SELECT COUNT(*) FROM teams WHERE platform = ? AND team_id = ?), display_name, "
            "platform_timezone, pending_notice FROM users WHERE platform = ? AND user_id = ?",
            (platform, team_id, platform, user_id),
        )
        if row is None:
            return False, None
        notice = str(row[3]) if row[3] else None
        if not row[0]:
            return False, notice
        return (not display_name or row[1] == display_name) and (platform_timezone is None
                                                                 or row[2] == platform_timezone), notice

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
        async with self.write() as db:
            await db.execute(f"UPDATE users SET {column} = ? WHERE platform = ? AND user_id = ?",
                             (value, platform, user_id))

    async def clear_pending_notice(self, platform: str, user_id: str, notice: str) -> str | None:
        """Take a notice read earlier: a conditional clear, so that of two processes taking it at once only one
        shows it. The notice, or None when another process took it first."""
        async with self.write() as db:
            cur = await db.execute(
                "UPDATE users SET pending_notice = NULL WHERE platform = ? AND user_id = ? AND pending_notice = ?",
                (platform, user_id, notice),
            )
            taken = cur.rowcount == 1
        return notice if taken else None

    async def ensure_team(self, platform: str, team_id: str, now: datetime) -> None:
        async with self.write() as db:
            await db.execute(
                "INSERT INTO teams (platform, team_id, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (platform, team_id) DO NOTHING",
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
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (platform, event_id) DO NOTHING",
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
        if self.engine == "sqlite":
            return await self.run_sync(lambda conn: grades.apply_sqlite(conn, batch, decide))
        return await self._apply_grades_postgres(batch, decide)

    async def _apply_grades_postgres(self, batch: Sequence[GradeRequest],
                                     decide: Callable[[Sequence[GradeRequest], GradeState], GradePlan]
                                     ) -> list[GradeResult]:
        """One transaction per batch; a dropped connection (server restart) retries the batch with backoff."""
        from bot.store.postgres_backend import CONNECTION_ERRORS

        for attempt, delay in enumerate((*GRADE_RETRY_DELAYS, None), start=1):
            try:
                async with self.backend.connection() as conn:
                    return await grades.apply_postgres(conn, batch, decide)
            except CONNECTION_ERRORS as exc:
                if delay is None:
                    raise DatabaseUnavailableError("the database server cannot be reached right now") from exc
                log.warning("grade batch of %d: database connection lost (attempt %d), retrying in %.1f s",
                            len(batch), attempt, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # --- posts ------------------------------------------------------------------------------------

    async def create_quiz_post(self, place: Place, user_id: str, question_id: str, now: datetime) -> int:
        """Record a private draw; a trigger counts it as served to the user. Returns the post id.

        One statement, committed on its own (atomic with its trigger): a single trip to the database.
        """
        stamp = iso(now)
        return await self.backend.insert_returning_id(
            "INSERT INTO posts (platform, team_id, channel_id, kind, user_id, question_id, status, "
            "created_at, posted_at) VALUES (?, ?, ?, 'quiz', ?, ?, 'posted', ?, ?)",
            (place.platform, place.team_id, place.channel_id, user_id, question_id, stamp, stamp),
        )

    async def draw_quiz_post(self, place: Place, user_id: str, question_id: str, now: datetime,
                             expected_times: int) -> int | None:
        """Record a private draw only if the question was served to the user exactly `expected_times` times
        (what the caller's cached counts say); the new post id, or None when the stored count differs (another
        process served it meanwhile: re-read the counts and choose again).

        The check and the insert are one statement (atomic with the served-count trigger): one trip to the
        database per draw, where a read then an insert took two.
        """
        stamp = iso(now)
        params = (place.platform, place.team_id, place.channel_id, user_id, question_id, stamp, stamp,
                  place.platform, user_id, question_id, expected_times)
        if self.engine == "sqlite":
            def insert(conn: sqlite3.Connection) -> int | None:
                cur = conn.execute(DRAW_QUIZ_POST, params)  # autocommit: committed with its trigger
                return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid is not None else None

            return await self.run_sync(insert)
        rows = await self.execute_alone(f"{DRAW_QUIZ_POST} RETURNING id", params)
        return int(rows[0][0]) if rows else None

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

    async def qotd_history(self, place: Place, local_day: date, cycle: int) -> tuple[bool, set[str]]:
        """(whether the channel has a post for `local_day`, the questions posted in `cycle`), in one read."""
        return (await self.qotd_histories([(place, local_day, cycle)]))[place]

    async def qotd_histories(self, wanted: Sequence[tuple[Place, date, int]]) -> dict[Place, tuple[bool, set[str]]]:
        """`qotd_history` of many channels (place, day, cycle) in one read."""
        keys = KEYS[self.engine]([("k_platform", "text"), ("k_team", "text"), ("k_channel", "text"),
                                  ("k_day", "text"), ("k_cycle", "int")])
        rows = await self.fetchall(
            f"WITH k AS ({keys}) SELECT k_platform, k_team, k_channel, p.question_id, p.cycle = k_cycle, "
            "p.local_date = k_day FROM k JOIN posts p ON p.platform = k_platform AND p.team_id = k_team "
            "AND p.channel_id = k_channel WHERE p.kind = 'qotd' AND (p.cycle = k_cycle OR p.local_date = k_day)",
            keyed_params(self.engine, [(p.platform, p.team_id, p.channel_id, d.isoformat(), c) for p, d, c in wanted],
                         5),
        )
        out: dict[Place, tuple[bool, set[str]]] = {place: (False, set()) for place, _, _ in wanted}
        for platform, team, channel, question_id, in_cycle, on_day in rows:
            place = Place(platform, team, channel)
            posted, used = out[place]
            if in_cycle:
                used.add(question_id)
            out[place] = (posted or bool(on_day), used)
        return out

    async def claim_qotds(self, wanted: Sequence[QotdClaim], now: datetime, owner: str) -> dict[Place, PostRow]:
        """`claim_qotd` for many channels in one statement: the rows recorded, by place (a channel that already
        has a post for its date is left out)."""
        if not wanted:
            return {}
        keys = KEYS[self.engine]([("k_platform", "text"), ("k_team", "text"), ("k_channel", "text"),
                                  ("k_question", "text"), ("k_day", "text"), ("k_cycle", "int"),
                                  ("k_reveal", "text"), ("k_now", "text"), ("k_owner", "text")])
        stamp = iso(now)
        rows = await self.execute_alone(
            f"WITH k AS ({keys}) INSERT INTO posts (platform, team_id, channel_id, kind, question_id, local_date, "
            "cycle, status, created_at, reveal_at, attempt_by, attempt_at) "
            "SELECT k_platform, k_team, k_channel, 'qotd', k_question, k_day, k_cycle, 'pending', k_now, k_reveal, "
            "k_owner, k_now FROM k WHERE true "  # `WHERE true`: SQLite's parser needs it before ON CONFLICT
            "ON CONFLICT (platform, team_id, channel_id, local_date) WHERE kind = 'qotd' DO NOTHING "
            f"RETURNING {_POST_COLUMNS}",
            keyed_params(self.engine, [(c.place.platform, c.place.team_id, c.place.channel_id, c.question_id,
                                        c.local_day.isoformat(), c.cycle, iso(c.reveal_at), stamp, owner)
                                       for c in wanted], 9),
        )
        posts = [PostRow(*r) for r in rows]
        return {p.place: p for p in posts}

    async def claim_qotd(
        self, place: Place, local_day: date, question_id: str, cycle: int, reveal_at: datetime, now: datetime,
        owner: str | None = None,
    ) -> PostRow | None:
        """Record the intent to post today's question (leased to `owner` for delivery) and return its row; None if
        this channel already has one for the date. One statement, committed on its own."""
        rows = await self.execute_alone(
            "INSERT INTO posts (platform, team_id, channel_id, kind, question_id, local_date, "
            "cycle, status, created_at, reveal_at, attempt_by, attempt_at) "
            "VALUES (?, ?, ?, 'qotd', ?, ?, ?, 'pending', ?, ?, ?, ?) "
            "ON CONFLICT (platform, team_id, channel_id, local_date) WHERE kind = 'qotd' DO NOTHING "
            f"RETURNING {_POST_COLUMNS}",
            (place.platform, place.team_id, place.channel_id, question_id, local_day.isoformat(), cycle,
             iso(now), iso(reveal_at), owner, iso(now)),
        )
        return PostRow(*rows[0]) if rows else None

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
        """Record the message of a delivered post (one statement, committed on its own)."""
        await self.execute_alone(
            "UPDATE posts SET status = 'posted', message_id = ?, thread_id = ?, posted_at = ? WHERE id = ?",
            (message_id, thread_id, iso(now), post_id),
        )

    async def mark_many_posted(self, delivered: Sequence[tuple[int, str, str | None, datetime]]) -> None:
        """`mark_posted` for many posts, (post id, message id, thread id, when), in one statement."""
        if not delivered:
            return
        keys = KEYS[self.engine]([("k_id", "bigint"), ("k_message", "text"), ("k_thread", "text"),
                                  ("k_at", "text")])
        await self.execute_alone(
            f"WITH k AS ({keys}) UPDATE posts SET status = 'posted', message_id = k_message, thread_id = k_thread, "
            "posted_at = k_at FROM k WHERE posts.id = k_id",
            keyed_params(self.engine, [(i, m, t, iso(at)) for i, m, t, at in delivered], 4),
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
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN grade IN ('good', 'easy') THEN 1 ELSE 0 END), 0) FROM grades "
            "WHERE post_id = ?",
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
                "INSERT INTO weekly_posts (platform, team_id, channel_id, week_key, posted_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, team_id, channel_id, week_key) DO NOTHING",
                (place.platform, place.team_id, place.channel_id, week, iso(now)),
            )
            return cur.rowcount == 1

    async def reminder_candidates(self) -> list[ReminderCandidate]:
        """Opted-in users holding a streak, as typed records (see `bot.store.claims`)."""
        return await claims.reminder_candidates(self)


