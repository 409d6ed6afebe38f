"""Capped exponential back-off shared by the platform adapters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays base, 2·base, 4·base, ... capped at `cap` seconds (no jitter: one process per bot)."""

    base: float = 1.0
    cap: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1 → base)."""
        return min(self.cap, self.base * 2 ** max(0, failures - 1))
