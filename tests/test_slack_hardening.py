"""Slack under load, faults and forged input: probes of issue 15, each against the real slack-bolt and a fake Slack."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp

from adapters.slack.app import deps_of
from adapters.slack.runner import build_app
from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.replies import Reply
from bot.core import Core
from bot.domain.events import ButtonPress
from tests.fakes.slack_fake import (
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    SignedSender,
    block_action_payload,
    encode_form,
    encode_payload,
    serving,
    signed_headers,
    slash_command_form,
)
from tests.test_slack_adapter import BANK, HTTP_ENV, START, texts

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("UADMIN", is_admin=True)
        server.add_user("UMEMBER", tz="America/New_York")
        yield server


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(BANK, encoding="utf-8")
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(START), bank_paths=[folder]) as c:
        yield c


@dataclass
class Served:
    """The Bolt app (kept, so a test can look at its deadline), its URL and a signed sender."""

    app: AsyncApp
    url: str
    slack: SignedSender
    session: aiohttp.ClientSession


@pytest.fixture
async def served(fake: FakeSlack, core: Core) -> AsyncIterator[Served]:
    app = build_app(core, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield Served(app, url, SignedSender(session, url, fake=fake), session)


def db(core: Core, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(core.store.path) as conn:
        return conn.execute(sql, params).fetchall()


async def quiz_post(served: Served, fake: FakeSlack, core: Core, user: str = "UMEMBER") -> int:
    response = await served.slack.command("/quiz", "sql", user_id=user, response_url=fake.response_url())
    assert response.status == 200
    return int(db(core, "SELECT max(id) FROM posts")[0][0])


# --- 4. a grade never waits on users.info ---------------------------------------------------------------------


async def test_a_grade_is_committed_before_the_ack_while_users_info_hangs(served: Served, fake: FakeSlack,
                                                                          core: Core) -> None:
    post_id = await quiz_post(served, fake, core)
    deps_of(served.app).users.forget(TEAM_ID)  # no cached profile: the click would have to ask users.info
    fake.hang["users.info"] = 3.0
    started = time.monotonic()
    response = await served.slack.click(f"mlq:good:{post_id}", user_id="UMEMBER", response_url=fake.response_url("g"))
    acked_after = time.monotonic() - started
    grades_at_ack = db(core, "SELECT grade FROM grades WHERE post_id = ?", (post_id,))
    assert response.status == 200 and acked_after < 1.0
    assert grades_at_ack == [("good",)]
    assert "Good" in texts(fake.posts_to("g")[0])
    fake.hang.clear()


# --- 5. replays -----------------------------------------------------------------------------------------------


class Recording:
    """The core, with the ButtonPresses and Commands it was given noted."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.presses: list[ButtonPress] = []
        self.commands: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.core, name)

    async def handle_button(self, press: ButtonPress) -> list[Reply]:
        self.presses.append(press)
        return await self.core.handle_button(press)

    async def handle_command(self, command: Any) -> list[Reply]:
        self.commands.append(command)
        return await self.core.handle_command(command)


@pytest.fixture
async def recorded(fake: FakeSlack, core: Core) -> AsyncIterator[tuple[Recording, Served]]:
    recording = Recording(core)
    app = build_app(recording, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0)  # type: ignore[arg-type]
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield recording, Served(app, url, SignedSender(session, url, fake=fake), session)


async def test_each_delivery_carries_its_own_id_and_the_click_time(recorded: tuple[Recording, Served],
                                                                   fake: FakeSlack, core: Core) -> None:
    recording, served = recorded
    await served.slack.command("/quiz", "sql", user_id="UMEMBER", response_url=fake.response_url(), trigger_id="T-1")
    await served.slack.command("/quiz", "sql", user_id="UMEMBER", response_url=fake.response_url(), trigger_id="T-2")
    assert [c.event_id for c in recording.commands] == ["T-1", "T-2"]
    post_id = int(db(core, "SELECT max(id) FROM posts")[0][0])
    await served.slack.click(f"mlq:again:{post_id}", user_id="UMEMBER", response_url=fake.response_url(),
                             action_ts="1700000001.000100")
    await served.slack.click(f"mlq:good:{post_id}", user_id="UMEMBER", response_url=fake.response_url(),
                             action_ts="1700000002.000200")
    first, second = recording.presses
    assert first.event_id == f"1700000001.000100:UMEMBER:mlq:again:{post_id}"
    assert second.event_id != first.event_id
    assert first.occurred_at is not None and first.occurred_at.tzinfo is not None
    assert first.occurred_at.timestamp() == pytest.approx(1700000001.0001)
    assert not first.in_dm


