"""Reading the Slack adapter's settings from the environment and choosing the connection mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["socket", "http", "oauth"]

DEFAULT_DATABASE = "data/bot.sqlite3"
INSTALLATION_DB_NAME = "slack_installations.sqlite3"

_HOW_TO_CONFIGURE = (
    "set SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode, one workspace), "
    "or SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN (HTTP, one workspace), "
    "or SLACK_SIGNING_SECRET with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (HTTP, OAuth, many workspaces)"
)


class StartupError(Exception):
    """The adapter cannot start; the message is one line that says what to fix (never a secret)."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Everything the adapter takes from the environment. Secrets are never part of `repr`."""

    mode: Mode
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str = ""
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    installation_db: Path | None = None
    api_base_url: str | None = None
    legacy_installation_db: bool = False
    """SLACK_INSTALLATION_DB was set: keep installations in that slack_sdk SQLite file, not the bot's database."""

    def __repr__(self) -> str:
        return (
            f"SlackSettings(mode={self.mode!r}, host={self.host!r}, port={self.port}, "
            f"installation_db={self.installation_db!r}, api_base_url={self.api_base_url!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        """Validate the variables and pick the mode; raises StartupError naming what is missing or wrong."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        base_url = _api_base_url(get("SLACK_API_BASE_URL"))
        host = get("HOST") or "0.0.0.0"
        port = _port(get("PORT"))
        bot_token, app_token = get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN")

        if app_token:
            if not app_token.startswith("xapp-"):
                raise StartupError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
            if not bot_token:
                raise StartupError("Socket Mode needs SLACK_BOT_TOKEN (xoxb-...) as well as SLACK_APP_TOKEN")
            return cls(mode="socket", bot_token=bot_token, app_token=app_token, api_base_url=base_url)

        signing_secret = get("SLACK_SIGNING_SECRET")
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        if not signing_secret:
            if bot_token or client_id or client_secret:
                raise StartupError("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > App Credentials)")
            raise StartupError(f"No Slack credentials: {_HOW_TO_CONFIGURE}")
        if client_id or client_secret:
            if not (client_id and client_secret):
                raise StartupError("OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
            return cls(
                mode="oauth",
                signing_secret=signing_secret,
                client_id=client_id,
                client_secret=client_secret,
                redirect_uri=get("SLACK_REDIRECT_URI"),
                host=host,
                port=port,
                installation_db=_installation_db(get("SLACK_INSTALLATION_DB"), get("BOT_DATABASE")),
                api_base_url=base_url,
                legacy_installation_db=get("SLACK_INSTALLATION_DB") is not None,
            )
        if not bot_token:
            raise StartupError(f"No bot token: {_HOW_TO_CONFIGURE}")
        return cls(
            mode="http",
            bot_token=bot_token,
            signing_secret=signing_secret,
            host=host,
            port=port,
            api_base_url=base_url,
        )


def _port(text: str | None) -> int:
    if text is None:
        return 3000
    if not text.isdigit() or int(text) > 65535:
        raise StartupError(f"PORT must be a number from 0 to 65535, not {text!r}")
    return int(text)


def _api_base_url(text: str | None) -> str | None:
    if text is None:
        return None
    if not text.startswith(("http://", "https://")):
        raise StartupError(f"SLACK_API_BASE_URL must start with http:// or https://, not {text!r}")
    # slack_sdk joins method names onto the base URL, so it must end with a slash.
    return text if text.endswith("/") else text + "/"


def _installation_db(explicit: str | None, bot_database: str | None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(bot_database or DEFAULT_DATABASE).with_name(INSTALLATION_DB_NAME)
