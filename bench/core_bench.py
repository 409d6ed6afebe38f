"""Core benchmarks (issue 3), each against a baseline measured in the same run.

1. Grades: 20,000 grades from 5,000 users in 50 teams arriving concurrently, through the group-commit writer
   (grade row, streak, leaderboard totals and levels, FSRS card), as a ratio to two bare `sqlite3` baselines
   measured in the same run: a one-row-insert-per-commit loop (WAL, synchronous=NORMAL), and `executemany` of
   every row the grades leave (grades, streaks, scores, score_levels, review_cards) into the bot's schema in one
   transaction (WAL, synchronous=FULL, as the bot).
2. `/quiz` draw: p99 latency on a bank of 10,000 questions for a user who has seen 2,000.
3. Weekly leaderboard: p99 latency for a team of 100,000 users with 2,000,000 grades.

Run: `python bench/core_bench.py` (about a minute; `--quick` for a smaller leaderboard; `--grades` for part 1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile
from bot.bank.loader import Bank
from bot.bank.model import DIFFICULTIES, TOPICS, Question
from bot.clock import ManualClock, iso
from bot.commands.args import QuizArgs
from bot.domain.events import Actor, Place
from bot.domain.periods import local_date, month_key, week_key
from bot.practice.grade_writer import GradeRequest, GradeWriter
from bot.practice.points import points_for
from bot.practice.service import PracticeService
from bot.store import boards
from bot.store.db import upgrade_database
from bot.store.store import Store

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
GRADES = ("again", "hard", "good", "easy")
HIDDEN_EVERY = 1_000  # one board player in this many has hidden themselves (`/leaderboard hide`)
# Draws and boards timed before the measured ones, reported apart as the cold figure: the first calls on a
# connection prepare the statement, and PostgreSQL plans a prepared statement's first 5 executions from scratch
# (2-3 ms for the board's) before it keeps the generic plan. A running bot pays that once per pooled connection.
WARMUP = 10


def bare_sqlite_inserts(folder: Path, count: int) -> float:
    """Rows per second: one INSERT and one COMMIT per row, sqlite3 in-thread, WAL, synchronous=NORMAL."""
    conn = sqlite3.connect(folder / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, user TEXT, grade TEXT, points REAL, at TEXT)")
    start = time.perf_counter()
    for i in range(count):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (user, grade, points, at) VALUES (?, ?, ?, ?)", (f"u{i}", "good", 2.0, "x"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


# The tables a grade writes, each with its columns (practice_days is written by the grades trigger).
WRITTEN_TABLES: dict[str, tuple[str, ...]] = {
    "grades": ("post_id", "platform", "user_id", "team_id", "question_id", "topic", "grade", "points", "graded_at",
               "regraded_at", "local_date", "week_key", "month_key", "occurred_at"),
    "streaks": ("platform", "team_id", "user_id", "current", "best", "freezes", "freezes_used", "last_date"),
    "scores": ("platform", "team_id", "period", "user_id", "points", "grades", "achieved_at"),
    "score_levels": ("platform", "team_id", "period", "points", "users"),
    "review_cards": ("platform", "user_id", "question_id", "card", "due"),
}


def bare_sqlite_all_rows(folder: Path, source: Path, grades: int) -> dict[str, float]:
    """Bare sqlite3 writing every row the grade run left in `source` into a fresh copy of the bot's schema (its
    indexes and trigger included): `executemany` per table, one transaction, WAL, synchronous=FULL.

    Final rows only: a total that several batches moved is written once here, so this does less than the
    writer does (a demanding baseline). Returns rows/s and the grades/s it amounts to.
    """
    src = sqlite3.connect(source)
    rows = {table: src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(cols[:4])}").fetchall()
            for table, cols in WRITTEN_TABLES.items()}
    posts = src.execute("SELECT * FROM posts ORDER BY id").fetchall()
    src.close()
    path = folder / "baseline_all.sqlite3"
    upgrade_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executemany(f"INSERT INTO posts VALUES ({', '.join('?' * len(posts[0]))})", posts)  # not timed
    start = time.perf_counter()
    conn.execute("BEGIN")
    for table, cols in WRITTEN_TABLES.items():
        conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         rows[table])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    total = sum(len(r) for r in rows.values())
    return {"rows": total, "rows_per_s": total / elapsed, "grades_per_s": grades / elapsed}


def seed_posts(path: Path, teams: int, posts_per_team: int) -> dict[str, list[int]]:
    upgrade_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    out: dict[str, list[int]] = {}
    conn.execute("BEGIN")
    for t in range(teams):
        team = f"T{t}"
        ids = []
        for d in range(posts_per_team):
            cur = conn.execute(
                "INSERT INTO posts (platform, team_id, channel_id, kind, question_id, local_date, status, created_at) "
                "VALUES ('bench', ?, 'C1', 'qotd', ?, ?, 'posted', ?)",
                (team, f"q{d}", f"2026-11-{10 + d:02d}", iso(NOW)),
            )
            ids.append(int(cur.lastrowid or 0))
        out[team] = ids
    conn.execute("COMMIT")
    conn.close()
    return out


def grade_requests(posts: dict[str, list[int]], total: int, users: int, teams: int) -> list[GradeRequest]:
    """The grade workload every grade benchmark uses: `total` grades by `users` users over `teams`, shuffled."""
    per_user = total // users
    rng = random.Random(1)
    requests = []
    for u in range(users):
        team = f"T{u % teams}"
        for k in range(per_user):
            grade = rng.choice(GRADES)
            at = NOW + timedelta(seconds=rng.randint(0, 3600))
            requests.append(GradeRequest(
                post_id=posts[team][k], platform="bench", team_id=team, user_id=f"U{u}", question_id=f"q{k}",
                topic=TOPICS[k % len(TOPICS)], grade=grade, points=points_for("medium", grade), graded_at=at,
                local_date=local_date(at, "Europe/Berlin"), week_key=week_key(at, "UTC"), month_key=month_key(at, "UTC"),
            ))
    rng.shuffle(requests)
    return requests


async def grades_throughput(folder: Path, total: int = 20_000, users: int = 5_000, teams: int = 50) -> dict:
    path = folder / "grades.sqlite3"
    per_user = total // users
    posts = seed_posts(path, teams, per_user)
    requests = grade_requests(posts, total, users, teams)
    async with Store.open(path) as store:
        writer = GradeWriter(store)
        async with writer:
            start = time.perf_counter()
            await asyncio.gather(*(writer.submit(r) for r in requests))
            committed = time.perf_counter() - start
            await writer.drain()
            with_cards = time.perf_counter() - start
            batches = writer.batches
        rows = await store.fetchone("SELECT COUNT(*), (SELECT COUNT(*) FROM review_cards), "
                                    "(SELECT SUM(grades) FROM scores WHERE period = 'all') FROM grades")
    assert rows is not None and rows[0] == total and rows[2] == total, rows
    return {"path": path, "grades": total, "committed_s": committed, "with_cards_s": with_cards, "batches": batches,
            "grades_per_s": total / committed, "grades_per_s_incl_cards": total / with_cards, "cards": rows[1]}


def steady(timings: list[float], **extra: int) -> dict:
    """Median and p99 after the first WARMUP calls, and the slowest of those (`cold_max_ms`)."""
    warm = timings[WARMUP:]
    return {**extra, "median_ms": statistics.median(warm), "p99_ms": percentile(warm, 0.99),
            "cold_max_ms": max(timings[:WARMUP])}


def synthetic_bank(size: int) -> Bank:
    questions = tuple(
        Question(id=f"q{i:05d}", topic=TOPICS[i % len(TOPICS)], difficulty=DIFFICULTIES[i % 3],
                 prompt=f"Question {i}?", answer="Answer.")
        for i in range(size)
    )
    return Bank(questions)


async def draw_latency(folder: Path, bank_size: int = 10_000, seen: int = 2_000, draws: int = 1_000) -> dict:
    path = folder / "draw.sqlite3"
    upgrade_database(path)
    bank = synthetic_bank(bank_size)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executemany("INSERT INTO user_seen (platform, user_id, question_id, times, last_at) VALUES (?, ?, ?, 1, ?)",
                     [("bench", "U1", q.id, iso(NOW)) for q in bank.questions[:seen]])
    conn.close()
    async with Store.open(path) as store:
        return await timed_draws(store, bank, draws)


async def timed_draws(store: Store, bank: Bank, draws: int) -> dict:
    """`/quiz` draws for user U1 through the practice service (either engine): median and p99 after WARMUP."""
    async with GradeWriter(store) as writer:
        practice = PracticeService(store=store, bank=bank, clock=ManualClock(NOW), writer=writer,
                                   rng=random.Random(2))
        actor = Actor("bench", "T1", "U1")
        place = Place("bench", "T1", "C1")
        timings = []
        for _ in range(WARMUP + draws):
            start = time.perf_counter()
            await practice.draw(actor, place, QuizArgs())
            timings.append((time.perf_counter() - start) * 1000)
    return steady(timings, draws=draws)


def seed_leaderboard(path: Path, users: int, grades: int) -> None:
    """2M grades in large transactions; the leaderboard totals and levels are then built with the same SQL
    aggregates the bot's upserts maintain (seeding row by row through the triggers would take minutes)."""
    upgrade_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute("DROP TRIGGER grades_mark_day")
    conn.execute("DROP TRIGGER IF EXISTS scores_level_new")
    conn.executemany(  # every player has a users row (names, `/leaderboard hide`); one in HIDDEN_EVERY hides
        "INSERT INTO users (platform, user_id, display_name, created_at, board_hidden) VALUES ('bench', ?, ?, ?, ?)",
        [(f"U{u}", f"User {u}", iso(NOW), int(u % HIDDEN_EVERY == 7)) for u in range(users)],
    )
    conn.executemany(
        "INSERT INTO posts (id, platform, team_id, channel_id, kind, user_id, question_id, status, created_at) "
        "VALUES (?, 'bench', 'BIG', 'C1', 'quiz', 'seed', 'q', 'posted', ?)",
        [(i, iso(NOW)) for i in range(1, grades // users + 1)],
    )
    rng = random.Random(3)
    wk, mk = week_key(NOW, "UTC"), month_key(NOW, "UTC")
    insert = ("INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, graded_at, "
              "local_date, week_key, month_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
    batch = []
    for g in range(grades):
        grade = rng.choice(GRADES)
        at = iso(NOW - timedelta(seconds=rng.randint(0, 5 * 86400)))
        batch.append((g // users + 1, "bench", f"U{g % users}", "BIG", "q", "sql", grade, points_for("hard", grade),
                      at, at[:10], wk, mk))
        if len(batch) == 100_000:
            conn.executemany(insert, batch)
            batch.clear()
    conn.executemany(insert, batch)
    for period in ("'all'", "week_key", "month_key"):
        conn.execute(
            "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) "
            f"SELECT platform, team_id, {period}, user_id, SUM(points), COUNT(*), MAX(graded_at) FROM grades "
            f"GROUP BY platform, team_id, {period}, user_id")
    conn.execute("INSERT INTO score_levels SELECT platform, team_id, period, points, COUNT(*) FROM scores "
                 "GROUP BY platform, team_id, period, points")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


async def leaderboard_latency(folder: Path, users: int, grades: int, queries: int = 500) -> dict:
    path = folder / "board.sqlite3"
    start = time.perf_counter()
    seed_leaderboard(path, users, grades)
    seeded = time.perf_counter() - start
    async with Store.open(path) as store:
        return {"users": users, "grades": grades, "seed_s": seeded, **await timed_boards(store, users, queries)}


async def timed_boards(store: Store, users: int, queries: int) -> dict:
    """This week's board of team BIG for random callers (either engine): median and p99 after WARMUP."""
    rng = random.Random(4)
    period = week_key(NOW, "UTC")
    timings = []
    for _ in range(WARMUP + queries):
        caller = f"U{rng.randrange(users)}"
        t0 = time.perf_counter()
        board = await boards.period_board(store, "bench", "BIG", period, caller)
        timings.append((time.perf_counter() - t0) * 1000)
        assert len(board.top) == 10 and board.me is not None
    return steady(timings)


async def grade_figures(folder: Path) -> dict:
    """Part 1: the writer and both baselines, measured in the same run."""
    baseline = bare_sqlite_inserts(folder, 20_000)
    grades = await grades_throughput(folder)
    all_rows = bare_sqlite_all_rows(folder, grades.pop("path"), grades["grades"])
    return {"baseline_inserts_per_s": baseline, "baseline_all_rows": all_rows, "grades": grades,
            "grade_ratio": grades["grades_per_s"] / baseline,
            "grade_ratio_all_rows": grades["grades_per_s"] / all_rows["grades_per_s"]}


async def run(quick: bool = False, grades_only: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = await grade_figures(folder)
        if not grades_only:
            figures["draw"] = await draw_latency(folder)
            figures["board"] = await leaderboard_latency(folder, 10_000 if quick else 100_000,
                                                         200_000 if quick else 2_000_000)
    return figures


def report(figures: dict) -> list[tuple[str, str, str]]:
    """Rows of (figure, value, aim) for the summary table."""
    g, a = figures["grades"], figures["baseline_all_rows"]
    rows = [
        ("baseline 1: bare sqlite3 insert+commit loop", f"{figures['baseline_inserts_per_s']:,.0f} rows/s", ""),
        ("baseline 2: bare executemany of every row, one transaction",
         f"{a['rows_per_s']:,.0f} rows/s = {a['grades_per_s']:,.0f} grades/s", f"{a['rows']:,} rows"),
        ("grades recorded (grade+streak+leaderboards+card)",
         f"{g['grades_per_s']:,.0f} /s in {g['batches']} batches", ""),
        ("grades ratio to baseline 1 (the loop)", f"{figures['grade_ratio']:.2f}", ">= 0.5"),
        ("grades ratio to baseline 2 (every row, executemany)", f"{figures['grade_ratio_all_rows']:.2f}", ""),
    ]
    if "draw" not in figures:
        return rows
    d, b = figures["draw"], figures["board"]
    return [
        *rows,
        ("/quiz draw, bank 10k, 2k seen: median / p99", f"{d['median_ms']:.3f} / {d['p99_ms']:.3f} ms",
         f"p99 < 2 ms (first {WARMUP}: max {d['cold_max_ms']:.1f} ms)"),
        (f"weekly board, {b['users']:,} users, {b['grades']:,} grades: median / p99",
         f"{b['median_ms']:.3f} / {b['p99_ms']:.3f} ms", f"p99 < 5 ms (first {WARMUP}: max {b['cold_max_ms']:.1f} ms)"),
    ]


def main(quick: bool = False, grades_only: bool = False) -> dict:
    figures = asyncio.run(run(quick, grades_only))
    for name, value, aim in report(figures):
        print(f"{name:<62} {value:>28} {aim}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 10x smaller leaderboard")
    parser.add_argument("--grades", action="store_true", help="only the grade throughput (part 1)")
    args = parser.parse_args()
    main(args.quick, args.grades)
