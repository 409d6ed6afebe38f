"""PostgreSQL benchmarks (issue 10), over loopback, each against a baseline measured in the same run.

1. Grades: the workload of bench/core_bench.py (20,000 grades from 5,000 users in 50 teams arriving concurrently,
   through the group-commit GradeWriter: grade row, streak, leaderboard totals and levels, then FSRS cards) on a
   Store opened on a PostgreSQL URL, as a ratio to two bare asyncpg baselines measured in the same run:
   (a) the same 20,000 grade rows into a copy of the grades table (no trigger, no foreign key): `executemany` in
   one transaction, and `copy_records_to_table` (COPY, the driver's fastest);
   (b) every row the grades leave (grades, streaks, scores, score_levels, review_cards) into a fresh database
   with the bot's schema (its indexes, trigger and foreign key): `executemany` per table in one transaction.
2. `/quiz` draw: median and p99 on a bank of 10,000 questions for a user who has seen 2,000.
3. Weekly leaderboard: median and p99 for a team of 100,000 users with 2,000,000 grades, seeded with COPY and the
   same aggregates the bot's upserts keep.

The server: BOT_TEST_POSTGRES_URL (a superuser URL) when set, else a throwaway cluster (tests/pg.py). Each part
gets a database of its own, dropped after. Aims (issue 10): grades >= 0.5x the baseline; draw p99 < 3 ms; board
p99 < 10 ms.

Run: `python bench/pg_bench.py` (a few minutes, most of it seeding 2M grades); `--quick` for a 10x smaller board.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench.core_bench import (
    GRADES,
    HIDDEN_EVERY,
    NOW,
    WARMUP,
    WRITTEN_TABLES,
    grade_requests,
    synthetic_bank,
    timed_boards,
    timed_draws,
)
from bot.clock import iso
from bot.domain.periods import month_key, week_key
from bot.practice.grade_writer import GradeRequest, GradeWriter
from bot.practice.points import points_for
from bot.store.store import Store

GRADE_COLUMNS = ("post_id", "platform", "user_id", "team_id", "question_id", "topic", "grade", "points",
                 "graded_at", "local_date", "week_key", "month_key")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A superuser URL: BOT_TEST_POSTGRES_URL, or a throwaway cluster started the way the tests start one.

    Mind the throwaway cluster runs with fsync=off (tests/pg.py): ratios hold, absolute rates flatter a real disk.
    """
    from tests import pg

    server = pg.server()  # PostgresUnavailable says why when there is none
    try:
        yield server.url
    finally:
        pg.stop()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextlib.asynccontextmanager
