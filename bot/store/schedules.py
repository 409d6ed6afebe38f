"""Storage of question-of-the-day schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.clock import iso, parse_iso
from bot.domain.events import Place
from bot.domain.schedule import Schedule
from bot.store.sql import CLAIM_LOCK, KEYS, keyed_params
from bot.store.store import Store

_COLUMNS = (
    "platform, team_id, channel_id, local_time, timezone, weekdays, topics, difficulty, reveal_minutes, "
    "use_thread, mention, paused, paused_reason, weekly_board, cycle, created_by, updated_at"
)


def _parse_stamp(text: str) -> datetime:
    """`parse_iso`, faster: every due schedule is read each tick, and strptime was a tenth of a fan-out's CPU."""
    try:
        return datetime.fromisoformat(text)  # Python 3.11 reads the trailing Z as UTC
    except ValueError:
        return parse_iso(text)


def _schedule(row: tuple) -> Schedule:
    (platform, team, channel, local_time, tz, weekdays, topics, difficulty, reveal, thread, mention, paused,
     reason, weekly, cycle, created_by, updated_at) = row
    return Schedule(
        place=Place(platform, team, channel),
        local_time=time.fromisoformat(local_time),
        timezone=tz,
        weekdays=tuple(d for d in weekdays.split(",") if d),
        topics=tuple(t for t in topics.split(",") if t),
        difficulty=difficulty or None,
        reveal_minutes=reveal,
        use_thread=bool(thread),
        mention=mention or None,
        paused=bool(paused),
        paused_reason=reason,
        weekly_board=bool(weekly),
        cycle=cycle,
        created_by=created_by,
        active_since=_parse_stamp(updated_at),
    )


async def get_schedule(store: Store, place: Place) -> Schedule | None:
    row = await store.fetchone(
        f"SELECT {_COLUMNS} FROM schedules WHERE platform = ? AND team_id = ? AND channel_id = ?",
        (place.platform, place.team_id, place.channel_id),
    )
    return _schedule(tuple(row)) if row else None


async def team_schedules(store: Store, platform: str, team_id: str) -> list[Schedule]:
    rows = await store.fetchall(
        f"SELECT {_COLUMNS} FROM schedules WHERE platform = ? AND team_id = ? ORDER BY channel_id",
        (platform, team_id),
    )
    return [_schedule(tuple(r)) for r in rows]


@dataclass(frozen=True, slots=True)
class DueRun:
    """A due schedule as read, with its stored next run (the value a claim compares against)."""

    schedule: Schedule
    due: str


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    """A schedule this process won for this run: fresh from the claim, with the channel's topic mode."""

    schedule: Schedule
    due: str
    next_run: str | None
    topic_mode: str | None


async def due_runs(store: Store, now: datetime) -> list[DueRun]:
    """Active schedules whose next run is at or before `now` (an indexed range read), each with its stored next
    run: the value `claim_due` compares against."""
    rows = await store.fetchall(
        f"SELECT {_COLUMNS}, next_run_utc FROM schedules WHERE paused = 0 AND next_run_utc IS NOT NULL "
        "AND next_run_utc <= ? ORDER BY next_run_utc",
        (iso(now),),
    )
    return [DueRun(_schedule(tuple(r)[:-1]), str(r[-1])) for r in rows]


async def claim_due(store: Store, runs: list[tuple[DueRun, datetime | None]], limit: int) -> list[ClaimedRun]:
    """Move up to `limit` of these runs to their next run (given with each), one statement: the ones we won.

    Compare-and-set on the stored next run, so of several processes claiming the same schedules each run is won
    by exactly one; on PostgreSQL rows another process is claiming right now are skipped (FOR UPDATE SKIP
    LOCKED), so concurrent claims split the due rows instead of waiting on each other.
    """
    if not runs or limit <= 0:
        return []
    keys = [(r.schedule.place.platform, r.schedule.place.team_id, r.schedule.place.channel_id, r.due,
             iso(n) if n else None) for r, n in runs]
    rows = await store.execute_alone(_claim_sql(store.engine), (*keyed_params(store.engine, keys, 5), limit))
    due = {(r.schedule.place.platform, r.schedule.place.team_id, r.schedule.place.channel_id): r.due
           for r, _ in runs}
    claimed = []
    for row in rows:
        values = tuple(row)
        schedule = _schedule(values[:-2])
        claimed.append(ClaimedRun(schedule, due[(schedule.place.platform, schedule.place.team_id,
                                                 schedule.place.channel_id)], values[-2], values[-1]))
    return claimed


