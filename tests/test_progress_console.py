"""Pictures in the console: each one written as a PNG under the data folder and shown as `[image] PATH`."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image as PILImage

from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession
from bot.app import open_core
from bot.clock import ManualClock
from tests.conftest import MONDAY_MORNING, SMALL_BANK


@pytest.mark.sqlite_only  # the data folder is the SQLite file's folder (./data on PostgreSQL)
async def test_progress_and_streak_pictures_are_files_under_the_data_folder(db_path: Path) -> None:
    out = io.StringIO()
    clock = ManualClock(MONDAY_MORNING)
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(3)) as core:
        session = ConsoleSession(core, clock, out, ConsoleOutbound(out, db_path.with_suffix(".channel.jsonl")))
        for line in ("/quiz pytorch", "reveal", "good", "/progress", "/streak", "/progress"):
            assert await session.handle_line(line)
    shown = out.getvalue()
    assert "pytorch: readiness 17%, coverage 17% (1 of 6 seen)" in shown
    paths = re.findall(r"^\[image\] (\S+)  \((.+)\)$", shown, re.M)
    assert [Path(p).name.split("-", 1)[1] for p, _ in paths] == ["readiness.png", "streak.png", "readiness.png"]
    assert paths[0][0] == paths[2][0]  # the same picture again: the same file
    for path, alt in paths:
        assert Path(path).parent == db_path.parent / "images" and alt
        with PILImage.open(path) as img:
            assert img.format == "PNG" and img.width == 800
