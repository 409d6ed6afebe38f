"""The platform-neutral core: turns neutral events into neutral replies, and runs the scheduled work."""

from __future__ import annotations

import asyncio
import logging
import random
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from bot.bank.loader import Bank, LintError, lint_paths
from bot.bank.model import DIFFICULTIES, TOPIC_TITLES, Question
from bot.clock import Clock
from bot.commands.args import (
    ArgumentError,
    QotdSetupArgs,
    parse_leaderboard,
    parse_privacy,
    parse_qotd_setup,
    parse_quiz,
    parse_streak,
)
from bot.commands.help import HELP_TEXT, QOTD_HELP
from bot.commands.progress_args import parse_progress
from bot.commands.replies import Reply, error, info
from bot.domain.events import Actor, ButtonPress, Command, Place, Reaction
from bot.domain.periods import local_date, local_midnight, month_key, week_key, week_start, zone
from bot.domain.records import PostRow
from bot.practice.answer_grading import Grader
from bot.practice.answers import AnswerForm, AnswerService, AnswerSubmission
from bot.practice.grade_writer import GradeWriter
from bot.practice.privacy import PrivacyService
from bot.practice.progress import ProgressService
from bot.practice.service import PracticeService, Timezones, streak_line
from bot.practice.streaks import as_of
from bot.qotd.champions import ChampionService
from bot.qotd.ports import Outbound
from bot.qotd.service import QotdService, format_board
from bot.qotd.stats import qotd_stats
from bot.store import answers as answer_store
from bot.store import boards
from bot.store import champions as store_champions
from bot.store import privacy as store_privacy
from bot.store import progress as progress_store
from bot.store.aliases import apply_aliases
from bot.store.store import DatabaseUnavailableError, Store
from bot.suggestions.service import SUGGESTION_ACTIONS, SuggestionForm, SuggestionService
from bot.suggestions.team_bank import TeamBanks

log = logging.getLogger(__name__)
ADMIN_ONLY = ("Only server admins (Manage Server on Discord, workspace admins or owners on Slack) or people on "
              "this team's /qotd allow-list can change the question of the day.")
STATS_ADMIN_ONLY = ("`/qotd stats` is for admins (Manage Server on Discord, workspace admins or owners on Slack, or "
                    "people on this team's /qotd allow-list). Your own figures are in `/progress` and `/streak`.")
QOTD_ACTIONS = ("setup", "now", "pause", "resume", "status", "reload", "suggestions", "stats", "help")
DATABASE_GONE = ("I can't save anything right now: my database file went missing or was replaced. Nothing was "
                 "recorded; the bot's operator has been alerted in the log.")
DATABASE_DOWN = ("I can't save anything right now: my database server cannot be reached. Nothing was recorded; "
                 "please try again in a minute.")
OTHER_TEAM = "That question belongs to another team: you can only use the buttons of your own team's questions."
NOT_AVAILABLE = "That question is no longer available. Start a new one with `/quiz`."
BAD_IDENTITY = "I couldn't tell who you are from this request (a malformed user, team or channel id), so I ignored it."
# Platform ids are short (Slack U0123ABCD, Discord snowflakes of up to 20 digits); names are bounded too.
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 256


