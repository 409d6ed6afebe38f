"""Re-export: the neutral inbound events live in `bot.domain.events` (kept here so existing imports work)."""

from bot.domain.events import Actor, ButtonPress, Command, Place, PostedMessage, Reaction

__all__ = ["Actor", "ButtonPress", "Command", "Place", "PostedMessage", "Reaction"]
