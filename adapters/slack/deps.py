"""What the Slack listeners share: the core, the user directory, the ack deadline; and the core-call guard."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

from adapters.slack.deadline import Deadline
from adapters.slack.users import UserDirectory
from bot.commands.replies import Reply, error
from bot.core import Core

log = logging.getLogger(__name__)

SORRY = "Something went wrong on my side — please try again in a moment."


@dataclass(frozen=True, slots=True)
class Deps:
    """Passed to every listener module's `register`."""

    core: Core
    users: UserDirectory = field(default_factory=UserDirectory)
    deadline: Deadline = field(default_factory=Deadline)


async def guarded(call: Awaitable[list[Reply]], what: str) -> list[Reply]:
    """The core's replies, or one private apology if the core raised (the error is logged, not shown)."""
    try:
        return await call
    except Exception:
        log.exception("%s failed", what)
        return [error(SORRY)]
