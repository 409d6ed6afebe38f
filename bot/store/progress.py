"""Queries for /progress, /qotd stats and topics=weakest (portable SQL: runs on SQLite and PostgreSQL).

Tables from migration 0009: user_goals, qotd_topic_modes, post_actions. Reads the grades, posts, review_cards
and practice_days tables of earlier migrations, and typed_answers (migration 0008).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import iso
from bot.store.store import Store

log = logging.getLogger(__name__)
ACTIONS = ("reveal", "skip")
WEAKEST = "weakest"


# --- a user's cards, goal and activity ---------------------------------------------------------------


async def user_cards(store: Store, platform: str, user_id: str) -> dict[str, str]:
    """The user's FSRS cards as stored JSON, by question id."""
    rows = await store.fetchall(
        "SELECT question_id, card FROM review_cards WHERE platform = ? AND user_id = ?", (platform, user_id))
    return {r[0]: r[1] for r in rows}


async def due_count(store: Store, platform: str, user_id: str, now: datetime) -> int:
    row = await store.fetchone(
        "SELECT COUNT(*) FROM review_cards WHERE platform = ? AND user_id = ? AND due <= ?",
        (platform, user_id, iso(now)))
    return int(row[0]) if row else 0


async def goal_date(store: Store, platform: str, user_id: str) -> date | None:
    row = await store.fetchone("SELECT goal_date FROM user_goals WHERE platform = ? AND user_id = ?",
                               (platform, user_id))
    return date.fromisoformat(row[0]) if row else None


async def set_goal_date(store: Store, platform: str, user_id: str, goal: date | None, now: datetime) -> None:
    """Store (or with None, forget) the date the user wants to be ready by."""
    async with store.write() as db:
        if goal is None:
            await db.execute("DELETE FROM user_goals WHERE platform = ? AND user_id = ?", (platform, user_id))
        else:
            await db.execute(
                "INSERT INTO user_goals (platform, user_id, goal_date, set_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, user_id) DO UPDATE SET goal_date = excluded.goal_date, set_at = excluded.set_at",
                (platform, user_id, goal.isoformat(), iso(now)))


async def daily_grades(store: Store, platform: str, team_id: str, user_id: str, since: date) -> dict[date, int]:
    """Graded answers per local day from `since` on (the streak calendar's shading)."""
    rows = await store.fetchall(
        "SELECT local_date, COUNT(*) FROM grades WHERE platform = ? AND team_id = ? AND user_id = ? "
        "AND local_date >= ? GROUP BY local_date",
        (platform, team_id, user_id, since.isoformat()))
    return {date.fromisoformat(r[0]): int(r[1]) for r in rows}


# --- the team ----------------------------------------------------------------------------------------


async def team_cards(store: Store, platform: str, team_id: str) -> dict[str, dict[str, str]]:
    """Cards of everyone who has graded in the team: user id -> question id -> card JSON."""
    rows = await store.fetchall(
        "SELECT c.user_id, c.question_id, c.card FROM review_cards c "
        "WHERE c.platform = ? AND c.user_id IN "
        "(SELECT DISTINCT g.user_id FROM grades g WHERE g.platform = ? AND g.team_id = ?)",
        (platform, platform, team_id))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        out[r[0]][r[1]] = r[2]
    return dict(out)


async def topic_mode(store: Store, platform: str, team_id: str, channel_id: str) -> str | None:
    row = await store.fetchone(
        "SELECT mode FROM qotd_topic_modes WHERE platform = ? AND team_id = ? AND channel_id = ?",
        (platform, team_id, channel_id))
    return str(row[0]) if row else None


async def set_topic_mode(store: Store, platform: str, team_id: str, channel_id: str, mode: str | None,
                         now: datetime) -> None:
    """Set a channel's topic mode ('weakest'), or clear it with None (the schedule's own topics apply)."""
    async with store.write() as db:
        if mode is None:
            await db.execute("DELETE FROM qotd_topic_modes WHERE platform = ? AND team_id = ? AND channel_id = ?",
                             (platform, team_id, channel_id))
        else:
            await db.execute(
                "INSERT INTO qotd_topic_modes (platform, team_id, channel_id, mode, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, team_id, channel_id) DO UPDATE SET mode = excluded.mode, "
                "updated_at = excluded.updated_at",
                (platform, team_id, channel_id, mode, iso(now)))


