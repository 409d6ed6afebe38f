"""The store on a real PostgreSQL server (tests/pg.py): the backend layer, migrations under an advisory lock,
configuration, start-up errors in one line without the password, and the `db` CLI on a URL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.config import ConfigError, Settings, database_pool_size, database_target
from bot.store.backend import is_postgres_url, redacted, scrub
from bot.store.migrations import Migration, SchemaTooNewError, load_migrations
from bot.store.postgres_backend import DatabaseConnectError, to_dollar, upgrade_connection
from bot.store.store import Store
from tests import pg
from tests.conftest import REPO, SMALL_BANK, open_test_core, query, scalar

LATEST = load_migrations(engine="postgres")[-1].version


def cli(database: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60,
        **kw: object) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "BOT_DATABASE": database, "BOT_QUESTION_PACKS": str(SMALL_BANK), **(env or {})}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID"):
        full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=full, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]


# --- pure pieces ------------------------------------------------------------------------------------


def test_placeholders_are_rewritten_outside_quotes_and_comments() -> None:
    assert to_dollar("SELECT a FROM t WHERE b = ? AND c = ?") == "SELECT a FROM t WHERE b = $1 AND c = $2"
    assert to_dollar("SELECT '?', \"we?rd\", 'it''s ?' FROM t WHERE x = ?") == \
        "SELECT '?', \"we?rd\", 'it''s ?' FROM t WHERE x = $1"
    assert to_dollar("SELECT 1 -- why?\nWHERE a = ?") == "SELECT 1 -- why?\nWHERE a = $1"
    assert to_dollar("WHERE a = ?1 OR b = ?2 OR c = ?1") == "WHERE a = $1 OR b = $2 OR c = $1"


def test_urls_are_recognised_and_redacted() -> None:
    url = "postgresql://bot:s3cret-pw@db.example:5432/bot?sslmode=require"
    assert is_postgres_url(url) and is_postgres_url("postgres://u:p@h/d")
    assert not is_postgres_url("./data/bot.sqlite3") and not is_postgres_url(Path("postgresql"))
    assert redacted(url) == "postgresql://bot:***@db.example:5432/bot?sslmode=require"
    assert redacted("./data/bot.sqlite3") == "./data/bot.sqlite3"
    assert "s3cret-pw" not in scrub(f"could not connect to {url}: s3cret-pw refused", url)


def test_the_database_setting_takes_a_path_a_url_or_database_url() -> None:
    assert database_target({}) == Path("./data/bot.sqlite3")
    assert database_target({"BOT_DATABASE": "/var/lib/bot/bot.sqlite3"}) == Path("/var/lib/bot/bot.sqlite3")
    heroku = "postgres://u:pw@ec2.example:5432/d1"
    assert database_target({"DATABASE_URL": heroku}) == heroku
    assert database_target({"BOT_DATABASE": "/x.sqlite3", "DATABASE_URL": heroku}) == Path("/x.sqlite3")
    assert database_target({"BOT_DATABASE": "postgresql://a@b/c"}) == "postgresql://a@b/c"
    assert database_pool_size({}) == 10 and database_pool_size({"BOT_DATABASE_POOL_SIZE": "3"}) == 3
    with pytest.raises(ConfigError, match="BOT_DATABASE_POOL_SIZE"):
        Settings.from_env({"BOT_DATABASE_POOL_SIZE": "many"})


# --- the backend on a real server -------------------------------------------------------------------


async def test_store_opens_a_url_and_keeps_the_store_contract(pg_url: str) -> None:
    async with Store.open(pg_url) as store:
        assert store.engine == "postgres"
        async with store.write() as db:
            await db.execute("INSERT INTO teams (platform, team_id, created_at) VALUES (?, ?, ?)",
                             ("test", "T1", "2026-01-01T00:00:00.000000Z"))
            cur = await db.execute("INSERT INTO teams (platform, team_id, created_at) VALUES (?, ?, ?) "
                                   "ON CONFLICT (platform, team_id) DO NOTHING", ("test", "T1", "x"))
            assert cur.rowcount == 0
            cur = await db.execute("INSERT INTO posts (platform, team_id, channel_id, kind, question_id, status, "
                                   "created_at, user_id) VALUES ('test', 'T1', 'C1', 'quiz', 'q1', 'posted', 'now', 'u') "
                                   "RETURNING id")
            post_id = (await cur.fetchone())[0]
            await db.executemany("INSERT INTO team_admins (platform, team_id, user_id) VALUES (?, ?, ?)",
                                 [("test", "T1", "a"), ("test", "T1", "b")])
            cur = await db.execute("UPDATE team_admins SET user_id = user_id WHERE team_id = ?", ("T1",))
            assert cur.rowcount == 2
        row = await store.fetchone("SELECT team_id, created_at FROM teams WHERE platform = ?", ("test",))
        assert row[0] == "T1" and row["created_at"] == "2026-01-01T00:00:00.000000Z"
        assert [r["user_id"] for r in await store.fetchall("SELECT user_id FROM team_admins ORDER BY 1")] == ["a", "b"]
        assert isinstance(post_id, int)
        with pytest.raises(asyncpg.UniqueViolationError):
            async with store.write() as db:
                await db.execute("INSERT INTO team_admins (platform, team_id, user_id) VALUES ('test', 'T1', 'c')")
                await db.execute("INSERT INTO team_admins (platform, team_id, user_id) VALUES ('test', 'T1', 'a')")
        assert scalar(pg_url, "SELECT COUNT(*) FROM team_admins") == 2  # the failed transaction left nothing
        assert await store.health() is None


async def test_an_empty_database_is_migrated_at_open_and_once(pg_server: pg.PgServer) -> None:
    with pg.database(migrated=False) as url:
        async with Store.open(url):
            pass
        assert query(url, "SELECT version FROM schema_version") == [(LATEST,)]
        async with Store.open(url):
            pass
        assert query(url, "SELECT version FROM schema_version") == [(LATEST,)]
        tables = {r[0] for r in query(url, "SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'public'")}
        assert {"teams", "users", "posts", "grades", "scores", "score_levels", "streaks", "review_cards",
                "schedules", "processed_events", "weekly_posts"} <= tables


async def test_a_failing_migration_leaves_the_postgres_database_untouched(pg_server: pg.PgServer) -> None:
    good = Migration(1, "0001_good", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);")
    broken = Migration(2, "0002_broken", "CREATE TABLE b (y INTEGER); THIS IS NOT SQL;")
    with pg.database(migrated=False) as url:
        conn = await asyncpg.connect(url)
        try:
            with pytest.raises(asyncpg.PostgresSyntaxError):
                await upgrade_connection(conn, [good, broken])
            assert await conn.fetchval("SELECT to_regclass('a')") is None
            assert await conn.fetchval("SELECT to_regclass('schema_version')") is None
            assert await upgrade_connection(conn, [good]) == (0, 1)
            assert await conn.fetchval("SELECT x FROM a") == 1
        finally:
            await conn.close()


async def test_a_newer_postgres_database_is_refused(pg_url: str) -> None:
    pg.execute(pg_url, "UPDATE schema_version SET version = 99")
    with pytest.raises(SchemaTooNewError, match="99"):
        async with Store.open(pg_url):
            pass
    assert query(pg_url, "SELECT version FROM schema_version") == [(99,)]


# --- the CLI and start-up errors ---------------------------------------------------------------------


def test_db_upgrade_on_a_url_shows_no_password(pg_server: pg.PgServer, tmp_path: Path) -> None:
    with pg.database(migrated=False) as url:
        first = cli(url, "db", "upgrade")
        assert first.returncode == 0, first.stderr
        password = pg_server.url.split(":")[2].split("@")[0]
        assert f"schema version 0 -> {LATEST}" in first.stdout and password not in first.stdout + first.stderr
        again = cli(url, "db", "upgrade")
        assert again.returncode == 0 and f"already at schema version {LATEST}" in again.stdout
        # `db backup` runs pg_dump when it is installed, else prints the command (tests/test_db_copy.py, pgops)
        backup = cli(url, "db", "backup", str(tmp_path / "bot.dump"))
        assert "pg_dump" in backup.stdout + backup.stderr and password not in backup.stdout + backup.stderr


def test_two_processes_upgrading_an_empty_database_at_once_migrate_it_once(pg_server: pg.PgServer) -> None:
    with pg.database(migrated=False) as url:
        env = {**os.environ, "BOT_DATABASE": url}
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade"], cwd=REPO, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        said = sorted(out for out, _ in outputs)
        assert sum(f"0 -> {LATEST}" in s for s in said) == 1, said
        assert sum("already at schema version" in s for s in said) == 1, said
        assert query(url, "SELECT version FROM schema_version") == [(LATEST,)]


def _one_clean_line(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr + result.stdout
    return lines[0]


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run", "console")])
def test_a_wrong_password_is_one_line_without_the_password(pg_server: pg.PgServer, command: tuple[str, ...]) -> None:
    url = pg.with_password(pg_server.url, "Wr0ng-Passw0rd-x")
    line = _one_clean_line(cli(url, *command), "Wr0ng-Passw0rd-x")
    assert "password" in line and "refused" in line


@pytest.mark.parametrize("command", [("run", "console")])
def test_a_missing_database_is_one_line(pg_server: pg.PgServer, command: tuple[str, ...]) -> None:
    url = pg.with_database(pg_server.url, "no_such_db")
    password = pg_server.url.split(":")[2].split("@")[0]
    line = _one_clean_line(cli(url, *command), password)
    assert "'no_such_db' does not exist" in line


@pytest.mark.parametrize("command", [("run", "console")])
def test_an_unreachable_host_is_one_line(command: tuple[str, ...]) -> None:
    url = f"postgresql://bot:Sec-ret-12345@127.0.0.1:{pg.free_port()}/bot"
    line = _one_clean_line(cli(url, *command), "Sec-ret-12345")
    assert "cannot be reached" in line and "127.0.0.1" in line


def test_a_silent_host_times_out_in_about_five_seconds() -> None:
    """A port that accepts TCP but never answers: the connect timeout ends it, in one line."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = cli(f"postgresql://bot:Sec-ret-12345@127.0.0.1:{port}/bot", "db", "upgrade", timeout=30)
    line = _one_clean_line(result, "Sec-ret-12345")
    assert "no answer within 5 s" in line


