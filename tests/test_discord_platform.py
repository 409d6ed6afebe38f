"""Where the fake Discord behaves like the real one and the bot must cope: edits keep unchanged fields, so
stale buttons must be removed explicitly; role mentions only ping mentionable roles (or with Mention Everyone);
autocomplete values are cut at 100 characters.

Each test drives the real discord.py and the real core against the fake, and asserts what the user sees.
"""

# ruff: noqa: F811  (pytest fixtures imported from test_discord_adapter are used as arguments)
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from adapters.discord.translate import button_of
from tests.fakes.discord_fake import (
    ADMIN_ID,
    BOT_PERMISSIONS,
    BOT_ROLE_ID,
    GENERAL_ID,
    GUILD_ID,
    MEMBER_ID,
    MENTION_EVERYONE,
    QOTD_ID,
    QUIET_ROLE_ID,
    STUDY_ROLE_ID,
    FakeDiscord,
    Message,
    run_bot,
)
from tests.test_discord_adapter import (  # noqa: F401
    BANK,
    _restore_endpoints,
    answered,
    bot,
    click_and_wait,
    clock,
    core,
    fake,
    first_qotd_post,
    quiz_card,
    rows,
    setup_qotd,
)

# A question whose answer needs two messages (more than Discord's 6000 characters of embeds per message).
LONG_ANSWER = "\n\n".join(f"Paragraph {k}: " + "gradient checkpointing trades compute for memory. " * 12
                          for k in range(16))
