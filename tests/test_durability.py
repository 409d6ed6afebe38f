"""Issue 15: "Graded" means on disk (card included), a deleted or replaced database is noticed, one duplicate
filter in the core, old event ids pruned, and the database file readable by its owner only."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import DATABASE_GONE, Core
from bot.domain.events import Actor, ButtonPress, Command, Place, Reaction
from tests.conftest import (
    CHANNEL,
    PLATFORM,
    TEAM,
    card_post_id,
    make_actor,
    make_place,
    open_test_core,
    query,
    run,
    scalar,
)


async def test_the_database_is_fsynced_on_every_commit(core: Core) -> None:
    row = await core.store.fetchone("PRAGMA synchronous")
    assert row is not None and row[0] == 2  # FULL


async def test_a_new_database_file_is_created_owner_only(db_path: Path, clock: ManualClock) -> None:
    async with open_test_core(db_path, clock) as c:
        await run(c, make_actor(), "quiz")
    for path in (db_path, Path(f"{db_path}-wal")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_the_review_card_is_on_disk_when_the_user_is_told_graded(core: Core, db_path: Path) -> None:
    alice = make_actor()
    post_id = card_post_id(await run(core, alice, "quiz"))
    replies = await core.handle_button(ButtonPress(alice, make_place(), "good", post_id))
    assert "Graded **Good**" in replies[0].text
    # Read straight from the file, before anything else runs on the event loop: no second queue.
    assert scalar(db_path, "SELECT COUNT(*) FROM review_cards") == 1
    assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 1


async def test_a_failing_card_write_fails_the_grade_and_is_not_lost(core: Core, db_path: Path) -> None:
    alice = make_actor()
    post_id = card_post_id(await run(core, alice, "quiz"))
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("CREATE TRIGGER boom BEFORE INSERT ON review_cards BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.IntegrityError):
        await core.handle_button(ButtonPress(alice, make_place(), "good", post_id))
    # Nothing half-done: no grade without its card, no points.
    assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 0
    assert scalar(db_path, "SELECT COUNT(*) FROM scores") == 0
    db.execute("DROP TRIGGER boom")
    db.close()
    replies = await core.handle_button(ButtonPress(alice, make_place(), "good", post_id))
    assert "Graded **Good**" in replies[0].text
    assert scalar(db_path, "SELECT COUNT(*) FROM review_cards") == 1


async def test_a_deleted_database_is_refused_loudly(core: Core, db_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    alice = make_actor()
    await run(core, alice, "quiz")
    assert await core.check_health() is None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with caplog.at_level(logging.ERROR):
        replies = await run(core, make_actor("bob"), "quiz")
    assert [r.text for r in replies] == [DATABASE_GONE] and replies[0].is_error
    assert "deleted" in caplog.text and str(db_path) in caplog.text
    health = await core.check_health()
    assert health is not None and "deleted or replaced" in health
    post_id = 1
    replies = await core.handle_button(ButtonPress(alice, make_place(), "good", post_id))
    assert replies[0].text == DATABASE_GONE
    assert not db_path.exists()  # no write went into a new or unlinked file


async def test_a_replaced_database_is_refused(core: Core, db_path: Path) -> None:
    await run(core, make_actor(), "quiz")
    other = db_path.with_name("other.sqlite3")
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    os.replace(other, db_path)
    replies = await run(core, make_actor("bob"), "streak Europe/Berlin")
    assert replies[0].text == DATABASE_GONE
    assert "replaced" in (await core.check_health() or "")
    assert query(db_path, "SELECT name FROM sqlite_master") == [("x",)]


async def test_a_repeated_event_id_is_dropped_by_the_core(core: Core, db_path: Path) -> None:
    alice = make_actor()
    place = make_place()
    quiz = Command(alice, place, "quiz", (), event_id="Ev1")
    first = await core.handle_command(quiz)
    assert first and first[-1].card is not None
    assert await core.handle_command(quiz) == []
    assert scalar(db_path, "SELECT COUNT(*) FROM posts") == 1
    post_id = card_post_id(first)
    click = ButtonPress(alice, place, "again", post_id, event_id="A1")
    assert "Graded **Again**" in (await core.handle_button(click))[0].text
    assert "to **Good**" in (await core.handle_button(ButtonPress(alice, place, "good", post_id, event_id="A2")))[0].text
    assert await core.handle_button(click) == []  # a replayed "again" does not put the grade back
    assert query(db_path, "SELECT grade FROM grades") == [("good",)]
    reaction = Reaction(alice, place, "M1", "eyes", event_id="R1")
    await core.handle_reaction(reaction)
    assert await core.handle_reaction(reaction) == []


async def test_an_older_click_never_overrides_a_newer_grade(core: Core, db_path: Path, clock: ManualClock) -> None:
    alice = make_actor()
    place = make_place()
    post_id = card_post_id(await run(core, alice, "quiz"))
    early, late = clock.now() - timedelta(seconds=30), clock.now() - timedelta(seconds=5)
    await core.handle_button(ButtonPress(alice, place, "good", post_id, occurred_at=late))
    replies = await core.handle_button(ButtonPress(alice, place, "again", post_id, occurred_at=early))
    assert "older than your latest grade (**Good**)" in replies[0].text
    assert query(db_path, "SELECT grade FROM grades") == [("good",)]
    assert scalar(db_path, "SELECT points FROM scores WHERE period = 'all'") > 0
    newer = await core.handle_button(ButtonPress(alice, place, "hard", post_id, occurred_at=clock.now()))
    assert "Changed your grade from **Good** to **Hard**" in newer[0].text


async def test_old_event_ids_are_pruned_by_the_tick(core: Core, db_path: Path, clock: ManualClock) -> None:
    await core.handle_command(Command(make_actor(), make_place(), "topics", (), event_id="old"))
    clock.advance(timedelta(days=1, minutes=1))
    await core.handle_command(Command(make_actor(), make_place(), "topics", (), event_id="new"))
    assert scalar(db_path, "SELECT COUNT(*) FROM processed_events") == 2
    await core.tick()
    assert query(db_path, "SELECT event_id FROM processed_events") == [("command:new",)]


async def test_the_store_returns_typed_user_settings(core: Core) -> None:
    await run(core, make_actor(), "streak Europe/Berlin")
    settings = await core.store.user_settings(PLATFORM, "alice")
    assert settings is not None and settings.timezone == "Europe/Berlin" and settings.remind_hours is None


async def test_adapters_get_what_they_need_from_core_methods(core: Core) -> None:
    alice = make_actor()
    post_id = card_post_id(await run(core, alice, "quiz"))
    assert await core.post_team(post_id) == TEAM
    assert await core.latest_qotd(Place(PLATFORM, TEAM, CHANNEL)) is None
    assert await core.team_admin_ids(PLATFORM, TEAM) == []
    assert Actor is not None


_GRADER = """
import asyncio, random, sys
from pathlib import Path
from datetime import UTC, datetime
from bot.app import open_core
from bot.clock import ManualClock
from bot.domain.events import Actor, ButtonPress, Command, Place