# --- reveals and skips ----------------------------------------------------------------------------------


async def record_action(store: Store, post_id: int, platform: str, team_id: str, user_id: str, action: str,
                        now: datetime) -> None:
    """Note that a user revealed or skipped a posted question (the first time only)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown post action {action!r}")
    async with store.write() as db:
        await db.execute(
            "INSERT INTO post_actions (post_id, platform, user_id, action, team_id, acted_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (post_id, platform, user_id, action) DO NOTHING",
            (post_id, platform, user_id, action, team_id, iso(now)))


# --- /qotd stats ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QotdActivity:
    """Questions of the day posted since a date, and who revealed, graded or typed an answer to them.

    Each of revealed / graded / typed is a list of (the post's local date, user id).
    """

    posts: list[date]
    revealed: list[tuple[date, str]]
    graded: list[tuple[date, str]]
    typed: list[tuple[date, str]]


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    """A question's results in a team: grades, of which Good or Easy, and skips (served and skipped)."""

    question_id: str
    grades: int
    good_or_easy: int
    skips: int


_QOTD = "p.platform = ? AND p.team_id = ? AND p.kind = 'qotd' AND p.local_date >= ?"


async def qotd_activity(store: Store, platform: str, team_id: str, since: date) -> QotdActivity:
    """Participation in the team's questions of the day (every channel) posted on or after `since`."""
    params = (platform, team_id, since.isoformat())
    posts = await store.fetchall(f"SELECT p.local_date FROM posts p WHERE {_QOTD} AND p.status = 'posted'", params)
    revealed = await _people(store, "SELECT DISTINCT p.local_date, a.user_id FROM post_actions a "
                                    f"JOIN posts p ON p.id = a.post_id WHERE {_QOTD} AND a.action = 'reveal'", params)
    graded = await _people(store, "SELECT DISTINCT p.local_date, g.user_id FROM grades g "
                                  f"JOIN posts p ON p.id = g.post_id WHERE {_QOTD}", params)
    typed = await _people(store, "SELECT DISTINCT p.local_date, t.user_id FROM typed_answers t "
                                 f"JOIN posts p ON p.id = t.post_id WHERE {_QOTD}", params)
    return QotdActivity([date.fromisoformat(r[0]) for r in posts if r[0]], revealed, graded, typed)


async def _people(store: Store, sql: str, params: tuple[str, ...]) -> list[tuple[date, str]]:
    return [(date.fromisoformat(r[0]), str(r[1])) for r in await store.fetchall(sql, params) if r[0]]


async def question_outcomes(store: Store, platform: str, team_id: str) -> list[QuestionOutcome]:
    """Per question of the team's grades and skips (questions with neither are left out)."""
    grades = await store.fetchall(
        "SELECT question_id, COUNT(*), SUM(CASE WHEN grade IN ('good', 'easy') THEN 1 ELSE 0 END) FROM grades "
        "WHERE platform = ? AND team_id = ? GROUP BY question_id", (platform, team_id))
    skips = await store.fetchall(
        "SELECT p.question_id, COUNT(*) FROM post_actions a JOIN posts p ON p.id = a.post_id "
        "WHERE a.platform = ? AND a.team_id = ? AND a.action = 'skip' GROUP BY p.question_id", (platform, team_id))
    skipped = {r[0]: int(r[1]) for r in skips}
    out = {r[0]: QuestionOutcome(r[0], int(r[1]), int(r[2] or 0), skipped.get(r[0], 0)) for r in grades}
    for qid, n in skipped.items():
        out.setdefault(qid, QuestionOutcome(qid, 0, 0, n))
    return sorted(out.values(), key=lambda o: o.question_id)
