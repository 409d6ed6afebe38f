"""Render Markdown as Discord message content and embed dicts (the API's JSON), within Discord's limits.

Discord renders most Markdown, including `#`, `##` and `###` headings, but not tables, LaTeX or
deeper headings: those are converted. Mentions are neutralised with a zero-width space, as a second
line of defence next to `allowed_mentions`. Discord counts limits in code points, like `len`.
"""

from __future__ import annotations

import re

from bot.bank.render.latex import render_math
from bot.bank.render.markdown_blocks import chunk_markdown, join_blocks, normalize_fences, split_blocks
from bot.bank.render.tables import render_tables

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
EMBEDS_PER_MESSAGE = 10
MESSAGE_TOTAL = 6000
BLURPLE = 0x5865F2

_ZWSP = "\u200b"
_EVERYONE = re.compile(r"@(everyone|here)")
_USER_OR_ROLE = re.compile(r"<@")
_DEEP_HEADING = re.compile(r"^ {0,3}#{4,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_CONT = " (cont.)"


def escape_discord_mentions(text: str) -> str:
    """Neutralise `@everyone`, `@here`, `<@id>`, `<@!id>` and `<@&id>` with a zero-width space."""
    text = _EVERYONE.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    return _USER_OR_ROLE.sub("<@" + _ZWSP, text)


def discord_markdown(markdown: str) -> str:
    """Markdown as Discord shows it: LaTeX readable, tables as code, `####`+ as bold, mentions escaped."""
    text = normalize_fences(render_tables(render_math(markdown)), keep_lang=True)
    blocks = split_blocks(text)
    for b in blocks:
        if b.kind == "heading":
            b.lines = [_demote_heading(b.lines[0])]
    return escape_discord_mentions(join_blocks(blocks))


def _demote_heading(line: str) -> str:
    m = _DEEP_HEADING.match(line)
    if not m:
        return line
    text = m.group("text").strip().replace("**", "")
    return f"**{text}**" if text else ""


def discord_text(markdown: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split Markdown into plain message contents of at most `limit` characters each."""
    return chunk_markdown(discord_markdown(markdown), limit)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _embed_size(embed: dict) -> int:
    footer = embed.get("footer", {}).get("text", "")
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(footer)


def discord_embeds(
    *,
    title: str,
    body_markdown: str,
    footer: str | None = None,
    color: int = BLURPLE,
    url: str | None = None,
) -> list[list[dict]]:
    """Render a titled Markdown body as messages, each a list of Discord embed dicts.

    Every embed respects title ≤ 256, description ≤ 4096 and footer ≤ 2048; every message has at most
    10 embeds and 6000 characters in total. Continuation embeds are titled "<title> (cont.)"; the
    footer goes on the very last embed and the url on the first.
    """
    first_title = _truncate(escape_discord_mentions(_one_line(title)), TITLE_LIMIT) or _ZWSP
    cont_title = _truncate(first_title, TITLE_LIMIT - len(_CONT)) + _CONT
    footer_text = _truncate(escape_discord_mentions(footer.strip()), FOOTER_LIMIT) if footer else ""
    room = MESSAGE_TOTAL - max(len(first_title), len(cont_title)) - len(footer_text)
    chunks = chunk_markdown(discord_markdown(body_markdown), min(DESCRIPTION_LIMIT, room))
    chunks = [c for c in chunks if c.strip()] or [""]
    embeds = [_embed(first_title if k == 0 else cont_title, chunk, color) for k, chunk in enumerate(chunks)]
    if url:
        embeds[0]["url"] = url
    if footer_text:
        embeds[-1]["footer"] = {"text": footer_text}
    return _group_embeds(embeds)


def _embed(title: str, description: str, color: int) -> dict:
    embed: dict = {"type": "rich", "title": title, "color": color}
    if description:
        embed["description"] = description
    return embed


def _group_embeds(embeds: list[dict]) -> list[list[dict]]:
    messages: list[list[dict]] = []
    total = 0
    for embed in embeds:
        size = _embed_size(embed)
        if not messages or len(messages[-1]) >= EMBEDS_PER_MESSAGE or total + size > MESSAGE_TOTAL:
            messages.append([])
            total = 0
        messages[-1].append(embed)
        total += size
    return messages
