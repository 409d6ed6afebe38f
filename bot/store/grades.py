"""Applying a batch of grades in one transaction, on either engine.

The steps and their SQL are shared; only the executor differs: on SQLite one synchronous function runs the
whole batch on the database thread (one hop, executemany), on PostgreSQL one transaction on a pooled
connection (each write one statement over unnest()ed arrays, see PG_SET_WRITES), retried when the connection
drops (re-running a batch is harmless: a grade already stored is recognised as such by the grading rules, so
nothing is counted twice).
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from bot.clock import iso, parse_iso
from bot.domain.grades import GradePlan, GradeRequest, GradeResult, GradeState, ScoreChange, StoredGrade
from bot.domain.streak import StreakState
from bot.store.sql import KEYED_LOOKUP, keyed_params

Decide = Callable[[Sequence[GradeRequest], GradeState], GradePlan]
Statement = tuple[str, tuple[Any, ...]]

_GRADE_KEY = ("post_id", "platform", "user_id")
_STREAK_KEY = ("platform", "team_id", "user_id")
_CARD_KEY = ("platform", "user_id", "question_id")
_SCORE_KEY = ("platform", "team_id", "period", "user_id")
_GRADE_COLUMNS = "t.post_id, t.platform, t.user_id, t.grade, t.points, t.team_id, t.week_key, t.month_key, " \
    "t.occurred_at"
_STREAK_COLUMNS = "t.platform, t.team_id, t.user_id, t.current, t.best, t.freezes, t.freezes_used, t.last_date"
_CARD_COLUMNS = "t.platform, t.user_id, t.question_id, t.card"
_SCORE_COLUMNS = "t.platform, t.team_id, t.period, t.user_id, t.points, t.grades, t.achieved_at"

PUT_SCORES = (
    "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (platform, team_id, period, user_id) DO UPDATE SET points = excluded.points, "
    "grades = excluded.grades, achieved_at = excluded.achieved_at"
)
MOVE_LEVELS = (
    "INSERT INTO score_levels (platform, team_id, period, points, users) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (platform, team_id, period, points) DO UPDATE SET users = score_levels.users + excluded.users"
)
PUT_GRADES = (
    "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, "
    "graded_at, local_date, week_key, month_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (post_id, platform, user_id) DO UPDATE SET grade = excluded.grade, "
    "points = excluded.points, regraded_at = excluded.graded_at, "
    "occurred_at = COALESCE(excluded.occurred_at, grades.occurred_at)"
)
PUT_STREAKS = (
    "INSERT INTO streaks (platform, team_id, user_id, current, best, freezes, freezes_used, last_date) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, team_id, user_id) DO UPDATE SET "
    "current = excluded.current, best = excluded.best, freezes = excluded.freezes, "
    "freezes_used = excluded.freezes_used, last_date = excluded.last_date"
)
PUT_CARDS = (
    "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET card = excluded.card, due = excluded.due"
)

# PostgreSQL runs each write as one statement over unnest()ed column arrays instead of executemany (one execution
# per row): the server plans and runs it once, several times faster. Each column's array type, and the width of
# the conflict key (rows sharing a key go in separate statements, in order: ON CONFLICT may touch a row once).
_PG_ARRAYS: dict[str, tuple[tuple[str, ...], int]] = {
    PUT_SCORES: (("text", "text", "text", "text", "float8", "int4", "text"), 4),
    MOVE_LEVELS: (("text", "text", "text", "float8", "int4"), 4),
    PUT_GRADES: (("int8", *["text"] * 6, "float8", *["text"] * 5), 3),
    PUT_STREAKS: (("text", "text", "text", "int4", "int4", "int4", "int4", "text"), 3),
    PUT_CARDS: (("text",) * 5, 3),
}


def unnest_statement(sql: str, types: Sequence[str]) -> str:
    """`INSERT INTO t (cols) VALUES (?, ...) ON CONFLICT ...` as `INSERT INTO t (cols) SELECT * FROM unnest(?::type[],
    ...) ON CONFLICT ...` (PostgreSQL)."""
    head, _, values = sql.partition(" VALUES (")
    arrays = ", ".join(f"?::{t}[]" for t in types)
    return f"{head} SELECT * FROM unnest({arrays}){values.partition(')')[2]}"


PG_SET_WRITES = {sql: unnest_statement(sql, types) for sql, (types, _) in _PG_ARRAYS.items()}


def key_rounds(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[tuple[Any, ...]]]:
    """The rows split so that no key (the first `width` columns) is twice in one part; a key's rows keep their
    order across the parts (almost always there is one part)."""
    parts: list[list[tuple[Any, ...]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = row[:width]
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n == len(parts):
            parts.append([])
        parts[n].append(row)
    return parts


def columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]


def _lookup(engine: str, table: str, key: tuple[str, ...], select: str, keys: list[tuple[Any, ...]]) -> Statement:
    if engine == "sqlite":  # keyed_params' encoding; json.dumps writes tuples as arrays, no lists needed
        return KEYED_LOOKUP[engine](table, key, select), (json.dumps(keys),)
    return KEYED_LOOKUP[engine](table, key, select), keyed_params(engine, keys, len(key))


def state_reads(engine: str, batch: Sequence[GradeRequest]) -> list[Statement]:
    """The three reads a batch needs: stored grades, streaks and review cards of the batch's keys."""
    grades = list({r.key: None for r in batch})
    people = list({r.person: None for r in batch})
    cards = list({r.card_key: None for r in batch})
    return [
        _lookup(engine, "grades", _GRADE_KEY, _GRADE_COLUMNS, grades),
        _lookup(engine, "streaks", _STREAK_KEY, _STREAK_COLUMNS, people),
        _lookup(engine, "review_cards", _CARD_KEY, _CARD_COLUMNS, cards),
    ]


