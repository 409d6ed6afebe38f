"""Leaderboard, streak and review queries (reads only; grades, totals and levels are written by Store.apply_grades)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import iso
from bot.domain.streak import StreakState
from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    user_id: str
    display_name: str
    points: float
    grades: int


@dataclass(frozen=True, slots=True)
class Board:
    top: list[BoardRow]
    me: BoardRow | None
    total_players: int


_BOARD_TOP = (
    "SELECT s.user_id, COALESCE(u.display_name, s.user_id), s.points, s.grades FROM scores s "
    "LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
    "WHERE s.platform = ? AND s.team_id = ? AND s.period = ? "
    "ORDER BY s.points DESC, s.achieved_at ASC, s.user_id ASC LIMIT ?"
)


async def period_board(store: Store, platform: str, team_id: str, period: str, user_id: str, limit: int = 10,
                       *, with_total: bool = False) -> Board:
    """Top `limit` for a period key ('all', 'w:...', 'm:...') plus the caller's own rank.

    `with_total` also counts the players (from the level histogram; only the dashboard shows it).
    """
    rows = await store.fetchall(_BOARD_TOP, (platform, team_id, period, limit))
    top = [BoardRow(i + 1, r[0], r[1], r[2], r[3]) for i, r in enumerate(rows)]
    me = next((row for row in top if row.user_id == user_id), None)
    if me is None:
        mine = await store.fetchone(
            "SELECT s.points, s.achieved_at, s.grades, COALESCE(u.display_name, s.user_id) FROM scores s "
            "LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
            "WHERE s.platform = ? AND s.team_id = ? AND s.period = ? AND s.user_id = ?",
            (platform, team_id, period, user_id),
        )
        if mine is not None:
            # Players on higher scores come from the level histogram; only equals are counted one by one.
            ahead = await store.fetchone(
                "SELECT (SELECT COALESCE(SUM(users), 0) FROM score_levels WHERE platform = ?1 AND team_id = ?2 "
                "AND period = ?3 AND points > ?4) + (SELECT COUNT(*) FROM scores WHERE platform = ?1 "
                "AND team_id = ?2 AND period = ?3 AND points = ?4 "
                "AND (achieved_at < ?5 OR (achieved_at = ?5 AND user_id < ?6)))",
                (platform, team_id, period, mine[0], mine[1], user_id),
            )
            me = BoardRow(int(ahead[0]) + 1 if ahead else 0, user_id, mine[3], mine[0], mine[2])
    total = 0
    if with_total:
        count = await store.fetchone(
            "SELECT COALESCE(SUM(users), 0) FROM score_levels WHERE platform = ? AND team_id = ? AND period = ?",
            (platform, team_id, period),
        )
        total = int(count[0]) if count else 0
    return Board(top, me, total)


async def topic_board(
    store: Store, platform: str, team_id: str, topic: str, since: datetime | None, user_id: str, limit: int = 10
) -> Board:
    """Per-topic board summed from the grades (covering index), ties broken by who got there first."""
    rows = await store.fetchall(
        "SELECT g.user_id, COALESCE(u.display_name, g.user_id), SUM(g.points) AS pts, COUNT(*), "
        "MAX(g.graded_at) AS reached FROM grades g "
        "LEFT JOIN users u ON u.platform = g.platform AND u.user_id = g.user_id "
        "WHERE g.platform = ? AND g.team_id = ? AND g.topic = ? AND g.graded_at >= ? "
        "GROUP BY g.user_id, u.display_name ORDER BY pts DESC, reached ASC, g.user_id ASC",
        (platform, team_id, topic, iso(since) if since else ""),
    )
    ranked = [BoardRow(i + 1, r[0], r[1], r[2], r[3]) for i, r in enumerate(rows)]
    me = next((row for row in ranked if row.user_id == user_id), None)
    return Board(ranked[:limit], me, len(ranked))


async def streak_state(store: Store, platform: str, team_id: str, user_id: str) -> StreakState:
    row = await store.fetchone(
        "SELECT current, best, freezes, freezes_used, last_date FROM streaks "
        "WHERE platform = ? AND team_id = ? AND user_id = ?",
        (platform, team_id, user_id),
    )
    if row is None:
        return StreakState()
    return StreakState(row[0], row[1], row[2], row[3], date.fromisoformat(row[4]) if row[4] else None)


async def practice_days(store: Store, platform: str, team_id: str, user_id: str) -> list[date]:
    rows = await store.fetchall(
        "SELECT local_date FROM practice_days WHERE platform = ? AND team_id = ? AND user_id = ? ORDER BY local_date",
        (platform, team_id, user_id),
    )
    return [date.fromisoformat(r[0]) for r in rows]


async def due_review_ids(store: Store, platform: str, user_id: str, now: datetime, limit: int = 50) -> list[str]:
    rows = await store.fetchall(
        "SELECT question_id FROM review_cards WHERE platform = ? AND user_id = ? AND due <= ? ORDER BY due LIMIT ?",
        (platform, user_id, iso(now), limit),
    )
    return [r[0] for r in rows]


async def topic_progress(store: Store, platform: str, user_id: str) -> dict[str, tuple[int, float]]:
    """Per topic: (questions graded, share rated good or easy)."""
    rows = await store.fetchall(
        "SELECT topic, COUNT(DISTINCT question_id), AVG(CASE WHEN grade IN ('good', 'easy') THEN 1.0 ELSE 0.0 END) "
        "FROM grades "
        "WHERE platform = ? AND user_id = ? GROUP BY topic",
        (platform, user_id),
    )
    return {r[0]: (int(r[1]), float(r[2] or 0)) for r in rows}
