"""Small typed records the store returns instead of raw rows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.events import Place


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    platform: str
    team_id: str
    channel_id: str
    kind: str
    user_id: str | None
    question_id: str
    local_date: str | None
    cycle: int
    status: str
    message_id: str | None
    thread_id: str | None
    reveal_at: str | None
    revealed_at: str | None
    created_at: str

    @property
    def place(self) -> Place:
        return Place(self.platform, self.team_id, self.channel_id)


@dataclass(frozen=True, slots=True)
class UserSettings:
    """A user's own settings row."""

    display_name: str
    timezone: str | None
    remind_hours: int | None
    reminded_on: str | None
    pending_notice: str | None