def build_state(grade_rows: Sequence[Any], streak_rows: Sequence[Any], card_rows: Sequence[Any]) -> GradeState:
    grades = {
        (row[0], row[1], row[2]): StoredGrade(row[3], row[4], row[5], row[6], row[7],
                                              parse_iso(row[8]) if row[8] else None)
        for row in grade_rows
    }
    streaks = {
        (row[0], row[1], row[2]): StreakState(row[3], row[4], row[5], row[6],
                                              date.fromisoformat(row[7]) if row[7] else None)
        for row in streak_rows
    }
    cards = {(row[0], row[1], row[2]): row[3] for row in card_rows}
    return GradeState(grades, streaks, cards)


class Stamps(dict[datetime, str]):
    """`iso` of each moment, computed once per batch: one grade's moment is its grade row's and its totals'."""

    def __missing__(self, moment: datetime) -> str:
        text = self[moment] = iso(moment)
        return text


class Days(dict[date, str]):
    """`date.isoformat` of each day, computed once per batch."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def scores_read(engine: str, changes: Sequence[ScoreChange]) -> Statement:
    keys = list({(c.platform, c.team_id, c.period, c.user_id): None for c in changes})
    return _lookup(engine, "scores", _SCORE_KEY, _SCORE_COLUMNS, keys)


def score_writes(rows: Sequence[Any], changes: Sequence[ScoreChange],
                 stamps: Stamps | None = None) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Leaderboard totals and the score-level histogram (no trigger does any of it).

    The batch's changes are folded per total first, so a total is read once and written once, and a level's
    count moves once per batch however many players pass through it.
    """
    stamps = Stamps() if stamps is None else stamps
    totals: dict[tuple[str, str, str, str], tuple[float, int, str]] = {
        (r[0], r[1], r[2], r[3]): (float(r[4]), int(r[5]), r[6]) for r in rows
    }
    before = dict(totals)
    for c in changes:
        key = (c.platform, c.team_id, c.period, c.user_id)
        known = totals.get(key)
        if known is None:
            if not c.first:
                continue  # a regrade of a total that is gone: nothing to move
            totals[key] = (float(0.0 + c.points), 1, stamps[c.at])
            continue
        points, grades, achieved = known
        # A first grade dates the total only when it earns points (ties go to who got there first); a regrade
        # always does.
        if c.points > 0 or not c.first:
            achieved = stamps[c.at]
        totals[key] = (float(points + c.points), grades + 1 if c.first else grades, achieved)
    levels: dict[tuple[str, str, str, float], int] = {}
    for key, (points, _, _) in totals.items():
        old = before.get(key)
        if old is not None:
            if old[0] == points:
                continue
            down = (key[0], key[1], key[2], old[0])
            levels[down] = levels.get(down, 0) - 1
        up = (key[0], key[1], key[2], points)
        levels[up] = levels.get(up, 0) + 1
    # Rows sorted by key: neighbouring keys share B-tree pages, which makes the batch markedly cheaper.
    return [
        (PUT_SCORES, sorted((*key, *value) for key, value in totals.items() if before.get(key) != value)),
        (MOVE_LEVELS, sorted((*key, users) for key, users in levels.items() if users)),
    ]


