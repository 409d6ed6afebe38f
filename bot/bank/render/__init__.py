"""Render bank Markdown for chat platforms as plain strings and dicts (no platform library imports)."""

from bot.bank.render.discord import discord_embeds, discord_markdown, discord_text, escape_discord_mentions
from bot.bank.render.latex import latex_to_unicode, render_math
from bot.bank.render.markdown_blocks import chunk_markdown, split_blocks
from bot.bank.render.question_card import NO_ANSWER_LINE, question_body, question_title
from bot.bank.render.slack import escape_slack, markdown_to_mrkdwn, slack_blocks, slack_fallback_text
from bot.bank.render.tables import render_tables, table_to_code

__all__ = [
    "NO_ANSWER_LINE",
    "chunk_markdown",
    "discord_embeds",
    "discord_markdown",
    "discord_text",
    "escape_discord_mentions",
    "escape_slack",
    "latex_to_unicode",
    "markdown_to_mrkdwn",
    "question_body",
    "question_title",
    "render_math",
    "render_tables",
    "slack_blocks",
    "slack_fallback_text",
    "split_blocks",
    "table_to_code",
]
