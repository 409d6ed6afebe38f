"""Who and where a signed Slack request is from, and the id that names one delivery of it.

The team always comes from the request Slack signed (its `team_id`, the payload's `team.id` or
`user.team_id`, or Bolt's authorize context), never from a post the request points at. The event ids let the
core drop a delivery it has already handled: Events API `event_id` (the same on Slack's retries),
a slash command's `trigger_id`, and a click's `action_ts` + user + action.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext


def request_team(body: dict[str, Any], context: AsyncBoltContext | None = None) -> str:
    """The team of a signed request body (slash command, interaction or event callback)."""
    team = body.get("team")
    candidates = [
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
        context.team_id if context is not None else None,
        _authorized_team(context),
    ]
    return next((str(c) for c in candidates if c), "")


def _authorized_team(context: AsyncBoltContext | None) -> str | None:
    """The team Bolt's authorize step found the token for (auth.test of the single token, or the installation)."""
    result = context.authorize_result if context is not None else None
    return result.team_id if result is not None else None


def click_event_id(body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """One click's id: its `action_ts`, the user and the action (None when Slack sent no action_ts)."""
    ts = action.get("action_ts")
    user = (body.get("user") or {}).get("id", "")
    return f"{ts}:{user}:{action.get('action_id', '')}" if ts else None


def command_event_id(body: dict[str, Any]) -> str | None:
    """A slash command's id: its `trigger_id` (one per invocation)."""
    trigger = body.get("trigger_id")
    return str(trigger) if trigger else None


def callback_event_id(body: dict[str, Any]) -> str | None:
    """An Events API delivery's `event_id` (Slack keeps it on retries)."""
    event_id = body.get("event_id")
    return str(event_id) if event_id else None


def slack_time(ts: object) -> datetime | None:
    """A Slack timestamp ('1700000001.000200') as a UTC datetime; None when it is not one."""
    try:
        seconds = float(str(ts))
    except ValueError:
        return None
    if not math.isfinite(seconds) or not 0 < seconds < 1e11:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def in_direct_message(body: dict[str, Any]) -> bool:
    """Whether a click was on a message in a direct message with the bot (channel ids 'D...')."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    return str(channel).startswith("D")
