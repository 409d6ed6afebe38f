"""Slack's 3-second rule: work gets a budget inside the request; what runs late finishes in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

ACK_BUDGET = 2.5
"""Seconds of work allowed before answering Slack (which gives up at 3 s), leaving room for the network."""


class Deadline:
    """Runs listener work within `budget` seconds; late tasks are kept (not lost) until they finish."""

    def __init__(self, budget: float = ACK_BUDGET) -> None:
        self.budget = budget
        self._background: set[asyncio.Task[Any]] = set()

    async def wait(self, task: asyncio.Task[Any]) -> bool:
        """Wait up to the budget for `task`; True if it finished (its result is then ready)."""
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        return bool(done)

    def detach(self, work: Coroutine[Any, Any, Any] | asyncio.Task[Any]) -> None:
        """Let work go on after the request has been answered; errors are logged."""
        task = work if isinstance(work, asyncio.Task) else asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    async def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run work, returning at the latest when the budget is spent (the rest continues in the background)."""
        task = asyncio.ensure_future(work)
        if await self.wait(task):
            task.result()
        else:
            log.info("slow Slack listener: finishing in the background")
            self.detach(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background Slack work failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for background work (at shutdown, and in tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
