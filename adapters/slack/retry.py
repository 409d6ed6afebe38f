"""Capped exponential back-off for reaching the Slack Web API, and which failures are worth another attempt.

Network trouble (connection refused, DNS, timeouts), 5xx, 429 and Slack's own transient error codes are
retried; anything else (a rejected token, a missing scope) is for a person to fix and is not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.backoff import Backoff
from adapters.slack.common import error_code, http_status
from adapters.slack.outbound import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

T = TypeVar("T")
__all__ = ["Backoff", "describe", "is_transient", "until_reachable"]

def is_transient(exc: BaseException) -> bool:
    """True for failures that may go away by themselves."""
    if isinstance(exc, SlackApiError):
        status = http_status(exc)
        return status == 429 or status >= 500 or error_code(exc) in TRANSIENT_ERRORS
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, TimeoutError | aiohttp.ClientError | OSError)


def describe(exc: BaseException) -> str:
    """A short, secret-free name for a failure: its class, and Slack's error code when there is one."""
    if isinstance(exc, SlackApiError):
        return f"{exc.__class__.__name__} {error_code(exc)}"
    return exc.__class__.__name__


async def until_reachable(call: Callable[[], Awaitable[T]], *, what: str, backoff: Backoff) -> T:
    """`call()`, tried again after a growing delay while it fails transiently; one log line per attempt."""
    failures = 0
    while True:
        try:
            result = await call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            failures += 1
            delay = backoff.delay(failures)
            log.warning("slack: cannot reach %s (%s), retrying in %.1f s (attempt %d)", what, describe(exc), delay,
                        failures + 1)
            await asyncio.sleep(delay)
        else:
            if failures:
                log.info("slack: reached %s again", what)
            return result
