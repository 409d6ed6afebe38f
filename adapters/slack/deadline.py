"""Slack's 3-second rule: work gets a budget inside the request; what runs late finishes in the background.

The work in flight is capped (`max_in_flight`): past the cap a request is shed at once with a clear reply
instead of piling up tasks and connections behind a Slack API that hangs. Failures are logged once per kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from adapters.slack.lograte import LogOnce

log = logging.getLogger(__name__)

ACK_BUDGET = 2.5
"""Seconds of work allowed before answering Slack (which gives up at 3 s), leaving room for the network."""
MAX_IN_FLIGHT = 256
"""Listener tasks at once (in the request or finishing late); more are shed."""
SHED_REPLY_TIMEOUT = 0.5
"""How long a shed request may spend telling the user so (it must still be answered within 3 s)."""
BUSY = "I'm very busy right now and could not handle that — please try again in a minute."


class Deadline:
    """Runs listener work within `budget` seconds; late tasks are kept (not lost) until they finish."""

    def __init__(self, budget: float = ACK_BUDGET, *, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.budget = budget
        self.max_in_flight = max_in_flight
        self._active: set[asyncio.Task[Any]] = set()
        self._followups: set[asyncio.Task[Any]] = set()
        self.shed = 0
        self.peak = 0
        self._quiet = LogOnce(log)

    @property
    def in_flight(self) -> int:
        """Tasks admitted and not finished, plus their late deliveries."""
        return len(self._active) + len(self._followups)

    def start(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """Admit and start `work`, or None (the coroutine is closed) when the cap is reached."""
        if len(self._active) >= self.max_in_flight:
            work.close()
            self.shed += 1
            self._quiet.log(logging.WARNING, "shed", "Slack work at its cap of %d tasks: shedding requests",
                            self.max_in_flight)
            return None
        task = asyncio.ensure_future(work)
        self._active.add(task)
        self.peak = max(self.peak, self.in_flight)
        task.add_done_callback(self._finished)
        return task

    async def wait(self, task: asyncio.Task[Any]) -> bool:
        """Wait up to the budget for `task`; True if it finished (its result is then ready)."""
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        if not done:
            self._quiet.log(logging.INFO, "slow", "slow Slack listener: finishing in the background")
        return bool(done)

    def detach(self, work: Coroutine[Any, Any, Any]) -> None:
        """The late delivery of an admitted task (one per task, so bounded with them); errors are logged once."""
        task = asyncio.ensure_future(work)
        self._followups.add(task)
        self.peak = max(self.peak, self.in_flight)
        task.add_done_callback(self._finished)

    async def run(self, work: Coroutine[Any, Any, Any], *,
                  on_shed: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Run work, returning at the latest when the budget is spent (the rest continues in the background).

        When the cap is reached the work never starts; `on_shed` tells the user (briefly bounded in time).
        """
        task = self.start(work)
        if task is None:
            if on_shed is not None:
                try:
                    await asyncio.wait_for(on_shed(), SHED_REPLY_TIMEOUT)
                except Exception as exc:
                    self._quiet.log(logging.WARNING, ("busy-reply", type(exc)), "could not send a busy reply: %r", exc)
            return
        await self.wait(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._active.discard(task)
        self._followups.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._quiet.log(logging.ERROR, ("failed", type(exc)), "Slack listener work failed: %r", exc,
                            exc_info=exc)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for work in flight (at shutdown, and in tests); after `timeout` seconds what is left is cancelled."""
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        while self._active or self._followups:
            pending = self._active | self._followups
            left = None if end is None else max(0.0, end - loop.time())
            _, still = await asyncio.wait(pending, timeout=left)
            if still and end is not None and loop.time() >= end:
                for task in still:
                    task.cancel()
                await asyncio.gather(*still, return_exceptions=True)
                return