def packs_fingerprint(paths: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime, size) of every pack file under `paths`: changes when any pack is edited, added or removed."""
    found: list[tuple[str, int, int]] = []
    for path in paths:
        files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            found.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(found)


class Core:
    """What every adapter talks to. Built by `bot.app.open_core`."""

    def __init__(self, *, store: Store, bank: Bank, clock: Clock, writer: GradeWriter,
                 rng: random.Random | None = None, pack_paths: tuple[Path, ...] = (),
                 grader: Grader | None = None) -> None:
        self.store = store
        self.clock = clock
        self.writer = writer
        self.rng = rng or random.Random()
        self.pack_paths = pack_paths
        self._packs_loaded = packs_fingerprint(pack_paths)
        self.outbounds: dict[str, Outbound] = {}
        self.practice = PracticeService(store=store, bank=bank, clock=clock, writer=writer, rng=self.rng)
        self.progress = ProgressService(store=store, bank=bank, clock=clock)
        self.qotd = QotdService(store=store, bank=bank, clock=clock, rng=self.rng, outbounds=self.outbounds,
                                progress=self.progress)
        self.privacy = PrivacyService(store=store, clock=clock, rng=self.rng)
        self.champions = ChampionService(store=store, outbounds=self.outbounds)
        self.answers = AnswerService(store=store, practice=self.practice, clock=clock, grader=grader)
        self._bank = bank
        # A team's own questions (approved suggestions) join its draws, posts and /topics, never another team's.
        self.team_banks = TeamBanks(store, lambda: self._bank)
        self.practice.bank_for = self.qotd.bank_for = self.progress.bank_for = self.team_banks.for_team
        self.suggestions = SuggestionService(store=store, clock=clock, banks=self.team_banks,
                                             outbounds=self.outbounds, is_admin=self._may_admin)

    @property
    def bank(self) -> Bank:
        return self._bank

    def register_outbound(self, outbound: Outbound) -> None:
        self.outbounds[outbound.platform] = outbound

    def topic_choices(self) -> list[tuple[str, str, int]]:
        return [(t, TOPIC_TITLES[t], self.bank.count(t)) for t in self.bank.topics_in_use()]

    def reload_bank(self) -> list[str]:
        """Reload the question packs; on any error keep the current bank and return the lint errors."""
        self._packs_loaded = packs_fingerprint(self.pack_paths)
        return self._swap_bank(*lint_paths(self.pack_paths))

    async def reload_packs(self) -> list[str]:
        """`reload_bank` with the parsing off the event loop, so interactions keep flowing meanwhile.

        Questions the new packs merged (aliases) take their users' history along at once, not at the next start.
        """
        self._packs_loaded = packs_fingerprint(self.pack_paths)
        errors = self._swap_bank(*await asyncio.to_thread(lint_paths, self.pack_paths))
        if not errors:
            await apply_aliases(self.store, self._bank.aliases)
            self.practice.forget_served()  # merged ids moved rows without changing the totals the cache checks
        return errors

    def _swap_bank(self, questions: list[Question], errors: list[LintError]) -> list[str]:
        if errors:
            log.warning("question bank reload refused: %d problem(s)", len(errors))
            return [str(e) for e in errors]
        self._bank = Bank(tuple(questions))
        self.practice.bank = self.qotd.bank = self.progress.bank = self._bank
        log.info("question bank reloaded: %d questions", len(self._bank))
        return []

    async def _reload_reply(self) -> Reply:
        """Reload the question packs for an admin: the new counts, or the lint errors and the bank kept."""
        errors = await self.reload_packs()
        if errors:
            shown = "\n".join(f"• {e}" for e in errors[:15])
            more = f"\n…and {len(errors) - 15} more" if len(errors) > 15 else ""
            return error(f"The question packs have {len(errors)} problem(s), so I kept the current bank "
                         f"({len(self.bank)} questions). Fix these and run `/qotd reload` again:\n{shown}{more}")
        return info(f"Question packs reloaded: {len(self.bank)} questions in {len(self.bank.topics_in_use())} topics.")

    async def _is_repeat(self, kind: str, actor: Actor, event_id: str | None) -> bool:
        """The one duplicate-event filter: True for an event id already handled (a redelivery or a replay).

        Ids are namespaced by kind so they never collide with ids an adapter still records itself.
        """
        if not event_id:
            return False
        return not await self.store.is_new_event(actor.platform, f"{kind}:{event_id}", self.clock.now())

    async def check_health(self) -> str | None:
        """None when the database is the file we opened and answers a query; else what is wrong (for /healthz)."""
        return await self.store.health()

    async def post_team(self, post_id: int) -> str | None:
        """The team a post belongs to (adapters render DM buttons with it), or None for an unknown post."""
        post = await self.store.get_post(post_id)
        return post.team_id if post else None

    async def latest_qotd(self, place: Place) -> PostRow | None:
        """The latest question of the day posted in a channel."""
        return await self.store.latest_qotd(place)

    async def team_admin_ids(self, platform: str, team_id: str) -> list[str]:
        """The team's /qotd allow-list."""
        return await self.store.team_admin_ids(platform, team_id)

    async def note_unreachable(self, actor: Actor, text: str) -> None:
        """Keep a notice for a user we could not DM; it leads their next command's reply."""
        await self.store.ensure_user(actor.platform, actor.user_id, actor.display_name, self.clock.now())
        await self.store.set_user_field(actor.platform, actor.user_id, "pending_notice", text)

    async def _may_admin(self, actor: Actor) -> bool:
        """A platform admin, or on the team's /qotd allow-list."""
        return actor.is_admin or await self.store.is_listed_admin(actor.platform, actor.team_id, actor.user_id)

    async def suggestion_form(self, actor: Actor, suggestion_id: int) -> SuggestionForm | Reply:
        """What an adapter prefills an admin's edit form (modal) with, or the refusal to show instead."""
        if not _valid_identity(actor, Place(actor.platform, actor.team_id, "")):
            return error(BAD_IDENTITY)
        try:
            return await self.suggestions.form(actor, suggestion_id)
        except DatabaseUnavailableError:
            return error(DATABASE_GONE)

    async def tick(self) -> None:
        """The minutely scheduled work, then forgetting old event ids and a passive WAL checkpoint.

        First, packs changed on disk since this process loaded them (`/qotd reload` run in another process on the
        same files) are reloaded here too, so every process serves the same bank.
        """
        if packs_fingerprint(self.pack_paths) != self._packs_loaded:
            log.info("question packs changed on disk: reloading")
            await self.reload_packs()
        await self.qotd.tick()
        try:
            await self.champions.tick(self.clock.now())
        except Exception:
            log.exception("the tick's monthly champions failed")
        await self.store.prune_events(self.clock.now())
        await answer_store.prune(self.store, self.clock.now())
        await self.store.checkpoint()

    # --- inbound events ---------------------------------------------------------------------------

    async def handle_command(self, command: Command) -> list[Reply]:
        """A slash command's replies ([] for a repeated delivery)."""
        return await self._guarded(command.actor, command.place, "command", command.event_id,
                                   lambda: self._command(command))

    async def handle_button(self, press: ButtonPress) -> list[Reply]:
        """A button click's replies ([] for a repeated delivery)."""
        return await self._guarded(press.actor, press.place, "button", press.event_id, lambda: self._button(press))

    async def handle_answer(self, submission: AnswerSubmission) -> list[Reply]:
        """Text typed for a card: checked once, stored, and answered with feedback and grade buttons."""
        return await self._guarded(submission.actor, submission.place, "answer", submission.event_id,
                                   lambda: self._answer_submission(submission))

    async def open_answer(self, press: ButtonPress) -> AnswerForm | list[Reply]:
        """The form to show for an Answer click, or the private refusal (a card gone, someone else's)."""
        form: list[AnswerForm] = []

        async def check() -> list[Reply]:
            target = await self._card_target(press.actor, press.place, press.post_id, press.in_dm)
            if isinstance(target, Reply):
                return [target]
            form.append(self.answers.form(target[2], target[3]))
            return []

        replies = await self._guarded(press.actor, press.place, "answer-form", None, check)
        return form[0] if form else replies

    async def handle_reaction(self, reaction: Reaction) -> list[Reply]:
        """👀 on a question-of-the-day post: the answer, privately, with grade buttons."""
        if reaction.emoji not in ("eyes", "👀"):
            return []
        return await self._guarded(reaction.actor, reaction.place, "reaction", reaction.event_id,
                                   lambda: self._reaction(reaction))

    async def _guarded(self, actor: Actor, place: Place, kind: str, event_id: str | None,
                       handle: Callable[[], Awaitable[list[Reply]]]) -> list[Reply]:
        """Checks every inbound event passes: sane ids, not a repeat, a database to write to."""
        if not _valid_identity(actor, place):
            log.warning("refused a %s with a malformed actor or place", kind)
            return [error(BAD_IDENTITY)]
        try:
            if await self._is_repeat(kind, actor, event_id):
                return []
            return await handle()
        except DatabaseUnavailableError:
            return [error(DATABASE_DOWN if self.store.engine == "postgres" else DATABASE_GONE)]

    async def _command(self, command: Command) -> list[Reply]:
        handlers: dict[str, Callable[[Command], Awaitable[list[Reply]]]] = {
            "quiz": self._quiz, "answer": self._answer, "streak": self._streak, "leaderboard": self._leaderboard,
            "topics": self._topics, "qotd": self._qotd, "help": self._help, "suggest": self._suggest,
            "privacy": self._privacy,
            "progress": self._progress,
        }
        handler = handlers.get(command.name.lstrip("/").lower())
        if handler is None:
            return [error(f"Unknown command `/{command.name}`. Commands: " + ", ".join(f"/{n}" for n in handlers))]
        fresh, pending = await self._register_reading_notice(command.actor)
        notice = await self.store.clear_pending_notice(command.actor.platform, command.actor.user_id, pending) \
            if pending else None
        try:
            replies = await handler(command)
        except ArgumentError as exc:
            replies = [error(str(exc))]
        notices = [info(n) for n in (fresh, notice) if n]
        return [*notices, *replies]

    async def _card_target(self, actor: Actor, place: Place, post_id: int,
                           in_dm: bool) -> tuple[Actor, Place, PostRow, Question] | Reply:
        """The checks a click makes, for a typed answer: the card's post and question, or a private refusal."""
        post = await self.store.get_post(post_id)
        if not actor.team_id and in_dm and post is not None:
            actor, place = replace(actor, team_id=post.team_id), replace(place, team_id=post.team_id)
        if not actor.team_id or post is None:
            return error(NOT_AVAILABLE)
        if post.platform == actor.platform and post.team_id != actor.team_id:
            return error(OTHER_TEAM)
        await self._register(actor)
        checked = await self.practice.check_access(actor, post)
        if isinstance(checked, Reply):
            return checked
        return actor, place, checked[0], checked[1]

    async def _answer_submission(self, submission: AnswerSubmission) -> list[Reply]:
        target = await self._card_target(submission.actor, submission.place, submission.post_id, submission.in_dm)
        if isinstance(target, Reply):
            kept = submission.text.strip()
            if not kept:
                return [target]
            return [replace(target, text=f"{target.text} I did not check or save your answer; here it is, so "
                                         f"nothing is lost:\n\n{kept[:1500]}")]
        return await self.answers.submit(*target, submission.text)

    async def _button(self, press: ButtonPress) -> list[Reply]:
        if press.action == "erase":
            return [await self._erase(press)]
        if press.action in SUGGESTION_ACTIONS:  # these buttons carry a suggestion id, not a post id
            if not press.actor.team_id:
                return [error(NOT_AVAILABLE)]
            await self._register(press.actor)
            return await self.suggestions.on_button(press.actor, press.action, press.post_id)
        post = await self.store.get_post(press.post_id)
        if not press.actor.team_id and press.in_dm and post is not None:
            # A click in a direct message carries no team (the adapter says so): it belongs to the post's team.
            press = replace(press, actor=replace(press.actor, team_id=post.team_id),
                            place=replace(press.place, team_id=post.team_id))
        if not press.actor.team_id or post is None:
            return [error(NOT_AVAILABLE)]
        if post.platform == press.actor.platform and post.team_id != press.actor.team_id:
            return [error(OTHER_TEAM)]
        fresh = await self._register(press.actor)
        replies = await self._press(press, post)
        return [info(fresh), *replies] if fresh else replies

    async def _press(self, press: ButtonPress, post: PostRow) -> list[Reply]:
        checked = await self.practice.check_access(press.actor, post)
        if isinstance(checked, Reply):
            return [checked]
        post, question = checked
        if (press.action, post.kind) in (("reveal", "qotd"), ("skip", "quiz")):  # what /qotd stats counts
            await progress_store.record_action(self.store, post.id, press.actor.platform, post.team_id,
                                               press.actor.user_id, press.action, self.clock.now())
        if press.action == "reveal":
            return [self.practice.reveal(post, question)]
        if press.action == "hint":
            return [self.practice.hint(post, question)]
        if press.action == "skip":
            return await self.practice.skip(press.actor, press.place, question)
        if press.action == "next":
            return await self.practice.next_question(press.actor, press.place, question)
        if press.action == "answer":
            return [info("Write your answer after the word: `answer TEXT` (on Discord and Slack the Answer button "
                         "opens a form).")]
        if press.action in ("again", "hard", "good", "easy"):
            zones = await self._zones(press.actor)
            graded = await self.practice.grade(press.actor, post, question, press.action, zones,
                                               occurred_at=press.occurred_at)
            await self.answers.note_grade(press.actor, post.id)
            return [graded]
        return [error("That button is not one I know.")]

    async def _reaction(self, reaction: Reaction) -> list[Reply]:
        post = await self.store.post_by_message(reaction.actor.platform, reaction.message_id)
        if post is None:
            return []
        fresh = await self._register(reaction.actor)
        checked = await self.practice.check_access(reaction.actor, post)
        if isinstance(checked, Reply):
            replies = [checked]
        else:
            await self._note_reveal(reaction.actor, post)
            replies = [self.practice.reveal(*checked)]
        return [info(fresh), *replies] if fresh else replies

    async def _erase(self, press: ButtonPress) -> Reply:
        """The `/privacy delete` confirm button; the deleted user's next event registers a new profile."""
        reply = await self.privacy.confirm(press.actor, press.post_id)
        if not reply.is_error:
            self.practice.forget_served()  # their served counts left the database too
        return reply

    async def _note_reveal(self, actor: Actor, post: PostRow) -> None:
        if post.kind != "qotd":
            return
        await progress_store.record_action(self.store, post.id, actor.platform, post.team_id, actor.user_id,
                                           "reveal", self.clock.now())

    # --- commands ---------------------------------------------------------------------------------

    async def _register(self, actor: Actor) -> str | None:
        """Create or refresh the team and user rows; no write when the database already holds them (checked in
        the database each time, not remembered: another process may have changed them).

        Returns a notice when this is a new profile after the user deleted their data."""
        fresh, _ = await self._register_reading_notice(actor)
        return fresh

    async def _register_reading_notice(self, actor: Actor) -> tuple[str | None, str | None]:
        """`_register`, plus the notice left for the user (not yet taken), read in the same statement."""
        registered, pending = await self.store.registration(actor.platform, actor.team_id, actor.user_id,
                                                           actor.display_name, actor.platform_timezone)
        if registered:
            return None, pending
        fresh = await self.privacy.new_profile_notice(actor)
        now = self.clock.now()
        await self.store.ensure_team(actor.platform, actor.team_id, now)
        await self.store.ensure_user(actor.platform, actor.user_id, actor.display_name, now, actor.platform_timezone)
        return fresh, pending

    async def _zones(self, actor: Actor) -> Timezones:
        settings = await self.store.user_settings(actor.platform, actor.user_id)
        return Timezones(user=settings.timezone if settings else None,
                         team=await self.store.team_timezone(actor.platform, actor.team_id))

    async def _quiz(self, command: Command) -> list[Reply]:
        args = parse_quiz(command.args)
        if args.help:
            return await self._help(command)
        if args.question_id:
            return await self.answers.open_by_id(command.actor, command.place, args.question_id)
        return await self.practice.draw(command.actor, command.place, args)

    async def _answer(self, command: Command) -> list[Reply]:
        post = await self.store.latest_qotd(command.place) or \
            await self.store.latest_team_qotd(command.actor.platform, command.actor.team_id)
        if post is None:
            return [info("No question of the day has been posted here yet. Try `/quiz` for a private question.")]
        checked = await self.practice.check_access(command.actor, post)
        if isinstance(checked, Reply):
            return [checked]
        await self._note_reveal(command.actor, checked[0])
        return [self.practice.reveal(*checked)]

    async def _streak(self, command: Command) -> list[Reply]:
        args = parse_streak(command.args)
        actor = command.actor
        notes = []
        if args.timezone:
            await self.store.set_user_field(actor.platform, actor.user_id, "timezone", args.timezone)
            notes.append(f"Your timezone is now **{args.timezone}**; your days run midnight to midnight there.")
        if args.remind_hours:
            await self.store.set_user_field(actor.platform, actor.user_id, "remind_hours", args.remind_hours)
            notes.append(f"I'll nudge you {args.remind_hours} h before your midnight on days you haven't practised.")
        if args.remind_off:
            await self.store.set_user_field(actor.platform, actor.user_id, "remind_hours", None)
            notes.append("Reminders are off.")
        zones = await self._zones(actor)
        tz = zones.for_streaks(actor)
        today = local_date(self.clock.now(), tz)
        state = as_of(await boards.streak_state(self.store, actor.platform, actor.team_id, actor.user_id), today)
        practised = "✅ You have practised today." if state.last_date == today else \
            "Not practised yet today — `/quiz` to keep your streak."
        agreement = await self.answers.agreement_line(actor)
        extra, calendar = await self.progress.streak_extras(actor, today)
        lines = [*notes, streak_line(state), practised, *([agreement] if agreement else []),
                 f"Freezes: {state.freezes}/2 held (one earned every 7 days in a row; a missed day uses one).",
                 *extra,
                 f"Your timezone: {tz}. Change it with `/streak Europe/Berlin`; reminders with `/streak remind=3`."]
        return [Reply(text="\n".join(lines), title="Your streak", images=(calendar,))]

    async def _leaderboard(self, command: Command) -> list[Reply]:
        args = parse_leaderboard(command.args)
        actor = command.actor
        if args.visibility:
            return [await self.privacy.set_hidden(actor, args.visibility == "hide")]
        team_tz = await self.store.team_timezone(actor.platform, actor.team_id) or "UTC"
        now = self.clock.now()
        labels = {"week": "This week", "month": "This month", "all": "All time"}
        title = labels[args.period] + (f" · {TOPIC_TITLES[args.topic]}" if args.topic else "")
        if args.topic:
            since = None
            if args.period != "all":
                local = now.astimezone(zone(team_tz)).date()
                start = week_start(local) if args.period == "week" else local.replace(day=1)
                since = local_midnight(start, team_tz)
            board = await boards.topic_board(self.store, actor.platform, actor.team_id, args.topic, since,
                                             actor.user_id)
        else:
            period = {"week": week_key(now, team_tz), "month": month_key(now, team_tz), "all": "all"}[args.period]
            board = await boards.period_board(self.store, actor.platform, actor.team_id, period, actor.user_id)
        hidden = await store_privacy.is_hidden(self.store, actor.platform, actor.user_id)
        # Hidden: the public board leaves them out; their own rank comes privately.
        text = format_board(board.top, None if hidden else board.me, f"🏆 {title}")
        replies = [info(text, private=False)]
        if args.chart:
            chart = await self.progress.leaderboard_chart(actor.platform, actor.team_id, local_date(now, team_tz),
                                                          [(r.display_name, r.points) for r in board.top], title)
            replies = [Reply(text=text, private=False, images=(chart,))]
        if hidden:
            replies.append(info(
                f"You are hidden from the boards (`/leaderboard show` undoes it). Your rank: #{board.me.rank} "
                f"with {board.me.points:g} pts." if board.me else "You are hidden from the boards and not ranked yet."))
        return replies

    async def _progress(self, command: Command) -> list[Reply]:
        actor = command.actor
        tz = (await self._zones(actor)).for_streaks(actor)
        today = local_date(self.clock.now(), tz)
        return [await self.progress.command(actor, parse_progress(command.args, today), tz, today)]

    async def _topics(self, command: Command) -> list[Reply]:
        bank = await self.team_banks.for_team(command.actor.platform, command.actor.team_id)
        lines = ["**Topics** (easy / medium / hard):"]
        for topic in bank.topics_in_use():
            counts = " / ".join(str(bank.count(topic, d)) for d in DIFFICULTIES)
            lines.append(f"• `{topic}` — {TOPIC_TITLES[topic]}: {bank.count(topic)} ({counts})")
        own = len(await self.team_banks.own_questions(command.actor.platform, command.actor.team_id))
        mine = f", {own} of them this team's own (suggested by members)" if own else ""
        lines.append(f"{len(bank)} questions in all{mine}. Try `/quiz pytorch hard`.")
        return [info("\n".join(lines))]

    async def _suggest(self, command: Command) -> list[Reply]:
        return await self.suggestions.suggest(command.actor, command.args)

    async def _help(self, command: Command) -> list[Reply]:
        return [info(HELP_TEXT, title="ML interview practice")]

    async def _qotd(self, command: Command) -> list[Reply]:
        action = command.args[0].lower() if command.args else "status"
        rest = command.args[1:]
        if action not in QOTD_ACTIONS:
            return [error(f"Unknown /qotd action `{action}`. Actions: {', '.join(QOTD_ACTIONS)}.")]
        if action == "help":
            return [info(QOTD_HELP)]
        actor = command.actor
        if action == "suggestions":
            return await self.suggestions.review(actor, command.place, rest)
        if not (actor.is_admin or await self.store.is_listed_admin(actor.platform, actor.team_id, actor.user_id)):
            return [error(STATS_ADMIN_ONLY if action == "stats" else ADMIN_ONLY)]
        if action == "setup":
            args = parse_qotd_setup(rest)
            reply = await self.qotd.setup(actor, command.place, args)
            if "champion" not in args.given or reply.is_error:
                return [reply]
            return [reply, await self._setup_champion(command.place, args)]
        if action == "reload":
            return [await self._reload_reply()]
        if action == "status":
            return [await self.qotd.status(command.place)]
        if action == "stats":
            bank = await self.team_banks.for_team(actor.platform, actor.team_id)
            return [await qotd_stats(self.store, self.progress.pictures, bank, actor.platform, actor.team_id,
                                     self.clock.now(), await self.store.team_timezone(actor.platform, actor.team_id))]
        if action == "now":
            return [await self.qotd.post_now(command.place)]
        return [await self.qotd.set_paused(command.place, action == "pause")]

    async def _setup_champion(self, place: Place, args: QotdSetupArgs) -> Reply:
        """`/qotd setup champion=ROLE`: saved on the schedule, with what the bot still needs to move it."""
        target = replace(place, channel_id=args.channel_id) if args.channel_id else place
        if not args.champion:
            await store_champions.set_champion(self.store, target, None)
            return info("Monthly champion role turned off for this channel.")
        await store_champions.set_champion(self.store, target, args.champion)
        problem = await self.champions.problem(target, args.champion)
        if problem:
            return error(f"Champion role saved, but I can't move it yet: {problem}")
        return info("Monthly champion: on the first day of each month (in the team's timezone) the role moves to "
                    "last month's top scorer, with a post here.")

    async def _privacy(self, command: Command) -> list[Reply]:
        return [await self.privacy.run(command.actor, parse_privacy(command.args))]

    async def home_summary(self, actor: Actor) -> Reply:
        """The user's dashboard: streak and freezes, due reviews, this week's rank, per-topic progress."""
        if not _valid_identity(actor, Place(actor.platform, actor.team_id, "")):
            return error(BAD_IDENTITY)
        await self._register(actor)
        zones = await self._zones(actor)
        now = self.clock.now()
        today = local_date(now, zones.for_streaks(actor))
        state = as_of(await boards.streak_state(self.store, actor.platform, actor.team_id, actor.user_id), today)
        due = await boards.due_review_ids(self.store, actor.platform, actor.user_id, now, limit=100)
        board = await boards.period_board(self.store, actor.platform, actor.team_id,
                                          week_key(now, zones.for_team()), actor.user_id, limit=3, with_total=True)
        rank = f"#{board.me.rank} of {board.total_players} ({board.me.points:g} pts)" if board.me else \
            "not ranked yet — grade a question to join"
        progress = await boards.topic_progress(self.store, actor.platform, actor.user_id)
        bank = await self.team_banks.for_team(actor.platform, actor.team_id)
        lines = [streak_line(state), f"🧊 Freezes held: {state.freezes}/2",
                 f"🔁 Reviews due: {len(due)}" + (" — `/quiz review`" if due else ""),
                 f"🏆 This week: {rank}"]
        agreement = await self.answers.agreement_line(actor)
        lines += [*([agreement] if agreement else []), "",
                  "**Progress by topic** (questions graded · share Good/Easy):"]
        for topic in bank.topics_in_use():
            done, share = progress.get(topic, (0, 0.0))
            lines.append(f"• {TOPIC_TITLES[topic]}: {done}/{bank.count(topic)}"
                         + (f" · {round(share * 100)}%" if done else ""))
        return info("\n".join(lines), title="Your practice")


def _valid_id(value: str, *, required: bool = True) -> bool:
    if not value:
        return not required
    return len(value) <= MAX_ID_LENGTH and value.isprintable()


def _valid_identity(actor: Actor, place: Place) -> bool:
    """Ids short and printable (no NUL or other control characters); a display name without control characters (NUL included)."""
    name_ok = len(actor.display_name) <= MAX_NAME_LENGTH and \
        not any(unicodedata.category(c) == "Cc" for c in actor.display_name)
    return (name_ok and _valid_id(actor.platform) and _valid_id(actor.user_id) and _valid_id(actor.team_id, required=False)
            and _valid_id(place.platform) and _valid_id(place.team_id, required=False)
            and _valid_id(place.channel_id, required=False)
            and (actor.platform_timezone is None or _valid_id(actor.platform_timezone)))
