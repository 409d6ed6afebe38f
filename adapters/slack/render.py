"""Neutral replies → Slack messages (fallback text + Block Kit blocks), within Slack's limits.

All text goes through the shared renderer (`bot.bank.render.slack`), which escapes `&`, `<` and `>`: nothing
from the question bank or the core can ping (`<!channel>`, `<@U…>`). The only raw markup this module adds is a
mention prefix the caller builds (`mention_markup`) and the buttons.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from bot.bank.model import Question
from bot.bank.render.question_card import question_body, question_title
from bot.bank.render.slack import MAX_BLOCKS, slack_blocks, slack_fallback_text
from bot.commands.replies import Button, Reply

MAX_BUTTONS = 25
BUTTON_TEXT_LIMIT = 75
ERROR_MARK = "⚠️ "
_SLACK_STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}
_GROUP_ID = re.compile(r"^[SG][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SPECIAL = {"here": "<!here>", "channel": "<!channel>", "everyone": "<!everyone>"}


@dataclass(slots=True)
class SlackMessage:
    """One Slack message: `text` is the notification / fallback text, `blocks` the Block Kit layout."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def mention_markup(mention: str | None) -> str | None:
    """The mrkdwn that pings a stored mention: a user group id → `<!subteam^ID>`, a user id → `<@ID>`."""
    if not mention:
        return None
    value = mention.strip().lstrip("@!")
    if value.lower() in _SPECIAL:
        return _SPECIAL[value.lower()]
    if _USER_ID.match(value):
        return f"<@{value}>"
    if _GROUP_ID.match(value):
        return f"<!subteam^{value}>"
    return None  # anything else is not an id we made; never echo it raw


def button_element(button: Button) -> dict[str, Any]:
    """A Block Kit button whose action_id and value are the button's custom id (`mlq:reveal:42`)."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": button.custom_id,
        "value": button.custom_id,
        "text": {"type": "plain_text", "text": button.label[:BUTTON_TEXT_LIMIT], "emoji": True},
    }
    style = _SLACK_STYLES.get(button.style)
    if style:
        element["style"] = style
    return element


def actions_block(buttons: tuple[Button, ...]) -> dict[str, Any]:
    # No block_id: several replies' action rows may share one message, and block ids must be unique in it.
    return {"type": "actions", "elements": [button_element(b) for b in buttons[:MAX_BUTTONS]]}


@functools.lru_cache(maxsize=4096)
def _card_blocks(question: Question, heading: str | None, reveal: bool, show_hints: bool, footer: str | None,
                 reserve: int) -> tuple[tuple[dict[str, Any], ...], ...]:
    """A card's Block Kit messages; cached, because the same few hundred cards are rendered over and over."""
    title = question_title(question, heading)
    body = question_body(question, reveal=reveal, show_hints=show_hints)
    return tuple(tuple(m) for m in slack_blocks(title=title, body_markdown=body, context=footer,
                                                 reserve_blocks=reserve))


def _parts(reply: Reply, reserve: int) -> tuple[list[list[dict[str, Any]]], str]:
    """The reply's messages of blocks (text first, then the card) and the first message's fallback text."""
    messages: list[list[dict[str, Any]]] = []
    fallback = ""
    text = reply.text.strip()
    if reply.is_error and text:
        text = ERROR_MARK + text
    if text or reply.title:
        title = reply.title or ""
        messages.extend(slack_blocks(title=title, body_markdown=text, reserve_blocks=reserve))
        fallback = slack_fallback_text(title, text)
    if reply.card is not None:
        card = reply.card
        title = question_title(card.question, card.heading)
        # Fresh outer and inner lists around the cached block dicts (which nothing mutates).
        # the id goes in the context line: `/quiz ID` opens the question again
        footer = f"{card.footer} · ID {card.question.id}" if card.footer else f"ID {card.question.id}"
        card_messages = [list(m) for m in _card_blocks(card.question, card.heading, card.reveal, card.show_hints,
                                                       footer, reserve)]
        if messages and len(messages[-1]) + len(card_messages[0]) <= MAX_BLOCKS - reserve:
            messages[-1].extend(card_messages.pop(0))
        messages.extend(card_messages)
        # The card is what a notification should show: its title and prompt, not the note above it.
        fallback = slack_fallback_text(title, card.question.prompt)
    return messages, fallback


def render_reply(reply: Reply, *, prefix: str | None = None) -> list[SlackMessage]:
    """Messages for one reply: text, then the card, with the buttons as an actions block on the last message.

    `prefix` (mrkdwn such as a user group mention, not escaped) opens the first message and its text.
    """
    reserve = (1 if reply.buttons else 0) + (1 if prefix else 0)
    blocks, fallback = _parts(reply, reserve)
    if not blocks:
        blocks = [[]]
    continued = f"{fallback.splitlines()[0] if fallback else ''} (continued)".strip()
    if prefix:
        blocks[0].insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": prefix}})
        fallback = f"{prefix} {fallback}".strip()
    if reply.buttons:
        blocks[-1].append(actions_block(reply.buttons))
    return [SlackMessage(text=(fallback if k == 0 else continued) or " ", blocks=b) for k, b in enumerate(blocks)]
