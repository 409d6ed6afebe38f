"""Neutral replies → Discord messages (content, embeds, buttons), within Discord's limits."""

from __future__ import annotations

import copy
import functools
import io
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.views import build_view
from bot.bank.model import Question
from bot.bank.render.discord import CONTENT_LIMIT, discord_embeds, discord_text, escape_discord_mentions
from bot.bank.render.question_card import question_body, question_title
from bot.commands.replies import Attachment, Image, QuestionCard, Reply

ERROR_COLOR = 0xED4245
CARD_CACHE_SIZE = 4096
IMAGE_COLOR = 0x0D1117  # the pictures' dark background
MAX_EMBEDS = 10  # per message


@dataclass(slots=True)
class Outgoing:
    """One Discord message to send: `view` holds the reply's buttons (only on the reply's last message)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    attachment: Attachment | None = None
    images: list[Image] = field(default_factory=list)

    def files(self) -> list[discord.File]:
        """Fresh upload objects for the images and the attachment (discord.py consumes a File when it sends it)."""
        files = [discord.File(io.BytesIO(i.png), filename=i.filename, description=i.alt[:1024]) for i in self.images]
        if self.attachment is not None:
            files.append(discord.File(io.BytesIO(self.attachment.data), filename=self.attachment.filename))
        return files

    def send_files(self) -> dict[str, Any]:
        """`files=` for a new message, only when there is something to upload (no multipart request otherwise)."""
        return {"files": self.files()} if self.images or self.attachment else {}

    def edit_files(self) -> dict[str, Any]:
        """`attachments=` for an edit, only when there is something to upload (an edit without it keeps what was there)."""
        return {"attachments": self.files()} if self.images or self.attachment else {}

    def send_view(self) -> discord.ui.View:
        """The view for a *new* message: MISSING (no components key) when it has no buttons."""
        return self.view if self.view is not None else discord.utils.MISSING

    def edit_view(self) -> discord.ui.View | None:
        """The view for an *edit*: always explicit, since Discord keeps a message's components when an edit
        has no `components` key; None sends `components: []` and so removes stale buttons."""
        return self.view


@functools.lru_cache(maxsize=CARD_CACHE_SIZE)
def _card_embed_dicts(
    question: Question, reveal: bool, show_hints: bool, heading: str | None, footer: str | None
) -> list[list[dict[str, Any]]]:
    # Rendering Markdown is the adapter's costliest step and a pure function of these immutable values, which
    # repeat a lot: every member revealing the same question of the day, every draw of a popular question.
    body = question_body(question, reveal=reveal, show_hints=show_hints)
    title = question_title(question, heading)
    return discord_embeds(title=title, body_markdown=body, footer=footer)


def card_footer(card: QuestionCard) -> str:
    """The card's footer with the question's id, which `/quiz ID` opens again."""
    tag = f"ID {card.question.id}"
    return f"{card.footer} · {tag}" if card.footer else tag


def render_card(card: QuestionCard) -> list[list[discord.Embed]]:
    """A question card as messages of embeds (long answers continue in further embeds/messages)."""
    cached = _card_embed_dicts(card.question, card.reveal, card.show_hints, card.heading, card_footer(card))
    return [[discord.Embed.from_dict(copy.deepcopy(e)) for e in embeds] for embeds in cached]


def render_text(reply: Reply) -> list[str]:
    """The reply's Markdown text (with its title in bold) as message contents of at most 2000 characters."""
    text = reply.text.strip()
    if reply.title:
        title = escape_discord_mentions(" ".join(reply.title.split()))
        text = f"**{title}**\n{text}" if text else f"**{title}**"
    return discord_text(text, CONTENT_LIMIT) if text else []


def render_reply(reply: Reply, *, prefix: str | None = None) -> list[Outgoing]:
    """Messages for one reply: text first, the card's embeds joined to the last text chunk, buttons last.

    `prefix` (e.g. a role mention) goes before the first message's content, unescaped.
    """
    contents = render_text(reply)
    embed_groups = render_card(reply.card) if reply.card is not None else []
    if reply.is_error and not embed_groups and contents and len(contents) == 1:
        # Errors stand out as a red embed; the text still goes through the same Markdown rendering.
        embed_groups = [[discord.Embed(description=contents[0], color=ERROR_COLOR)]]
        contents = []
    out = [Outgoing(content=c) for c in contents]
    for k, embeds in enumerate(embed_groups):
        if k == 0 and out and not out[-1].embeds:
            out[-1].embeds = embeds
        else:
            out.append(Outgoing(embeds=embeds))
    if not out:
        out.append(Outgoing(content=prefix or "\u200b"))
    elif prefix:
        first = out[0]
        if not first.content:
            first.content = prefix
        elif len(prefix) + 1 + len(first.content) <= CONTENT_LIMIT:
            first.content = f"{prefix}\n{first.content}"
        else:
            out.insert(0, Outgoing(content=prefix))
    if reply.images:
        _attach(out, reply.images)
    if reply.buttons:
        out[-1].view = build_view(reply.buttons)
    if reply.file is not None:
        out[-1].attachment = reply.file
    return out


def image_embed(image: Image) -> discord.Embed:
    """An embed showing an attached picture (`attachment://NAME`); the alt text rides on the attachment."""
    return discord.Embed(color=IMAGE_COLOR).set_image(url=f"attachment://{image.filename}")


def _attach(out: list[Outgoing], images: tuple[Image, ...]) -> None:
    """Upload the images with the last message, each shown by an embed referring to its attachment."""
    last = out[-1]
    if len(last.embeds) + len(images) > MAX_EMBEDS:
        last = Outgoing()
        out.append(last)
    last.images = list(images)
    last.embeds = [*last.embeds, *(image_embed(i) for i in images)]