async def test_a_replayed_again_click_after_good_leaves_the_grade_good(served: Served, fake: FakeSlack,
                                                                       core: Core) -> None:
    post_id = await quiz_post(served, fake, core)
    again = block_action_payload(f"mlq:again:{post_id}", user_id="UMEMBER", response_url=fake.response_url(),
                                 action_ts="1700000001.000100")
    body = encode_payload(again)
    await served.slack.send(body, content_type="application/x-www-form-urlencoded")
    await served.slack.click(f"mlq:good:{post_id}", user_id="UMEMBER", response_url=fake.response_url())
    replay = await served.slack.send(body, content_type="application/x-www-form-urlencoded")
    assert replay.status == 200
    assert db(core, "SELECT grade FROM grades WHERE post_id = ?", (post_id,)) == [("good",)]


async def test_a_replayed_quiz_command_adds_no_post(served: Served, fake: FakeSlack, core: Core) -> None:
    body = encode_form(slash_command_form("/quiz", "sql", user_id="UMEMBER", response_url=fake.response_url(),
                                          trigger_id="trig-replayed"))
    for _ in range(3):
        assert (await served.slack.send(body, content_type="application/x-www-form-urlencoded")).status == 200
    assert db(core, "SELECT count(*) FROM posts") == [(1,)]


# --- 6. cross-team trust ---------------------------------------------------------------------------------------


async def test_a_click_without_a_team_takes_the_signed_requests_team_not_the_posts(
    recorded: tuple[Recording, Served], fake: FakeSlack
) -> None:
    recording, served = recorded
    payload = block_action_payload("mlq:good:1", user_id="UMEMBER", response_url=fake.response_url())
    del payload["team"]
    payload["user"].pop("team_id")
    await served.slack.send(encode_payload(payload), content_type="application/x-www-form-urlencoded")
    [press] = recording.presses
    assert press.actor.team_id == TEAM_ID and press.place.team_id == TEAM_ID  # Bolt's authorize context


async def test_an_admin_of_another_workspace_is_not_an_admin_here(served: Served, fake: FakeSlack,
                                                                  core: Core) -> None:
    fake.add_user("UFOREIGN", is_admin=True, is_owner=True, team_id="T0OTHER")
    response = await served.slack.command("/qotd", "setup 09:00 UTC", user_id="UFOREIGN",
                                          response_url=fake.response_url())
    assert "Only server admins" in texts(response.json())
    assert db(core, "SELECT count(*) FROM schedules") == [(0,)]


# --- 7. malformed bodies ---------------------------------------------------------------------------------------

