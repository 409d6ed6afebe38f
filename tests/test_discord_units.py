"""The Discord adapter's pure pieces: rendering, option words, permissions, mentions, de-duplication."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import pytest

from adapters.discord.commands import timezone_autocomplete, topic_autocomplete, topics_autocomplete
from adapters.discord.outbound import role_id_of, thread_name
from adapters.discord.permissions import missing_permissions
from adapters.discord.render import render_reply
from adapters.discord.translate import option_words, reaction_of
from bot.bank.model import Question
from bot.commands.replies import Button, QuestionCard, Reply, error, grade_buttons

Q = Question(
    id="q1",
    topic="pytorch",
    difficulty="easy",
    prompt="What does `model.eval()` change?",
    answer="Dropout and batch norm switch to inference behaviour.",
    hints=("Layers with state.",),
)


def test_card_reply_is_one_message_with_an_embed_and_persistent_buttons() -> None:
    [out] = render_reply(Reply(card=QuestionCard(Q, 7, reveal=True), buttons=grade_buttons(7)))
    assert out.content is None
    [embed] = out.embeds
    assert embed.title == "PyTorch · easy"
    assert "Dropout and batch norm" in (embed.description or "")
    assert out.view is not None and out.view.timeout is None
    assert [item.custom_id for item in out.view.children] == [
        "mlq:again:7",
        "mlq:hard:7",
        "mlq:good:7",
        "mlq:easy:7",
    ]
    assert out.view.is_persistent()


def test_text_is_split_at_discord_limits_and_buttons_go_last() -> None:
    text = "\n\n".join(f"Paragraph {k}: " + "word " * 60 for k in range(20))
    outs = render_reply(Reply(text=text, buttons=(Button("next", 3),)))
    assert len(outs) >= 2
    assert all(o.content is not None and len(o.content) <= 2000 for o in outs)
    assert [o.view is not None for o in outs] == [False] * (len(outs) - 1) + [True]


def test_text_and_card_share_a_message_and_mentions_are_neutralised() -> None:
    [out] = render_reply(Reply(text="Hi @everyone <@123>", card=QuestionCard(Q, 1)))
    assert out.content is not None and "@everyone" not in out.content and "<@123>" not in out.content
    assert out.embeds


def test_errors_are_red_embeds_and_titles_are_bold() -> None:
    [out] = render_reply(error("Unknown topic `x`."))
    assert out.content is None and out.embeds[0].colour == discord.Colour(0xED4245)
    [out] = render_reply(Reply(text="body", title="Your streak"))
    assert out.content == "**Your streak**\nbody"


def test_role_prefix_goes_first_and_unescaped() -> None:
    [out] = render_reply(Reply(card=QuestionCard(Q, 1), private=False), prefix="<@&42>")
    assert out.content == "<@&42>"
    outs = render_reply(Reply(text="x" * 1995, private=False), prefix="<@&42>")
    assert outs[0].content == "<@&42>"


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        ("940000000000000002", 940000000000000002),
        ("<@&940000000000000002>", 940000000000000002),
        (None, None),
        ("", None),
        ("everyone", None),
    ],
)
def test_role_id_of(mention: str | None, expected: int | None) -> None:
    assert role_id_of(mention) == expected


def test_thread_name_is_the_prompt_on_one_line_within_100_chars() -> None:
    long = Question(
        id="q2", topic="sql", difficulty="hard", prompt="Explain\nthis " + "very " * 40 + "long thing"
    )
    name = thread_name(Reply(card=QuestionCard(long, 1)))
    assert len(name) <= 100 and "\n" not in name and name.startswith("Explain this very")


def test_option_words_skip_unset_and_spell_booleans() -> None:
    words = option_words({"topic": "pytorch", "difficulty": None, "thread": False, "remind": 0, "days": ""})
    assert words == ("topic=pytorch", "thread=off", "remind=0")


def test_missing_permissions_names_what_discord_shows() -> None:
    perms = discord.Permissions(view_channel=True, send_messages=True, add_reactions=True)
    assert missing_permissions(perms, threads=True) == [
        "Embed Links",
        "Create Public Threads",
        "Send Messages in Threads",
    ]
    assert missing_permissions(perms, threads=False) == ["Embed Links"]
    assert missing_permissions(discord.Permissions.all(), threads=True) == []


def _interaction() -> Any:
    core = SimpleNamespace(
        topic_choices=lambda: [
            ("pytorch", "PyTorch", 12),
            ("python-data", "Python data stack", 9),
            ("sql", "SQL", 4),
        ]
    )
    return SimpleNamespace(client=SimpleNamespace(topic_choices=core.topic_choices))


async def test_topic_autocomplete() -> None:
    choices = await topic_autocomplete(_interaction(), "py")
    assert [c.value for c in choices] == ["pytorch", "python-data"]
    assert choices[0].name == "PyTorch (12)"
    assert [c.value for c in await topic_autocomplete(_interaction(), "rev")] == ["review"]


async def test_topics_autocomplete_completes_the_last_item() -> None:
    choices = await topics_autocomplete(_interaction(), "sql,py")
    assert [c.value for c in choices] == ["sql,pytorch", "sql,python-data"]


async def test_timezone_autocomplete_prefers_prefixes_and_cities() -> None:
    assert (await timezone_autocomplete(_interaction(), "berlin"))[0].value == "Europe/Berlin"
    assert (await timezone_autocomplete(_interaction(), "Europe/Lo"))[0].value == "Europe/London"
    assert len(await timezone_autocomplete(_interaction(), "a")) == 25
    assert (await timezone_autocomplete(_interaction(), ""))[0].value == "UTC"


def _raw_reaction(
    emoji: str, *, guild: int | None = 1, custom: bool = False
) -> discord.RawReactionActionEvent:
    data: Any = {"message_id": "10", "channel_id": "20", "user_id": "30", "type": 0, "burst": False}
    if guild is not None:
        data["guild_id"] = str(guild)
    partial = discord.PartialEmoji(name=emoji, id=99 if custom else None)
    return discord.RawReactionActionEvent(data, partial, "REACTION_ADD")


def test_only_unicode_eyes_in_a_guild_becomes_a_reaction() -> None:
    reaction = reaction_of(_raw_reaction("👀"))
    assert reaction is not None
    assert (reaction.emoji, reaction.message_id, reaction.actor.user_id, reaction.place.channel_id) == (
        "eyes",
        "10",
        "30",
        "20",
    )
    assert reaction_of(_raw_reaction("👍")) is None
    assert reaction_of(_raw_reaction("eyes", custom=True)) is None
    assert reaction_of(_raw_reaction("👀", guild=None)) is None


def _role(*, mentionable: bool, default: bool = False) -> Any:
    guild: Any = SimpleNamespace(id=1)
    data: Any = {"id": "1" if default else "2", "name": "study *group*", "mentionable": mentionable,
                 "permissions": "0", "position": 0, "color": 0, "hoist": False, "managed": False}
    return discord.Role(guild=guild, state=SimpleNamespace(), data=data)


def test_mention_problem_names_both_fixes_unless_the_role_pings() -> None:
    from adapters.discord.permissions import mention_problem

    none = discord.Permissions.none()
    text = mention_problem(_role(mentionable=False), none)
    assert text is not None and "study \\*group\\*" in text and "Allow anyone to @mention this role" in text
    assert mention_problem(_role(mentionable=True), none) is None
    assert mention_problem(_role(mentionable=False), discord.Permissions(mention_everyone=True)) is None
    assert mention_problem(_role(mentionable=False), discord.Permissions(administrator=True)) is None
    everyone = mention_problem(_role(mentionable=True, default=True), none)
    assert everyone is not None and "Mention @everyone" in everyone