def plan_writes(plan: GradePlan, stamps: Stamps | None = None) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Grades (sorted by key, stable: a key's grades keep their order), streaks and review cards."""
    stamps = Stamps() if stamps is None else stamps
    days = Days()  # a batch's grades fall on a few local days
    grade_rows = sorted(
        [(r.post_id, r.platform, r.user_id, r.team_id, r.question_id, r.topic, r.grade, float(r.points),
          stamps[r.graded_at], days[r.local_date], r.week_key, r.month_key,
          iso(r.occurred_at) if r.occurred_at else None) for r in plan.grades],
        key=_grade_key,
    )
    streak_rows = [(*who, s.current, s.best, s.freezes, s.freezes_used, days[s.last_date] if s.last_date else None)
                   for who, s in plan.streaks.items()]
    card_rows = [(*c.key, c.card_json, iso(c.due)) for c in plan.cards]
    return [(PUT_GRADES, grade_rows), (PUT_STREAKS, streak_rows), (PUT_CARDS, card_rows)]


def _grade_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[:3]


def plan_statements(plan: GradePlan, score_rows: Sequence[Any]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every executemany of a decided batch, given the stored totals its score changes read."""
    stamps = Stamps()
    writes = score_writes(score_rows, plan.scores, stamps) if plan.scores else []
    return [(sql, rows) for sql, rows in [*writes, *plan_writes(plan, stamps)] if rows]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a batch is planned.

    A batch allocates a score of small objects per grade, all freed by reference counting; the collections those
    allocations trigger walk every live object of the process (in a burst, thousands of waiting tasks), which
    was 15-20% of the writer's time. Collection resumes, as usual, once the batch is planned.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def apply_sqlite(conn: sqlite3.Connection, batch: Sequence[GradeRequest], decide: Decide) -> list[GradeResult]:
    """The whole batch on the SQLite thread: BEGIN IMMEDIATE, reads, the grading rules, executemany, COMMIT."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        with collector_paused():
            state = build_state(*(conn.execute(sql, params).fetchall()
                                  for sql, params in state_reads("sqlite", batch)))
            plan = decide(batch, state)
            score_rows: list[Any] = []
            if plan.scores:
                sql, params = scores_read("sqlite", plan.scores)
                score_rows = conn.execute(sql, params).fetchall()
            for sql, rows in plan_statements(plan, score_rows):
                conn.executemany(sql, rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return plan.results


async def apply_postgres(conn: Any, batch: Sequence[GradeRequest], decide: Decide) -> list[GradeResult]:
    """The whole batch in one PostgreSQL transaction on `conn` (an asyncpg connection)."""
    from bot.store.postgres_backend import to_dollar

    async with conn.transaction():
        reads = [await conn.fetch(to_dollar(sql), *params) for sql, params in state_reads("postgres", batch)]
        with collector_paused():
            plan = decide(batch, build_state(*reads))
        score_rows: list[Any] = []
        if plan.scores:
            sql, params = scores_read("postgres", plan.scores)
            score_rows = await conn.fetch(to_dollar(sql), *params)
        with collector_paused():  # not across awaits: the event loop's other work keeps its collector
            writes = [(sql, part) for sql, rows in plan_statements(plan, score_rows)
                      for part in key_rounds(rows, _PG_ARRAYS[sql][1])]
        for sql, part in writes:
            await conn.execute(to_dollar(PG_SET_WRITES[sql]), *columns(part))
    return plan.results
