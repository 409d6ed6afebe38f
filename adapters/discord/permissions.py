"""What the bot itself needs in a question-of-the-day channel, checked from the cached guild data."""

from __future__ import annotations

import discord

NEEDED: dict[str, str] = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "add_reactions": "Add Reactions",
}
NEEDED_FOR_THREADS: dict[str, str] = {
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


def missing_permissions(permissions: discord.Permissions, *, threads: bool) -> list[str]:
    """Names (as Discord's settings show them) of the needed permissions not in `permissions`."""
    needed = {**NEEDED, **(NEEDED_FOR_THREADS if threads else {})}
    return [label for flag, label in needed.items() if not getattr(permissions, flag)]


def bot_permissions_in(guild: discord.Guild | None, channel_id: int) -> discord.Permissions | None:
    """The bot's permissions in a guild channel (roles and overwrites), or None when not cached."""
    if guild is None or guild.me is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        return None
    return channel.permissions_for(guild.me)


def missing_text(channel_id: int, missing: list[str]) -> str:
    return (
        f"I can't run the question of the day in <#{channel_id}> yet: I'm missing "
        + ", ".join(f"**{m}**" for m in missing)
        + ". Give my role these permissions in that channel (Edit Channel → Permissions), then run `/qotd setup` again."
    )


def mention_problem(role: discord.Role, permissions: discord.Permissions | None) -> str | None:
    """Why a QOTD post's mention of `role` would notify nobody, with what to change; None when it pings.

    Discord only notifies a role's members when the role is mentionable or the sender has "Mention @everyone,
    @here and All Roles"; otherwise the mention shows as text and nobody is told.
    """
    if permissions is not None and (permissions.mention_everyone or permissions.administrator):
        return None
    name = discord.utils.escape_markdown(role.name)  # mentions are escaped when the reply is rendered
    if role.is_default():
        return (
            "Posts will mention @everyone only if I have **Mention @everyone, @here and All Roles**; "
            "give my role that permission (Server Settings → Roles), or pick another role."
        )
    if role.mentionable:
        return None
    return (
        f"Heads-up: posts will show **@{name}** but notify nobody, because that role isn't mentionable. "
        f"Either turn on **Allow anyone to @mention this role** (Server Settings → Roles → {name}), "
        "or give my role **Mention @everyone, @here and All Roles**. The schedule is saved either way."
    )


def champion_role_problems(guild: discord.Guild | None, role_id: int | None) -> list[str]:
    """What stops the bot from giving `role_id` to members: Manage Roles, and its own top role above it."""
    if guild is None or guild.me is None:
        return ["I can't see this server's roles right now; try `/qotd setup champion=...` again in a minute."]
    role = guild.get_role(role_id) if role_id is not None else None
    if role is None:
        return ["That champion role doesn't exist in this server (any more); pick another one."]
    if role.is_default() or role.managed:
        return [f"**@{discord.utils.escape_markdown(role.name)}** can't be given to members; pick an ordinary role."]
    problems = []
    perms = guild.me.guild_permissions
    if not (perms.manage_roles or perms.administrator):
        problems.append("give my role **Manage Roles** (Server Settings → Roles)")
    top = guild.me.top_role
    if role >= top:
        problems.append(
            f"drag my role **{discord.utils.escape_markdown(top.name)}** above "
            f"**{discord.utils.escape_markdown(role.name)}** (Server Settings → Roles): Discord lets a bot give only "
            "roles below its own"
        )
    return problems
