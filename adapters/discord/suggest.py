"""`/suggest` and the review of suggestions on Discord: modals in, core Commands out.

`/suggest` opens a modal (topic, difficulty, prompt, answer, hints), prefilled from the command's options; its
submission is the core's `suggest` command with `key=value` words. Under `/qotd suggestions`, Edit opens the same
modal prefilled with the suggestion (its submission carries `edit=ID`), and Reject a modal for an optional reason.
The core checks everything again (who may review, the pack rules), so a modal is only a form.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

MODAL_PREFIX = "mlq-suggest"
TITLE_NEW = "Suggest a question"
TITLE_EDIT = "Edit suggestion #{id}"
TITLE_REJECT = "Reject suggestion #{id}"
# Discord: a text input's value is at most 4000 characters, its label 45.
FIELDS: tuple[tuple[str, str, discord.TextStyle, int, bool, str], ...] = (
    ("topic", "Topic (e.g. pytorch, sql, mlops)", discord.TextStyle.short, 40, True, "pytorch"),
    ("difficulty", "Difficulty: easy, medium or hard", discord.TextStyle.short, 12, True, "medium"),
    ("prompt", "The question", discord.TextStyle.paragraph, 1500, True, "What does torch.no_grad() do?"),
    ("answer", "A reference answer (optional, Markdown)", discord.TextStyle.paragraph, 3500, False, ""),
    ("hints", "Hints (optional, one per line)", discord.TextStyle.paragraph, 1500, False, ""),
)


class SuggestionHandler(Protocol):
    """What the modals need from the client."""

    async def run_command(self, interaction: discord.Interaction[Any], name: str, args: tuple[str, ...], *,
                          channel_id: int | None = None) -> None: ...


class SuggestModal(discord.ui.Modal):
    """The suggestion form; with `edit_id` it is an admin's edit of a queued suggestion."""

    def __init__(self, *, values: dict[str, str] | None = None, edit_id: int | None = None) -> None:
        title = TITLE_EDIT.format(id=edit_id) if edit_id is not None else TITLE_NEW
        custom_id = f"{MODAL_PREFIX}:edit:{edit_id}" if edit_id is not None else f"{MODAL_PREFIX}:new"
        super().__init__(title=title, custom_id=custom_id, timeout=15 * 60)
        self.edit_id = edit_id
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for key, label, style, limit, required, placeholder in FIELDS:
            default = (values or {}).get(key) or None
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=label, style=style, custom_id=key, max_length=limit, required=required,
                placeholder=placeholder or None, default=default[:limit] if default else None)
            self.inputs[key] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        # Every field, empty ones too: clearing the answer in an edit must clear it.
        words = tuple(f"{k}={f.value}" for k, f in self.inputs.items())
        if self.edit_id is not None:
            words = (f"edit={self.edit_id}", *words)
        handler: SuggestionHandler = interaction.client
        await handler.run_command(interaction, "suggest", words)


class RejectModal(discord.ui.Modal):
    """An optional reason, told to the author."""

    def __init__(self, suggestion_id: int) -> None:
        super().__init__(title=TITLE_REJECT.format(id=suggestion_id),
                         custom_id=f"{MODAL_PREFIX}:reject:{suggestion_id}", timeout=15 * 60)
        self.suggestion_id = suggestion_id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Reason, told to the author (optional)", style=discord.TextStyle.paragraph, custom_id="reason",
            max_length=500, required=False)
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        handler: SuggestionHandler = interaction.client
        reason = " ".join(self.reason.value.split())
        await handler.run_command(interaction, "qotd",
                                  ("suggestions", "reject", str(self.suggestion_id), *reason.split()))
