"""Slack OAuth installations and install states in the bot's own database (tables of migration 0013).

Unit tests drive the slack_sdk interfaces on a real Store; the flow test drives the real Bolt OAuth flow
(install page, callback, a command with the installed token, tokens_revoked, app_uninstalled) against the fake
Slack, and reads what the database holds.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

from adapters.slack.oauth_store import StoreInstallationStore, StoreOAuthStateStore
from adapters.slack.runner import build_app
from bot.app import open_core
from bot.clock import ManualClock
from bot.store.store import Store
from tests.conftest import MONDAY_MORNING, SMALL_BANK, query, scalar
from tests.fakes.slack_fake import SIGNING_SECRET, FakeSlack, SignedSender, serving

CLIENT_ID = "111.222"
OAUTH_ENV = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


def installation(team: str = "T1", user: str = "U1", token: str = "xoxb-1", *, at: float = 1_700_000_000.0,
                 enterprise: str | None = None, org_wide: bool = False) -> Installation:
    return Installation(app_id="A1", enterprise_id=enterprise, team_id=team, team_name=f"team {team}", user_id=user,
                        bot_token=token, bot_id="B1", bot_user_id="UBOT", bot_scopes=["commands", "chat:write"],
                        is_enterprise_install=org_wide, installed_at=at)


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    async with Store.open(db_path) as s:
        yield s


async def test_save_find_and_delete_an_installation(store: Store, db_path: Path) -> None:
    installs = StoreInstallationStore(store, client_id=CLIENT_ID)
    await installs.async_save(installation())
    await installs.async_save(installation("T2", "U9", "xoxb-2"))

    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1" and bot.bot_scopes == ["commands", "chat:write"]
    found = await installs.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and (found.user_id, found.team_name, found.installed_at) == ("U1", "team T1",
                                                                                           1_700_000_000.0)
    assert await installs.async_find_bot(enterprise_id=None, team_id="T3") is None
    assert query(db_path, "SELECT team_id FROM slack_bots ORDER BY team_id") == [("T1",), ("T2",)]

    await installs.async_delete_bot(enterprise_id=None, team_id="T1")
    assert await installs.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await installs.async_find_installation(enterprise_id=None, team_id="T1") is not None
    await installs.async_delete_all(enterprise_id=None, team_id="T1")
    assert await installs.async_find_installation(enterprise_id=None, team_id="T1") is None
    assert query(db_path, "SELECT team_id, user_id FROM slack_installations") == [("T2", "U9")]
    assert (await installs.async_find_bot(enterprise_id=None, team_id="T2")).bot_token == "xoxb-2"  # type: ignore[union-attr]


async def test_a_reinstall_replaces_the_token_and_the_latest_installation_wins(store: Store, db_path: Path) -> None:
    installs = StoreInstallationStore(store, client_id=CLIENT_ID)
    await installs.async_save(installation(user="U1", token="xoxb-old", at=1_700_000_000.0))
    await installs.async_save(installation(user="U2", token="xoxb-new", at=1_700_000_500.0))
    await installs.async_save(installation(user="U1", token="xoxb-newer", at=1_700_000_900.0))
    assert scalar(db_path, "SELECT count(*) FROM slack_bots") == 1
    assert (await installs.async_find_bot(enterprise_id=None, team_id="T1")).bot_token == "xoxb-newer"  # type: ignore[union-attr]
    latest = await installs.async_find_installation(enterprise_id=None, team_id="T1")
    assert latest is not None and latest.user_id == "U1" and latest.bot_token == "xoxb-newer"
    u2 = await installs.async_find_installation(enterprise_id=None, team_id="T1", user_id="U2")
    assert u2 is not None and u2.bot_token == "xoxb-new"
    # Another client id (another Slack app on the same database) sees none of it.
    other = StoreInstallationStore(store, client_id="999.000")
    assert await other.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_an_org_wide_install_is_found_by_its_enterprise(store: Store) -> None:
    installs = StoreInstallationStore(store, client_id=CLIENT_ID)
    await installs.async_save(installation(team="T7", enterprise="E1", org_wide=True, token="xoxb-org"))
    bot = await installs.async_find_bot(enterprise_id="E1", team_id="T-any", is_enterprise_install=True)
    assert bot is not None and bot.bot_token == "xoxb-org" and bot.enterprise_id == "E1"
    assert await installs.async_find_bot(enterprise_id=None, team_id="T7") is None


async def test_a_state_is_consumed_once_and_an_expired_one_not_at_all(store: Store, db_path: Path) -> None:
    states = StoreOAuthStateStore(store, expiration_seconds=600)
    state = await states.async_issue()
    assert re.fullmatch(r"[\w-]{20,}", state)
    other = StoreOAuthStateStore(store, expiration_seconds=600)  # e.g. another replica on the same database
    assert await other.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("made-up") is False

    stale = StoreOAuthStateStore(store, expiration_seconds=-1)
    expired = await stale.async_issue()
    assert await states.async_consume(expired) is False
    assert scalar(db_path, "SELECT count(*) FROM slack_oauth_states") == 0


async def test_installations_from_the_old_slack_sdk_file_move_in_once(store: Store, db_path: Path,
                                                                      tmp_path: Path) -> None:
    old = tmp_path / "slack_installations.sqlite3"
    legacy = SQLite3InstallationStore(database=str(old), client_id=CLIENT_ID)
    legacy.init()
    legacy.save(installation("T1", "U1", "xoxb-kept", at=time.time()))
    installs = StoreInstallationStore(store, client_id=CLIENT_ID, import_from=old)
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-kept"
    assert query(db_path, "SELECT team_id, user_id FROM slack_installations") == [("T1", "U1")]
    assert not old.exists() and old.with_name(old.name + ".imported").exists()
    # An uninstall is not undone by a restart: the file is not read again.
    await installs.async_delete_all(enterprise_id=None, team_id="T1")
    again = StoreInstallationStore(store, client_id=CLIENT_ID, import_from=old)
    assert await again.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_the_oauth_flow_keeps_installations_in_the_bot_database(db_path: Path, tmp_path: Path) -> None:
    async with FakeSlack() as fake, open_core(database=db_path, clock=ManualClock(MONDAY_MORNING),
                                             bank_paths=[SMALL_BANK]) as core:
        env = {**OAUTH_ENV, "BOT_DATABASE": str(db_path)}
        app = build_app(core, env=env, client_base_url=fake.base_url, post_interval=0.0)
        async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
            async with session.get(url + "/slack/install") as page:
                assert page.status == 200
                cookie = page.headers["Set-Cookie"].split(";")[0]
                state = re.search(r"state=([\w-]+)", await page.text()).group(1)  # type: ignore[union-attr]
            assert query(db_path, "SELECT state FROM slack_oauth_states") == [(state,)]
            async with session.get(url + f"/slack/oauth_redirect?code=good-code&state={state}",
                                   headers={"Cookie": cookie}) as done:
                assert done.status == 200
            assert scalar(db_path, "SELECT count(*) FROM slack_oauth_states") == 0
            assert query(db_path, "SELECT client_id, team_id FROM slack_bots") == [(CLIENT_ID, fake.oauth_team_id)]
            assert fake.oauth_bot_token in scalar(db_path, "SELECT data FROM slack_bots")
            assert not (tmp_path / "slack_installations.sqlite3").exists()  # no separate file any more

            fake.add_user("UNEW", team_id=fake.oauth_team_id)
            fake.reset()
            sender = SignedSender(session, url)
            response = await sender.command("/help", "", user_id="UNEW", team_id=fake.oauth_team_id,
                                            response_url=fake.response_url())
            assert response.status == 200 and "/quiz" in response.text
            assert {c.authorization for c in fake.calls} <= {f"Bearer {fake.oauth_bot_token}"}

            # A replayed callback with the consumed state stores nothing more and calls Slack no more.
            async with session.get(url + f"/slack/oauth_redirect?code=good-code&state={state}",
                                   headers={"Cookie": cookie}) as replay:
                assert replay.status in (400, 401)

            revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}, "event_ts": "1700000300.1"}
            assert (await sender.event(revoked, event_id="EvRevoked", team_id=fake.oauth_team_id)).status == 200
            assert scalar(db_path, "SELECT count(*) FROM slack_bots") == 0
            assert scalar(db_path, "SELECT count(*) FROM slack_installations") == 1
            uninstall = {"type": "app_uninstalled", "event_ts": "1700000300.2"}
            assert (await sender.event(uninstall, event_id="EvGone", team_id=fake.oauth_team_id)).status == 200
            assert scalar(db_path, "SELECT count(*) FROM slack_installations") == 0
