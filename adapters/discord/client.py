"""The Discord client: an AutoShardedClient with our command tree, persistent buttons and the 👀 reaction.

Dependencies come in through the constructor; start-up work (persistent buttons, command sync, registering the
Outbound with the core) happens in `setup_hook`, which discord.py runs once after login. With `shards` the client
runs only those shards (DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS), its Outbound serves only their guilds, and it
syncs the commands only if it holds shard 0 (command_sync.py: and only when they changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any, Protocol

import aiohttp
import discord

from adapters.discord import respond
from adapters.discord.answer_modal import build_modal, parse_submission
from adapters.discord.command_sync import sync_if_changed
from adapters.discord.commands import build_tree
from adapters.discord.outbound import DiscordOutbound
from adapters.discord.permissions import (
    bot_permissions_in,
    mention_problem,
    missing_permissions,
    missing_text,
)
from adapters.discord.retry import Backoff, describe, is_transient
from adapters.discord.shards import holds_shard_zero, serves_team
from adapters.discord.suggest import RejectModal, SuggestModal
from adapters.discord.translate import actor_of, button_of, command_of, in_bot_dm, place_of, reaction_of
from adapters.discord.views import QuizButton
from bot.clock import Clock
from bot.commands.replies import CUSTOM_ID_PREFIX, Reply, error, info, parse_custom_id
from bot.config import DiscordShards
from bot.domain.events import Actor, ButtonPress, Command, Reaction
from bot.practice.answers import AnswerForm, AnswerSubmission
from bot.qotd.ports import Outbound
from bot.store.store import Store
from bot.suggestions.service import SuggestionForm

log = logging.getLogger(__name__)

UNREACHABLE = (
    "I couldn't send you a DM. To get answers privately, allow direct messages from server members "
    "(Server name → Privacy Settings), or use the question's Reveal button."
)
DRAIN_SECONDS = 5.0
UNKNOWN_BUTTON = "This button belongs to an older version of the bot and no longer works."
IDENTIFY_DELAY = 5.0  # Discord allows one IDENTIFY per 5 s (max_concurrency 1): discord.py's own spacing of shards


class Core(Protocol):
    """The parts of the core (bot.app) the Discord adapter uses."""

    store: Store
    clock: Clock

    def register_outbound(self, outbound: Outbound) -> None: ...
    async def handle_command(self, command: Command) -> list[Reply]: ...
    async def handle_button(self, press: ButtonPress) -> list[Reply]: ...
    async def handle_reaction(self, reaction: Reaction) -> list[Reply]: ...
    async def open_answer(self, press: ButtonPress) -> AnswerForm | list[Reply]: ...
    async def handle_answer(self, submission: AnswerSubmission) -> list[Reply]: ...
    async def note_unreachable(self, actor: Actor, text: str) -> None: ...
    def topic_choices(self) -> list[tuple[str, str, int]]: ...
    async def suggestion_form(self, actor: Actor, suggestion_id: int) -> SuggestionForm | Reply: ...


def default_intents() -> discord.Intents:
    """Discord's defaults minus every privileged intent: no message content, no member list, no presences."""
    intents = discord.Intents.default()
    intents.message_content = False
    intents.members = False
    intents.presences = False
    return intents


