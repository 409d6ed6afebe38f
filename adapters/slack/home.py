"""The App Home tab: the user's practice dashboard from `core.home_summary`, published with views.publish."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import render_reply
from bot.commands.replies import Reply

HOME_BLOCK_LIMIT = 100
HOME_HINT = "`/quiz` a private question · `/quiz review` due reviews · `/leaderboard` · `/streak` · `/quiz help`"


def home_view(summary: Reply) -> dict[str, Any]:
    """A `home` view: the summary's blocks, then a hint line, within App Home's 100 blocks."""
    blocks = [block for message in render_reply(summary) for block in message.blocks]
    blocks = blocks[: HOME_BLOCK_LIMIT - 2]
    blocks.append({"type": "divider"})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": HOME_HINT}]})
    return {"type": "home", "blocks": blocks}