MALFORMED: list[tuple[str, bytes, str]] = [
    ("payload={bad", b"payload={bad", "application/x-www-form-urlencoded"),
    ("invalid UTF-8", b"command=%2Fquiz&text=\xff\xfe\xfa", "application/x-www-form-urlencoded"),
    ("a JSON array payload", b"payload=" + b"%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    ("a JSON array body", b"[1, 2, 3]", "application/json"),
    ("bad JSON", b"{not json", "application/json"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_bodies_are_401_unsigned_and_400_signed_without_tracebacks(
    served: Served, fake: FakeSlack, core: Core, caplog: pytest.LogCaptureFixture, name: str, body: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = served.url + "/slack/events"
    unsigned = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00",
                "Content-Type": content_type}
    for _ in range(20):
        async with served.session.post(url, data=body, headers=unsigned) as response:
            assert response.status == 401
    headers = _signed_bytes(body, content_type)
    async with served.session.post(url, data=body, headers=headers) as response:
        assert response.status == 400
    assert fake.calls == [] and db(core, "SELECT count(*) FROM users") == [(0,)]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    ours = [r for r in caplog.records if r.name == "adapters.slack.verify"]
    assert len(ours) <= 2 and all(len(r.getMessage()) < 120 for r in ours)


async def test_a_non_numeric_timestamp_is_refused_before_parsing(served: Served, fake: FakeSlack,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = encode_form(slash_command_form("/quiz", "sql", user_id="UMEMBER", response_url=fake.response_url()))
    for timestamp in ("soon", "", "1e9", "１７００００００００", "9" * 40):
        headers = {**signed_headers(body, content_type="application/x-www-form-urlencoded"),
                   "X-Slack-Request-Timestamp": timestamp}
        async with served.session.post(served.url + "/slack/events", data=body.encode(), headers=headers) as r:
            assert r.status == 401
    assert fake.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def _signed_bytes(body: bytes, content_type: str) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


# --- 3. a Slack API that hangs ---------------------------------------------------------------------------------


async def test_a_hanging_slack_api_keeps_acks_in_time_and_connections_tasks_and_logs_bounded(
    fake: FakeSlack, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    users = [f"U{k:04d}" for k in range(120)]
    for user in users:
        fake.add_user(user)
    app = build_app(core, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0, ack_budget=0.3,
                    max_in_flight=40, connection_limit=8)
    deadline = deps_of(app).deadline
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        sender = SignedSender(session, url)
        # Running before Slack starts to hang (Bolt has checked its token with auth.test once).
        assert (await sender.command("/topics", "", user_id="UMEMBER", response_url=fake.response_url())).status == 200
        fake.reset()
        fake.max_in_flight = 0
        fake.hang["*"] = 2.0  # every Web API call and response_url post stalls
        fake.hang["response_url"] = 2.0

        async def one(user: str) -> tuple[float, int, str]:
            started = time.monotonic()
            response = await sender.command("/quiz", "sql", user_id=user, response_url=fake.response_url(user))
            return time.monotonic() - started, response.status, response.text

        results = await asyncio.gather(*(one(u) for u in users))
        slowest = max(r[0] for r in results)
        busy = [r for r in results if "very busy" in r[2]]
        assert all(status == 200 for _, status, _ in results)
        assert slowest < 3.0, slowest
        assert busy and deadline.shed == len(busy)
        assert deadline.peak <= 2 * 40
        assert fake.max_in_flight <= 8
        fake.hang.clear()
        await deadline.drain(timeout=10)
        answered = {key for key, _ in fake.response_posts}
        assert len(answered) == len(users) - len(busy)  # every admitted request got its answer in the end
    log_bytes = sum(len(r.getMessage()) + len(r.exc_text or "") for r in caplog.records)
    assert log_bytes < 4_000, log_bytes


# --- 8. the installation database ------------------------------------------------------------------------------


async def test_the_installation_database_and_its_files_are_private(fake: FakeSlack, core: Core,
                                                                   tmp_path: Path) -> None:
    installs = tmp_path / "slack" / "installs.sqlite3"
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_INSTALLATION_DB": str(installs)}
    old = os.umask(0o022)  # a typical umask: files would be 0644
    try:
        app = build_app(core, env=env, client_base_url=fake.base_url)
        async with serving(app.web_app()) as url, aiohttp.ClientSession() as session, session.get(
            url + "/slack/install"
        ) as page:  # writes an OAuth state row
            assert page.status == 200
    finally:
        os.umask(old)
    files = [p for p in installs.parent.iterdir() if p.name.startswith(installs.name)]
    assert installs in files
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
    assert stat.S_IMODE(installs.parent.stat().st_mode) == 0o700


# --- /help and /healthz ------------------------------------------------------------------------------------------


async def test_help_is_a_slash_command_too(served: Served, fake: FakeSlack) -> None:
    response = await served.slack.command("/help", "", user_id="UMEMBER", response_url=fake.response_url())
    body = response.json()
    assert response.status == 200 and body["response_type"] == "ephemeral" and "/quiz" in texts(body)


async def test_healthz_reports_the_cores_health(fake: FakeSlack, core: Core) -> None:
    class Unwell:
        def __getattr__(self, name: str) -> Any:
            return getattr(core, name)

        async def check_health(self) -> str | None:
            return "the database file was replaced"

    app = build_app(Unwell(), env=HTTP_ENV, client_base_url=fake.base_url)  # type: ignore[arg-type]
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session, session.get(
        url + "/healthz"
    ) as response:
        assert response.status == 503
        assert "replaced" in json.dumps(await response.json())
