"""APScheduler 3.x wiring: one job, a tick every minute, that reads due schedules from our own tables."""

from __future__ import annotations

import logging
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.qotd.failures import FailureLog


class Ticking(Protocol):
    """What the scheduler drives: the Core's minutely tick (a Protocol, so qotd never imports the core)."""

    async def tick(self) -> None: ...


log = logging.getLogger(__name__)
TICK_JOB_ID = "qotd-tick"
_cores: dict[str, Ticking] = {}
_failures = FailureLog(log)  # a tick failing every minute: one traceback, then one line each


async def run_tick(core_key: str) -> None:
    """The job function (module level, so a persistent job store could import it)."""
    core = _cores.get(core_key)
    if core is None:
        return
    what = f"the scheduled tick ({core_key})"
    try:
        await core.tick()
    except Exception as exc:
        _failures.failed(("tick", core_key), what, exc)
    else:
        _failures.succeeded(("tick", core_key), what)


def start_scheduler(core: Ticking, *, key: str = "default") -> AsyncIOScheduler:
    """Start the minutely tick on the running event loop; call `.shutdown()` to stop it."""
    _cores[key] = core
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        run_tick, CronTrigger(second=5), args=[key], id=TICK_JOB_ID, replace_existing=True,
        coalesce=True, max_instances=1, misfire_grace_time=55,
    )
    scheduler.start()
    return scheduler
