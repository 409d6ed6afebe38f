"""Settings from environment variables. Secrets are read here and never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "./data/bot.sqlite3"


@dataclass(frozen=True, slots=True)
class Settings:
    database: Path
    extra_packs: tuple[Path, ...]
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        packs = tuple(Path(p) for p in env.get("BOT_QUESTION_PACKS", "").split(os.pathsep) if p.strip())
        return cls(
            database=Path(env.get("BOT_DATABASE") or DEFAULT_DATABASE),
            extra_packs=packs,
            log_level=env.get("BOT_LOG_LEVEL", "INFO").upper(),
        )


def platforms_configured(env: Mapping[str, str] | None = None) -> list[str]:
    """Adapters whose tokens are set: discord (DISCORD_TOKEN), slack (SLACK_BOT_TOKEN or OAuth client id)."""
    env = os.environ if env is None else env
    found = []
    if env.get("DISCORD_TOKEN"):
        found.append("discord")
    if env.get("SLACK_BOT_TOKEN") or env.get("SLACK_CLIENT_ID"):
        found.append("slack")
    return found
