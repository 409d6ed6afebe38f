"""Many workspaces: OAuth install flow settings, where installations live, and a bot token per team.

Installations and install states live in the bot's own database (SQLite or PostgreSQL, see oauth_store.py).
Only when SLACK_INSTALLATION_DB is set do they stay in that separate slack_sdk SQLite file, as before.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.oauth_store import StoreInstallationStore, StoreOAuthStateStore
from adapters.slack.settings import SlackSettings, StartupError
from bot.qotd.ports import PlaceUnavailableError
from bot.store.store import Store

log = logging.getLogger(__name__)

BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "reactions:read",
    "reactions:write",
    "users:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "channels:join",
    "files:write",
    "im:write",
    "usergroups:write",
)
"""Bot scopes requested on install; keep in step with manifest.yaml."""

STATE_EXPIRATION_SECONDS = 600


class InstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite store with the async deletes it lacks (Bolt's tokens_revoked/app_uninstalled use them)."""

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


def open_installation_store(settings: SlackSettings) -> InstallationStore:
    """The legacy SQLite file store (tables created now, so a bad path fails at start-up, not on install)."""
    assert settings.installation_db is not None and settings.client_id is not None
    path = Path(settings.installation_db)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new folder is private too
        private_file(path)
        store = InstallationStore(database=str(path), client_id=settings.client_id)
        store.init()
    except (OSError, sqlite3.Error) as exc:
        raise StartupError(f"Cannot open the Slack installation database {path}: {exc}") from None
    return store


DB_MODE = 0o600
"""The installation database holds plaintext bot tokens: only the bot's own user may read it."""


def private_file(path: Path) -> None:
    """Create `path` (and tighten it, and SQLite's journal files next to it, if they exist) with mode 0600.

    SQLite gives the journal / WAL files it creates later the main file's mode, so they stay private too.
    """
    fd = os.open(path, os.O_CREAT | os.O_RDWR, DB_MODE)
    os.close(fd)
    for candidate in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
        if candidate.exists():
            os.chmod(candidate, DB_MODE)


def oauth_stores(settings: SlackSettings, store: Store) -> tuple[AsyncInstallationStore, AsyncOAuthStateStore]:
    """Installation and state stores: the bot's database, or the SLACK_INSTALLATION_DB file when that is set."""
    assert settings.client_id is not None
    if settings.legacy_installation_db:
        legacy = open_installation_store(settings)
        return legacy, SQLite3OAuthStateStore(database=str(legacy.database),
                                              expiration_seconds=STATE_EXPIRATION_SECONDS)
    # An older version kept installations next to the bot's database: they move in on first use.
    return (StoreInstallationStore(store, client_id=settings.client_id, import_from=settings.installation_db),
            StoreOAuthStateStore(store, expiration_seconds=STATE_EXPIRATION_SECONDS))


def oauth_settings(settings: SlackSettings, store: AsyncInstallationStore, client: AsyncWebClient,
                   state_store: AsyncOAuthStateStore | None = None) -> AsyncOAuthSettings:
    """Install at /slack/install, callback at /slack/oauth_redirect (states in `state_store`, by default the
    legacy store's SQLite file)."""
    assert settings.client_id is not None and settings.client_secret is not None
    if state_store is None:
        assert isinstance(store, SQLite3InstallationStore)
        state_store = SQLite3OAuthStateStore(database=str(store.database), expiration_seconds=STATE_EXPIRATION_SECONDS)
    oauth = AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=state_store,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
    )
    # Bolt's default authorize runs auth.test on every request; caching it per token is safe because the
    # installation is still looked up first (an uninstalled team finds no token).
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        installation_store=store,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return oauth


class TeamClients:
    """A Web API client per installed team, built from the installation's bot token."""

    def __init__(self, store: AsyncInstallationStore, *, base_url: str, shared: AsyncWebClient) -> None:
        self._store = store
        self._base_url = base_url
        self._shared = shared
        self._clients: dict[str, AsyncWebClient] = {}

    async def __call__(self, team_id: str) -> AsyncWebClient:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise PlaceUnavailableError(f"the app is not installed in workspace {team_id}")
        client = self._clients.get(bot.bot_token)
        if client is None:
            client = AsyncWebClient(
                token=bot.bot_token, base_url=self._base_url, session=self._shared.session, logger=self._shared.logger
            )
            self._clients[bot.bot_token] = client
        return client
