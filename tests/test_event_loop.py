"""`bot.cli` runs on uvloop when it is installed (the `speed` extra) and on asyncio's own loop otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.cli import _run_loop


def _loop_kind() -> str:
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    _run_loop(main())
    return seen[0]


def test_without_uvloop_the_standard_loop_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert _loop_kind().startswith("asyncio")


def test_with_uvloop_installed_it_is_used() -> None:
    pytest.importorskip("uvloop", reason="uvloop comes with `pip install .[speed]`")
    assert _loop_kind().startswith("uvloop")
