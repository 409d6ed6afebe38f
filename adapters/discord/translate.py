"""Discord payloads → neutral core events (who, where, what). No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from bot.domain.events import Actor, ButtonPress, Command, Place, Reaction

PLATFORM = "discord"
# Reactions arrive as unicode; the core speaks emoji names (as Slack does).
EMOJI_NAMES: dict[str, str] = {"👀": "eyes"}


def team_of(guild_id: int | None) -> str:
    """The team id of a guild; '' for DMs (the core resolves the team from the post there)."""
    return str(guild_id) if guild_id else ""


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """The invoking user; an admin when they have Manage Server in this interaction's resolved permissions."""
    user = interaction.user
    is_admin = interaction.guild_id is not None and interaction.permissions.manage_guild
    return Actor(
        platform=PLATFORM,
        team_id=team_of(interaction.guild_id),
        user_id=str(user.id),
        display_name=user.display_name,
        is_admin=is_admin,
    )


def place_of(interaction: discord.Interaction[Any], channel_id: int | None = None) -> Place:
    return Place(PLATFORM, team_of(interaction.guild_id), str(channel_id or interaction.channel_id or ""))


def option_words(options: Mapping[str, object | None]) -> tuple[str, ...]:
    """Named options as `key=value` words, skipping unset ones (booleans as on/off)."""
    words: list[str] = []
    for key, value in options.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "on" if value else "off"
        words.append(f"{key}={value}")
    return tuple(words)


def command_of(
    interaction: discord.Interaction[Any], name: str, args: tuple[str, ...], *, channel_id: int | None = None
) -> Command:
    return Command(
        actor=actor_of(interaction),
        place=place_of(interaction, channel_id),
        name=name,
        args=args,
        event_id=str(interaction.id),
    )


def in_bot_dm(interaction: discord.Interaction[Any]) -> bool:
    """True when the interaction comes from the user's direct messages with the bot (no guild)."""
    channel = interaction.channel
    return interaction.guild_id is None and channel is not None and channel.type is discord.ChannelType.private


def button_of(interaction: discord.Interaction[Any], action: str, post_id: int) -> ButtonPress:
    """A click; in a DM the actor has no team and the core takes the post's (`in_dm` says it may)."""
    return ButtonPress(
        actor=actor_of(interaction),
        place=place_of(interaction),
        action=action,
        post_id=post_id,
        event_id=str(interaction.id),
        in_dm=in_bot_dm(interaction),
        occurred_at=interaction.created_at,
    )


def reaction_of(payload: discord.RawReactionActionEvent) -> Reaction | None:
    """A neutral reaction for emoji the core cares about, else None (custom emoji are never ours)."""
    if payload.emoji.id is not None or payload.guild_id is None:
        return None
    name = EMOJI_NAMES.get(payload.emoji.name or "")
    if name is None:
        return None
    member = payload.member
    actor = Actor(
        platform=PLATFORM,
        team_id=team_of(payload.guild_id),
        user_id=str(payload.user_id),
        display_name=member.display_name if member is not None else "",
        is_admin=bool(member is not None and member.guild_permissions.manage_guild),
    )
    return Reaction(
        actor=actor,
        place=Place(PLATFORM, team_of(payload.guild_id), str(payload.channel_id)),
        message_id=str(payload.message_id),
        emoji=name,
        # Reactions carry no id of their own; this one is stable across gateway replays of the same add.
        event_id=f"reaction:{payload.message_id}:{payload.user_id}:{name}",
    )
