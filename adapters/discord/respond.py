"""Answering an interaction: acknowledge within Discord's 3 s, then deliver the core's replies.

Cheap paths answer directly (one callback carrying the first message). When the core has not finished after
`defer_after` seconds the interaction is deferred first — an ephemeral "thinking" message for commands, a
silent update-defer for buttons — and the replies follow as edits and follow-ups.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from adapters.discord.render import Outgoing, render_reply
from bot.commands.replies import APOLOGY, Reply, error

log = logging.getLogger(__name__)

DEFER_AFTER = 1.5  # seconds; leaves headroom under Discord's 3 s for the callback's own round trip
PUBLIC_AFTER_DEFER = "Posted in the channel."
FAILED = APOLOGY


@dataclass(slots=True)
class _Part:
    out: Outgoing
    private: bool
    replace: bool


async def answer(
    interaction: discord.Interaction[Any],
    work: Awaitable[list[Reply]],
    *,
    defer_after: float = DEFER_AFTER,
) -> None:
    """Run `work` (the core call) and answer the interaction with its replies."""
    task = asyncio.ensure_future(work)
    deferred = False
    try:
        if defer_after <= 0 or not await _finishes_within(task, defer_after):
            deferred = await _defer(interaction)
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        log.warning("could not acknowledge interaction %s: %s", interaction.id, exc)
    try:
        replies = await task
    except Exception:
        log.exception("core failed on interaction %s", interaction.id)
        replies = [error(FAILED)]
    try:
        await deliver(interaction, replies, deferred=deferred)
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        # e.g. Unknown interaction (10062): the answer came after the token's 15 minutes.
        log.warning("could not answer interaction %s: %s", interaction.id, exc)


async def _finishes_within(task: asyncio.Future[Any], seconds: float) -> bool:
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return bool(done)


async def _defer(interaction: discord.Interaction[Any]) -> bool:
    if interaction.response.is_done():
        return False
    if interaction.type is discord.InteractionType.component:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
    return True


def _plan(interaction: discord.Interaction[Any], replies: list[Reply]) -> list[_Part]:
    can_replace = interaction.type is discord.InteractionType.component and interaction.message is not None
    # Without Attach Files here a picture would make Discord refuse the whole message: the text carries the figures.
    can_attach = interaction.app_permissions.attach_files
    parts: list[_Part] = []
    for reply in replies:
        shown = reply if can_attach or not reply.images else dataclasses.replace(reply, images=())
        for k, out in enumerate(render_reply(shown)):
            parts.append(_Part(out, reply.private, can_replace and reply.replace and k == 0))
    return parts


async def deliver(
    interaction: discord.Interaction[Any], replies: list[Reply], *, deferred: bool = False
) -> None:
    """Send the rendered replies as the interaction's response, edits and follow-ups, in order."""
    parts = _plan(interaction, replies)
    response = interaction.response
    if not parts:
        if not response.is_done():
            if interaction.type is discord.InteractionType.component:
                await response.defer()
            else:
                await response.send_message("Done.", ephemeral=True)
        return
    thinking = deferred and interaction.type is not discord.InteractionType.component
    for part in parts:
        out = part.out
        if not response.is_done():
            if part.replace:
                await response.edit_message(
                    content=out.content, embeds=out.embeds, view=out.edit_view(), **out.edit_files()
                )
            else:
                await response.send_message(
                    out.content, embeds=out.embeds, view=out.send_view(), ephemeral=part.private,
                    **out.send_files(),
                )
        elif thinking:
            # The deferred "thinking" message is ephemeral: it takes the first private message, or a pointer
            # to the public one, so that follow-ups are always new messages with their own visibility.
            thinking = False
            if part.private:
                await interaction.edit_original_response(
                    content=out.content, embeds=out.embeds, view=out.edit_view(), **out.edit_files()
                )
            else:
                await interaction.edit_original_response(content=PUBLIC_AFTER_DEFER, embeds=[], view=None)
                await _follow_up(interaction, out, private=False)
        elif part.replace and interaction.message is not None:
            if deferred:
                await interaction.edit_original_response(
                    content=out.content, embeds=out.embeds, view=out.edit_view(), **out.edit_files()
                )
            else:
                await interaction.followup.edit_message(
                    interaction.message.id, content=out.content, embeds=out.embeds, view=out.edit_view(),
                    **out.edit_files(),
                )
        else:
            await _follow_up(interaction, out, private=part.private)


async def _follow_up(interaction: discord.Interaction[Any], out: Outgoing, *, private: bool) -> None:
    # Webhook.send takes no content=None: leave it out (MISSING) for an embeds-only message.
    await interaction.followup.send(
        content=out.content if out.content is not None else discord.utils.MISSING,
        embeds=out.embeds,
        view=out.send_view(),
        ephemeral=private,
        wait=True,
        **out.send_files(),
    )
