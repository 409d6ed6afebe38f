"""Issue 14 end to end in the console: export to a path, delete after `confirm`, hide/show, a monthly champion."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession
from bot.app import open_core
from bot.clock import ManualClock
from bot.store.privacy import USER_TABLES
from tests.conftest import MONDAY_MORNING, SMALL_BANK, query, scalar
from tests.test_console import Playground


@pytest.fixture
async def play(db_path: Path, tmp_path: Path):
    clock = ManualClock(MONDAY_MORNING)
    out = io.StringIO()
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(3)) as core:
        outbound = ConsoleOutbound(out, tmp_path / "channel.jsonl")
        yield Playground(ConsoleSession(core, clock, out, outbound, export_dir=tmp_path / "exports"), out)


async def test_export_is_written_to_a_path(play: Playground, db_path: Path, tmp_path: Path) -> None:
    await play.say("/as ann", "/quiz pytorch", "reveal", "good")
    shown = await play.say("/privacy export")
    assert "📎 Saved to " in shown
    path = Path(shown.split("📎 Saved to ")[1].split()[0])
    assert path.parent == tmp_path / "exports" and oct(path.stat().st_mode & 0o777) == "0o600"
    document = json.loads(path.read_text())
    grades = document["tables"]["grades"]
    assert [(g["user_id"], g["grade"], g["points"], g["question_id"]) for g in grades] == \
        query(db_path, "SELECT user_id, grade, points, question_id FROM grades")
    assert document["tables"]["users"][0]["display_name"] == "ann"


async def test_delete_after_confirm(play: Playground, db_path: Path) -> None:
    await play.say("/as ann", "/quiz pytorch", "reveal", "good", "/as bo", "/quiz sql", "reveal", "good")
    assert "Nothing to confirm" in await play.say("/as ann", "confirm")
    shown = await play.say("/privacy delete")
    assert "[confirm]" in shown and scalar(db_path, "SELECT COUNT(*) FROM grades WHERE user_id = 'ann'") == 1
    shown = await play.say("confirm")
    assert "Your data is deleted" in shown and "grades 1" in shown
    for c in USER_TABLES:
        assert scalar(db_path, f"SELECT COUNT(*) FROM {c.table} WHERE {c.column} = 'ann'") == 0, c
    board = await play.say("/leaderboard")
    assert "🥇 bo" in board and "new, empty profile" in board
    assert "new, empty profile" not in await play.say("/streak")


async def test_hide_show_and_champion(play: Playground, db_path: Path) -> None:
    await play.say("/qotd setup 09:00 UTC daily champion=champs")
    await play.say("/as ann", "/quiz pytorch", "reveal", "good", "/as bo", "/quiz pytorch", "reveal", "again")
    await play.say("/as ann", "/leaderboard hide")
    board = await play.say("/leaderboard")
    assert "🥇 bo" in board and "Your rank: #1" in board
    await play.say("/leaderboard show")
    shown = await play.say("/clock +1w")  # Monday 23 Nov + 1 week = 30 Nov; then into December
    shown += await play.say("/clock +1d")
    assert shown.count("[roles] @champs moves to ann") == 1 and "Champion of November 2026" in shown
    assert scalar(db_path, "SELECT user_id FROM champion_awards WHERE month_key = 'm:2026-11'") == "ann"
