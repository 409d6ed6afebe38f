"""Names and one helper shared by the Slack adapter's modules."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

PLATFORM = "slack"
"""The platform key in the core's events and tables."""

REVEAL_REACTION = "eyes"
"""👀 on a question of the day asks for its answer privately."""


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`channel_not_found`), or the HTTP status when the body was not Slack's JSON."""
    data = exc.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return str(code) if code else f"HTTP {exc.response.status_code}"
