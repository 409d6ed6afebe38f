"""Log a failing tick item once: the first failure with its traceback, repeats as one short line.

The minutely tick retries what failed (a post, a reveal, a board, a reminder); without this each retry would log a
full traceback every minute for as long as a platform is down.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

# Unclassified errors are bugs or surprises: their first occurrence carries a traceback. The classified port
# errors say what happened in their message, so they never need one.
MAX_TRACKED = 10_000


class FailureLog:
    """Counts consecutive failures per item key and logs them without flooding."""

    def __init__(self, logger: logging.Logger) -> None:
        self.log = logger
        self._failures: dict[Hashable, int] = {}

    def failed(self, key: Hashable, what: str, exc: BaseException, *, expected: bool = False) -> int:
        """Record a failure of `what`; returns how many times in a row it failed.

        `expected` failures (a platform's rate limit, an outage it reported) never log a traceback."""
        count = self._failures.pop(key, 0) + 1
        if len(self._failures) >= MAX_TRACKED:
            self._failures.pop(next(iter(self._failures)))  # the oldest: a bounded memory, at worst a re-log
        self._failures[key] = count
        summary = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if count > 1:
            self.log.warning("%s will be retried: failed again (%d times in a row): %s", what, count, summary)
        elif expected:
            self.log.warning("%s will be retried on the next tick: %s", what, summary)
        else:
            self.log.error("%s will be retried on the next tick: failed unexpectedly (repeats are logged in one "
                           "line)", what, exc_info=(type(exc), exc, exc.__traceback__))
        return count

    def succeeded(self, key: Hashable, what: str) -> None:
        """Record that `what` went through; logs the recovery if it had failed before."""
        count = self._failures.pop(key, None)
        if count:
            self.log.info("%s succeeded after %d failed attempt(s)", what, count)

    def forget(self, key: Hashable) -> None:
        """Stop tracking an item that was given up (known impossible, or out of its window)."""
        self._failures.pop(key, None)

    def failing(self, key: Hashable) -> int:
        """How many times in a row the item has failed (0 if it is not failing)."""
        return self._failures.get(key, 0)