def _claim_sql(engine: str) -> str:
    """Move the first `limit` rows still at their due value to their next run; return them with the topic mode.

    The key columns are named k_* so that the schedule's own columns stay unambiguous in RETURNING.
    """
    keys = KEYS[engine]([("k_platform", "text"), ("k_team", "text"), ("k_channel", "text"), ("k_due", "text"),
                         ("k_next", "text")])
    return (f"WITH k AS ({keys}), "
            "c AS (SELECT k.* FROM k JOIN schedules s ON s.platform = k_platform AND s.team_id = k_team "
            "AND s.channel_id = k_channel WHERE s.paused = 0 AND s.next_run_utc = k_due "
            f"ORDER BY s.next_run_utc LIMIT ?{CLAIM_LOCK[engine]}) "
            "UPDATE schedules SET next_run_utc = c.k_next FROM c WHERE schedules.platform = c.k_platform "
            "AND schedules.team_id = c.k_team AND schedules.channel_id = c.k_channel "
            f"RETURNING {_COLUMNS}, next_run_utc, (SELECT m.mode FROM qotd_topic_modes m WHERE "
            "m.platform = schedules.platform AND m.team_id = schedules.team_id "
            "AND m.channel_id = schedules.channel_id)")


async def release_claim(store: Store, run: ClaimedRun) -> bool:
    """Give a claimed run back (its next run as it was), so the next tick tries it again; False if it moved since."""
    rows = await store.execute_alone(
        "UPDATE schedules SET next_run_utc = ? WHERE platform = ? AND team_id = ? AND channel_id = ? "
        "AND COALESCE(next_run_utc, '') = ? RETURNING 1",
        (run.due, run.schedule.place.platform, run.schedule.place.team_id, run.schedule.place.channel_id,
         run.next_run or ""),
    )
    return bool(rows)


async def save_schedule(store: Store, s: Schedule, next_run: datetime | None, now: datetime) -> None:
    async with store.write() as db:
        await db.execute(
            f"INSERT INTO schedules ({_COLUMNS}, next_run_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?) ON CONFLICT (platform, team_id, channel_id) DO UPDATE SET local_time = excluded.local_time, "
            "timezone = excluded.timezone, weekdays = excluded.weekdays, topics = excluded.topics, "
            "difficulty = excluded.difficulty, reveal_minutes = excluded.reveal_minutes, "
            "use_thread = excluded.use_thread, mention = excluded.mention, paused = excluded.paused, "
            "paused_reason = excluded.paused_reason, weekly_board = excluded.weekly_board, "
            "created_by = excluded.created_by, updated_at = excluded.updated_at, next_run_utc = excluded.next_run_utc",
            (s.place.platform, s.place.team_id, s.place.channel_id, s.local_time.strftime("%H:%M"), s.timezone,
             ",".join(s.weekdays), ",".join(s.topics), s.difficulty or "", s.reveal_minutes, int(s.use_thread),
             s.mention, int(s.paused), s.paused_reason, int(s.weekly_board), s.cycle, s.created_by, iso(now),
             iso(next_run) if next_run else None),
        )


async def set_paused(store: Store, place: Place, paused: bool, reason: str | None, next_run: datetime | None,
                     now: datetime) -> None:
    async with store.write() as db:
        await db.execute(
            "UPDATE schedules SET paused = ?, paused_reason = ?, next_run_utc = ?, updated_at = ? "
            "WHERE platform = ? AND team_id = ? AND channel_id = ?",
            (int(paused), reason, iso(next_run) if next_run else None, iso(now), place.platform, place.team_id,
             place.channel_id),
        )


async def bump_cycle(store: Store, place: Place, expected: int) -> tuple[int, bool]:
    """Start the next cycle if the schedule is still on cycle `expected`: (cycle now, whether we started it).

    Compare-and-set, so two processes that both find the pool used up start one new cycle, not two.
    """
    async with store.write() as db:
        cur = await db.execute(
            "UPDATE schedules SET cycle = cycle + 1 WHERE platform = ? AND team_id = ? AND channel_id = ? "
            "AND cycle = ?",
            (place.platform, place.team_id, place.channel_id, expected),
        )
        bumped = cur.rowcount == 1
    row = await store.fetchone(
        "SELECT cycle FROM schedules WHERE platform = ? AND team_id = ? AND channel_id = ?",
        (place.platform, place.team_id, place.channel_id),
    )
    return (int(row[0]) if row else expected), bumped


async def weekly_board_schedules(store: Store) -> list[Schedule]:
    rows = await store.fetchall(f"SELECT {_COLUMNS} FROM schedules WHERE paused = 0 AND weekly_board = 1")
    return [_schedule(tuple(r)) for r in rows]