async def main(path, bank):
    async with open_core(database=path, clock=ManualClock(datetime(2026, 11, 23, 6, tzinfo=UTC)),
                         bank_paths=[Path(bank)], rng=random.Random(1)) as core:
        place = Place("test", "T1", "C1")
        posts = []
        for i in range(400):
            actor = Actor("test", "T1", f"U{i}", f"user {i}")
            replies = await core.handle_command(Command(actor, place, "quiz", ()))
            posts.append((actor, replies[-1].card.post_id))
        print("READY", flush=True)

        async def grade(actor, post_id):
            replies = await core.handle_button(ButtonPress(actor, place, "good", post_id))
            if "Graded" in replies[0].text:
                print("OK", post_id, flush=True)

        await asyncio.gather(*(grade(a, p) for a, p in posts))
        await asyncio.sleep(30)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_kill_9_mid_burst_keeps_every_confirmed_grade_with_its_card(tmp_path: Path) -> None:
    """Issue 15 probe 3: every grade the user was told about has its review card after a kill -9."""
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO, SMALL_BANK

    db = tmp_path / "bot.sqlite3"
    confirmed: list[int] = []
    errors = ""
    with subprocess.Popen([sys.executable, "-c", _GRADER, str(db), str(SMALL_BANK)], cwd=REPO, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("OK"):
                confirmed.append(int(line.split()[1]))
                if len(confirmed) >= 30:
                    break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        errors = proc.stderr.read() if proc.stderr else ""
    assert len(confirmed) >= 30, errors
    graded = {r[0] for r in query(db, "SELECT post_id FROM grades")}
    assert set(confirmed) <= graded
    with_cards = {r[0] for r in query(
        db, "SELECT g.post_id FROM grades g JOIN review_cards c ON c.platform = g.platform AND "
            "c.user_id = g.user_id AND c.question_id = g.question_id")}
    assert graded == with_cards  # no grade without its card, confirmed or not


async def test_the_home_summary_refuses_a_malformed_actor(core: Core, db_path: Path) -> None:
    reply = await core.home_summary(Actor(PLATFORM, TEAM, "U\x00", "x"))
    assert reply.is_error and "malformed" in reply.text
    assert scalar(db_path, "SELECT COUNT(*) FROM users") == 0
