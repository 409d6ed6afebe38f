"""What the Slack listeners share: the core, the user directory, the ack deadline; and the core-call guard."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack.deadline import Deadline
from adapters.slack.delivery import Respond, shared_respond
from adapters.slack.lograte import LogOnce
from adapters.slack.users import UserDirectory
from bot.commands.replies import APOLOGY, Reply, error
from bot.core import Core

log = logging.getLogger(__name__)
_quiet = LogOnce(log)


@dataclass(frozen=True, slots=True)
class Deps:
    """Passed to every listener module's `register`."""

    core: Core
    users: UserDirectory = field(default_factory=UserDirectory)
    deadline: Deadline = field(default_factory=Deadline)
    session: aiohttp.ClientSession | None = None
    """The one HTTP session (with a connection limit) for the Web API and response_urls."""

    def respond(self, respond: AsyncRespond) -> Respond:
        """`respond` going through the shared session."""
        return shared_respond(respond, self.session)


async def guarded(call: Awaitable[list[Reply]], what: str) -> list[Reply]:
    """The core's replies, or one private apology if the core raised (the error is logged, not shown)."""
    try:
        return await call
    except Exception as exc:
        _quiet.log(logging.ERROR, (what, type(exc)), "%s failed: %r", what, exc, exc_info=exc)
        return [error(APOLOGY)]
