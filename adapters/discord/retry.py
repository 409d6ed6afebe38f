"""Capped exponential back-off for reaching Discord, and which failures are worth another attempt.

Network trouble (connection refused, DNS, timeouts, 5xx, 429) is retried; anything else (a rejected token, a
refused command sync, bad configuration) is for a person to fix and is not.
"""

from __future__ import annotations

import aiohttp
import discord

from adapters.backoff import Backoff

__all__ = ["Backoff", "describe", "is_transient"]


def is_transient(exc: BaseException) -> bool:
    """True for failures that may go away by themselves: network errors, timeouts, 5xx and 429 answers."""
    if isinstance(exc, aiohttp.ClientResponseError):  # includes a refused websocket handshake
        return exc.status >= 500 or exc.status == 429
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500 or exc.status == 429
    if isinstance(exc, discord.GatewayNotFound | discord.RateLimited):
        return True
    return isinstance(exc, TimeoutError | aiohttp.ClientError | OSError)


def describe(exc: BaseException) -> str:
    """A short, secret-free name for a failure: its class, and the HTTP status when there is one."""
    status = getattr(exc, "status", None)
    return f"{exc.__class__.__name__} {status}" if isinstance(status, int) else exc.__class__.__name__
