"""Buttons that keep working after a restart: one DynamicItem matching every `mlq:<action>:<post_id>`.

Nothing is stored per message: discord.py matches the custom id of any clicked button against the template,
rebuilds the item and calls back into the client. The core re-checks who clicks and whether the post exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot.commands.replies import BUTTON_LABELS, CUSTOM_ID_PREFIX, Button

BUTTONS_PER_ROW = 5
MAX_ROWS = 5
_STYLES: dict[str, discord.ButtonStyle] = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
TEMPLATE = re.compile(rf"{re.escape(CUSTOM_ID_PREFIX)}:(?P<action>[a-z_]+):(?P<post_id>\d+)")


class ButtonHandler(Protocol):
    async def on_quiz_button(
        self, interaction: discord.Interaction[Any], action: str, post_id: int
    ) -> None: ...


class QuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """A button bound to a posted question; its whole state lives in the custom id."""

    def __init__(self, action: str, post_id: int, *, style: str = "secondary", label: str | None = None) -> None:
        label = label or BUTTON_LABELS.get(action, action.title())
        super().__init__(
            discord.ui.Button(
                label=label,
                style=_STYLES.get(style, discord.ButtonStyle.secondary),
                custom_id=f"{CUSTOM_ID_PREFIX}:{action}:{post_id}",
            )
        )
        self.action = action
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuizButton:
        return cls(match["action"], int(match["post_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ButtonHandler = interaction.client
        await handler.on_quiz_button(interaction, self.action, self.post_id)


def build_view(buttons: Sequence[Button]) -> discord.ui.View:
    """A timeout-free view of the reply's buttons, five to a row (at most 25)."""
    view = discord.ui.View(timeout=None)
    for k, button in enumerate(buttons[: BUTTONS_PER_ROW * MAX_ROWS]):
        item = QuizButton(button.action, button.post_id, style=button.style, label=button.label)
        item.row = k // BUTTONS_PER_ROW
        view.add_item(item)
    return view
