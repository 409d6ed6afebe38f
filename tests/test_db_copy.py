"""`python -m bot db copy SOURCE TARGET`: every table across engines, counts on both sides, the refusal.

The data is made by a real core (quizzes, grades, a regrade, a question of the day with its reveal, streaks,
review cards, a Slack installation), so every table the bot writes has rows to carry over.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.oauth_store import StoreInstallationStore
from bot.clock import ManualClock
from bot.dbtools.backup import split_password
from bot.dbtools.copy import DERIVED_LAST, copy_database, copy_order, describe
from bot.dbtools.targets import is_postgres, redacted
from bot.store.store import Store
from tests import pg
from tests.conftest import (
    MONDAY_MORNING,
    REPO,
    RecordingOutbound,
    card_post_id,
    make_actor,
    open_test_core,
    press,
    query,
    run,
    scalar,
)

ADMIN = make_actor("admin", admin=True)


async def fill(db: Path | str) -> None:
    """A few days of use of every feature, written by the real core."""
    clock = ManualClock(MONDAY_MORNING)
    async with open_test_core(db, clock) as core:  # type: ignore[arg-type]
        core.register_outbound(RecordingOutbound())
        assert not (await run(core, ADMIN, "qotd setup 07:00 UTC"))[0].is_error
        for day in range(3):
            for user in ("alice", "bob", "carol"):
                actor = make_actor(user)
                for line, grade in (("quiz sql", "good"), ("quiz pytorch", "hard")):
                    await press(core, actor, grade, card_post_id(await run(core, actor, line)))
            clock.set(MONDAY_MORNING + timedelta(days=day, hours=1, minutes=1))
            await core.tick()
            clock.set(MONDAY_MORNING + timedelta(days=day, hours=13, minutes=2))
            await core.tick()
        post = card_post_id(await run(core, make_actor("alice"), "quiz sql"))
        await press(core, make_actor("alice"), "again", post)
        await press(core, make_actor("alice"), "easy", post)  # a regrade
        await StoreInstallationStore(core.store, client_id="111.222").async_save(Installation(
            team_id="T9", user_id="U9", bot_token="xoxb-9", bot_id="B9", bot_user_id="UB9", installed_at=1.7e9))


async def snapshot(db: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, as plain tuples."""
    async with Store.open(db) as store:
        tables = await describe(store, is_postgres(str(db)))
        out = {}
        for name, table in tables.items():
            cols = ", ".join(sorted(c.name for c in table.columns))  # the engines may order columns differently
            out[name] = sorted((tuple(r) for r in await store.fetchall(f"SELECT {cols} FROM {name}")), key=repr)
        return out


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "db", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    source = tmp_path / "source.sqlite3"
    await fill(source)
    return source


async def test_every_table_has_rows_to_copy(filled: Path) -> None:
    rows = await snapshot(filled)
    empty = sorted(t for t, r in rows.items() if not r)
    # Tables no feature above writes: weekly boards are posted on Mondays 'weekly_board on', aliases and others
    # belong to later features; every table the test data touches must be carried over.
    for table in ("posts", "grades", "scores", "score_levels", "user_seen", "practice_days", "streaks",
                  "review_cards", "schedules", "users", "teams", "slack_installations", "slack_bots"):
        assert table not in empty, table


async def test_copy_carries_every_row_and_new_rows_do_not_collide(filled: Path, db_path: Path | str) -> None:
    before = await snapshot(filled)
    report = await copy_database(str(filled), str(db_path))
    assert {t: (s, d) for t, s, d in report.counts} == {t: (len(r), len(r)) for t, r in before.items()}
    assert await snapshot(db_path) == before
    # The bot goes on on the copy: a new draw gets a new post id (after the copied ones), and a grade counts.
    last_id = scalar(filled, "SELECT max(id) FROM posts")
    async with open_test_core(db_path, ManualClock(MONDAY_MORNING + timedelta(days=3))) as core:  # type: ignore[arg-type]
        post = card_post_id(await run(core, make_actor("dave"), "quiz sql"))
        assert post == last_id + 1
        await press(core, make_actor("dave"), "good", post)
    assert scalar(db_path, "SELECT count(*) FROM grades") == len(before["grades"]) + 1


async def test_copy_back_gives_the_same_rows(filled: Path, db_path: Path | str, tmp_path: Path) -> None:
    await copy_database(str(filled), str(db_path))
    back = tmp_path / "back.sqlite3"
    report = await copy_database(str(db_path), str(back))
    assert all(s == d for _, s, d in report.counts)
    assert await snapshot(back) == await snapshot(filled)


