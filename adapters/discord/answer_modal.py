"""The Answer button's modal: one paragraph text box; its submission read straight from the interaction.

Nothing is kept in memory per modal: the modal's custom id carries the post (`mlq-answer:<post_id>`), and the
client handles every MODAL_SUBMIT with that prefix in `on_interaction`, so a modal opened before a restart
still works, and two members answering the same question of the day never share a modal object (discord.py
keys its modal store by custom id alone).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import discord

from bot.commands.replies import MAX_POST_ID
from bot.practice.answers import AnswerForm

MODAL_PREFIX = "mlq-answer:"
TEXT_ID = "answer"
TITLE_LIMIT = 45
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
TEXT_LIMIT = 4000


def build_modal(form: AnswerForm) -> discord.ui.Modal:
    """The modal for a card: a paragraph TextInput of up to 4,000 characters, required."""
    modal = discord.ui.Modal(title=form.title[:TITLE_LIMIT], custom_id=f"{MODAL_PREFIX}{form.post_id}",
                             timeout=None)
    modal.add_item(discord.ui.TextInput(
        label=form.label[:LABEL_LIMIT], style=discord.TextStyle.paragraph, custom_id=TEXT_ID,
        placeholder=form.placeholder[:PLACEHOLDER_LIMIT], required=True, max_length=min(form.max_chars, TEXT_LIMIT),
    ))
    # A finished modal is not put in discord.py's modal store: the submission goes to on_interaction only.
    modal.stop()
    return modal


def _inputs(components: Any) -> Iterator[Mapping[str, Any]]:
    """Every input component of a submission: in action rows (`components`) or labels (`component`)."""
    for item in components or []:
        if not isinstance(item, Mapping):
            continue
        if "custom_id" in item and "value" in item:
            yield item
        yield from _inputs(item.get("components"))
        if isinstance(item.get("component"), Mapping):
            yield from _inputs([item["component"]])


def parse_submission(data: Mapping[str, Any] | None) -> tuple[int, str] | None:
    """(post id, text) of one of our answer modals, or None for any other modal."""
    if not data:
        return None
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith(MODAL_PREFIX):
        return None
    number = custom_id[len(MODAL_PREFIX):]
    if not (number.isascii() and number.isdigit() and len(number) <= 19) or int(number) > MAX_POST_ID:
        return None
    text = next((str(c.get("value") or "") for c in _inputs(data.get("components")) if c.get("custom_id") == TEXT_ID),
                "")
    return int(number), text
