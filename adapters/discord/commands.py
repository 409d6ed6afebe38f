"""The slash commands: Discord options in, `Command(name, args=("key=value", ...))` out via the client.

Every command is guild-only (a team is a guild). `/qotd` carries default_permissions(Manage Server) so Discord
hides it from members; the core still checks Actor.is_admin (and its allow-list) at run time.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice

from adapters.discord.suggest import SuggestModal
from adapters.discord.translate import option_words
from bot.commands.args import ArgumentError, parse_topic
from bot.commands.replies import APOLOGY
from bot.domain.periods import suggest_timezones

log = logging.getLogger(__name__)

MAX_CHOICES = 25
CHOICE_LIMIT = 100  # characters of a choice's name and value
DIFFICULTY_CHOICES = [Choice(name=d, value=d) for d in ("easy", "medium", "hard")]
ANY_DIFFICULTY_CHOICES = [*DIFFICULTY_CHOICES, Choice(name="any", value="any")]
PERIOD_CHOICES = [
    Choice(name="this week", value="week"),
    Choice(name="this month", value="month"),
    Choice(name="all time", value="all"),
]
REVIEW_CHOICE = Choice(name="Review: questions due for you", value="review")
VISIBILITY_CHOICES = [
    Choice(name="hide me from every board", value="hide"),
    Choice(name="show me on the boards again", value="show"),
]
WEAKEST_CHOICE = Choice(name="weakest: each day the team's weakest topic by readiness", value="weakest")


class CommandHandler(Protocol):
    """What the commands need from the client (kept narrow so commands stay testable)."""

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        args: tuple[str, ...],
        *,
        channel_id: int | None = None,
    ) -> None: ...

    async def setup_qotd(
        self,
        interaction: discord.Interaction[Any],
        args: tuple[str, ...],
        *,
        channel_id: int,
        threads: bool,
        mention: discord.Role | None = None,
    ) -> None: ...

    def topic_choices(self) -> list[tuple[str, str, int]]: ...


def _handler(interaction: discord.Interaction[Any]) -> CommandHandler:
    return interaction.client


# ----- autocomplete -----------------------------------------------------------------------------------------


def _topic_matches(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    needle = current.strip().lower()
    out = []
    for topic, title, count in _handler(interaction).topic_choices():
        if needle in topic or needle in title.lower():
            out.append(Choice(name=f"{title} ({count})", value=topic))
    return out


async def topic_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """Topics of the bank (with question counts) matching what was typed, plus 'review'."""
    choices = _topic_matches(interaction, current)
    if current.strip().lower() in REVIEW_CHOICE.name.lower():
        choices.insert(0, REVIEW_CHOICE)
    return choices[:MAX_CHOICES]


async def board_topic_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    return _topic_matches(interaction, current)[:MAX_CHOICES]


async def topics_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """Completes the last item of a comma-separated topic list.

    Discord cuts a choice's value at 100 characters, so only whole lists that fit are suggested, and every
    suggestion parses: items already typed are kept in their canonical form, ones that are no topic dropped.
    """
    done, _, last = current.rpartition(",")
    chosen: list[str] = []
    for word in done.split(","):
        topic = _known_topic(word)
        if topic is not None and topic not in chosen:
            chosen.append(topic)
    head = ",".join(chosen)
    out = []
    if not head and WEAKEST_CHOICE.value.startswith(last.strip().lower()):
        out.append(WEAKEST_CHOICE)
    for choice in _topic_matches(interaction, last):
        value = f"{head},{choice.value}" if head else str(choice.value)
        if choice.value not in chosen and len(value) <= CHOICE_LIMIT:
            out.append(Choice(name=value, value=value))
    if not out and head and not last.strip() and len(head) <= CHOICE_LIMIT:
        out.append(Choice(name=head, value=head))  # the list so far, when nothing more fits or matches
    return out[:MAX_CHOICES]


def _known_topic(word: str) -> str | None:
    try:
        return parse_topic(word) if word.strip() else None
    except ArgumentError:
        return None


async def timezone_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """IANA timezones: prefix matches on the name or the city first, then substring matches."""
    return [Choice(name=z, value=z) for z in suggest_timezones(current, MAX_CHOICES)]


# ----- commands ---------------------------------------------------------------------------------------------


@app_commands.command(name="quiz", description="Practise privately: a question by topic and difficulty.")
@app_commands.describe(
    topic="A topic, or 'review' for questions due for you",
    difficulty="easy, medium or hard",
    id="Open one question by its id (ids are shown on cards)",
)
@app_commands.choices(difficulty=DIFFICULTY_CHOICES)
@app_commands.autocomplete(topic=topic_autocomplete)
@app_commands.guild_only()
async def quiz(
    interaction: discord.Interaction[Any],
    topic: str | None = None,
    difficulty: str | None = None,
    id: str | None = None,
) -> None:
    await _handler(interaction).run_command(
        interaction, "quiz", option_words({"topic": topic, "difficulty": difficulty, "id": id})
    )


@app_commands.command(
    name="answer", description="The answer to today's question of the day, privately, with grade buttons."
)
@app_commands.guild_only()
async def answer(interaction: discord.Interaction[Any]) -> None:
    await _handler(interaction).run_command(interaction, "answer", ())


@app_commands.command(
    name="streak", description="Your practice streak; set your timezone or a daily reminder."
)
@app_commands.describe(
    tz="Your timezone (IANA name, e.g. Europe/Berlin)",
    remind="Remind me this many hours before my midnight (0 = off)",
)
@app_commands.autocomplete(tz=timezone_autocomplete)
@app_commands.guild_only()
async def streak(
    interaction: discord.Interaction[Any],
    tz: str | None = None,
    remind: app_commands.Range[int, 0, 23] | None = None,
) -> None:
    await _handler(interaction).run_command(interaction, "streak", option_words({"tz": tz, "remind": remind}))


@app_commands.command(name="leaderboard", description="This server's leaderboard.")
@app_commands.describe(
    period="week, month or all time",
    topic="Only this topic",
    chart="Add the board as a chart picture",
    me="Hide yourself from every board (you still see your rank), or show yourself again",
)
@app_commands.choices(period=PERIOD_CHOICES, me=VISIBILITY_CHOICES)
@app_commands.autocomplete(topic=board_topic_autocomplete)
@app_commands.guild_only()
async def leaderboard(
    interaction: discord.Interaction[Any],
    period: str | None = None,
    topic: str | None = None,
    chart: bool | None = None,
    me: str | None = None,
) -> None:
    words = option_words({"period": period, "topic": topic})
    if me:
        words = (*words, me)
    elif chart:
        words = (*words, "chart")
    await _handler(interaction).run_command(interaction, "leaderboard", words)


@app_commands.command(
    name="progress", description="Your readiness by topic and what to practise next (only you see it)."
)
@app_commands.describe(
    date="Forecast your readiness on this date (YYYY-MM-DD)",
    goal="Store the date you want to be ready by (YYYY-MM-DD, or off)",
    team="The team's readiness by topic instead (averages only)",
)
@app_commands.guild_only()
async def progress(
    interaction: discord.Interaction[Any],
    date: str | None = None,
    goal: str | None = None,
    team: bool | None = None,
) -> None:
    words = option_words({"date": date, "goal": goal})
    if team:
        words = (*words, "team")
    await _handler(interaction).run_command(interaction, "progress", words)


@app_commands.command(name="topics", description="The topics in the question bank.")
@app_commands.guild_only()
async def topics(interaction: discord.Interaction[Any]) -> None:
    await _handler(interaction).run_command(interaction, "topics", ())


@app_commands.command(name="suggest", description="Suggest a question for this server's own questions.")
@app_commands.describe(topic="The topic (the form opens prefilled with it)", difficulty="easy, medium or hard")
@app_commands.choices(difficulty=DIFFICULTY_CHOICES)
@app_commands.autocomplete(topic=board_topic_autocomplete)
@app_commands.guild_only()
async def suggest(
    interaction: discord.Interaction[Any], topic: str | None = None, difficulty: str | None = None
) -> None:
    await interaction.response.send_modal(
        SuggestModal(values={"topic": topic or "", "difficulty": difficulty or ""})
    )


@app_commands.command(name="help", description="How to use the ML interview bot.")
@app_commands.guild_only()
async def help_(interaction: discord.Interaction[Any]) -> None:
    await _handler(interaction).run_command(interaction, "help", ())


privacy = app_commands.Group(
    name="privacy", description="Your data: export it or delete it.", guild_only=True
)


@privacy.command(name="export", description="Everything the bot holds about you, as a JSON file (only you see it).")
async def privacy_export(interaction: discord.Interaction[Any]) -> None:
    await _handler(interaction).run_command(interaction, "privacy", ("export",))


@privacy.command(name="delete", description="Delete everything the bot holds about you (asks to confirm).")
@app_commands.describe(user="Admins: delete the data of a member who asked you to")
async def privacy_delete(interaction: discord.Interaction[Any], user: discord.User | None = None) -> None:
    words = ("delete", f"user={user.id}") if user is not None else ("delete",)
    await _handler(interaction).run_command(interaction, "privacy", words)


qotd = app_commands.Group(
    name="qotd",
    description="Question of the day for this server (admins).",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
)


@qotd.command(name="setup", description="Schedule the question of the day in a channel.")
@app_commands.describe(
    time="Local time to post, e.g. 09:00",
    tz="Timezone (IANA name, e.g. Europe/Berlin)",
    days="Days to post, e.g. mon-fri, daily, mon,wed,fri",
    topics="Comma-separated topics (default: all)",
    difficulty="easy, medium, hard or any",
    reveal="Reveal the answer publicly after, e.g. 12h or 90m",
    thread="Open a discussion thread on each post",
    mention="A role to ping with each post",
    channel="Where to post (default: this channel)",
    champion="A role that moves to last month's top scorer on the 1st (needs Manage Roles)",
)
@app_commands.choices(difficulty=ANY_DIFFICULTY_CHOICES)
@app_commands.autocomplete(tz=timezone_autocomplete, topics=topics_autocomplete)
async def qotd_setup(
    interaction: discord.Interaction[Any],
    time: str | None = None,
    tz: str | None = None,
    days: str | None = None,
    topics: str | None = None,
    difficulty: str | None = None,
    reveal: str | None = None,
    thread: bool | None = None,
    mention: discord.Role | None = None,
    channel: discord.TextChannel | None = None,
    champion: discord.Role | None = None,
) -> None:
    target = channel.id if channel is not None else interaction.channel_id
    words = option_words(
        {
            "time": time,
            "tz": tz,
            "days": days,
            "topics": topics.replace(" ", "") if topics else None,
            "difficulty": difficulty,
            "reveal": reveal,
            "thread": thread,
            "mention": mention.id if mention is not None else None,
            "channel": channel.id if channel is not None else None,
            "champion": champion.id if champion is not None else None,
        }
    )
    await _handler(interaction).setup_qotd(
        interaction, ("setup", *words), channel_id=target or 0, threads=thread is not False, mention=mention
    )


def _qotd_action(action: str, description: str) -> app_commands.Command[Any, Any, None]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).run_command(interaction, "qotd", (action,))

    return qotd.command(name=action, description=description)(run)


_qotd_action("now", "Post a question of the day here right now.")
_qotd_action("pause", "Pause the question of the day in this channel.")
_qotd_action("resume", "Resume the question of the day in this channel.")
_qotd_action("status", "Show the question-of-the-day schedule of this channel.")
_qotd_action("reload", "Re-read the question packs (a broken pack is refused with its errors).")
_qotd_action("stats", "Participation per week and questions with outlier results (admins).")
_qotd_action("suggestions", "Review members' suggested questions: approve, edit or reject.")

ALL_COMMANDS: tuple[app_commands.Command[Any, ..., Any] | app_commands.Group, ...] = (
    quiz,
    answer,
    streak,
    leaderboard,
    progress,
    topics,
    suggest,
    help_,
    privacy,
    qotd,
)


class QuizTree(app_commands.CommandTree[Any]):
    """The command tree; turns any unhandled command error into a private message instead of silence."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.TransformerError):
            text = f"I can't use `{error.value}` there (I may not see that channel or role)."
        else:
            log.exception("slash command failed", exc_info=error)
            text = APOLOGY
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not report the error to the user")


def build_tree(client: discord.Client) -> QuizTree:
    """A command tree on `client` holding all our commands (global; the client may copy them to a guild)."""
    tree = QuizTree(client)
    for command in ALL_COMMANDS:
        tree.add_command(command)
    return tree
