"""The Slack adapter's pieces on their own: settings, rendering, pacing, user lookups, the manifest."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.commands import COMMAND_NAMES, command_words, to_command
from adapters.slack.delivery import answer_interaction, payloads
from adapters.slack.home import HOME_BLOCK_LIMIT, home_view
from adapters.slack.oauth import BOT_SCOPES
from adapters.slack.outbound import ChannelPacer
from adapters.slack.render import MAX_BLOCKS, mention_markup, render_reply
from adapters.slack.settings import SlackSettings, StartupError
from adapters.slack.users import UserDirectory, actor_from_user
from bot.bank.model import Question
from bot.commands.replies import Button, QuestionCard, Reply, grade_buttons, question_buttons
from bot.domain.events import Actor

MANIFEST = Path(__file__).resolve().parent.parent / "adapters" / "slack" / "manifest.yaml"
QUESTION = Question(id="q1", topic="pytorch", difficulty="hard", prompt="Why <!channel>?", answer="Because.")

# --- settings -----------------------------------------------------------------------------------------------


def test_socket_mode_wins_when_an_app_token_is_set() -> None:
    settings = SlackSettings.from_env({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1",
                                       "SLACK_SIGNING_SECRET": "s"})
    assert settings.mode == "socket" and settings.app_token == "xapp-1"


def test_http_mode_reads_host_port_and_base_url() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "HOST": "127.0.0.1",
                                       "PORT": "8080", "SLACK_API_BASE_URL": "http://127.0.0.1:9/api"})
    assert (settings.mode, settings.host, settings.port) == ("http", "127.0.0.1", 8080)
    assert settings.api_base_url == "http://127.0.0.1:9/api/"
    assert SlackSettings.from_env({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s"}).port == 3000


def test_oauth_mode_keeps_installations_next_to_the_bot_database() -> None:
    env = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s",
           "BOT_DATABASE": "/srv/bot/bot.sqlite3"}
    settings = SlackSettings.from_env(env)
    assert settings.mode == "oauth"
    assert settings.installation_db == Path("/srv/bot/slack_installations.sqlite3")
    explicit = SlackSettings.from_env({**env, "SLACK_INSTALLATION_DB": "/tmp/i.sqlite3"})
    assert explicit.installation_db == Path("/tmp/i.sqlite3")


def test_settings_repr_never_shows_secrets() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_SIGNING_SECRET": "sign-secret"})
    assert "secret" not in repr(settings)


@pytest.mark.parametrize("port", ["-1", "65536", "abc"])
def test_bad_port_is_refused(port: str) -> None:
    with pytest.raises(StartupError, match="PORT"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "PORT": port})


# --- rendering ----------------------------------------------------------------------------------------------


def test_buttons_become_one_actions_block_with_the_custom_id_as_action_id_and_value() -> None:
    [message] = render_reply(Reply(card=QuestionCard(QUESTION, 42), buttons=question_buttons(42)))
    actions = message.blocks[-1]
    assert actions["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("mlq:reveal:42", "mlq:reveal:42"), ("mlq:hint:42", "mlq:hint:42"), ("mlq:skip:42", "mlq:skip:42"),
        ("mlq:answer:42", "mlq:answer:42")]
    assert actions["elements"][0]["style"] == "primary" and "style" not in actions["elements"][1]
    grades = render_reply(Reply(text="ok", buttons=grade_buttons(42)))[0].blocks[-1]["elements"]
    assert [e.get("style") for e in grades] == ["danger", None, "primary", "primary"]


def test_long_answers_split_into_messages_with_buttons_on_the_last() -> None:
    answer = "\n\n".join(f"Paragraph {k}: " + "word " * 400 for k in range(70))
    question = Question(id="q2", topic="sql", difficulty="easy", prompt="Long?", answer=answer)
    messages = render_reply(Reply(card=QuestionCard(question, 7, reveal=True), buttons=grade_buttons(7)))
    assert len(messages) > 1
    assert all(len(m.blocks) <= MAX_BLOCKS for m in messages)
    assert [m.blocks[-1]["type"] for m in messages][-1] == "actions"
    assert not any(b["type"] == "actions" for m in messages[:-1] for b in m.blocks)
    assert messages[1].text.endswith("(continued)")


def test_text_and_card_share_a_message_and_notifications_show_the_question() -> None:
    [message] = render_reply(Reply(text="No reviews are due.", card=QuestionCard(QUESTION, 1)))
    assert message.blocks[0]["text"]["text"] == "No reviews are due."
    assert message.blocks[1]["type"] == "header"
    assert "Why" in message.text and "<!channel>" not in message.text


def test_errors_are_marked() -> None:
    [message] = render_reply(Reply(text="Unknown topic `x`.", is_error=True))
    assert message.blocks[0]["text"]["text"].startswith("⚠️")


@pytest.mark.parametrize(
    ("stored", "markup"),
    [("S0ML", "<!subteam^S0ML>"), ("U123", "<@U123>"), ("here", "<!here>"), ("", None), (None, None),
     ("<!channel>", None), ("everyone-please", None)],
)
def test_mention_markup_only_for_ids(stored: str | None, markup: str | None) -> None:
    assert mention_markup(stored) == markup


def test_mention_prefix_opens_the_first_message_only() -> None:
    messages = render_reply(Reply(card=QuestionCard(QUESTION, 1), buttons=(Button("reveal", 1),)),
                            prefix="<!subteam^S1>")
    assert messages[0].blocks[0]["text"]["text"] == "<!subteam^S1>"
    assert messages[0].text.startswith("<!subteam^S1> ")


def test_private_replies_are_ephemeral_and_public_ones_in_channel() -> None:
    items = payloads([Reply(text="mine"), Reply(text="everyone's", private=False)])
    assert [i["response_type"] for i in items] == ["ephemeral", "in_channel"]


def test_consecutive_replies_with_the_same_visibility_share_one_message() -> None:
    replies = [Reply(text="No reviews are due."), Reply(card=QuestionCard(QUESTION, 3), buttons=question_buttons(3)),
               Reply(text="Also this.", buttons=(Button("next", 3),))]
    [item] = payloads(replies)
    assert [b["type"] for b in item["blocks"]] == ["section", "header", "section", "context", "actions", "section", "actions"]
    assert "No reviews are due." in item["text"] and "Also this." in item["text"]


def test_home_view_stays_within_app_home_limits() -> None:
    summary = Reply(text="\n\n".join("Line " + "x " * 1400 for _ in range(200)), title="Your practice")
    view = home_view(summary)
    assert view["type"] == "home" and len(view["blocks"]) <= HOME_BLOCK_LIMIT
    assert view["blocks"][-1]["type"] == "context"


# --- interactions -------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


async def test_a_private_replace_never_overwrites_a_public_message() -> None:
    respond = Recorder()
    await answer_interaction(respond, [Reply(text="answer", replace=True)], source_private=False)  # type: ignore[arg-type]
    assert respond.sent[0]["replace_original"] is False and respond.sent[0]["response_type"] == "ephemeral"


async def test_only_the_first_replace_updates_the_clicked_message() -> None:
    respond = Recorder()
    replies = [Reply(text="Skipped.", replace=True), Reply(text="next", replace=True), Reply(text="x", private=False)]
    await answer_interaction(respond, replies, source_private=True)  # type: ignore[arg-type]
    assert [r["replace_original"] for r in respond.sent] == [True, False, False]
    assert [r.get("response_type") for r in respond.sent] == [None, "ephemeral", "in_channel"]


async def test_at_most_five_messages_go_to_a_response_url() -> None:
    respond = Recorder()
    await answer_interaction(respond, [Reply(text=str(k)) for k in range(8)], source_private=True)  # type: ignore[arg-type]
    assert len(respond.sent) == 5


def test_command_words_and_quiz_help() -> None:
    assert command_words("  pytorch   hard ") == ("pytorch", "hard")
    assert command_words("a &amp; b &lt;x&gt;") == ("a", "&", "b", "<x>")
    actor = Actor("slack", "T1", "U1")
    command = to_command({"command": "/quiz", "text": "help me", "team_id": "T1", "channel_id": "C1",
                          "trigger_id": "t"}, actor)
    # `/quiz help` goes to the core as it was typed: the core parses it, once, for every platform.
    assert (command.name, command.args, command.place.channel_id, command.event_id) == \
        ("quiz", ("help", "me"), "C1", "t")


# --- pacing -------------------------------------------------------------------------------------------------


async def test_pacer_spaces_posts_per_channel() -> None:
    pacer = ChannelPacer(0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(pacer.wait("T", "C1") for _ in range(3)))
    assert loop.time() - started >= 0.095
    started = loop.time()
    await pacer.wait("T", "C2")
    assert loop.time() - started < 0.04


# --- users --------------------------------------------------------------------------------------------------


def test_actor_from_users_info() -> None:
    user = {"is_admin": False, "is_owner": True, "tz": "Asia/Tokyo", "name": "ann", "team_id": "T1",
            "profile": {"display_name": "", "real_name": "Ann Lee"}}
    actor = actor_from_user("T1", "U1", user)
    assert (actor.is_admin, actor.platform_timezone, actor.display_name) == (True, "Asia/Tokyo", "Ann Lee")
    assert actor_from_user("T1", "U2", {"is_admin": False}).is_admin is False
    # An owner of another workspace (shared channel, forged id) is no admin of this one.
    assert actor_from_user("T2", "U1", user).is_admin is False


class CountingClient:
    def __init__(self) -> None:
        self.calls = 0

    async def users_info(self, *, user: str) -> dict[str, Any]:
        self.calls += 1
        await asyncio.sleep(0.01)
        return {"ok": True, "user": {"id": user, "team_id": "T", "is_admin": True, "tz": "UTC", "name": user}}


async def test_user_lookups_are_shared_and_cached_briefly() -> None:
    now = [0.0]
    users = UserDirectory(ttl=60, clock=lambda: now[0])
    client = CountingClient()
    actors = await asyncio.gather(*(users.actor(client, team_id="T", user_id="U1") for _ in range(5)))  # type: ignore[arg-type]
    assert client.calls == 1 and all(a.is_admin for a in actors)
    now[0] = 61.0
    await users.actor(client, team_id="T", user_id="U1")  # type: ignore[arg-type]
    assert client.calls == 2


# --- manifest -----------------------------------------------------------------------------------------------


def test_manifest_matches_the_code() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = {c["command"].lstrip("/"): c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == set(COMMAND_NAMES)
    assert all(c["url"] == "https://YOUR-HOST/slack/events" and c["description"] for c in commands.values())
    assert "usage_hint" in commands["quiz"] and commands["qotd"]["should_escape"] is True
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "reaction_added", "app_home_opened", "app_uninstalled", "tokens_revoked"}
    assert settings["interactivity"]["is_enabled"] is True and settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == "https://YOUR-HOST/slack/events"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert re.search(r"Socket Mode", MANIFEST.read_text(encoding="utf-8"))
