"""A question-of-the-day schedule for one channel (the firing arithmetic lives in `bot.qotd.schedule`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.events import Place

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_REVEAL_MINUTES = 720


@dataclass(frozen=True, slots=True)
class Schedule:
    place: Place
    local_time: time
    timezone: str
    weekdays: tuple[str, ...] = WEEKDAYS[:5]
    topics: tuple[str, ...] = ()
    difficulty: str | None = None
    reveal_minutes: int = DEFAULT_REVEAL_MINUTES
    use_thread: bool = True
    mention: str | None = None
    paused: bool = False
    paused_reason: str | None = None
    weekly_board: bool = False
    cycle: int = 0
    created_by: str = ""
    active_since: datetime | None = None
