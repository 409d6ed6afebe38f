"""Issue 14 end to end on Discord: the real discord.py and core against the fake Discord on 127.0.0.1.

Export as a JSON attachment in an ephemeral reply; delete behind a confirm button (also for an admin acting for a
member); /leaderboard me=hide|show; the monthly champion role moved through the REST API once at a month boundary
across a restart, and Manage Roles / role-order problems reported to the admin.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.runner import configure_endpoints
from bot.app import open_core
from bot.clock import ManualClock
from bot.store.privacy import USER_TABLES
from tests.conftest import query, scalar
from tests.fakes.discord_fake import (
    ADMIN_ID,
    BOT_PERMISSIONS,
    BOT_ROLE_ID,
    GENERAL_ID,
    GUILD_ID,
    MANAGE_ROLES,
    MEMBER_ID,
    OWNER_ID,
    QOTD_ID,
    FakeDiscord,
    InteractionRecord,
    Message,
    run_bot,
)
from tests.test_discord_adapter import BANK, MONDAY_0700_UTC

CHAMPION_ROLE_ID = 940000000000000009
OTHER_ID = 920000000000000003
# 00:30 on 1 February 2026 in Berlin.
FIRST_OF_FEBRUARY = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(BANK)
    return path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_0700_UTC)


@pytest.fixture(autouse=True)
def _restore_endpoints() -> Any:
    yield
    configure_endpoints()


def champion_fake(*, can_manage: bool) -> FakeDiscord:
    """A guild with a 'champion' role; the bot's role above it with Manage Roles, or below it without."""
    fake = FakeDiscord(guild_permissions={BOT_ROLE_ID: BOT_PERMISSIONS | (MANAGE_ROLES if can_manage else 0)})
    for role in fake.guild["roles"]:
        if int(role["id"]) == BOT_ROLE_ID and can_manage:
            role["position"] = 10
    fake.guild["roles"].append({"id": str(CHAMPION_ROLE_ID), "name": "champion", "permissions": "0", "position": 5,
                                "color": 0, "hoist": True, "managed": False, "mentionable": False, "flags": 0})
    return fake


@contextlib.asynccontextmanager
async def running(db_path: Path, bank: Path, clock: ManualClock, fake: FakeDiscord) -> AsyncIterator[Any]:
    async with open_core(database=db_path, clock=clock, bank_paths=[bank]) as core, run_bot(core, fake):
        yield core


async def answered(fake: FakeDiscord, record: InteractionRecord, messages: int = 1) -> list[Message]:
    return await fake.wait_answered(record, messages)


async def quiz_and_grade(fake: FakeDiscord, db_path: Path, grade: str = "good", *, user_id: int = MEMBER_ID) -> None:
    [card] = await answered(fake, await fake.slash("quiz", {"topic": "pytorch", "difficulty": "hard"},
                                                   user_id=user_id))
    reveal = await fake.click(card, next(c for c in card.custom_ids() if ":reveal:" in c), user_id=user_id)
    await fake.wait_until(lambda: reveal.callbacks)
    answer = fake.messages[reveal.original_message_id or card.id]
    record = await fake.click(answer, next(c for c in answer.custom_ids() if f":{grade}:" in c), user_id=user_id)
    await fake.wait_until(lambda: record.callbacks)
    await fake.wait_until(lambda: scalar(db_path, "SELECT COUNT(*) FROM grades WHERE user_id = ?", (str(user_id),)))


async def test_export_is_an_ephemeral_json_attachment(db_path: Path, bank: Path, clock: ManualClock) -> None:
    async with FakeDiscord() as fake, running(db_path, bank, clock, fake):
        await quiz_and_grade(fake, db_path)
        [reply] = await answered(fake, await fake.slash("privacy", subcommand="export"))
    assert reply.ephemeral and list(reply.files) == [f"mlq-export-discord-{MEMBER_ID}.json"]
    document = json.loads(next(iter(reply.files.values())))
    grades = document["tables"]["grades"]
    assert [(g["user_id"], g["question_id"], g["grade"], g["points"], g["team_id"]) for g in grades] == \
        query(db_path, "SELECT user_id, question_id, grade, points, team_id FROM grades")
    assert [p["id"] for p in document["tables"]["posts"]] == [r[0] for r in query(db_path, "SELECT id FROM posts")]
    assert document["tables"]["users"][0]["display_name"] == "Bob"


