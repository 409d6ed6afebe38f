"""Neutral inbound events: what an adapter makes of a slash command, a button click or a reaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Place:
    """A channel in a team: (platform, team id, channel id)."""

    platform: str
    team_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts. `is_admin` is the platform's own verdict (Discord: Manage Server; Slack: admin or owner).

    `platform_timezone` is the user's timezone as the platform knows it (Slack profiles carry one), used for
    streaks unless the user set their own with /streak.
    """

    platform: str
    team_id: str
    user_id: str
    display_name: str = ""
    is_admin: bool = False
    platform_timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: `name` without the slash ('quiz', 'qotd', ...); `args` are words in any order.

    Adapters with named options (Discord) pass them as `key=value` words, e.g. ['topic=pytorch', 'hard'].
    """

    actor: Actor
    place: Place
    name: str
    args: tuple[str, ...] = ()
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A click on one of our buttons; `post_id` comes from the button's custom id (never trusted for access).

    `in_dm` is set by an adapter only when the platform says the click was on a message in the user's direct
    messages with the bot (then the actor may carry no team; the core takes the post's). `occurred_at` is when
    the platform says the click happened (Slack's action_ts): an older click never overrides a newer grade.
    """

    actor: Actor
    place: Place
    action: str
    post_id: int
    event_id: str | None = None
    in_dm: bool = False
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    """A reaction added to a message (we act on 'eyes' on a question-of-the-day post)."""

    actor: Actor
    place: Place
    message_id: str
    emoji: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """What the platform gave back for a post."""

    message_id: str
    thread_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