async def test_a_target_with_rows_is_refused_unless_forced(filled: Path, db_path: Path | str,
                                                           tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    async with open_test_core(other, ManualClock(MONDAY_MORNING)) as core:
        await press(core, make_actor("zed"), "good", card_post_id(await run(core, make_actor("zed"), "quiz sql")))
    await copy_database(str(other), str(db_path))
    kept = await snapshot(db_path)

    done = run_cli("copy", str(filled), str(db_path))
    assert done.returncode == 1
    assert "is not empty" in done.stderr and "posts (1 rows)" in done.stderr and "grades (1 rows)" in done.stderr
    assert "--force" in done.stderr and "Traceback" not in done.stderr
    password = split_password(str(db_path))[1] if is_postgres(str(db_path)) else None
    if password:
        assert password not in done.stderr and ":***@" in done.stderr
    assert await snapshot(db_path) == kept  # nothing was written

    forced = run_cli("copy", str(filled), str(db_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert await snapshot(db_path) == await snapshot(filled)
    posts = len(query(filled, "SELECT id FROM posts"))
    assert any(line.split()[:3] == ["posts", f"{posts:,}", f"{posts:,}"] for line in forced.stdout.splitlines())
    assert "zed" not in {r[1] for r in query(filled, "SELECT platform, user_id FROM users")}
    if password:
        assert password not in forced.stdout + forced.stderr


async def test_the_copy_prints_counts_per_table_for_both_sides(filled: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    done = run_cli("copy", str(filled), str(target))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["table", "source", "target"]
    grades = scalar(filled, "SELECT count(*) FROM grades")
    assert "grades" in {ln.split()[0] for ln in lines if ln.split()}
    assert [ln.split() for ln in lines if ln.startswith("grades ")] == [["grades", f"{grades:,}", f"{grades:,}"]]
    assert lines[-1] == f"copied {filled} -> {target}"


def test_the_same_database_twice_is_refused(tmp_path: Path) -> None:
    done = run_cli("copy", str(tmp_path / "a.sqlite3"), str(tmp_path / "a.sqlite3"))
    assert done.returncode == 1 and "the same database" in done.stderr


async def test_copy_order_puts_referenced_and_trigger_filled_tables_right(filled: Path) -> None:
    async with Store.open(filled) as store:
        order = copy_order(await describe(store, False))
    assert order.index("posts") < order.index("grades")
    assert order[-len(DERIVED_LAST):] == list(DERIVED_LAST)


def test_a_url_is_shown_without_its_password() -> None:
    assert redacted("postgresql://bot:s3cret@db.example:5432/bot?sslmode=require") == \
        "postgresql://bot:***@db.example:5432/bot?sslmode=require"
    assert redacted("postgres://bot@db/bot") == "postgres://bot@db/bot"
    assert redacted("./data/bot.sqlite3") == "./data/bot.sqlite3"


# --- db backup on PostgreSQL -------------------------------------------------------------------------------------


def test_backup_without_pg_dump_prints_the_command_with_the_password_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.dbtools import backup

    monkeypatch.setattr(backup, "find_pg_dump", lambda: None)
    result = backup.backup_postgres("postgresql://bot:s3cret@db.example:5432/bot?sslmode=require", tmp_path / "b.dump")
    assert not result.ok and "s3cret" not in result.message
    assert "pg_dump --format=custom --no-owner --file=" in result.message
    assert "'--dbname=postgresql://bot:***@db.example:5432/bot?sslmode=require'" in result.message
    assert "PGPASSWORD" in result.message and not (tmp_path / "b.dump").exists()


def test_the_password_goes_to_pg_dump_by_environment_not_argument() -> None:
    from bot.dbtools.backup import pg_dump_command, split_password

    bare, password = split_password("postgres://bot:p%40ss@127.0.0.1:5432/bot")
    assert (bare, password) == ("postgres://bot@127.0.0.1:5432/bot", "p@ss")
    command = pg_dump_command("pg_dump", bare, Path("/tmp/x.dump"))
    assert command[-1] == "--dbname=postgresql://bot@127.0.0.1:5432/bot" and "p@ss" not in " ".join(command)


def test_backup_on_postgresql_runs_pg_dump_and_never_shows_the_password(pg_url: str, tmp_path: Path) -> None:
    from bot.dbtools.backup import find_pg_dump, split_password

    if find_pg_dump() is None:
        pytest.skip("pg_dump is not installed")
    password = split_password(pg_url)[1]
    assert password, "the test server's URL carries a password"
    target = tmp_path / "dumps" / "bot.dump"
    done = subprocess.run([sys.executable, "-m", "bot", "db", "backup", str(target)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "BOT_DATABASE": pg_url})
    assert done.returncode == 0, done.stderr
    assert password not in done.stdout + done.stderr and "***" in done.stdout
    assert target.read_bytes()[:5] == b"PGDMP" and stat.S_IMODE(target.stat().st_mode) == 0o600
    listing = subprocess.run([str(Path(find_pg_dump()).with_name("pg_restore")), "--list", str(target)],  # type: ignore[arg-type]
                             capture_output=True, text=True, timeout=60)
    assert "TABLE public posts" in listing.stdout and "TABLE public slack_bots" in listing.stdout


def test_backup_on_postgresql_with_a_wrong_password_is_one_line_without_it(pg_url: str, tmp_path: Path) -> None:
    from bot.dbtools.backup import find_pg_dump

    if find_pg_dump() is None:
        pytest.skip("pg_dump is not installed")
    wrong = pg.with_password(pg_url, "not-the-password-123")
    done = subprocess.run([sys.executable, "-m", "bot", "db", "backup", str(tmp_path / "x.dump")], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "BOT_DATABASE": wrong})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not-the-password-123" not in done.stdout + done.stderr
    assert done.stderr.startswith("pg_dump failed for postgresql://postgres:***@") and len(done.stderr.splitlines()) == 1
