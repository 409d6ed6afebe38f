"""The period board's one statement (bot/store/boards.py) against a brute-force ranking, on both engines: every
player's own rank with ties on points (then who got there first, then user id), hidden players on no board and
not counted ahead of anyone, a hidden caller still told their rank, and a caller inside the top."""

from __future__ import annotations

import random
from pathlib import Path

from bot.store import boards
from bot.store.store import Store
from tests.conftest import execute

PERIOD = "w:2026-11-16"


def _players(rng: random.Random) -> list[tuple[str, float, str, bool]]:
    """(user id, points, achieved_at, hidden): few distinct scores and times, so ties of every kind happen."""
    out = []
    for i in range(40):
        at = f"2026-11-18T0{rng.randrange(3)}:00:00.000000Z"
        out.append((f"u{i:02d}", float(rng.choice((1, 2, 2, 3, 3, 3, 5))), at, i % 7 == 3))
    return out


def _expected_ranks(players: list[tuple[str, float, str, bool]]) -> dict[str, int]:
    order = sorted(players, key=lambda p: (-p[1], p[2], p[0]))
    ranks = {}
    for user, points, at, _hidden in players:
        ahead = [p for p in order if (-p[1], p[2], p[0]) < (-points, at, user) and not p[3]]
        ranks[user] = len(ahead) + 1
    return ranks


async def test_every_callers_rank_matches_a_brute_force_ranking(db_path: Path | str) -> None:
    players = _players(random.Random(5))
    async with Store.open(db_path):  # the schema
        pass
    levels: dict[float, int] = {}
    for _user, points, _at, _hidden in players:
        levels[points] = levels.get(points, 0) + 1
    execute(db_path, *[
        "INSERT INTO users (platform, user_id, display_name, created_at, board_hidden) "
        f"VALUES ('test', '{u}', 'Name {u}', '2026-11-01', {int(h)})" for u, _p, _a, h in players
    ], *[
        "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) "
        f"VALUES ('test', 'T1', '{PERIOD}', '{u}', {p}, 1, '{a}')" for u, p, a, _h in players
    ], *[
        f"INSERT INTO score_levels (platform, team_id, period, points, users) VALUES ('test', 'T1', '{PERIOD}', {p}, {n})"
        for p, n in levels.items()
    ])
    expected = _expected_ranks(players)
    visible = sorted((p for p in players if not p[3]), key=lambda p: (-p[1], p[2], p[0]))
    async with Store.open(db_path) as store:
        for user, points, _at, _hidden in players:
            board = await boards.period_board(store, "test", "T1", PERIOD, user, with_total=True)
            assert [(r.rank, r.user_id, r.display_name, r.points) for r in board.top] == [
                (i + 1, p[0], f"Name {p[0]}", p[1]) for i, p in enumerate(visible[:10])]
            assert board.me is not None
            assert (board.me.rank, board.me.user_id, board.me.display_name, board.me.points, board.me.grades) == (
                expected[user], user, f"Name {user}", points, 1), user
            assert board.total_players == len(players)
        nobody = await boards.period_board(store, "test", "T1", PERIOD, "stranger")
    assert nobody.me is None and len(nobody.top) == 10