class QuizBot(discord.AutoShardedClient):
    """Translates interactions and reactions into core calls and renders the core's replies."""

    def __init__(
        self,
        core: Core,
        *,
        guild_id: int | None = None,
        defer_after: float = respond.DEFER_AFTER,
        gateway_override: bool = False,
        backoff: Backoff | None = None,
        shards: DiscordShards | None = None,
        identify_delay: float = IDENTIFY_DELAY,
        **options: Any,
    ) -> None:
        if shards is not None:
            options["shard_count"] = shards.count
            options["shard_ids"] = list(shards.ids) if shards.ids is not None else None
        options.setdefault("intents", default_intents())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("chunk_guilds_at_startup", False)
        # Longer rate-limit waits raise instead; the core retries scheduled posts on a later tick.
        options.setdefault("max_ratelimit_timeout", 30.0)
        super().__init__(**options)
        self.core = core
        self.guild_id = guild_id
        self.defer_after = defer_after
        self.outbound = ShardOutbound(self)
        self.tree = build_tree(self)
        self.identify_delay = identify_delay
        self._gateway_override = gateway_override
        self._inflight: set[asyncio.Task[Any]] = set()
        self.backoff = backoff or Backoff()
        self._gateway_failures = 0
        self.reached_gateway = False  # True once a gateway connection was opened
        # Every gateway connect (the first one and each reconnect or resume) goes through HTTPClient.ws_connect.
        self._plain_ws_connect = self.http.ws_connect
        self.http.ws_connect = self._ws_connect_with_backoff  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(QuizButton)
        await self._sync_commands()
        self.core.register_outbound(self.outbound)

    async def _sync_commands(self) -> None:
        """Sync the slash commands if this process holds shard 0 and they changed since the last sync."""
        if not holds_shard_zero(self.shard_ids):
            log.info("commands are synced by the process running shard 0, not by this one (shards %s of %s)",
                     ",".join(map(str, self.shard_ids or ())), self.shard_count)
            return
        guild = discord.Object(self.guild_id) if self.guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await sync_if_changed(
            self.tree, self.core.store, application_id=self.application_id, guild=guild, now=self.core.clock.now()
        )
        if synced is not None:
            log.info(
                "registered %d slash commands %s",
                synced,
                f"in guild {self.guild_id}" if self.guild_id else "globally",
            )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every IDENTIFY but the first; the delay is a parameter so tests need not wait.
        if not initial and self.identify_delay > 0:
            await asyncio.sleep(self.identify_delay)

    async def launch_shards(self) -> None:
        # AutoShardedClient connects to the URL that GET /gateway/bot returns; an explicit gateway
        # (DISCORD_GATEWAY_URL, already in DiscordWebSocket.DEFAULT_GATEWAY) must win: only ask for the shard count.
        if self._gateway_override and self.shard_count is None:
            self.shard_count = (await self.http.get_bot_gateway())[0]
        await super().launch_shards()

    async def _ws_connect_with_backoff(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        """Open the gateway websocket, retrying with capped exponential back-off while it cannot be reached.

        Without this discord.py retries a failed first connect every 5 s with a traceback, and a failed
        reconnect after its own random delay; here each failed attempt is one log line and the delays grow.
        discord.py's time limits around a connect still apply (it then starts over, and so does the count).
        """
        while True:
            try:
                ws = await self._plain_ws_connect(url, compress=compress)
            except Exception as exc:
                if self.is_closed() or not is_transient(exc):
                    raise
                self._gateway_failures += 1
                delay = self.backoff.delay(self._gateway_failures)
                log.warning(
                    "discord: cannot reach the gateway (%s), retrying in %.1f s (attempt %d)",
                    describe(exc),
                    delay,
                    self._gateway_failures + 1,
                )
                await asyncio.sleep(delay)
            else:
                if self._gateway_failures:
                    log.info("discord: reached the gateway again")
                self._gateway_failures = 0
                self.reached_gateway = True
                return ws

    # ----- core bridges (called by commands.py and views.py) ------------------------------------------------

    def topic_choices(self) -> list[tuple[str, str, int]]:
        return self.core.topic_choices()

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        args: tuple[str, ...],
        *,
        channel_id: int | None = None,
    ) -> None:
        """Hand a slash command to the core and answer with its replies."""
        await self._command(interaction, name, args, channel_id=channel_id)

    async def setup_qotd(
        self,
        interaction: discord.Interaction[Any],
        args: tuple[str, ...],
        *,
        channel_id: int,
        threads: bool,
        mention: discord.Role | None = None,
    ) -> None:
        """`/qotd setup`: refuse early, privately, when the bot lacks permissions in the target channel.

        A mention that would notify nobody does not block the setup (the posts still work, and the role can be
        fixed later without running setup again): the admin gets a private note saying what to change.
        """
        perms = bot_permissions_in(interaction.guild, channel_id)
        if perms is None and channel_id == interaction.channel_id:
            perms = interaction.app_permissions
        missing = missing_permissions(perms, threads=threads) if perms is not None else []
        if missing:
            await interaction.response.send_message(
                embed=discord.Embed(description=missing_text(channel_id, missing), color=0xED4245),
                ephemeral=True,
            )
            return
        note = mention_problem(mention, perms) if mention is not None else None
        await self._command(interaction, "qotd", args, channel_id=channel_id, note=note)

    async def on_quiz_button(self, interaction: discord.Interaction[Any], action: str, post_id: int) -> None:
        """A click on any `mlq:<action>:<post_id>` button, including ones sent before a restart."""
        if parse_custom_id(f"{CUSTOM_ID_PREFIX}:{action}:{post_id}") is None:
            await respond.answer(interaction, _const([error(UNKNOWN_BUTTON)]), defer_after=self.defer_after)
            return
        if action in ("edit", "reject"):
            await self._suggestion_modal(interaction, action, post_id)
            return
        press = button_of(interaction, action, post_id)
        with self._tracked():
            if action == "answer":
                await self._open_answer(interaction, press)
                return
            await respond.answer(interaction, self.core.handle_button(press), defer_after=self.defer_after)

    async def _open_answer(self, interaction: discord.Interaction[Any], press: ButtonPress) -> None:
        """The Answer button: the modal (the modal is the interaction's one response), or a private refusal."""
        form = await self.core.open_answer(press)
        if isinstance(form, list):
            await respond.answer(interaction, _const(form), defer_after=self.defer_after)
            return
        try:
            await interaction.response.send_modal(build_modal(form))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("could not open the answer form for interaction %s: %s", interaction.id, exc)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A submitted answer modal: deferred at once (the checker may be an LLM), then the feedback follows."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        parsed = parse_submission(interaction.data)
        if parsed is None:
            return
        submission = AnswerSubmission(
            actor=actor_of(interaction), place=place_of(interaction), post_id=parsed[0], text=parsed[1],
            event_id=str(interaction.id), in_dm=in_bot_dm(interaction),
        )
        with self._tracked():
            await respond.answer(interaction, self.core.handle_answer(submission), defer_after=0)

    async def _suggestion_modal(self, interaction: discord.Interaction[Any], action: str, suggestion_id: int) -> None:
        """Edit / Reject under a queued suggestion: a modal (prefilled for Edit), or the core's refusal."""
        actor = button_of(interaction, action, suggestion_id).actor
        with self._tracked():
            form = await self.core.suggestion_form(actor, suggestion_id)
            if isinstance(form, Reply):
                await respond.answer(interaction, _const([form]), defer_after=self.defer_after)
                return
            if action == "reject":
                await interaction.response.send_modal(RejectModal(suggestion_id))
                return
            values = {"topic": form.topic, "difficulty": form.difficulty, "prompt": form.prompt,
                      "answer": form.answer, "hints": form.hints}
            await interaction.response.send_modal(SuggestModal(values=values, edit_id=suggestion_id))

    async def _command(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        args: tuple[str, ...],
        *,
        channel_id: int | None,
        note: str | None = None,
    ) -> None:
        command = command_of(interaction, name, args, channel_id=channel_id)
        work = self.core.handle_command(command)
        with self._tracked():
            await respond.answer(
                interaction, _noted(work, note) if note else work, defer_after=self.defer_after
            )

    # ----- gateway events -----------------------------------------------------------------------------------

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """👀 on a question-of-the-day post: the core's replies go to the reacting user by DM."""
        if self.user is not None and payload.user_id == self.user.id:
            return
        reaction = reaction_of(payload)
        if reaction is None:
            return
        with self._tracked():
            replies = await self.core.handle_reaction(reaction)
            for reply in replies:
                if not await self.outbound.send_private(
                    reaction.actor.team_id, reaction.actor.user_id, reply
                ):
                    await self.core.note_unreachable(reaction.actor, UNREACHABLE)
                    return

    async def on_resumed(self) -> None:
        log.info("gateway session resumed")

    # ----- shutdown -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def close(self) -> None:
        """Let in-flight interactions finish answering (up to DRAIN_SECONDS), then disconnect."""
        pending = {t for t in self._inflight if t is not asyncio.current_task() and not t.done()}
        if pending:
            await asyncio.wait(pending, timeout=DRAIN_SECONDS)
        await super().close()


class ShardOutbound(DiscordOutbound):
    """The Discord Outbound of a client that may run only some shards: it serves the guilds of those shards."""

    def __init__(self, client: QuizBot) -> None:
        super().__init__(client)
        self._bot = client

    def serves(self, team_id: str) -> bool:
        """True when this process runs the shard of guild `team_id` (bot.qotd.ports.ServesSomeTeams)."""
        return serves_team(team_id, self._bot.shard_count, self._bot.shard_ids)


async def _const(replies: list[Reply]) -> list[Reply]:
    return replies


async def _noted(work: Awaitable[list[Reply]], note: str) -> list[Reply]:
    """The core's replies plus a private note, unless the core refused (then the note would only distract)."""
    replies = await work
    if any(r.is_error for r in replies):
        return replies
    return [*replies, info(note)]


def build_bot(
    core: Core, *, guild_id: int | None = None, shards: DiscordShards | None = None, **options: Any
) -> QuizBot:
    """A client for `core`, not yet logged in (call `login` then `connect`, or use runner.serve)."""
    return QuizBot(core, guild_id=guild_id, shards=shards, **options)
