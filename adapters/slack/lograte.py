"""Logging a repeated failure once per interval instead of once per request (a hanging Slack must not flood logs)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable

INTERVAL = 60.0
MAX_KEYS = 1_000


class LogOnce:
    """`log(level, key, msg, ...)` writes the first record of a `key`, then at most one per `interval` seconds,
    counting the ones it held back (the count leads the next record of that key)."""

    def __init__(self, logger: logging.Logger, *, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._seen: dict[Hashable, list[float]] = {}  # key → [next time it may log, records held back]

    def log(self, level: int, key: Hashable, msg: str, *args: object, exc_info: BaseException | None = None) -> bool:
        """Log unless `key` was logged within the interval; True if it was written."""
        now = self._clock()
        entry = self._seen.get(key)
        if entry is not None and now < entry[0]:
            entry[1] += 1
            return False
        if len(self._seen) >= MAX_KEYS:
            self._seen = {k: v for k, v in self._seen.items() if v[0] > now}
        held = int(entry[1]) if entry is not None else 0
        if held:
            msg, args = msg + " (%d more like this held back)", (*args, held)
        self._seen[key] = [now + self._interval, 0]
        self._logger.log(level, msg, *args, exc_info=exc_info)
        return True
