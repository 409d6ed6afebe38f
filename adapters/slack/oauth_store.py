"""Slack OAuth installations and install states in the bot's own database (SQLite or PostgreSQL).

slack_sdk's SQLite3 stores keep a separate local file: on Heroku-like hosts it is wiped at each deploy, and
replicas behind a load balancer would each see only the installs that landed on them. These stores keep the
same data in the tables of migration 0013, through the Store's portable API, so every process sees it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.store.store import Store

log = logging.getLogger(__name__)


def _key(value: str | None) -> str:
    return value or ""


def _fields(obj: Installation | Bot) -> str:
    """The object's fields as JSON; slack_sdk keeps each constructor argument as an attribute of that name."""
    return json.dumps({k: v for k, v in vars(obj).items() if v is not None}, sort_keys=True)


class StoreInstallationStore(AsyncInstallationStore):
    """slack_sdk's AsyncInstallationStore over the bot's Store: one row per (workspace, user) and per workspace bot."""

    def __init__(self, store: Store, *, client_id: str, import_from: Path | None = None) -> None:
        self._store = store
        self.client_id = client_id
        self._import_from = import_from
        self._import_lock = asyncio.Lock()

    async def _import_legacy(self) -> None:
        """Once: move what an older version kept in slack_sdk's SQLite file (`import_from`) into the database.

        Only into empty tables, and the file is renamed to *.imported after, so an uninstall is never undone.
        """
        if self._import_from is None:
            return
        async with self._import_lock:
            path, self._import_from = self._import_from, None
            if path is None or not path.exists():
                return
            if await self._store.fetchone("SELECT 1 FROM slack_installations LIMIT 1") is not None:
                return
            try:
                installations, bots = await asyncio.to_thread(read_legacy_file, path, self.client_id)
            except sqlite3.Error as exc:
                log.warning("could not read the old Slack installation file %s (%s); not imported", path, exc)
                return
            for installation in installations:
                await self.async_save(installation, _importing=True)
            for bot in bots:
                await self.async_save_bot(bot, _importing=True)
            path.rename(path.with_name(path.name + ".imported"))
            log.warning("moved %d Slack installation(s) from %s into the bot's database (file renamed *.imported)",
                        len(installations), path)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation, *, _importing: bool = False) -> None:
        """Keep the installation (the latest per user wins) and, when it carries a bot token, its bot."""
        if not _importing:
            await self._import_legacy()
        team = "" if installation.is_enterprise_install else _key(installation.team_id)
        async with self._store.write() as db:
            await db.execute(
                "INSERT INTO slack_installations (client_id, enterprise_id, team_id, user_id, installed_at, data) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, enterprise_id, team_id, user_id) DO UPDATE SET "
                "installed_at = excluded.installed_at, data = excluded.data",
                (self.client_id, _key(installation.enterprise_id), team, installation.user_id,
                 float(installation.installed_at), _fields(installation)),
            )
        if installation.bot_token and not _importing:
            await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot, *, _importing: bool = False) -> None:
        """Keep the workspace's bot installation (replacing an older one, e.g. after a token refresh)."""
        if not _importing:
            await self._import_legacy()
        team = "" if bot.is_enterprise_install else _key(bot.team_id)
        async with self._store.write() as db:
            await db.execute(
                "INSERT INTO slack_bots (client_id, enterprise_id, team_id, installed_at, data) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (client_id, enterprise_id, team_id) DO UPDATE SET "
                "installed_at = excluded.installed_at, data = excluded.data",
                (self.client_id, _key(bot.enterprise_id), team, float(bot.installed_at), _fields(bot)),
            )

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        """The workspace's (or, for an org-wide install, the organisation's) bot, or None."""
        await self._import_legacy()
        team = "" if is_enterprise_install else _key(team_id)
        row = await self._store.fetchone(
            "SELECT data FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
            (self.client_id, _key(enterprise_id), team),
        )
        return Bot(**json.loads(row[0])) if row is not None else None

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        """The user's installation, or without a user the workspace's latest one."""
        await self._import_legacy()
        team = "" if is_enterprise_install else _key(team_id)
        sql = "SELECT data FROM slack_installations WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        params: tuple[Any, ...] = (self.client_id, _key(enterprise_id), team)
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        row = await self._store.fetchone(sql + " ORDER BY installed_at DESC LIMIT 1", params)
        return Installation(**json.loads(row[0])) if row is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot token (Bolt calls this on tokens_revoked)."""
        async with self._store.write() as db:
            await db.execute(
                "DELETE FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                (self.client_id, _key(enterprise_id), _key(team_id)),
            )

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        """Forget one user's installation, or every installation of the workspace when no user is given."""
        sql = "DELETE FROM slack_installations WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        params: tuple[Any, ...] = (self.client_id, _key(enterprise_id), _key(team_id))
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        async with self._store.write() as db:
            await db.execute(sql, params)


def read_legacy_file(path: Path, client_id: str) -> tuple[list[Installation], list[Bot]]:
    """Every latest installation and bot in a slack_sdk SQLite3InstallationStore file (read with slack_sdk itself)."""
    legacy = SQLite3InstallationStore(database=str(path), client_id=client_id)
    with sqlite3.connect(path) as conn:
        users = conn.execute("SELECT DISTINCT enterprise_id, team_id, user_id FROM slack_installations "
                             "WHERE client_id = ?", (client_id,)).fetchall()
        teams = conn.execute("SELECT DISTINCT enterprise_id, team_id, is_enterprise_install FROM slack_bots "
                             "WHERE client_id = ?", (client_id,)).fetchall()
    installations = [legacy.find_installation(enterprise_id=e, team_id=t, user_id=u) for e, t, u in users]
    bots = [legacy.find_bot(enterprise_id=e, team_id=t, is_enterprise_install=bool(x)) for e, t, x in teams]
    return [i for i in installations if i is not None], [b for b in bots if b is not None]


class StoreOAuthStateStore(AsyncOAuthStateStore):
    """Install-link states in the bot's database: any replica can consume a state another one issued, once."""

    def __init__(self, store: Store, *, expiration_seconds: int) -> None:
        self._store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new random state, valid for `expiration_seconds`; expired ones are swept on the way."""
        state = secrets.token_urlsafe(24)
        now = time.time()
        async with self._store.write() as db:
            await db.execute("DELETE FROM slack_oauth_states WHERE expires_at < ?", (now,))
            await db.execute("INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)",
                             (state, now + self.expiration_seconds))
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state that was issued and has not expired; the row is deleted either way."""
        async with self._store.write() as db:
            cur = await db.execute("DELETE FROM slack_oauth_states WHERE state = ? RETURNING expires_at", (state,))
            row = await cur.fetchone()
        return row is not None and float(row[0]) >= time.time()
