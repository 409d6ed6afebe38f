"""End to end through the real slack-bolt: signed HTTP requests and Socket Mode against a fake Slack on loopback."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.slack.outbound import SlackOutbound
from adapters.slack.runner import StartupError, build_app, serve
from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.replies import Reply
from bot.core import Core
from bot.domain.events import Actor, Place
from bot.qotd.ports import PlaceUnavailableError, TransientPostError
from tests.fakes.slack_fake import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    Failure,
    FakeSlack,
    SignedSender,
    encode_form,
    serving,
    slash_command_form,
)

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # a Monday
CHANNEL = "C0001"
BANK = """
questions:
  - id: pt-hard-1
    topic: pytorch
    difficulty: hard
    prompt: "What does `torch.no_grad()` do? Tell <!channel> and <@U999> and <!subteam^S1>."
    answer: "It turns off **autograd** tracking, so no graph is built. <!here>"
    hints: ["Think about memory during inference."]
  - id: pt-easy-1
    topic: pytorch
    difficulty: easy
    prompt: "What is a tensor?"
    answer: "An n-dimensional array with a device and a dtype."
  - id: sql-easy-1
    topic: sql
    difficulty: easy
    prompt: "What is a primary key?"
    answer: "A column (or columns) that uniquely identifies a row."