async def test_pool_size_comes_from_the_environment(pg_url: str, clock: ManualClock,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DATABASE_POOL_SIZE", "3")
    async with open_test_core(pg_url, clock) as core:
        assert core.store.backend.pool.get_max_size() == 3
        await asyncio.gather(*(core.store.fetchone("SELECT pg_sleep(0.05)") for _ in range(6)))
    async with Store.open(pg_url) as store:
        assert store.backend.pool.get_max_size() == 10


async def test_merged_question_ids_move_on_postgres_too(pg_url: str) -> None:
    """Aliases on PostgreSQL: grades and posts rewritten, seen counts added up (two old ids of one user into one
    kept id), the most recently reviewed card kept; a second run changes nothing."""
    from bot.store.aliases import apply_aliases

    t = "2026-11-20T08:00:00.000000Z"
    async with Store.open(pg_url) as store:
        async with store.write() as db:
            cur = await db.execute(
                "INSERT INTO posts (platform, team_id, channel_id, kind, question_id, local_date, status, created_at) "
                "VALUES ('test', 'T1', 'C1', 'qotd', 'old-a', '2026-11-20', 'posted', ?) RETURNING id", (t,))
            post_id = (await cur.fetchone())[0]
            await db.execute(
                "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, "
                "graded_at, local_date, week_key, month_key) VALUES (?, 'test', 'erin', 'T1', 'old-a', 'sql', "
                "'good', 1.0, ?, '2026-11-20', 'w:2026-11-16', 'm:2026-11')", (post_id, t))
            await db.executemany(
                "INSERT INTO user_seen (platform, user_id, question_id, times, last_at) VALUES ('test', ?, ?, ?, ?)",
                [("carol", "old-a", 1, "2026-11-19"), ("carol", "old-b", 2, "2026-11-21"),
                 ("carol", "kept", 1, "2026-11-18")])
            await db.executemany(
                "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES ('test', ?, ?, ?, ?)",
                [("bob", "kept", '{"last_review": "2026-11-01"}', "2026-12-01"),
                 ("bob", "old-a", '{"last_review": "2026-11-10"}', "2026-11-20")])
        counts = await apply_aliases(store, {"old-a": "kept", "old-b": "kept"})
        assert counts["grades"] == 1 and counts["posts"] == 1 and counts["review_cards"] == 1
        assert await apply_aliases(store, {"old-a": "kept", "old-b": "kept"}) == dict.fromkeys(counts, 0)
    assert query(pg_url, "SELECT question_id FROM grades") == [("kept",)]
    assert query(pg_url, "SELECT question_id FROM posts") == [("kept",)]
    assert query(pg_url, "SELECT question_id, times, last_at FROM user_seen WHERE user_id = 'carol'") == [
        ("kept", 4, "2026-11-21")]
    assert query(pg_url, "SELECT question_id, due FROM review_cards WHERE user_id = 'bob'") == [("kept", "2026-11-20")]


async def test_the_heroku_scheme_and_sslmode_in_the_url_are_honoured(pg_url: str) -> None:
    heroku = pg_url.replace("postgresql://", "postgres://", 1)
    async with Store.open(heroku + "?sslmode=disable") as store:
        assert (await store.fetchone("SELECT 1"))[0] == 1
    # The test server has no TLS: sslmode=require must refuse it rather than fall back to plain text.
    with pytest.raises(DatabaseConnectError) as caught:
        async with Store.open(pg_url + "?sslmode=require"):
            pass
    password = pg_url.split(":")[2].split("@")[0]
    assert password not in str(caught.value) and "\n" not in str(caught.value)


def test_without_a_server_postgres_tests_skip_with_the_reason_but_fail_under_ci(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import conftest

    def unavailable() -> pg.PgServer:
        raise pg.PostgresUnavailable("no PostgreSQL: set BOT_TEST_POSTGRES_URL or install the server binaries")

    monkeypatch.setattr(pg, "server", unavailable)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="BOT_TEST_POSTGRES_URL"):
        conftest.postgres_server()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but PostgreSQL is unavailable"):
        conftest.postgres_server()