async def test_delete_behind_a_button_and_for_a_member_by_an_admin(db_path: Path, bank: Path,
                                                                   clock: ManualClock) -> None:
    async with FakeDiscord() as fake, running(db_path, bank, clock, fake):
        await quiz_and_grade(fake, db_path)
        await quiz_and_grade(fake, db_path, user_id=OTHER_ID)
        [ask] = await answered(fake, await fake.slash("privacy", subcommand="delete"))
        assert ask.ephemeral and [c.split(":")[1] for c in ask.custom_ids()] == ["erase"]
        assert scalar(db_path, "SELECT COUNT(*) FROM grades WHERE user_id = ?", (str(MEMBER_ID),)) == 1
        click = await fake.click(ask, ask.custom_ids()[0])
        await fake.wait_until(lambda: "deleted" in fake.messages[ask.id].text())
        assert "grades 1" in fake.messages[ask.id].text() and fake.messages[ask.id].custom_ids() == []
        assert click.callback_type == 7  # the confirmation message is replaced, its button gone
        for c in USER_TABLES:
            assert scalar(db_path, f"SELECT COUNT(*) FROM {c.table} WHERE {c.column} = ?", (str(MEMBER_ID),)) == 0

        # the deleted member's next command starts a new profile and says so; a member may not delete someone
        # else's data, an admin may, for a member who asked
        notice, refused = await answered(fake, await fake.slash("privacy", {"user": OTHER_ID}, subcommand="delete"),
                                         2)
        assert "new, empty profile" in notice.text() and "admins" in refused.text()
        [ask] = await answered(fake, await fake.slash("privacy", {"user": OTHER_ID}, subcommand="delete",
                                                      user_id=ADMIN_ID))
        await fake.click(ask, ask.custom_ids()[0], user_id=ADMIN_ID)
        await fake.wait_until(lambda: "deleted" in fake.messages[ask.id].text())
        assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 0


async def test_leaderboard_hide_and_show(db_path: Path, bank: Path, clock: ManualClock) -> None:
    async with FakeDiscord() as fake, running(db_path, bank, clock, fake):
        await quiz_and_grade(fake, db_path)
        await quiz_and_grade(fake, db_path, "hard", user_id=OTHER_ID)
        [hidden] = await answered(fake, await fake.slash("leaderboard", {"me": "hide"}))
        assert hidden.ephemeral and "hidden" in hidden.text()
        [board] = await answered(fake, await fake.slash("leaderboard", user_id=OTHER_ID))
        assert "Bob" not in board.text() and "🥇" in board.text()
        public, mine = await answered(fake, await fake.slash("leaderboard"), 2)
        assert not public.ephemeral and "Bob" not in public.text()
        assert mine.ephemeral and "Your rank: #1" in mine.text()
        await answered(fake, await fake.slash("leaderboard", {"me": "show"}))
        [board] = await answered(fake, await fake.slash("leaderboard", user_id=OTHER_ID))
        assert "🥇 Bob" in board.text()


async def setup_champion(fake: FakeDiscord) -> list[Message]:
    options = {"time": "09:00", "tz": "Europe/Berlin", "channel": QOTD_ID, "champion": CHAMPION_ROLE_ID}
    record = await fake.slash("qotd", options, subcommand="setup", user_id=ADMIN_ID, channel_id=GENERAL_ID)
    return await answered(fake, record, 2)


async def test_champion_role_moves_once_across_a_restart(db_path: Path, bank: Path, clock: ManualClock) -> None:
    fake = champion_fake(can_manage=True)
    role_path = f"/guilds/{GUILD_ID}/members/{MEMBER_ID}/roles/{CHAMPION_ROLE_ID}"
    async with fake:
        async with running(db_path, bank, clock, fake) as core:
            saved, champion = await setup_champion(fake)
            assert "Question of the day set up" in saved.text()
            assert "Monthly champion" in champion.text()
            await quiz_and_grade(fake, db_path)
            clock.set(FIRST_OF_FEBRUARY)
            await core.tick()
        async with running(db_path, bank, clock, fake) as core:  # a restart on the first of the month
            clock.advance(timedelta(minutes=3))
            await core.tick()
            await core.tick()
    assert [(c.method, c.path, c.status) for c in fake.calls if "/roles/" in c.path] == [("PUT", role_path, 204)]
    assert fake.member_roles == {MEMBER_ID: {CHAMPION_ROLE_ID}}
    posts = [m for m in fake.channel_messages(QOTD_ID) if "Champion of January 2026" in m.text()]
    assert len(posts) == 1 and "Bob" in posts[0].text()


async def test_missing_manage_roles_and_role_order_are_reported(db_path: Path, bank: Path,
                                                                clock: ManualClock) -> None:
    fake = champion_fake(can_manage=False)
    async with fake, running(db_path, bank, clock, fake) as core:
        _, champion = await setup_champion(fake)
        assert "Manage Roles" in champion.text() and "drag my role **mlq-bot** above **champion**" in champion.text()
        await quiz_and_grade(fake, db_path)
        clock.set(FIRST_OF_FEBRUARY)
        await core.tick()
        await core.tick()
        await fake.wait_until(lambda: fake.dm_messages(OWNER_ID))
    assert not [c for c in fake.calls if "/roles/" in c.path]  # checked before asking Discord
    [notice] = fake.dm_messages(OWNER_ID)
    assert "could not give the champion role" in notice.text() and "Manage Roles" in notice.text()

