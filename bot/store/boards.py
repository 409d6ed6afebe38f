"""Leaderboard, streak and review queries (reads only; grades, totals and levels are written by Store.apply_grades)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

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


# The top of a period board and the caller's own row, in one statement (one round trip where four were made).
# Part 0: the top `limit` visible players, in board order. Part 1, only when the caller has a score and is not in
# the top: their row, with the players ahead (from the level histogram, then the equals that got there first) and
# the hidden players among those (`/leaderboard hide`: few, found through the partial index users_board_hidden;
# CROSS JOIN makes SQLite start from them, not from every score in the period; PostgreSQL plans it as a join).
# Equals are counted with a row-value comparison, a range on the scores_rank index, not a filter over every
# player on the same score. ?1 platform, ?2 team, ?3 period, ?4 caller; {limit} is written into the SQL (an int):
# with LIMIT as a parameter PostgreSQL's generic plan guesses 50 rows and a parallel scan (13 ms to start its
# workers), so it re-plans every call (1-3 ms); with the literal the cached generic plan is the good one.
_BOARD = (
    "WITH top AS (SELECT s.user_id, COALESCE(u.display_name, s.user_id) AS name, s.points, s.grades, s.achieved_at "
    "FROM scores s LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
    "WHERE s.platform = ?1 AND s.team_id = ?2 AND s.period = ?3 AND COALESCE(u.board_hidden, 0) = 0 "
    "ORDER BY s.points DESC, s.achieved_at ASC, s.user_id ASC LIMIT {limit}), "
    "mine AS (SELECT s.user_id, COALESCE(u.display_name, s.user_id) AS name, s.points, s.grades, s.achieved_at "
    "FROM scores s LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
    "WHERE s.platform = ?1 AND s.team_id = ?2 AND s.period = ?3 AND s.user_id = ?4 "
    "AND NOT EXISTS (SELECT 1 FROM top WHERE top.user_id = ?4)) "
    "SELECT 0 AS part, user_id, name, points, grades, achieved_at, 0 AS ahead, 0 AS hidden FROM top "
    "UNION ALL "
    "SELECT 1, m.user_id, m.name, m.points, m.grades, m.achieved_at, "
    "(SELECT COALESCE(SUM(l.users), 0) FROM score_levels l WHERE l.platform = ?1 AND l.team_id = ?2 "
    "AND l.period = ?3 AND l.points > m.points) "
    "+ (SELECT COUNT(*) FROM scores e WHERE e.platform = ?1 AND e.team_id = ?2 AND e.period = ?3 "
    "AND e.points = m.points AND (e.achieved_at, e.user_id) < (m.achieved_at, m.user_id)), "
    "(SELECT COUNT(*) FROM users h CROSS JOIN scores hs WHERE hs.platform = h.platform AND hs.team_id = ?2 "
    "AND hs.period = ?3 AND hs.user_id = h.user_id AND h.platform = ?1 AND h.board_hidden = 1 "
    "AND h.user_id <> m.user_id AND (hs.points > m.points OR (hs.points = m.points "
    "AND (hs.achieved_at, hs.user_id) < (m.achieved_at, m.user_id)))) "
    "FROM mine m "
    "ORDER BY part, points DESC, achieved_at ASC, user_id ASC"
)


@lru_cache(maxsize=16)
def _board_sql(limit: int) -> str:
    return _BOARD.format(limit=int(limit))


async def period_board(store: Store, platform: str, team_id: str, period: str, user_id: str, limit: int = 10,
                       *, with_total: bool = False) -> Board:
    """Top `limit` for a period key ('all', 'w:...', 'm:...') plus the caller's own rank.

    `with_total` also counts the players (from the level histogram; only the dashboard shows it).
    """
    rows = await store.fetchall(_board_sql(limit), (platform, team_id, period, user_id))
    top = [BoardRow(i + 1, r[1], r[2], r[3], r[4]) for i, r in enumerate(r for r in rows if r[0] == 0)]
    me = next((row for row in top if row.user_id == user_id), None)
    mine = next((r for r in rows if r[0] == 1), None)
    if me is None and mine is not None:
        me = BoardRow(int(mine[6]) + 1 - int(mine[7]), user_id, mine[2], mine[3], mine[4])
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
        "MAX(g.graded_at) AS reached, COALESCE(u.board_hidden, 0) FROM grades g "
        "LEFT JOIN users u ON u.platform = g.platform AND u.user_id = g.user_id "
        "WHERE g.platform = ? AND g.team_id = ? AND g.topic = ? AND g.graded_at >= ? "
        "GROUP BY g.user_id, u.display_name, u.board_hidden ORDER BY pts DESC, reached ASC, g.user_id ASC",
        (platform, team_id, topic, iso(since) if since else ""),
    )
    ranked: list[BoardRow] = []
    me = None
    for r in rows:
        row = BoardRow(len(ranked) + 1, r[0], r[1], r[2], r[3])
        if r[0] == user_id:
            me = row
        if not r[5]:  # a hidden player is on no board; they still see their own rank
            ranked.append(row)
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