async def fresh_database(admin_url: str, name: str) -> AsyncIterator[str]:
    """CREATE DATABASE name (dropped on exit); yields its URL."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
        yield with_database(admin_url, name)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def seed_posts(url: str, teams: int, posts_per_team: int) -> dict[str, list[int]]:
    """Question-of-the-day posts to grade (explicit ids with COPY, then the id sequence moved past them)."""
    out: dict[str, list[int]] = {}
    records = []
    next_id = 1
    for t in range(teams):
        team = f"T{t}"
        out[team] = list(range(next_id, next_id + posts_per_team))
        for d in range(posts_per_team):
            records.append((next_id, "bench", team, "C1", "qotd", f"q{d}", f"2026-11-{10 + d:02d}", "posted", iso(NOW)))
            next_id += 1
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("posts", records=records, columns=[
            "id", "platform", "team_id", "channel_id", "kind", "question_id", "local_date", "status", "created_at"])
        await conn.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), $1)", next_id)
    finally:
        await conn.close()
    return out


def grade_row(r: GradeRequest) -> tuple[Any, ...]:
    return (r.post_id, r.platform, r.user_id, r.team_id, r.question_id, r.topic, r.grade, float(r.points),
            iso(r.graded_at), str(r.local_date), str(r.week_key), str(r.month_key))


async def bare_baseline(url: str, requests: list[GradeRequest]) -> dict[str, float]:
    """Rows per second for bare asyncpg writing the same grade rows: executemany (one transaction), and COPY."""
    rows = [grade_row(r) for r in requests]
    conn = await asyncpg.connect(url)
    try:
        out = {}
        for name in ("executemany", "copy"):
            await conn.execute("DROP TABLE IF EXISTS bench_grades")
            await conn.execute("CREATE TABLE bench_grades (LIKE grades INCLUDING ALL)")
            start = time.perf_counter()
            if name == "executemany":
                placeholders = ", ".join(f"${i}" for i in range(1, len(GRADE_COLUMNS) + 1))
                async with conn.transaction():
                    await conn.executemany(
                        f"INSERT INTO bench_grades ({', '.join(GRADE_COLUMNS)}) VALUES ({placeholders})", rows)
            else:
                await conn.copy_records_to_table("bench_grades", records=rows, columns=list(GRADE_COLUMNS))
            out[name] = len(rows) / (time.perf_counter() - start)
            assert await conn.fetchval("SELECT count(*) FROM bench_grades") == len(rows)
        await conn.execute("DROP TABLE bench_grades")
        return out
    finally:
        await conn.close()


async def bare_all_rows(admin_url: str, source_url: str, grades: int) -> dict[str, float]:
    """Bare asyncpg writing every row the grade run left in `source_url` into a fresh database with the bot's
    schema: `executemany` per table, one transaction. Final rows only (a total several batches moved is written
    once), so this does less than the writer does. Returns rows/s and the grades/s it amounts to."""
    src = await asyncpg.connect(source_url)
    try:
        rows = {table: [tuple(r) for r in await src.fetch(
                    f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(cols[:4])}")]
                for table, cols in WRITTEN_TABLES.items()}
        posts = [tuple(r) for r in await src.fetch("SELECT * FROM posts ORDER BY id")]
        post_columns = [r[0] for r in await src.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts' ORDER BY ordinal_position")]
    finally:
        await src.close()
    async with fresh_database(admin_url, "bench_all_rows") as url:
        async with Store.open(url):  # the schema
            pass
        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table("posts", records=posts, columns=post_columns)  # not timed
            start = time.perf_counter()
            async with conn.transaction():
                for table, cols in WRITTEN_TABLES.items():
                    placeholders = ", ".join(f"${i}" for i in range(1, len(cols) + 1))
                    await conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})",
                                           rows[table])
            elapsed = time.perf_counter() - start
        finally:
            await conn.close()
    total = sum(len(r) for r in rows.values())
    return {"rows": total, "rows_per_s": total / elapsed, "grades_per_s": grades / elapsed}


async def grades_throughput(admin_url: str, total: int = 20_000, users: int = 5_000, teams: int = 50) -> dict:
    async with fresh_database(admin_url, "bench_grades") as url:
        async with Store.open(url):  # the schema
            pass
        posts = await seed_posts(url, teams, total // users)
        requests = grade_requests(posts, total, users, teams)
        baseline = await bare_baseline(url, requests)
        async with Store.open(url) as store:
            writer = GradeWriter(store)
            async with writer:
                start = time.perf_counter()
                await asyncio.gather(*(writer.submit(r) for r in requests))
                committed = time.perf_counter() - start
                await writer.drain()
                with_cards = time.perf_counter() - start
                batches = writer.batches
            row = await store.fetchone("SELECT COUNT(*), (SELECT COUNT(*) FROM review_cards), "
                                       "(SELECT SUM(grades) FROM scores WHERE period = 'all') FROM grades")
        all_rows = await bare_all_rows(admin_url, url, total)
    assert row is not None and row[0] == total and row[2] == total, row
    return {"grades": total, "committed_s": committed, "with_cards_s": with_cards, "batches": batches,
            "grades_per_s": total / committed, "grades_per_s_incl_cards": total / with_cards, "cards": row[1],
            "baseline_executemany_per_s": baseline["executemany"], "baseline_copy_per_s": baseline["copy"],
            "ratio_executemany": total / committed / baseline["executemany"],
            "ratio_copy": total / committed / baseline["copy"], "baseline_all_rows": all_rows,
            "ratio_all_rows": total / committed / all_rows["grades_per_s"]}


async def draw_latency(admin_url: str, bank_size: int = 10_000, seen: int = 2_000, draws: int = 1_000) -> dict:
    bank = synthetic_bank(bank_size)
    async with fresh_database(admin_url, "bench_draw") as url:
        async with Store.open(url):
            pass
        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table("user_seen", columns=["platform", "user_id", "question_id", "times",
                                                                   "last_at"],
                                             records=[("bench", "U1", q.id, 1, iso(NOW)) for q in bank.questions[:seen]])
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        async with Store.open(url) as store:
            return await timed_draws(store, bank, draws)


async def seed_leaderboard(url: str, users: int, grades: int) -> None:
    """`grades` grades with COPY (user triggers off while seeding), then totals and levels by aggregate SQL.

    Every player has a users row (the board joins it for names and `/leaderboard hide`); one in HIDDEN_EVERY hides.
    """
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "users", columns=["platform", "user_id", "display_name", "created_at", "board_hidden"],
            records=[("bench", f"U{u}", f"User {u}", iso(NOW), int(u % HIDDEN_EVERY == 7)) for u in range(users)])
        posts = grades // users + 1
        await conn.copy_records_to_table(
            "posts", columns=["id", "platform", "team_id", "channel_id", "kind", "user_id", "question_id", "status",
                              "created_at"],
            records=[(i, "bench", "BIG", "C1", "quiz", "seed", "q", "posted", iso(NOW)) for i in range(1, posts + 1)])
        await conn.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), $1)", posts + 1)
        rng = random.Random(3)
        wk, mk = week_key(NOW, "UTC"), month_key(NOW, "UTC")

        def batch(start: int, stop: int) -> list[tuple[Any, ...]]:
            out = []
            for g in range(start, stop):
                grade = rng.choice(GRADES)
                at = iso(NOW - timedelta(seconds=rng.randint(0, 5 * 86400)))
                out.append((g // users + 1, "bench", f"U{g % users}", "BIG", "q", "sql", grade,
                            float(points_for("hard", grade)), at, at[:10], wk, mk))
            return out

        await conn.execute("ALTER TABLE grades DISABLE TRIGGER USER")
        step = 200_000
        for start in range(0, grades, step):
            await conn.copy_records_to_table("grades", columns=list(GRADE_COLUMNS),
                                             records=batch(start, min(grades, start + step)))
        await conn.execute("ALTER TABLE grades ENABLE TRIGGER USER")
        async with conn.transaction():
            for period, group in (("'all'", ""), ("week_key", ", week_key"), ("month_key", ", month_key")):
                await conn.execute(
                    "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) "
                    f"SELECT platform, team_id, {period}, user_id, SUM(points), COUNT(*), MAX(graded_at) FROM grades "
                    f"GROUP BY platform, team_id, user_id{group}")
            await conn.execute("INSERT INTO score_levels (platform, team_id, period, points, users) "
                               "SELECT platform, team_id, period, points, COUNT(*) FROM scores "
                               "GROUP BY platform, team_id, period, points")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def leaderboard_latency(admin_url: str, users: int, grades: int, queries: int = 500) -> dict:
    async with fresh_database(admin_url, "bench_board") as url:
        async with Store.open(url):
            pass
        start = time.perf_counter()
        await seed_leaderboard(url, users, grades)
        seeded = time.perf_counter() - start
        async with Store.open(url) as store:
            return {"users": users, "grades": grades, "seed_s": seeded, **await timed_boards(store, users, queries)}


async def run(admin_url: str, quick: bool = False) -> dict:
    grades = await grades_throughput(admin_url)
    draw = await draw_latency(admin_url)
    board = await leaderboard_latency(admin_url, 10_000 if quick else 100_000, 200_000 if quick else 2_000_000)
    return {"grades": grades, "draw": draw, "board": board}


def report(figures: dict) -> list[tuple[str, str, str]]:
    """Rows of (figure, value, aim) for the summary table."""
    g, d, b = figures["grades"], figures["draw"], figures["board"]
    return [
        ("PG baseline 1: bare asyncpg, grade rows only: executemany / COPY",
         f"{g['baseline_executemany_per_s']:,.0f} / {g['baseline_copy_per_s']:,.0f} rows/s", "baseline"),
        ("PG baseline 2: bare executemany of every row, one transaction",
         f"{g['baseline_all_rows']['rows_per_s']:,.0f} rows/s = {g['baseline_all_rows']['grades_per_s']:,.0f} grades/s",
         f"{g['baseline_all_rows']['rows']:,} rows"),
        ("PG: grades recorded (grade+streak+leaderboards+card)",
         f"{g['grades_per_s']:,.0f} /s in {g['batches']} batches", ""),
        ("PG: grades ratio to baseline 1 executemany / COPY", f"{g['ratio_executemany']:.2f} / {g['ratio_copy']:.2f}",
         ">= 0.5"),
        ("PG: grades ratio to baseline 2 (every row, executemany)", f"{g['ratio_all_rows']:.2f}", ""),
        ("PG: /quiz draw, bank 10k, 2k seen: median / p99", f"{d['median_ms']:.3f} / {d['p99_ms']:.3f} ms",
         f"p99 < 3 ms (first {WARMUP}: max {d['cold_max_ms']:.1f} ms)"),
        (f"PG: weekly board, {b['users']:,} users, {b['grades']:,} grades: median / p99",
         f"{b['median_ms']:.3f} / {b['p99_ms']:.3f} ms",
         f"p99 < 10 ms (first {WARMUP}: max {b['cold_max_ms']:.1f} ms; seeded in {b['seed_s']:.0f} s)"),
    ]


def main(quick: bool = False) -> dict:
    with postgres_server() as url:
        figures = asyncio.run(run(url, quick))
    for name, value, aim in report(figures):
        print(f"{name:<62} {value:>28} {aim}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 10x smaller leaderboard")
    main(parser.parse_args().quick)