"""
HTTP_ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
# slack_sdk's oauth.v2.access call uses aiohttp.BasicAuth, which aiohttp 3.14 deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
@dataclass
class Rig:
    """A fake Slack, a real core on a temporary database, and the Bolt app served on loopback."""

    fake: FakeSlack
    core: Core
    clock: ManualClock
    slack: SignedSender
    url: str
    session: aiohttp.ClientSession
    database: Path

    @property
    def outbound(self) -> SlackOutbound:
        return self.core.outbounds["slack"]  # type: ignore[return-value]

    def core_actor(self, user_id: str) -> Actor:
        return Actor("slack", TEAM_ID, user_id, user_id.lower())

    def db(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(BANK, encoding="utf-8")
    return folder


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("UADMIN", is_admin=True, tz="Europe/Berlin")
        server.add_user("UOWNER", is_owner=True)
        server.add_user("UMEMBER", tz="America/New_York")
        yield server


@pytest.fixture
async def core(tmp_path: Path, bank_dir: Path) -> AsyncIterator[Core]:
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(START), bank_paths=[bank_dir]) as c:
        yield c


@pytest.fixture
async def rig(fake: FakeSlack, core: Core, tmp_path: Path) -> AsyncIterator[Rig]:
    app = build_app(core, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield Rig(fake, core, core.clock, SignedSender(session, url, fake=fake), url, session,  # type: ignore[arg-type]
                  tmp_path / "bot.sqlite3")


def texts(payload: dict[str, Any]) -> str:
    """Every piece of text in a message payload (fallback text and all blocks)."""
    out = [payload.get("text") or ""]
    for block in payload.get("blocks") or []:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements") or []:
            out.append(element["text"] if isinstance(element.get("text"), str) else element.get("text", {}).get("text", ""))
    return "\n".join(out)


def action_ids(payload: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in payload.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


async def eventually(predicate: Any, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def setup_qotd(rig: Rig, words: str = "09:00 UTC daily reveal=1h", user: str = "UADMIN") -> dict[str, Any]:
    response = await rig.slack.command("/qotd", f"setup {words}", user_id=user, response_url=rig.fake.response_url())
    assert response.status == 200
    return response.json()


# --- slash commands -----------------------------------------------------------------------------------------


async def test_quiz_command_returns_an_ephemeral_question_of_that_topic_and_difficulty(rig: Rig) -> None:
    response = await rig.slack.command("/quiz", "pytorch hard", user_id="UMEMBER",
                                       response_url=rig.fake.response_url())
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "torch.no_grad()" in texts(body)
    [(post_id, question_id, kind, user)] = rig.db("SELECT id, question_id, kind, user_id FROM posts")
    assert (question_id, kind, user) == ("pt-hard-1", "quiz", "UMEMBER")
    question = rig.core.bank.get(question_id)
    assert question is not None and (question.topic, question.difficulty) == ("pytorch", "hard")
    assert action_ids(body) == [f"mlq:reveal:{post_id}", f"mlq:hint:{post_id}", f"mlq:skip:{post_id}",
                              f"mlq:answer:{post_id}"]


async def test_words_in_any_order_and_quiz_help(rig: Rig) -> None:
    response = await rig.slack.command("/quiz", "hard pytorch", user_id="UMEMBER", response_url=rig.fake.response_url())
    assert "torch.no_grad()" in texts(response.json())
    help_body = (await rig.slack.command("/quiz", "help", user_id="UMEMBER",
                                         response_url=rig.fake.response_url())).json()
    assert help_body["response_type"] == "ephemeral"
    assert "/quiz review" in texts(help_body) and "/leaderboard" in texts(help_body)


async def test_unknown_word_gets_a_private_error_listing_what_is_allowed(rig: Rig) -> None:
    body = (await rig.slack.command("/quiz", "blorp", user_id="UMEMBER", response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral"
    text = texts(body)
    assert "blorp" in text and "pytorch" in text and "sql" in text
    assert rig.db("SELECT count(*) FROM posts") == [(0,)]


async def test_a_command_mentioning_the_word_payload_is_answered(rig: Rig) -> None:
    # slack-bolt alone reads any form body containing "payload" as an empty interactivity payload (404).
    response = await rig.slack.command("/quiz", "payload", user_id="UMEMBER", response_url=rig.fake.response_url())
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "payload" in texts(body) and "pytorch" in texts(body)
    ok = (await rig.slack.command("/quiz", "sql payload-free", user_id="UMEMBER",
                                  response_url=rig.fake.response_url())).json()
    assert "payload-free" in texts(ok) and rig.db("SELECT count(*) FROM posts") == [(0,)]


async def test_question_text_cannot_ping(rig: Rig) -> None:
    body = (await rig.slack.command("/quiz", "pytorch hard", user_id="UMEMBER",
                                    response_url=rig.fake.response_url())).json()
    post_id = rig.db("SELECT id FROM posts")[0][0]
    await rig.slack.click(f"mlq:reveal:{post_id}", user_id="UMEMBER", response_url=rig.fake.response_url("rv"))
    for payload in [body, *rig.fake.posts_to("rv")]:
        text = texts(payload)
        assert not re.search(r"<[!@#]", text), text
    assert "&lt;!channel&gt;" in texts(body) and "&lt;@U999&gt;" in texts(body)
    assert "&lt;!here&gt;" in texts(rig.fake.posts_to("rv")[0])


async def test_leaderboard_is_public_in_channel(rig: Rig) -> None:
    body = (await rig.slack.command("/leaderboard", "week", user_id="UMEMBER",
                                    response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "in_channel"
    assert "This week" in texts(body)


# --- buttons ------------------------------------------------------------------------------------------------


async def test_reveal_then_each_grade_keeps_one_grade_in_the_database(rig: Rig) -> None:
    await rig.slack.command("/quiz", "pytorch hard", user_id="UMEMBER", response_url=rig.fake.response_url())
    post_id = rig.db("SELECT id FROM posts")[0][0]

    response = await rig.slack.click(f"mlq:reveal:{post_id}", user_id="UMEMBER", response_url=rig.fake.response_url("r"))
    assert response.status == 200
    [revealed] = rig.fake.posts_to("r")
    assert revealed["replace_original"] is True
    assert "autograd" in texts(revealed)
    assert action_ids(revealed) == [f"mlq:{g}:{post_id}" for g in ("again", "hard", "good", "easy")]

    for grade in ("again", "hard", "good", "easy"):
        await rig.slack.click(f"mlq:{grade}:{post_id}", user_id="UMEMBER", response_url=rig.fake.response_url(grade))
        [confirmed] = rig.fake.posts_to(grade)
        assert confirmed["replace_original"] is True
        assert grade.title() in texts(confirmed) and "Streak" in texts(confirmed)
    assert "+3 points" not in texts(rig.fake.posts_to("again")[0])
    assert "3 points" in texts(rig.fake.posts_to("good")[0])
    assert rig.db("SELECT grade FROM grades WHERE post_id = ?", (post_id,)) == [("easy",)]
    assert rig.db("SELECT points, grades FROM scores WHERE period = 'all' AND user_id = 'UMEMBER'") == [(3.0, 1)]


async def test_someone_elses_quiz_button_is_refused_privately(rig: Rig) -> None:
    await rig.slack.command("/quiz", "sql", user_id="UMEMBER", response_url=rig.fake.response_url())
    post_id = rig.db("SELECT id FROM posts")[0][0]
    await rig.slack.click(f"mlq:good:{post_id}", user_id="UADMIN", response_url=rig.fake.response_url("x"))
    [refusal] = rig.fake.posts_to("x")
    assert refusal["response_type"] == "ephemeral" and refusal["replace_original"] is False
    assert "someone else" in texts(refusal)
    assert rig.db("SELECT count(*) FROM grades") == [(0,)]


async def test_slow_core_still_acks_in_time_and_answers_through_the_response_url(
    fake: FakeSlack, core: Core
) -> None:
    class SlowCore:
        def __getattr__(self, name: str) -> Any:
            return getattr(core, name)

        async def handle_command(self, command: Any) -> list[Reply]:
            await asyncio.sleep(0.3)
            return await core.handle_command(command)

    app = build_app(SlowCore(), env=HTTP_ENV, client_base_url=fake.base_url, ack_budget=0.05)  # type: ignore[arg-type]
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        started = asyncio.get_running_loop().time()
        response = await SignedSender(session, url).command("/quiz", "sql", user_id="UMEMBER",
                                                            response_url=fake.response_url("late"))
        assert response.status == 200 and response.text == ""
        assert asyncio.get_running_loop().time() - started < 0.25
        await eventually(lambda: fake.posts_to("late"))
        assert "primary key" in texts(fake.posts_to("late")[0])


# --- question of the day ------------------------------------------------------------------------------------


async def test_qotd_setup_needs_a_slack_admin(rig: Rig) -> None:
    refused = await setup_qotd(rig, user="UMEMBER")
    assert refused["response_type"] == "ephemeral" and "Only server admins" in texts(refused)
    assert rig.db("SELECT count(*) FROM schedules") == [(0,)]

    accepted = await setup_qotd(rig, user="UADMIN")
    assert accepted["response_type"] == "ephemeral" and "set up" in texts(accepted)
    assert rig.db("SELECT channel_id, local_time FROM schedules") == [(CHANNEL, "09:00")]
    owner = await setup_qotd(rig, "10:00", user="UOWNER")
    assert "updated" in texts(owner)
    assert [c.body["user"] for c in rig.fake.calls_to("users.info")] == ["UMEMBER", "UADMIN", "UOWNER"]


async def test_scheduled_post_is_made_once_then_revealed_in_its_thread(rig: Rig) -> None:
    await setup_qotd(rig, "09:00 UTC daily reveal=1h mention=<!subteam^S0ML|@ml-team>")
    rig.fake.reset()
    rig.clock.set(START.replace(hour=9, minute=0, second=30))
    await rig.core.tick()
    await rig.core.tick()
    [post] = rig.fake.calls_to("chat.postMessage")
    assert post.body["channel"] == CHANNEL and "thread_ts" not in post.body
    assert post.body["text"].startswith("<!subteam^S0ML>")
    assert post.body["metadata"]["event_payload"]["dedupe_key"].startswith("qotd-")
    post_id, question_id = rig.db("SELECT id, question_id FROM posts WHERE kind = 'qotd'")[0]
    assert action_ids(post.body) == [f"mlq:reveal:{post_id}", f"mlq:answer:{post_id}"]
    question = rig.core.bank.get(question_id)
    assert question is not None and question.prompt.split()[1] in texts(post.body)
    assert re.findall(r"<[!@#][^>]*>", texts(post.body)) == ["<!subteam^S0ML>", "<!subteam^S0ML>"]
    [reaction] = rig.fake.calls_to("reactions.add")
    assert reaction.body["name"] == "eyes"
    ts = rig.db("SELECT message_id, thread_id, status FROM posts WHERE kind = 'qotd'")[0]
    assert ts[2] == "posted" and ts[0] == ts[1] and ts[0].startswith("1700000000.")

    rig.clock.advance(timedelta(hours=1))
    await rig.core.tick()
    posts = rig.fake.calls_to("chat.postMessage")
    assert len(posts) == 2
    assert posts[1].body["thread_ts"] == ts[0] and "Answer" in texts(posts[1].body)


async def test_reveal_button_on_the_public_post_answers_privately(rig: Rig) -> None:
    await setup_qotd(rig)
    rig.clock.set(START.replace(hour=9, minute=1))
    await rig.core.tick()
    post_id, ts = rig.db("SELECT id, message_id FROM posts WHERE kind = 'qotd'")[0]
    await rig.slack.click(f"mlq:reveal:{post_id}", user_id="UMEMBER", response_url=rig.fake.response_url("pub"),
                          ephemeral=False, message_ts=ts)
    [answer] = rig.fake.posts_to("pub")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "Answer" in texts(answer)


async def test_eyes_reaction_sends_the_answer_ephemerally_once_despite_a_retry(rig: Rig) -> None:
    await setup_qotd(rig)
    rig.clock.set(START.replace(hour=9, minute=1))
    await rig.core.tick()
    ts = rig.db("SELECT message_id FROM posts WHERE kind = 'qotd'")[0][0]
    event = {"type": "reaction_added", "user": "UMEMBER", "reaction": "eyes", "item_user": "UBOT",
             "item": {"type": "message", "channel": CHANNEL, "ts": ts}, "event_ts": "1700000100.000001"}

    first = await rig.slack.event(event, event_id="Ev001")
    retry = await rig.slack.event(event, event_id="Ev001", retry=1)
    assert (first.status, retry.status) == (200, 200)
    [ephemeral] = rig.fake.calls_to("chat.postEphemeral")
    assert ephemeral.body["user"] == "UMEMBER" and ephemeral.body["channel"] == CHANNEL
    assert "Answer" in texts(ephemeral.body)
    assert [a.split(":")[1] for a in action_ids(ephemeral.body)] == ["again", "hard", "good", "easy"]

    other = await rig.slack.event({**event, "reaction": "tada"}, event_id="Ev002")
    assert other.status == 200 and len(rig.fake.calls_to("chat.postEphemeral")) == 1


async def test_unpostable_channel_pauses_and_dms_the_allow_listed_admin(rig: Rig) -> None:
    await setup_qotd(rig, "09:00 UTC daily admins=<@UOWNER|owner>")
    rig.fake.failures[f"chat.postMessage:{CHANNEL}"] = Failure("not_in_channel")
    rig.clock.set(START.replace(hour=9, minute=1))
    await rig.core.tick()
    assert rig.db("SELECT paused FROM schedules") == [(1,)]
    dms = [c for c in rig.fake.calls_to("chat.postMessage") if c.body["channel"] == "UOWNER"]
    assert len(dms) == 1 and "not_in_channel" in texts(dms[0].body)


async def test_outbound_maps_slack_errors(rig: Rig) -> None:
    place = Place("slack", TEAM_ID, "C0BAD")
    reply = Reply(text="hello", private=False)
    cases = [
        (Failure("channel_not_found"), PlaceUnavailableError),
        (Failure("is_archived"), PlaceUnavailableError),
        (Failure("missing_scope"), PlaceUnavailableError),
        (Failure("ratelimited", status=429), TransientPostError),
        (Failure(status=503), TransientPostError),
    ]
    for failure, expected in cases:
        rig.fake.failures["chat.postMessage"] = failure
        with pytest.raises(expected):
            await rig.outbound.post(place, reply, mention=None, make_thread=False)
    assert await rig.outbound.send_private(TEAM_ID, "UMEMBER", reply) is False
    rig.fake.failures.clear()
    assert await rig.outbound.send_private(TEAM_ID, "UMEMBER", reply) is True


async def test_network_failure_is_transient(core: Core) -> None:
    app = build_app(core, env=HTTP_ENV, client_base_url="http://127.0.0.1:9/api/", post_interval=0.0)
    assert app is not None
    with pytest.raises(TransientPostError):
        await core.outbounds["slack"].post(Place("slack", TEAM_ID, CHANNEL), Reply(text="x"), mention=None,
                                           make_thread=True)


# --- requests Slack did not sign ------------------------------------------------------------------------------


async def test_bad_signature_and_stale_timestamp_are_refused_without_side_effects(rig: Rig) -> None:
    body = encode_form(slash_command_form("/quiz", "sql", user_id="UMEMBER", response_url=rig.fake.response_url()))
    forged = await rig.slack.send(body, content_type="application/x-www-form-urlencoded", secret="not-the-secret")
    stale = await rig.slack.send(body, content_type="application/x-www-form-urlencoded",
                                 timestamp=int(datetime.now(UTC).timestamp()) - 6 * 60)
    assert (forged.status, stale.status) == (401, 401)
    assert rig.fake.calls == [] and rig.fake.response_posts == []
    assert rig.db("SELECT count(*) FROM posts") == [(0,)] and rig.db("SELECT count(*) FROM users") == [(0,)]


async def test_a_forged_request_mentioning_payload_is_still_refused(rig: Rig) -> None:
    body = encode_form(slash_command_form("/quiz", "sql payload", user_id="UMEMBER",
                                          response_url=rig.fake.response_url()))
    forged = await rig.slack.send(body, content_type="application/x-www-form-urlencoded", secret="not-the-secret")
    assert forged.status == 401
    assert rig.fake.calls == [] and rig.db("SELECT count(*) FROM users") == [(0,)]


async def test_healthz(rig: Rig) -> None:
    async with rig.session.get(rig.url + "/healthz") as response:
        assert response.status == 200


# --- App Home -----------------------------------------------------------------------------------------------


async def test_app_home_opened_publishes_the_dashboard(rig: Rig) -> None:
    await rig.slack.command("/quiz", "sql", user_id="UMEMBER", response_url=rig.fake.response_url())
    post_id = rig.db("SELECT id FROM posts")[0][0]
    await rig.slack.click(f"mlq:good:{post_id}", user_id="UMEMBER", response_url=rig.fake.response_url())
    event = {"type": "app_home_opened", "user": "UMEMBER", "channel": "D0001", "tab": "home",
             "event_ts": "1700000200.000001"}
    assert (await rig.slack.event(event, event_id="EvHome")).status == 200
    [publish] = rig.fake.calls_to("views.publish")
    assert publish.body["user_id"] == "UMEMBER"
    view = publish.body["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    home_text = "\n".join(texts({"blocks": [b]}) for b in view["blocks"] if b["type"] != "divider")
    assert "Streak" in home_text and "This week" in home_text and "SQL: 1/1" in home_text

    await rig.slack.event({**event, "tab": "messages"}, event_id="EvHome2")
    assert len(rig.fake.calls_to("views.publish")) == 1


# --- Socket Mode --------------------------------------------------------------------------------------------


async def test_socket_mode_round_trip_through_serve(fake: FakeSlack, core: Core) -> None:
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_BASE_URL": fake.base_url}
    task = asyncio.create_task(serve(core, env=env))
    try:
        payload = slash_command_form("/quiz", "pytorch easy", user_id="UMEMBER", response_url=fake.response_url())
        ack = await fake.send_envelope("slash_commands", payload)
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "tensor" in texts(ack["payload"])
        assert fake.socket_acks == [ack]
        assert [c.method for c in fake.calls[:3]] == ["auth.test", "apps.connections.open", "apps.connections.open"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


# --- OAuth, many workspaces ---------------------------------------------------------------------------------


async def test_oauth_install_stores_a_token_that_later_requests_use(fake: FakeSlack, core: Core,
                                                                    tmp_path: Path) -> None:
    installs = tmp_path / "installs.sqlite3"
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_INSTALLATION_DB": str(installs)}
    app = build_app(core, env=env, client_base_url=fake.base_url, post_interval=0.0)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        async with session.get(url + "/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w-]+)", html).group(1)  # type: ignore[union-attr]
        assert "scope=commands,chat:write," in html

        async with session.get(url + f"/slack/oauth_redirect?code=good-code&state={state}",
                               headers={"Cookie": cookie}) as done:
            assert done.status == 200
        with sqlite3.connect(installs) as conn:
            assert conn.execute("SELECT team_id, bot_token FROM slack_bots").fetchall() == [
                ("T0NEW", fake.oauth_bot_token)]

        fake.add_user("UNEW", team_id="T0NEW")
        fake.reset()
        sender = SignedSender(session, url)
        response = await sender.command("/quiz", "sql", user_id="UNEW", team_id="T0NEW",
                                        response_url=fake.response_url())
        assert response.status == 200 and "primary key" in texts(response.json())
        assert {c.authorization for c in fake.calls} == {f"Bearer {fake.oauth_bot_token}"}
        assert "users.info" in [c.method for c in fake.calls]

        await core.outbounds["slack"].post(Place("slack", "T0NEW", "C0NEW"), Reply(text="hi", private=False),
                                           mention=None, make_thread=False)
        assert fake.calls_to("chat.postMessage")[-1].token == fake.oauth_bot_token

        revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}, "event_ts": "1700000300.1"}
        assert (await sender.event(revoked, event_id="EvRevoked", team_id="T0NEW")).status == 200
        with sqlite3.connect(installs) as conn:
            assert conn.execute("SELECT count(*) FROM slack_bots").fetchall() == [(0,)]
            assert conn.execute("SELECT count(*) FROM slack_installations").fetchall() == [(1,)]
        with pytest.raises(PlaceUnavailableError):
            await core.outbounds["slack"].post(Place("slack", "T0NEW", "C0NEW"), Reply(text="hi"), mention=None,
                                               make_thread=False)

        uninstall = {"type": "app_uninstalled", "event_ts": "1700000300.2"}
        assert (await sender.event(uninstall, event_id="EvGone", team_id="T0NEW")).status == 200
        with sqlite3.connect(installs) as conn:
            assert conn.execute("SELECT count(*) FROM slack_installations").fetchall() == [(0,)]


async def test_oauth_callback_with_a_forged_state_stores_nothing(fake: FakeSlack, core: Core,
                                                                 tmp_path: Path) -> None:
    installs = tmp_path / "installs.sqlite3"
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_INSTALLATION_DB": str(installs)}
    app = build_app(core, env=env, client_base_url=fake.base_url)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session, session.get(
        url + "/slack/oauth_redirect?code=good-code&state=made-up", headers={"Cookie": "slack-app-oauth-state=made-up"}
    ) as done:
        assert done.status in (400, 401)
    assert fake.calls_to("oauth.v2.access") == []
    with sqlite3.connect(installs) as conn:
        assert conn.execute("SELECT count(*) FROM slack_bots").fetchall() == [(0,)]


# --- start-up -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "No Slack credentials"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind", "SLACK_BOT_TOKEN": BOT_TOKEN}, "xapp-"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1"}, "SLACK_CLIENT_SECRET"),
        ({**HTTP_ENV, "PORT": "http"}, "PORT"),
    ],
)
async def test_missing_settings_are_one_line_startup_errors(core: Core, env: dict[str, str], expected: str) -> None:
    with pytest.raises(StartupError) as caught:
        await serve(core, env=env)
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert BOT_TOKEN not in message and APP_TOKEN not in message


async def test_rejected_tokens_are_one_line_startup_errors(fake: FakeSlack, core: Core) -> None:
    fake.valid_tokens = {"xoxb-the-real-one"}
    env = {**HTTP_ENV, "SLACK_API_BASE_URL": fake.base_url, "PORT": "0", "HOST": "127.0.0.1"}
    with pytest.raises(StartupError) as caught:
        await serve(core, env=env)
    assert str(caught.value).startswith("Slack rejected SLACK_BOT_TOKEN (invalid_auth)")
    assert "\n" not in str(caught.value) and BOT_TOKEN not in str(caught.value)

    socket_env = {"SLACK_APP_TOKEN": "xapp-revoked", "SLACK_BOT_TOKEN": "xoxb-the-real-one",
                  "SLACK_API_BASE_URL": fake.base_url}
    with pytest.raises(StartupError) as caught:
        await serve(core, env=socket_env)
    assert str(caught.value).startswith("Slack rejected SLACK_APP_TOKEN (invalid_auth)")
    # An unreachable Slack is not a StartupError: it is retried (tests/test_adapter_failures.py).


async def test_http_serve_listens_until_cancelled(fake: FakeSlack, core: Core) -> None:
    env = {**HTTP_ENV, "SLACK_API_BASE_URL": fake.base_url, "HOST": "127.0.0.1", "PORT": "0"}
    task = asyncio.create_task(serve(core, env=env))
    await eventually(lambda: bool(fake.calls_to("auth.test")))
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --- more delivery paths ------------------------------------------------------------------------------------


async def test_private_and_public_replies_arrive_in_order_through_the_response_url(rig: Rig) -> None:
    await rig.core.note_unreachable(rig.core_actor("UMEMBER"), "I could not DM you your reminder.")
    response = await rig.slack.command("/leaderboard", "all", user_id="UMEMBER", response_url=rig.fake.response_url("lb"))
    assert response.status == 200 and response.text == ""
    notice, board = rig.fake.posts_to("lb")
    assert notice["response_type"] == "ephemeral" and "could not DM" in texts(notice)
    assert board["response_type"] == "in_channel" and "All time" in texts(board)


async def test_qotd_setup_in_a_private_channel_without_the_bot_asks_for_an_invite(rig: Rig) -> None:
    rig.fake.channels["G0PRIV"] = {"is_private": True, "is_member": False}
    body = (await rig.slack.command("/qotd", "setup 09:00 UTC", user_id="UADMIN", channel_id="G0PRIV",
                                    response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral" and "/invite" in texts(body) and "set up" not in texts(body)
    assert rig.db("SELECT count(*) FROM schedules") == [(0,)]
    public = (await rig.slack.command("/qotd", "setup 09:00 UTC", user_id="UADMIN",
                                      response_url=rig.fake.response_url())).json()
    assert "/invite" not in texts(public) and "set up" in texts(public)


async def test_qotd_setup_joins_a_public_channel_so_reactions_and_history_reach_the_bot(rig: Rig) -> None:
    rig.fake.channels["C0PUB"] = {"is_member": False}
    body = (await rig.slack.command("/qotd", "setup 09:00 UTC daily", user_id="UADMIN", channel_id="C0PUB",
                                    response_url=rig.fake.response_url())).json()
    assert "set up" in texts(body)
    assert [c.body["channel"] for c in rig.fake.calls_to("conversations.join")] == ["C0PUB"]
    rig.clock.set(START.replace(hour=9, minute=1))
    await rig.core.tick()
    ts = rig.db("SELECT message_id FROM posts WHERE kind = 'qotd'")[0][0]
    event = {"type": "reaction_added", "user": "UMEMBER", "reaction": "eyes", "item_user": "UBOT",
             "item": {"type": "message", "channel": "C0PUB", "ts": ts}, "event_ts": "1700000100.000001"}
    delivered = await rig.slack.event(event, event_id="EvPub")
    assert delivered is not None and delivered.status == 200
    [answer] = rig.fake.calls_to("chat.postEphemeral")
    assert "Answer" in texts(answer.body)


async def test_a_channel_the_bot_left_is_never_posted_twice_after_a_crash(rig: Rig) -> None:
    place = Place("slack", TEAM_ID, "C0GONE")
    posted = await rig.outbound.post(place, Reply(text="q", private=False, dedupe_key="qotd-7"), mention=None,
                                     make_thread=True)
    rig.fake.channels["C0GONE"] = {"is_member": False}  # removed from the channel after posting
    rig.fake.scopes = rig.fake.scopes - {"channels:join"}
    with pytest.raises(TransientPostError):  # history unreadable: never "not posted"
        await rig.outbound.find_posted(place, "qotd-7")
    rig.fake.scopes = rig.fake.scopes | {"channels:join"}
    found = await rig.outbound.find_posted(place, "qotd-7")  # joins, then reads again
    assert found is not None and found.message_id == posted.message_id
    assert rig.fake.is_member("C0GONE")


async def test_without_membership_a_post_fails_and_reactions_never_arrive(rig: Rig) -> None:
    rig.fake.channels["C0OUT"] = {"is_member": False}
    with pytest.raises(PlaceUnavailableError, match="not_in_channel"):
        await rig.outbound.post(Place("slack", TEAM_ID, "C0OUT"), Reply(text="q", private=False), mention=None,
                                make_thread=False)
    event = {"type": "reaction_added", "user": "UMEMBER", "reaction": "eyes",
             "item": {"type": "message", "channel": "C0OUT", "ts": "1.0"}, "event_ts": "1700000100.000001"}
    assert await rig.slack.event(event, event_id="EvOut") is None


async def test_admin_notice_without_an_allow_list_goes_to_workspace_owners_and_admins(rig: Rig) -> None:
    await rig.outbound.notify_admins(Place("slack", TEAM_ID, CHANNEL), "The pool started over.")
    dms = rig.fake.calls_to("chat.postMessage")
    assert sorted(c.body["channel"] for c in dms) == ["UADMIN", "UOWNER"]
    assert all("pool started over" in texts(c.body) for c in dms)


async def test_a_post_can_be_found_again_by_its_dedupe_key(rig: Rig) -> None:
    place = Place("slack", TEAM_ID, CHANNEL)
    posted = await rig.outbound.post(place, Reply(text="q", private=False, dedupe_key="qotd-9"), mention=None,
                                     make_thread=True)
    await rig.outbound.post(place, Reply(text="other", private=False), mention=None, make_thread=False)
    found = await rig.outbound.find_posted(place, "qotd-9")
    assert found is not None and (found.message_id, found.thread_id) == (posted.message_id, posted.message_id)
    assert await rig.outbound.find_posted(place, "qotd-10") is None
    rig.fake.failures["conversations.history"] = Failure("missing_scope")
    with pytest.raises(TransientPostError, match="missing_scope"):  # unreadable is not "never posted"
        await rig.outbound.find_posted(place, "qotd-9")
    rig.fake.failures["conversations.history"] = Failure("channel_not_found")
    with pytest.raises(PlaceUnavailableError):
        await rig.outbound.find_posted(place, "qotd-9")


async def test_answer_command_and_the_profile_timezone(rig: Rig) -> None:
    body = (await rig.slack.command("/answer", "", user_id="UMEMBER", response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral" and "No question of the day" in texts(body)
    await setup_qotd(rig)
    rig.clock.set(START.replace(hour=9, minute=1))
    await rig.core.tick()
    body = (await rig.slack.command("/answer", "", user_id="UMEMBER", response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral" and "Answer" in texts(body)
    assert [a.split(":")[1] for a in action_ids(body)] == ["again", "hard", "good", "easy"]
    streak = (await rig.slack.command("/streak", "", user_id="UMEMBER", response_url=rig.fake.response_url())).json()
    assert "America/New_York" in texts(streak)


async def test_a_port_in_use_is_a_one_line_startup_error(fake: FakeSlack, core: Core) -> None:
    async with serving(web.Application()) as taken:
        port = taken.rsplit(":", 1)[1]
        env = {**HTTP_ENV, "SLACK_API_BASE_URL": fake.base_url, "HOST": "127.0.0.1", "PORT": port}
        with pytest.raises(StartupError, match=f"Cannot listen on 127.0.0.1:{port}") as caught:
            await serve(core, env=env)
    assert "\n" not in str(caught.value)
