"""Names and one helper shared by the Slack adapter's modules."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

PLATFORM = "slack"
"""The platform key in the core's events and tables."""

REVEAL_REACTION = "eyes"
"""👀 on a question of the day asks for its answer privately."""


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`channel_not_found`), or the HTTP status when the body was not Slack's JSON."""
    data = getattr(exc.response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    return str(code) if code else f"HTTP {http_status(exc)}"


def http_status(exc: SlackApiError) -> int:
    """The HTTP status of a failed call (slack_sdk attaches the raw aiohttp response when the body was not JSON)."""
    response = exc.response
    status = getattr(response, "status_code", None)
    return int(status if status is not None else getattr(response, "status", 0) or 0)