LONG_BANK = BANK + f"""\
  - id: long-1
    topic: statistics-math
    difficulty: hard
    prompt: Explain gradient checkpointing in depth.
    answer: |
{chr(10).join('      ' + line for line in LONG_ANSWER.splitlines())}
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(LONG_BANK)
    return path


def buttons(message: Message) -> list[str]:
    """The actions of the buttons a message shows, in order."""
    return [c.split(":")[1] for c in message.custom_ids()]


# ----- the fake behaves like Discord ------------------------------------------------------------------------


def test_fake_edit_without_components_keeps_old_fields() -> None:
    message = Message(id=1, channel_id=2, content="q", embeds=[{"title": "t"}],
                      components=[{"type": 1, "components": [{"type": 2, "custom_id": "mlq:skip:1"}]}])
    FakeDiscord._apply_edit(message, {"content": "Skipped."})
    assert message.content == "Skipped."
    assert message.embeds == [{"title": "t"}] and buttons(message) == ["skip"]
    FakeDiscord._apply_edit(message, {"embeds": [], "components": []})
    assert message.content == "Skipped." and message.embeds == [] and buttons(message) == []


# ----- which buttons each message shows after every action ----------------------------------------------------


async def test_quiz_buttons_after_hint_reveal_grade_and_next(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake)
    assert buttons(card) == ["reveal", "hint", "skip", "answer"]

    await click_and_wait(fake, card, "hint")
    assert buttons(card) == ["reveal", "skip", "answer"]

    await click_and_wait(fake, card, "reveal")
    assert buttons(card) == ["again", "hard", "good", "easy"]

    await click_and_wait(fake, card, "good")
    assert "Graded **Good**" in card.text() and not card.embeds
    assert buttons(card) == ["next"]

    record = await click_and_wait(fake, card, "next")
    [new_card] = await answered(fake, record)
    assert new_card.id != card.id and buttons(new_card) == ["reveal", "hint", "skip", "answer"]
    # The graded card loses its Next button (a second click would draw yet another question) and says so.
    assert buttons(card) == [] and "Next question below" in card.text()


async def test_skipped_message_shows_no_buttons(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, difficulty="easy")
    record = await click_and_wait(fake, card, "skip")
    await fake.wait_until(lambda: record.followup_ids)
    assert card.content == "Skipped." and not card.embeds
    assert buttons(card) == []  # Discord would keep Reveal / Hint / Skip unless told to drop them
    [new_card] = fake.replies_to(record)
    assert buttons(new_card) == ["reveal", "hint", "skip", "answer"]


async def test_two_message_reveal_leaves_buttons_only_on_the_last_message(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, topic="statistics-math")
    assert buttons(card) == ["reveal", "hint", "skip", "answer"]
    record = await click_and_wait(fake, card, "reveal")
    await fake.wait_until(lambda: any(buttons(m) for m in fake.replies_to(record)))
    rest = fake.replies_to(record)
    assert "Paragraph 0" in card.text() and all("(cont.)" in m.embeds[0]["title"] for m in rest)
    assert buttons(card) == []  # no stale Reveal / Skip on the edited first part
    assert [buttons(m) for m in rest[:-1]] == [[]] * (len(rest) - 1)
    assert buttons(rest[-1]) == ["again", "hard", "good", "easy"]


async def test_hint_without_hints_keeps_the_card_and_adds_a_reveal(fake: FakeDiscord, bot: Any) -> None:
    card = await quiz_card(fake, topic="sql", difficulty="medium")
    record = await click_and_wait(fake, card, "hint")
    [note] = await answered(fake, record)
    assert note.id != card.id and "no hints" in note.text() and buttons(note) == ["reveal", "answer"]
    assert buttons(card) == ["reveal", "hint", "skip", "answer"]


async def test_qotd_buttons_after_reveal_and_eyes_dm(
    fake: FakeDiscord, bot: Any, core: Any, clock: Any
) -> None:
    await setup_qotd(fake, topics="sql")
    post = await first_qotd_post(core, clock, fake)
    assert buttons(post) == ["reveal", "answer"]

    record = await click_and_wait(fake, post, "reveal")
    [private] = await answered(fake, record)
    assert private.ephemeral and buttons(private) == ["again", "hard", "good", "easy"]
    assert buttons(post) == ["reveal", "answer"]  # the public post keeps its button for everyone else

    await fake.react(post, "👀", user_id=MEMBER_ID)
    [dm] = await fake.wait_until(lambda: fake.dm_messages(MEMBER_ID))
    assert buttons(dm) == ["again", "hard", "good", "easy"]

    grade = await click_and_wait(fake, dm, "good")
    [confirmation] = await answered(fake, grade)
    assert "Graded **Good**" in confirmation.text() and buttons(confirmation) == []
    assert buttons(dm) == ["again", "hard", "good", "easy"]  # a regrade stays possible
    assert buttons(post) == ["reveal", "answer"]


async def test_dm_click_is_marked_in_dm_and_graded_for_the_posts_team(
    fake: FakeDiscord, bot: Any, core: Any, clock: Any, db_path: Path
) -> None:
    await setup_qotd(fake, topics="sql")
    post = await first_qotd_post(core, clock, fake)
    await fake.react(post, "👀", user_id=MEMBER_ID)
    [dm] = await fake.wait_until(lambda: fake.dm_messages(MEMBER_ID))
    record = await click_and_wait(fake, dm, "easy")
    await answered(fake, record)
    assert rows(db_path, "SELECT user_id, team_id, grade FROM grades") == [
        (str(MEMBER_ID), str(GUILD_ID), "easy")
    ]



def _click(guild_id: int | None, channel_type: discord.ChannelType) -> Any:
    return SimpleNamespace(
        id=1579293892610621449,
        guild_id=guild_id,
        channel_id=5,
        channel=SimpleNamespace(type=channel_type),
        user=SimpleNamespace(id=MEMBER_ID, display_name="Bob"),
        permissions=discord.Permissions.none(),
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )


def test_button_press_says_in_dm_only_for_a_dm_with_the_bot() -> None:
    dm = button_of(_click(None, discord.ChannelType.private), "good", 7)
    assert dm.in_dm and dm.actor.team_id == "" and dm.event_id == "1579293892610621449"
    assert dm.occurred_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    in_guild = button_of(_click(GUILD_ID, discord.ChannelType.text), "good", 7)
    assert not in_guild.in_dm and in_guild.actor.team_id == str(GUILD_ID)
    # A user-installed app in a group DM has no guild either, but it is not the bot's DM.
    assert not button_of(_click(None, discord.ChannelType.group), "good", 7).in_dm


# ----- role mentions that ping ------------------------------------------------------------------------------


async def _setup_with_mention(fake: FakeDiscord, role_id: int) -> list[Message]:
    opts = {"time": "09:00", "tz": "Europe/Berlin", "days": "mon-fri", "topics": "sql", "channel": QOTD_ID,
            "mention": role_id}
    record = await fake.slash("qotd", opts, subcommand="setup", user_id=ADMIN_ID, channel_id=GENERAL_ID)
    await answered(fake, record)
    await asyncio.sleep(0.1)  # a note, if any, follows the confirmation
    return fake.replies_to(record)


async def test_unmentionable_role_is_saved_with_a_private_note_on_what_to_change(
    fake: FakeDiscord, bot: Any, core: Any, clock: Any, db_path: Path
) -> None:
    confirmation, note = await _setup_with_mention(fake, QUIET_ROLE_ID)
    assert "set up" in confirmation.text()
    assert note.ephemeral
    assert "@readers" in note.text() and "notify nobody" in note.text()
    assert "Allow anyone to @mention this role" in note.text()
    assert "Mention @everyone, @here and All Roles" in note.text().replace("\u200b", "")
    # Saved anyway: the posts still work, and fixing the role later needs no second setup.
    assert rows(db_path, "SELECT mention FROM schedules") == [(str(QUIET_ROLE_ID),)]
    post = await first_qotd_post(core, clock, fake)
    assert post.content == f"<@&{QUIET_ROLE_ID}>" and post.pinged_roles == []  # shown, but nobody notified


async def test_mentionable_role_gets_no_note_and_pings(
    fake: FakeDiscord, bot: Any, core: Any, clock: Any
) -> None:
    [confirmation] = await _setup_with_mention(fake, STUDY_ROLE_ID)
    assert "set up" in confirmation.text()
    post = await first_qotd_post(core, clock, fake)
    assert post.pinged_roles == [STUDY_ROLE_ID]


async def test_unmentionable_role_pings_when_the_bot_may_mention_everyone(
    core: Any, clock: Any
) -> None:
    async with FakeDiscord(guild_permissions={BOT_ROLE_ID: BOT_PERMISSIONS | MENTION_EVERYONE}) as fake, \
            run_bot(core, fake):
        [confirmation] = await _setup_with_mention(fake, QUIET_ROLE_ID)
        assert "set up" in confirmation.text()
        post = await first_qotd_post(core, clock, fake)
        assert post.pinged_roles == [QUIET_ROLE_ID]


async def test_refused_setup_gets_no_mention_note(fake: FakeDiscord, bot: Any, db_path: Path) -> None:
    record = await fake.slash("qotd", {"time": "25:99", "mention": QUIET_ROLE_ID}, subcommand="setup",
                              user_id=ADMIN_ID, channel_id=GENERAL_ID)
    await answered(fake, record)
    await asyncio.sleep(0.1)
    [refusal] = fake.replies_to(record)
    assert "notify nobody" not in refusal.text()
    assert rows(db_path, "SELECT count(*) FROM schedules") == [(0,)]


async def test_answer_is_described_as_todays_question_of_the_day(fake: FakeDiscord, bot: Any) -> None:
    description = fake.command_schema("answer")["description"]
    assert "today's question of the day" in description and len(description) <= 100
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith("| `/answer`")]
    assert "today's question-of-the-day answer" in row


# ----- payloads within Discord's limits (tests/fakes/discord_limits.py, numbers from Discord's OpenAPI spec) ----


def test_fake_refuses_what_discord_refuses() -> None:
    from tests.fakes import discord_limits as limits

    row = {"type": 1, "components": [{"type": 2, "style": 2, "custom_id": "x" * 101, "label": "L" * 81}]}
    assert limits.components_errors([row]) == [
        "components.0.components.0.custom_id: 1 to 100 characters",
        "components.0.components.0.label: at most 80 characters",
    ]
    ok_row = {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "mlq:reveal:1", "label": "Reveal"}]}
    assert limits.components_errors([ok_row] * 5) == []
    assert limits.components_errors([ok_row] * 6) == ["components: at most 5 action rows"]
    assert limits.allowed_mentions_errors({"parse": ["roles"], "roles": ["1"]}) == [
        "allowed_mentions: parse:['roles'] and roles are mutually exclusive"
    ]
    assert limits.allowed_mentions_errors({"parse": [], "roles": [1]}) == []
    long_choice = {"type": 8, "data": {"choices": [{"name": "n", "value": "v" * 101}]}}
    assert limits.callback_errors(long_choice) == ["data.choices.0.value: at most 100 characters"]
    embeds = [{"title": "t", "description": "d" * 4000}, {"description": "d" * 2001}]
    assert limits.message_errors({"embeds": embeds}, kind="channel") == ["embeds: at most 6000 characters in total"]
    assert limits.message_errors({"content": "c" * 2001}, kind="webhook") == ["content: at most 2000 characters"]


async def test_every_request_of_a_session_is_within_discords_limits(
    fake: FakeDiscord, bot: Any, core: Any, clock: Any
) -> None:
    card = await quiz_card(fake, topic="statistics-math")  # the long answer: several messages of embeds
    record = await click_and_wait(fake, card, "reveal")
    await fake.wait_until(lambda: any(buttons(m) for m in fake.replies_to(record)))
    await _setup_with_mention(fake, STUDY_ROLE_ID)
    post = await first_qotd_post(core, clock, fake)
    await fake.react(post, "👀", user_id=MEMBER_ID)
    await fake.wait_until(lambda: fake.dm_messages(MEMBER_ID))
    typed = await fake.autocomplete("qotd", "topics", "sql,pytorch,python-data,", subcommand="setup")
    await fake.wait_until(lambda: typed.callbacks)
    assert typed.callbacks[0].status == 200 and typed.callbacks[0].json["data"]["choices"]
    assert fake.invalid_bodies == []
    assert all(c.status != 400 for c in fake.calls)


async def test_stale_buttons_go_on_the_deferred_path_too(core: Any, fake: FakeDiscord) -> None:
    async with run_bot(core, fake, defer_after=0):  # every interaction is deferred first, then edited
        card = await quiz_card(fake, difficulty="easy")
        record = await click_and_wait(fake, card, "skip")
        assert record.callback_type == 6  # deferred update
        await fake.wait_until(lambda: card.content == "Skipped." and record.followup_ids)
        assert buttons(card) == []
        [new_card] = [m for m in fake.replies_to(record) if m.id != card.id]
        assert buttons(new_card) == ["reveal", "hint", "skip", "answer"]
