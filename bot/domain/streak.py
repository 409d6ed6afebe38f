"""A user's streak as stored: the arithmetic that advances it lives in `bot.practice.streaks`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class StreakState:
    current: int = 0
    best: int = 0
    freezes: int = 0
    freezes_used: int = 0
    last_date: date | None = None
