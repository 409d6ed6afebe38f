"""The store on real SQLite files: pragmas, numbered migrations in one transaction, upgrades from every earlier
version, refusing a newer database, the `db` CLI, and the keys that keep platforms and teams apart."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import Core
from bot.store.db import upgrade_database
from bot.store.migrations import Migration, SchemaTooNewError, load_migrations, upgrade_sync
from bot.store.store import Store
from tests.conftest import (
    REPO,
    SMALL_BANK,
    RecordingOutbound,
    card_post_id,
    make_actor,
    make_place,
    open_test_core,
    press,
    query,
    run,
    scalar,
)

MIGRATIONS = load_migrations()
LATEST = MIGRATIONS[-1].version


def cli(db: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_DATABASE": str(db), "BOT_QUESTION_PACKS": str(SMALL_BANK)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, **kw)  # type: ignore[call-overload]


def tables(path: Path) -> list[str]:
    return [r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


# --- pragmas and migrations -----------------------------------------------------------------------


@pytest.mark.sqlite_only
async def test_database_uses_wal_and_enforces_foreign_keys(core: Core, db_path: Path) -> None:
    assert scalar(db_path, "PRAGMA journal_mode") == "wal"
    row = await core.store.fetchone("PRAGMA foreign_keys")
    assert row is not None and row[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        async with core.store.write() as db:
            await db.execute(
                "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, "
                "graded_at, local_date, week_key, month_key) VALUES (999, 'test', 'u', 'T1', 'q', 'sql', 'good', 1, "
                "'2026-01-01T00:00:00.000000Z', '2026-01-01', 'w:2025-12-29', 'm:2026-01')"
            )
    assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 0


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_migration_files_are_numbered_without_gaps(engine: str) -> None:
    files = sorted(p.name for p in (REPO / "migrations").glob("*.sql")
                   if p.name.count(".") == 1 or p.name.endswith(f".{engine}.sql"))
    migrations = load_migrations(engine=engine)
    assert [m.version for m in migrations] == list(range(1, len(files) + 1))
    assert [m.name for m in migrations] == [f.split(".")[0] for f in files]


def test_every_engine_file_has_its_twin() -> None:
    """A number is either one shared file or a sqlite + postgres pair, never one engine alone."""
    names = [p.name for p in (REPO / "migrations").glob("*.sql")]
    for name in names:
        if name.endswith(".sqlite.sql"):
            assert name.replace(".sqlite.", ".postgres.") in names, name
        if name.endswith(".postgres.sql"):
            assert name.replace(".postgres.", ".sqlite.") in names, name


@pytest.mark.sqlite_only
def test_fresh_database_is_at_the_latest_version(db_path: Path) -> None:
    assert upgrade_database(db_path) == (0, LATEST)
    assert scalar(db_path, "PRAGMA user_version") == LATEST
    assert upgrade_database(db_path) == (LATEST, LATEST)
    assert {"teams", "users", "posts", "grades", "scores", "streaks", "review_cards", "schedules"} <= set(tables(db_path))


def test_a_failing_migration_leaves_the_database_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_good.sql").write_text("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);\nTHIS IS NOT SQL;\n")
    db = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        with pytest.raises(sqlite3.Error):
            upgrade_sync(conn, load_migrations(folder))
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
        assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []
        # the good one alone applies, then the database is at version 1
        assert upgrade_sync(conn, load_migrations(folder)[:1]) == (0, 1)
        assert conn.execute("SELECT x FROM a").fetchall() == [(1,)]
    finally:
        conn.close()


def test_migration_names_must_be_numbered_in_order(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="0002"):
        load_migrations(tmp_path)


def test_an_engine_pair_is_read_per_engine_beside_shared_files(tmp_path: Path) -> None:
    (tmp_path / "0001_shared.sql").write_text("CREATE TABLE a (x INTEGER);")
    (tmp_path / "0002_ids.sqlite.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT);")
    (tmp_path / "0002_ids.postgres.sql").write_text("CREATE TABLE b (id BIGSERIAL PRIMARY KEY);")
    sqlite_sql = [m.sql for m in load_migrations(tmp_path, "sqlite")]
    postgres_sql = [m.sql for m in load_migrations(tmp_path, "postgres")]
    assert [m.name for m in load_migrations(tmp_path, "postgres")] == ["0001_shared", "0002_ids"]
    assert "AUTOINCREMENT" in sqlite_sql[1] and "BIGSERIAL" in postgres_sql[1]
    assert sqlite_sql[0] == postgres_sql[0]


# Data valid at each schema version: (version it needs, statements). Rows for a version k database are every
# block whose version is <= k.
SAMPLE_DATA: list[tuple[int, list[str]]] = [
    (1, [
        "INSERT INTO teams (platform, team_id, name, timezone, created_at) VALUES "
        "('test', 'T1', 'Team one', 'Europe/Berlin', '2026-11-01T00:00:00.000000Z')",
        "INSERT INTO users (platform, user_id, display_name, timezone, created_at) VALUES "
        "('test', 'alice', 'Alice', 'Asia/Tokyo', '2026-11-01T00:00:00.000000Z'), "
        "('test', 'bob', 'Bob', NULL, '2026-11-01T00:00:00.000000Z')",
        "INSERT INTO posts (id, platform, team_id, channel_id, kind, user_id, question_id, local_date, cycle, status, "
        "message_id, thread_id, created_at, posted_at, reveal_at, revealed_at) VALUES "
        "(1, 'test', 'T1', 'C1', 'qotd', NULL, 'sql-easy-1', '2026-11-20', 0, 'posted', 'm1', 't1', "
        "'2026-11-20T08:00:00.000000Z', '2026-11-20T08:00:01.000000Z', '2026-11-20T20:00:00.000000Z', NULL), "
        "(2, 'test', 'T1', 'C1', 'quiz', 'bob', 'pytorch-hard-1', NULL, 0, 'posted', NULL, NULL, "
        "'2026-11-20T09:00:00.000000Z', '2026-11-20T09:00:00.000000Z', NULL, NULL)",
        # From version 6 a trigger writes this row with the quiz post; the same values either way.
        "INSERT OR IGNORE INTO user_seen (platform, user_id, question_id, times, last_at) VALUES "
        "('test', 'bob', 'pytorch-hard-1', 1, '2026-11-20T09:00:00.000000Z')",
        "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, graded_at, "
        "local_date, week_key, month_key) VALUES "
        "(1, 'test', 'alice', 'T1', 'sql-easy-1', 'sql', 'good', 1, '2026-11-20T10:00:00.000000Z', '2026-11-20', "
        "'w:2026-11-16', 'm:2026-11'), "
        "(2, 'test', 'bob', 'T1', 'pytorch-hard-1', 'pytorch', 'hard', 1.5, '2026-11-20T09:05:00.000000Z', "
        "'2026-11-20', 'w:2026-11-16', 'm:2026-11')",
    ]),
    (2, [
        "UPDATE users SET remind_hours = 3, reminded_on = '2026-11-19' WHERE user_id = 'alice'",
        "INSERT INTO streaks (platform, team_id, user_id, current, best, freezes, freezes_used, last_date) VALUES "
        "('test', 'T1', 'alice', 8, 9, 1, 2, '2026-11-20')",
        "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES "
        "('test', 'alice', 'sql-easy-1', '{}', '2026-11-21T10:00:00.000000Z')",
    ]),
    (3, [
        "INSERT INTO schedules (platform, team_id, channel_id, local_time, timezone, weekdays, topics, difficulty, "
        "reveal_minutes, use_thread, mention, paused, weekly_board, cycle, next_run_utc, created_by, updated_at) "
        "VALUES ('test', 'T1', 'C1', '09:00', 'Europe/Berlin', 'mon,wed', 'sql', 'easy', 60, 0, 'R1', 0, 1, 2, "
        "'2026-11-23T08:00:00.000000Z', 'alice', '2026-11-01T00:00:00.000000Z')",
        "INSERT INTO team_admins (platform, team_id, user_id) VALUES ('test', 'T1', 'bob')",
        "INSERT INTO processed_events (platform, event_id, seen_at) VALUES ('test', 'ev1', "
        "'2026-11-20T10:00:00.000000Z')",
        "INSERT INTO weekly_posts (platform, team_id, channel_id, week_key, posted_at) VALUES "
        "('test', 'T1', 'C1', 'w:2026-11-09', '2026-11-16T08:00:00.000000Z')",
    ]),
    (4, [
        "UPDATE users SET platform_timezone = 'America/Chicago' WHERE user_id = 'bob'",
        "UPDATE posts SET attempt_by = 'process-a', attempt_at = '2026-11-20T08:00:00.000000Z' WHERE id = 1",
    ]),
    # From version 5 the grade writer, not a trigger, adds a first grade to the totals: write them as it would.
    (5, [
        "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) VALUES "
        "('test', 'T1', 'all', 'alice', 1, 1, '2026-11-20T10:00:00.000000Z'), "
        "('test', 'T1', 'w:2026-11-16', 'alice', 1, 1, '2026-11-20T10:00:00.000000Z'), "
        "('test', 'T1', 'm:2026-11', 'alice', 1, 1, '2026-11-20T10:00:00.000000Z'), "
        "('test', 'T1', 'all', 'bob', 1.5, 1, '2026-11-20T09:05:00.000000Z'), "
        "('test', 'T1', 'w:2026-11-16', 'bob', 1.5, 1, '2026-11-20T09:05:00.000000Z'), "
        "('test', 'T1', 'm:2026-11', 'bob', 1.5, 1, '2026-11-20T09:05:00.000000Z')",
    ]),
    # From version 7 no trigger keeps the score-level histogram either: the grade writer writes it with the totals.
    (7, [
        "INSERT INTO score_levels (platform, team_id, period, points, users) VALUES "
        "('test', 'T1', 'all', 1, 1), ('test', 'T1', 'all', 1.5, 1), ('test', 'T1', 'w:2026-11-16', 1, 1), "
        "('test', 'T1', 'w:2026-11-16', 1.5, 1), ('test', 'T1', 'm:2026-11', 1, 1), ('test', 'T1', 'm:2026-11', 1.5, 1)",
    ]),
]


def _snapshot(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            cur = conn.execute(f"SELECT * FROM {name}")
            out[name] = ([d[0] for d in cur.description], sorted(cur.fetchall(), key=repr))
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("version", range(LATEST))
async def test_upgrade_from_every_earlier_version_keeps_the_data(tmp_path: Path, version: int) -> None:
    db = tmp_path / f"v{version}.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert upgrade_sync(conn, MIGRATIONS[:version]) == (0, version)
        for needs, statements in SAMPLE_DATA:
            if needs <= version:
                for sql in statements:
                    conn.execute(sql)
    finally:
        conn.close()
    assert scalar(db, "PRAGMA user_version") == version
    before = _snapshot(db)

    assert upgrade_database(db) == (version, LATEST)

    after = _snapshot(db)
    assert scalar(db, "PRAGMA user_version") == LATEST
    for table, (columns, rows) in before.items():
        assert table in after, f"table {table} disappeared"
        kept = sorted(query(db, f"SELECT {', '.join(columns)} FROM {table}"), key=repr)
        assert kept == rows, f"rows of {table} changed by the upgrade from version {version}"
    if version >= 1:
        # the leaderboard totals the triggers kept are still what the bot reads
        assert query(db, "SELECT user_id, points FROM scores WHERE period = 'all' ORDER BY user_id") == [
            ("alice", 1.0), ("bob", 1.5)]
        # migration 0005 backfills the score-level histogram the ranks are read from
        assert query(db, "SELECT points, users FROM score_levels WHERE period = 'all' ORDER BY points") == [
            (1.0, 1), (1.5, 1)]
        clock = ManualClock(datetime(2026, 11, 21, 12, tzinfo=UTC))
        async with open_test_core(db, clock) as core:
            replies = await run(core, make_actor("alice"), "leaderboard all")
            assert "Bob — 1.5 pts" in replies[0].text and "Alice — 1 pts" in replies[0].text
            if version >= 2:
                streak = await run(core, make_actor("alice"), "streak")
                assert "**8 days** (best 9)" in streak[0].text


def test_upgrade_is_one_transaction_with_the_version(tmp_path: Path) -> None:
    """The version moves with the schema: a migration that fails halfway leaves the earlier version in place."""
    db = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        upgrade_sync(conn, MIGRATIONS[:1])
        broken = [*MIGRATIONS, Migration(LATEST + 1, f"{LATEST + 1:04d}_broken", "CREATE TABLE zz (a); SELEC 1;")]
        with pytest.raises(sqlite3.Error):
            upgrade_sync(conn, broken)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "streaks" not in names and "zz" not in names
    finally:
        conn.close()


# --- a database newer than the code ---------------------------------------------------------------


def _make_too_new(db: Path) -> None:
    upgrade_database(db)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO teams (platform, team_id, created_at) VALUES ('test', 'T9', 'x')")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only
async def test_a_newer_database_is_refused_with_the_versions(db_path: Path) -> None:
    _make_too_new(db_path)
    with pytest.raises(SchemaTooNewError) as caught:
        async with Store.open(db_path):
            pass
    message = str(caught.value)
    assert "99" in message and str(LATEST) in message
    assert scalar(db_path, "PRAGMA user_version") == 99
    assert query(db_path, "SELECT team_id FROM teams") == [("T9",)]


@pytest.mark.sqlite_only
def test_cli_refuses_a_newer_database_in_one_line(db_path: Path) -> None:
    _make_too_new(db_path)
    for args in (("db", "upgrade"), ("db", "backup", str(db_path.with_name("copy.sqlite3")))):
        result = cli(db_path, *args)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "99" in lines[0] and str(LATEST) in lines[0]
        assert "Traceback" not in result.stderr
    assert scalar(db_path, "PRAGMA user_version") == 99
    assert not db_path.with_name("copy.sqlite3").exists()


# --- the db CLI ------------------------------------------------------------------------------------


async def test_cli_db_upgrade_and_backup(tmp_path: Path, clock: ManualClock) -> None:
    db = tmp_path / "live" / "bot.sqlite3"
    first = cli(db, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"schema version 0 -> {LATEST}" in first.stdout
    again = cli(db, "db", "upgrade")
    assert again.returncode == 0 and f"already at schema version {LATEST}" in again.stdout

    async with open_test_core(db, clock) as core:
        core.register_outbound(RecordingOutbound())
        alice = make_actor("alice")
        post = card_post_id(await run(core, alice, "quiz pytorch hard"))
        await press(core, alice, "good", post)
        await core.writer.drain()
        # the bot is still running (connection open) while the backup is taken
        copy = tmp_path / "backups" / "copy.sqlite3"
        result = cli(db, "db", "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert str(copy) in result.stdout
    assert scalar(copy, "PRAGMA integrity_check") == "ok"
    assert scalar(copy, "PRAGMA user_version") == LATEST
    assert query(copy, "SELECT user_id, grade, points FROM grades") == [("alice", "good", 3.0)]
    assert query(copy, "SELECT period, points FROM scores WHERE period = 'all'") == [("all", 3.0)]
    async with open_test_core(copy, clock) as restored:
        board = await run(restored, make_actor("alice"), "leaderboard all")
        assert "Alice — 3 pts" in board[0].text


# --- keys --------------------------------------------------------------------------------------------


async def test_keys_keep_platforms_teams_and_channels_apart(core: Core, db_path: Path) -> None:
    """team = (platform, team id); user = (platform, user id); place = (platform, team, channel)."""
    core.register_outbound(RecordingOutbound("other"))
    same_ids = [make_actor("u1", team="T1", platform="test"), make_actor("u1", team="T1", platform="other")]
    for actor in same_ids:
        post = card_post_id(await run(core, actor, "quiz sql easy"))
        await press(core, actor, "good" if actor.platform == "test" else "again", post)
    assert query(db_path, "SELECT platform, team_id FROM teams ORDER BY platform") == [("other", "T1"), ("test", "T1")]
    assert query(db_path, "SELECT platform, user_id FROM users ORDER BY platform") == [("other", "u1"), ("test", "u1")]
    assert query(db_path, "SELECT platform, points FROM scores WHERE period = 'all' ORDER BY platform") == [
        ("other", 0.0), ("test", 1.0)]

    # one Discord-style user id in two teams: one user, two team streaks and two team boards
    t2 = make_actor("u1", team="T2", platform="test")
    post = card_post_id(await run(core, t2, "quiz sql easy"))
    await press(core, t2, "easy", post)
    assert scalar(db_path, "SELECT COUNT(*) FROM users WHERE platform = 'test'") == 1
    assert query(db_path, "SELECT team_id, current FROM streaks WHERE platform = 'test' ORDER BY team_id") == [
        ("T1", 1), ("T2", 1)]

    # the same channel id in two teams holds two schedules
    admin1, admin2 = make_actor("a", team="T1", admin=True), make_actor("a", team="T2", admin=True)
    for admin in (admin1, admin2):
        replies = await run(core, admin, "qotd setup 09:00 UTC daily", make_place("C1", team=admin.team_id))
        assert not replies[0].is_error, replies[0].text
    assert query(db_path, "SELECT team_id, channel_id FROM schedules ORDER BY team_id") == [("T1", "C1"), ("T2", "C1")]


async def test_redelivered_events_are_recognised(core: Core, clock: ManualClock) -> None:
    now = clock.now()
    assert await core.store.is_new_event("test", "ev-1", now)
    assert not await core.store.is_new_event("test", "ev-1", now)
    assert await core.store.is_new_event("other", "ev-1", now)
