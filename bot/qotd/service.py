"""The question of the day: schedule commands and the minutely tick that posts, reveals and reminds.

Exactly once per channel per local date: the intent is recorded (a 'pending' post, unique per channel and date)
before the platform call and the message id after it. A restart first settles pending posts: if the adapter can
find the message it made (by the post's dedupe key) the post is completed, otherwise it is retried within the
grace window; when the adapter cannot tell, it is checked again later and never posted blindly. Before any of
that, due schedules are claimed a chunk at a time (a compare-and-set on their next run, `claim_due`), so that of
many processes ticking at once each run is drawn and posted by one, and the others stop after one statement.

Every item of the tick (a post, a pending post to settle, a reveal, a weekly board, a reminder) is isolated: one
that fails is logged once (`FailureLog`), never stops the others, and is retried on the next tick; reveals, boards
and reminders are claimed in the database before they are sent and released when the send fails.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.bank.loader import Bank
from bot.bank.model import Question
from bot.clock import Clock, parse_iso
from bot.commands.args import QotdSetupArgs
from bot.commands.replies import Button, QuestionCard, Reply, error, info
from bot.domain.events import Actor, Place, PostedMessage
from bot.domain.periods import local_date, week_start, zone
from bot.domain.records import PostRow
from bot.domain.schedule import Schedule
from bot.practice.draw import fresh_in_cycle
from bot.practice.progress import ProgressService
from bot.practice.service import BankSource, streak_line
from bot.practice.streaks import StreakState, as_of
from bot.qotd.failures import FailureLog
from bot.qotd.ports import (
    Outbound,
    PlaceUnavailableError,
    TransientPostError,
    notify_admins_quietly,
    serving_outbound,
)
from bot.qotd.posted_writer import PostedWriter
from bot.qotd.schedule import DEFAULT_GRACE, describe, latest_occurrence, next_fire
from bot.store import answers as answer_store
from bot.store import boards, claims
from bot.store import progress as progress_store
from bot.store import schedules as schedule_store
from bot.store.claims import ReminderCandidate
from bot.store.store import QotdClaim, Store

log = logging.getLogger(__name__)
FANOUT_CONCURRENCY = 64
CLAIM_CHUNK = FANOUT_CONCURRENCY // 2  # due schedules claimed per statement
CLAIM_WINDOW = 4 * CLAIM_CHUNK  # unclaimed due schedules offered to each claim statement
CLAIMERS = 2  # chunks claimed and prepared at once, so that the senders never wait for the next chunk
# How long a process that started delivering a post keeps it before another process may try (a crashed one
# never finishes); the process itself retries its own at once.
DELIVERY_LEASE = timedelta(minutes=5)
ALREADY_POSTED = "Today's question is already posted in this channel; the next one comes at the scheduled time."


def dedupe_key(post_id: int) -> str:
    return f"qotd-{post_id}"


class QotdService:
    def __init__(self, *, store: Store, bank: Bank, clock: Clock, rng: random.Random,
                 outbounds: dict[str, Outbound], grace: timedelta = DEFAULT_GRACE,
                 progress: ProgressService | None = None) -> None:
        self.store = store
        self.bank = bank
        self.clock = clock
        self.rng = rng
        self.outbounds = outbounds
        self.grace = grace
        self.progress = progress or ProgressService(store=store, bank=bank, clock=clock)
        self._tick_lock = asyncio.Lock()
        self.instance = uuid.uuid4().hex  # owner name for delivery leases
        self._inflight: set[int] = set()  # posts this process is delivering right now
        self.failures = FailureLog(log)  # what failed on earlier ticks, so each failure is logged once
        self.bank_for: BankSource | None = None  # set by the core: a team's own questions join its posts
        self._posted = PostedWriter(store)

    async def team_bank(self, platform: str, team_id: str) -> Bank:
        return await self.bank_for(platform, team_id) if self.bank_for is not None else self.bank

    # --- commands ---------------------------------------------------------------------------------

    async def setup(self, actor: Actor, place: Place, args: QotdSetupArgs) -> Reply:
        target = replace(place, channel_id=args.channel_id) if args.channel_id else place
        existing = await schedule_store.get_schedule(self.store, target)
        team_tz = await self.store.team_timezone(place.platform, place.team_id)
        base = existing or Schedule(place=target, local_time=datetime.strptime("09:00", "%H:%M").time(),
                                    timezone=team_tz or "UTC", created_by=actor.user_id)
        updated = replace(
            base,
            local_time=args.local_time or base.local_time,
            timezone=args.timezone or base.timezone,
            weekdays=args.weekdays or base.weekdays,
            topics=args.topics if args.topics is not None else base.topics,
            difficulty=args.difficulty if args.difficulty_given else base.difficulty,
            reveal_minutes=args.reveal_minutes if args.reveal_minutes is not None else base.reveal_minutes,
            use_thread=args.use_thread if args.use_thread is not None else base.use_thread,
            mention=(args.mention or None) if args.mention is not None else base.mention,
            weekly_board=args.weekly_board if args.weekly_board is not None else base.weekly_board,
            paused=False, paused_reason=None, created_by=actor.user_id,
        )
        bank = await self.team_bank(place.platform, place.team_id)
        pool = len(bank.ids(topics=updated.topics or None, difficulty=updated.difficulty))
        if pool == 0:
            return error("No questions match those topics and that difficulty, so nothing could be posted. "
                         "Pick other topics or `difficulty=any`.")
        now = self.clock.now()
        next_run = next_fire(updated, now)
        await schedule_store.save_schedule(self.store, updated, next_run, now)
        if not team_tz or args.timezone:
            await self.store.set_team_timezone(place.platform, place.team_id, updated.timezone)
        if args.admins is not None:
            await self.store.set_team_admins(place.platform, place.team_id, args.admins)
        if args.topic_mode is not None:
            await progress_store.set_topic_mode(self.store, target.platform, target.team_id, target.channel_id,
                                                args.topic_mode or None, now)
        mode = await progress_store.topic_mode(self.store, target.platform, target.team_id, target.channel_id)
        when = _format_when(next_run, updated.timezone, now)
        extra = f"\nAllow-list for /qotd: {', '.join(args.admins) or 'cleared'}." if args.admins is not None else ""
        if mode == progress_store.WEAKEST:
            extra += ("\nTopics: each day from the team's weakest topic by readiness (see `/progress team`); "
                      "the whole pool until the team has graded questions.")
        verb = "updated" if existing else "set up"
        return info(f"Question of the day {verb} for this channel: {describe(updated)}.\n"
                    f"{pool} questions in its pool. Next post: {when}.{extra}", title="Question of the day")

    async def set_paused(self, place: Place, paused: bool) -> Reply:
        schedule = await schedule_store.get_schedule(self.store, place)
        if schedule is None:
            return error("This channel has no question of the day. An admin can start one with `/qotd setup`.")
        now = self.clock.now()
        next_run = None if paused else next_fire(schedule, now)
        await schedule_store.set_paused(self.store, place, paused, "paused by an admin" if paused else None,
                                        next_run, now)
        if paused:
            return info("Question of the day paused for this channel. `/qotd resume` starts it again.")
        return info(f"Question of the day resumed. Next post: {_format_when(next_run, schedule.timezone, now)}.")

    async def status(self, place: Place) -> Reply:
        schedules = await schedule_store.team_schedules(self.store, place.platform, place.team_id)
        if not schedules:
            return info("No question of the day is set up in this team yet. An admin can run `/qotd setup` "
                        "in a channel, e.g. `/qotd setup 09:00 Europe/Berlin mon-fri`.")
        now = self.clock.now()
        lines = []
        for s in schedules:
            state = f"⏸️ paused ({s.paused_reason})" if s.paused else \
                f"next {_format_when(next_fire(s, now), s.timezone, now)}"
            here = " (this channel)" if s.place == place else ""
            lines.append(f"• <#{s.place.channel_id}>{here}: {describe(s)} — {state}")
        admins = await self.store.team_admin_ids(place.platform, place.team_id)
        if admins:
            lines.append(f"Allow-listed admins: {', '.join(admins)}")
        return info("\n".join(lines), title="Question of the day")

    async def post_now(self, place: Place) -> Reply:
        schedule = await schedule_store.get_schedule(self.store, place)
        if schedule is None:
            return error("This channel has no question of the day yet. Run `/qotd setup` here first.")
        now = self.clock.now()
        return info(await self._post_for(schedule, local_date(now, schedule.timezone), now))

    # --- the tick ---------------------------------------------------------------------------------

    def serving(self, platform: str, team_id: str) -> Outbound | None:
        """The Outbound that posts to this team from this process, or None when another process serves it."""
        return serving_outbound(self.outbounds, platform, team_id)

    async def tick(self) -> None:
        """Settle pending posts, post what is due, reveal answers, send weekly boards and reminders.

        Every item is isolated: one that fails (whatever the adapter raises) is logged once and retried on the next
        tick, and never stops the others; a stage that fails as a whole (e.g. its query) does not stop the next.
        """
        async with self._tick_lock:
            now = self.clock.now()
            stages = (("settling interrupted posts", self._settle_pending), ("posting", self._post_due),
                      ("revealing answers", self._reveal_due), ("weekly leaderboards", self._weekly_boards),
                      ("reminders", self.reminders))
            for name, stage in stages:
                key = ("stage", name)
                try:
                    await stage(now)
                except Exception as exc:
                    self.failures.failed(key, f"the tick's {name}", exc)
                else:
                    self.failures.succeeded(key, f"the tick's {name}")

    async def _settle_pending(self, now: datetime) -> None:
        for post in await self.store.pending_qotd():
            outbound = self.serving(post.platform, post.team_id)
            if outbound is None or post.id in self._inflight:
                continue
            try:
                await self._settle_one(post, outbound, now)
            except Exception as exc:
                self.failures.failed(("settle", post.id), f"settling post {post.id} in {_where(post.place)}", exc)
            else:
                self.failures.succeeded(("settle", post.id), f"settling post {post.id} in {_where(post.place)}")

    async def _settle_one(self, post: PostRow, outbound: Outbound, now: datetime) -> None:
        if not await self.store.take_delivery(post.id, self.instance, now, now - DELIVERY_LEASE):
            return  # another live process is delivering it
        late = now - parse_iso(post.created_at) > self.grace
        key = ("find", post.id)
        what = f"checking whether post {post.id} in {_where(post.place)} went out"
        try:
            found = await outbound.find_posted(post.place, dedupe_key(post.id))
        except Exception as exc:
            # Without knowing whether it went out, posting again could double it: check again on a later tick.
            if late:
                self._give_up(post, "it could not be checked in the grace window whether it went out")
                await self.store.mark_post_status(post.id, "skipped")
                return
            self.failures.failed(key, what, exc, expected=isinstance(exc, TransientPostError | PlaceUnavailableError))
            return
        self.failures.succeeded(key, what)
        if found:
            await self.store.mark_posted(post.id, found.message_id, found.thread_id, now)
            self.failures.forget(("post", post.id))
            log.info("completed interrupted post %s in %s", post.id, post.place)
            return
        schedule = await schedule_store.get_schedule(self.store, post.place)
        if schedule is None or late:
            await self.store.mark_post_status(post.id, "skipped")
            self._give_up(post, "outside the grace window" if schedule else "its schedule is gone")
            return
        await self._deliver(schedule, post, now)

    def _give_up(self, post: PostRow, why: str) -> None:
        for kind in ("find", "post", "settle"):
            self.failures.forget((kind, post.id))
        log.warning("gave up on post %s in %s: %s", post.id, post.place, why)

    async def _post_due(self, now: datetime) -> None:
        """Claim the due schedules a chunk at a time and post the ones won, FANOUT_CONCURRENCY posts in flight.

        Only places this process serves (its platforms; on Discord, the guilds of its shards) are claimed: another
        process serves the others from the same table, and must find their next run untouched. A schedule another
        process claimed costs this one nothing but its share of a claim statement. Each chunk costs three
        statements (claim, history, pending posts) whatever its size; each post then one (`mark_posted`).
        """
        runs = [r for r in await schedule_store.due_runs(self.store, now)
                if self.serving(r.schedule.place.platform, r.schedule.place.team_id) is not None]
        if not runs:
            return
        unclaimed = {r.schedule.place: r for r in runs}  # in due order
        nexts: dict[Place, datetime | None] = {}  # each run's next run, computed once (windows overlap)
        banks: dict[tuple[str, str], asyncio.Future[Bank]] = {}  # each team's bank, read once per tick
        pools: dict[tuple[str, str, tuple[str, ...], str | None], list[str]] = {}  # bank.ids per filter
        # Bounded, so that a process claims more only as its senders free up: replicas share the work.
        ready: asyncio.Queue[tuple[Schedule, PostRow, Bank] | None] = asyncio.Queue(maxsize=CLAIM_CHUNK)

        async def claim_and_prepare() -> None:
            while unclaimed:
                # A window of the first unclaimed runs, not all of them: the statement stays small however many
                # are due, and replicas claiming the same window at once split it (SKIP LOCKED).
                window = list(itertools.islice(unclaimed.values(), CLAIM_WINDOW))
                for run in window:
                    if run.schedule.place not in nexts:
                        nexts[run.schedule.place] = next_fire(run.schedule, now)
                try:
                    claimed = await schedule_store.claim_due(
                        self.store, [(r, nexts[r.schedule.place]) for r in window], CLAIM_CHUNK)
                except Exception as exc:
                    unclaimed.clear()  # the next tick tries again: their next runs are untouched
                    self.failures.failed(("claim",), "claiming the due questions of the day", exc)
                    return
                self.failures.succeeded(("claim",), "claiming the due questions of the day")
                # Fewer than asked for: the rest of the window is claimed by another process (or was changed).
                taken = [r.schedule.place for r in window] if len(claimed) < CLAIM_CHUNK else \
                    [c.schedule.place for c in claimed]
                for place in taken:
                    unclaimed.pop(place, None)
                for item in await self._prepare_posts(claimed, now, banks, pools):
                    await ready.put(item)

        async def send() -> None:
            while (item := await ready.get()) is not None:
                schedule, post, bank = item
                key = ("schedule", schedule.place)
                what = f"the question of the day in {_where(schedule.place)}"
                try:
                    await self._deliver(schedule, post, now, bank)
                except Exception as exc:
                    self.failures.failed(key, what, exc)
                else:
                    self.failures.succeeded(key, what)

        senders = min(FANOUT_CONCURRENCY, len(runs))

        async def claim_all() -> None:
            await asyncio.gather(*(claim_and_prepare() for _ in range(CLAIMERS)))
            for _ in range(senders):
                await ready.put(None)  # no more: each sender stops after the posts queued before this

        # gather, not a TaskGroup: whatever a task raises propagates as it is (a BaseException that stands for a
        # crash, in the tests), and the other tasks are stopped rather than left behind.
        tasks = [asyncio.ensure_future(claim_all()), *(asyncio.ensure_future(send()) for _ in range(senders))]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _prepare_posts(self, claimed: list[schedule_store.ClaimedRun], now: datetime,
                             banks: dict[tuple[str, str], asyncio.Future[Bank]],
                             pools: dict[tuple[str, str, tuple[str, ...], str | None], list[str]]
                             ) -> list[tuple[Schedule, PostRow, Bank]]:
        """Draw the question of each claimed run that is due now and record the pending posts (two statements for
        the chunk); what to send. A run that fails before its post is recorded is given back for the next tick."""
        due: list[tuple[schedule_store.ClaimedRun, date]] = []
        for run in claimed:
            schedule = run.schedule
            occurrence = latest_occurrence(schedule, now)
            if occurrence is None:
                continue
            day, when = occurrence
            if schedule.active_since and when < schedule.active_since:
                continue
            if now - when > self.grace:
                log.warning("skipped the question of the day for %s on %s: %s late, beyond the %s grace window",
                            _where(schedule.place), day, now - when, self.grace)
                continue
            due.append((run, day))
        if not due:
            return []
        try:
            histories = await self.store.qotd_histories([(r.schedule.place, day, r.schedule.cycle) for r, day in due])
        except Exception as exc:
            await self._give_back([r for r, _ in due], exc)
            return []
        drafts: list[tuple[schedule_store.ClaimedRun, QotdClaim, Bank, int, bool]] = []
        for run, day in due:
            schedule = run.schedule
            posted, used = histories[schedule.place]
            if posted:
                continue
            try:
                bank = await self._team_bank_once(banks, schedule.place)
                pool = await self._pool(schedule, used, bank, run.topic_mode, pools)
            except Exception as exc:
                await self._give_back([run], exc)
                continue
            question_id, wrapped = fresh_in_cycle(pool, used, self.rng)
            if question_id is None:
                continue
            claim = QotdClaim(schedule.place, day, question_id, schedule.cycle + 1 if wrapped else schedule.cycle,
                              now + timedelta(minutes=schedule.reveal_minutes))
            drafts.append((run, claim, bank, len(pool), wrapped))
        try:
            posts = await self.store.claim_qotds([claim for _, claim, *_ in drafts], now, self.instance)
        except Exception as exc:
            await self._give_back([run for run, *_ in drafts], exc)
            return []
        out = []
        for run, claim, bank, pool_size, wrapped in drafts:
            post = posts.get(claim.place)
            if post is None:
                continue  # already posted today (a /qotd now, or another process)
            if wrapped:
                try:
                    await self._start_new_round(run.schedule, pool_size)
                except Exception as exc:  # the post is recorded: the next tick settles and sends it
                    self.failures.failed(("schedule", claim.place), f"the question of the day in "
                                         f"{_where(claim.place)}", exc)
                    continue
            out.append((run.schedule, post, bank))
        return out

    async def _give_back(self, runs: list[schedule_store.ClaimedRun], exc: Exception) -> None:
        """Record the failure of each run and release its claim, so that the next tick tries it again."""
        for run in runs:
            place = run.schedule.place
            self.failures.failed(("schedule", place), f"the question of the day in {_where(place)}", exc)
            try:
                await schedule_store.release_claim(self.store, run)
            except Exception as again:
                log.warning("could not give back the claim of %s for the next tick: %r", _where(place), again)

    async def _team_bank_once(self, banks: dict[tuple[str, str], asyncio.Future[Bank]], place: Place) -> Bank:
        """The team's bank, read once per tick: the first of many concurrent callers reads it, the others wait."""
        team = (place.platform, place.team_id)
        if team not in banks:
            banks[team] = asyncio.ensure_future(self.team_bank(*team))
        return await asyncio.shield(banks[team])

    async def _pool(self, schedule: Schedule, used: set[str], bank: Bank, mode: str | None,
                    pools: dict[tuple[str, str, tuple[str, ...], str | None], list[str]] | None = None) -> list[str]:
        """The schedule's questions; with topics=weakest, those of the team's weakest topic not yet posted this round.

        The whole pool when the team has no cards yet (a new team) or the weakest topic's questions are all used.
        `pools` remembers the filtered ids of each team's bank for one tick (the same for many channels).
        """
        place = schedule.place
        key = (place.platform, place.team_id, schedule.topics, schedule.difficulty)
        pool = pools.get(key) if pools is not None else None
        if pool is None:
            pool = bank.ids(topics=schedule.topics or None, difficulty=schedule.difficulty)
            if pools is not None:
                pools[key] = pool
        if mode != progress_store.WEAKEST:
            return pool
        weakest = await self.progress.weakest_topic(place.platform, place.team_id, schedule.topics or None)
        narrowed = bank.ids(topics=[weakest], difficulty=schedule.difficulty) if weakest else []
        return narrowed if set(narrowed) - used else pool

    async def _post_for(self, schedule: Schedule, day: date, now: datetime) -> str:
        """Draw, record and send the day's question in one channel now (`/qotd now`)."""
        place = schedule.place
        posted, used = await self.store.qotd_history(place, day, schedule.cycle)
        if posted:
            return ALREADY_POSTED
        bank = await self.team_bank(place.platform, place.team_id)
        mode = await progress_store.topic_mode(self.store, place.platform, place.team_id, place.channel_id)
        pool = await self._pool(schedule, used, bank, mode)
        question_id, wrapped = fresh_in_cycle(pool, used, self.rng)
        if question_id is None:
            return "No questions match this channel's topics and difficulty."
        cycle = schedule.cycle + 1 if wrapped else schedule.cycle
        post = await self.store.claim_qotd(place, day, question_id, cycle,
                                           now + timedelta(minutes=schedule.reveal_minutes), now, self.instance)
        if post is None:  # another process (or the tick) posted it since the read above
            return ALREADY_POSTED
        if wrapped:
            await self._start_new_round(schedule, len(pool))
        return await self._deliver(schedule, post, now, bank)

    async def _start_new_round(self, schedule: Schedule, pool_size: int) -> None:
        # Only after winning the day's post, and compare-and-set: one new round and one notice, however many
        # processes (or a /qotd now racing the tick) found the pool used up.
        _, started = await schedule_store.bump_cycle(self.store, schedule.place, schedule.cycle)
        if started:
            await self._notify(schedule.place, f"Every one of the {pool_size} questions in this channel's pool has "
                                               "been posted; the question of the day starts over from the full pool.")

    async def _deliver(self, schedule: Schedule, post: PostRow, now: datetime, bank: Bank | None = None) -> str:
        self._inflight.add(post.id)
        try:
            return await self._deliver_once(schedule, post, now, bank)
        finally:
            self._inflight.discard(post.id)

    async def _deliver_once(self, schedule: Schedule, post: PostRow, now: datetime, bank: Bank | None) -> str:
        outbound = self.outbounds.get(post.platform)
        question = (bank or await self.team_bank(post.platform, post.team_id)).get(post.question_id)
        if outbound is None or question is None:
            await self.store.mark_post_status(post.id, "skipped")
            return "Could not post: no connection to this platform or the question is gone."
        reply = Reply(
            card=QuestionCard(question, post.id, heading="📅 Question of the day",
                              footer="Think it through, discuss in the thread, then reveal privately and grade "
                                     "yourself. React 👀 to get the answer in a DM."),
            buttons=(Button("reveal", post.id), Button("answer", post.id)), private=False,
            dedupe_key=dedupe_key(post.id),
        )
        key = ("post", post.id)
        what = f"post {post.id} in {_where(post.place)}"
        try:
            posted = await outbound.post(post.place, reply, mention=schedule.mention, make_thread=schedule.use_thread)
        except PlaceUnavailableError as exc:
            self.failures.forget(key)
            await self.store.delete_post(post.id)
            await schedule_store.set_paused(self.store, post.place, True, f"cannot post: {exc}", None, now)
            await self._notify(post.place, f"I could not post the question of the day in <#{post.place.channel_id}> "
                                           f"({exc}), so its schedule is paused. Fix the channel or my permissions, "
                                           "then run `/qotd resume` there.")
            return f"Could not post here ({exc}); the schedule is paused."
        except TransientPostError as exc:
            self.failures.failed(key, what, exc, expected=True)
            return "The platform is busy; the question will be posted on the next try."
        except Exception as exc:
            # An adapter failing in a way it did not classify (e.g. a client mid-reconnect): the post stays pending,
            # and the next tick asks the adapter whether it went out before trying again.
            self.failures.failed(key, what, exc)
            return "Posting failed unexpectedly; the question will be posted on the next try."
        await self._posted.mark_posted(post.id, posted.message_id, posted.thread_id, self.clock.now())
        self.failures.succeeded(key, what)
        return "Posted today's question."

    async def _reveal_due(self, now: datetime) -> None:
        for post in await self.store.due_reveals(now):
            outbound = self.serving(post.platform, post.team_id)
            question = (await self.team_bank(post.platform, post.team_id)).get(post.question_id)
            if outbound is None or question is None:
                continue
            key = ("reveal", post.id)
            what = f"the public answer of post {post.id} in {_where(post.place)}"
            try:
                await self._reveal_one(post, question, outbound, now)
            except PlaceUnavailableError as exc:
                self.failures.forget(key)  # known impossible: the reveal stays claimed, never retried
                log.warning("could not reveal post %s in %s: %s", post.id, post.place, exc)
            except Exception as exc:
                self.failures.failed(key, what, exc, expected=isinstance(exc, TransientPostError))
            else:
                self.failures.succeeded(key, what)

    async def _reveal_one(self, post: PostRow, question: Question, outbound: Outbound, now: datetime) -> None:
        if not await self.store.mark_revealed(post.id, now):
            return  # another process claimed it
        try:
            graded, good = await self.store.post_grade_summary(post.id)
            summary = (f"{graded} graded · {round(100 * good / graded)}% rated Good or Easy" if graded
                       else "Nobody graded this one yet — you still can with the button above.")
            typed, share = await answer_store.post_summary(self.store, post.id)
            if typed:
                summary += (f" · {typed} answered in their own words, covering {round(100 * share)}% of the key "
                            "points on average")
            reply = Reply(card=QuestionCard(question, post.id, reveal=True, heading="✅ Answer",
                                            footer=summary), private=False)
            await outbound.post_in_thread(post.place, PostedMessage(post.message_id or "", post.thread_id), reply)
        except PlaceUnavailableError:
            raise
        except BaseException:
            # Un-claim, so the next tick (here or in another process) reveals it; also on cancellation at shutdown.
            await claims.release_reveal(self.store, post.id, now)
            raise

    async def _weekly_boards(self, now: datetime) -> None:
        for schedule in await schedule_store.weekly_board_schedules(self.store):
            local_now = now.astimezone(zone(schedule.timezone))
            if local_now.weekday() != 0 or local_now.time() < schedule.local_time:
                continue
            outbound = self.serving(schedule.place.platform, schedule.place.team_id)
            if outbound is None:
                continue  # another process serves that place; claiming here would lose its post
            last_week = week_start(local_now.date()) - timedelta(days=7)
            week = f"w:{last_week.isoformat()}"
            key = ("weekly", schedule.place, week)
            what = f"the weekly leaderboard in {_where(schedule.place)}"
            try:
                await self._weekly_board(schedule, outbound, week, last_week, now)
            except PlaceUnavailableError as exc:
                self.failures.forget(key)  # known impossible this week: the claim stays
                log.warning("weekly leaderboard not posted in %s: %s", schedule.place, exc)
            except Exception as exc:
                self.failures.failed(key, what, exc, expected=isinstance(exc, TransientPostError))
            else:
                self.failures.succeeded(key, what)

    async def _weekly_board(self, schedule: Schedule, outbound: Outbound, week: str, last_week: date,
                            now: datetime) -> None:
        if not await self.store.claim_weekly_post(schedule.place, week, now):
            return
        try:
            board = await boards.period_board(self.store, schedule.place.platform, schedule.place.team_id, week, "")
            if not board.top:
                return  # nobody graded last week: no empty board in the channel
            title = f"Last week's leaderboard (week of {last_week:%d %b})"
            text = format_board(board.top, None, title)
            chart = await self.progress.leaderboard_chart(schedule.place.platform, schedule.place.team_id, last_week,
                                                          [(r.display_name, r.points) for r in board.top], title)
            await outbound.post(schedule.place, Reply(text=text, private=False, images=(chart,)), mention=None,
                                make_thread=False)
        except PlaceUnavailableError:
            raise
        except BaseException:
            await claims.release_weekly_post(self.store, schedule.place, week)  # the next tick posts it
            raise

    async def reminders(self, now: datetime) -> None:
        """Nudge opted-in users N hours before their local midnight if they hold a streak and haven't practised.

        Each nudge is claimed in the database first, so two processes on one file never both send it; a DM that
        fails is released and sent on a later tick."""
        nudged: set[tuple[str, str]] = set()
        for candidate in await self.store.reminder_candidates():
            who = (candidate.platform, candidate.user_id)
            if who in nudged:
                continue  # one nudge a day, even for a user with streaks in two teams
            key = ("remind", *who)
            what = f"the streak reminder to {candidate.user_id} on {candidate.platform}"
            try:
                if await self._remind_one(candidate, now):
                    nudged.add(who)
            except PlaceUnavailableError as exc:
                nudged.add(who)
                self.failures.forget(key)  # known impossible today: the claim stays, no retry every minute
                log.warning("could not send the streak reminder to %s on %s: %s", candidate.user_id,
                            candidate.platform, exc)
            except Exception as exc:
                nudged.add(who)
                self.failures.failed(key, what, exc, expected=isinstance(exc, TransientPostError))
            else:
                self.failures.succeeded(key, what)

    async def _remind_one(self, candidate: ReminderCandidate, now: datetime) -> bool:
        """Send one reminder if it is due; True when it was sent (or claimed by another process)."""
        outbound = self.serving(candidate.platform, candidate.team_id)
        if outbound is None:
            return False
        tz = candidate.timezone or await self.store.team_timezone(candidate.platform, candidate.team_id) or "UTC"
        local_now = now.astimezone(zone(tz))
        today = local_now.date().isoformat()
        if candidate.reminded_on == today:
            return True
        if candidate.last_date == today or local_now.hour < 24 - candidate.remind_hours:
            return False
        last_day = date.fromisoformat(candidate.last_date) if candidate.last_date else None
        state = as_of(StreakState(candidate.current, candidate.best, candidate.freezes, candidate.freezes_used,
                                  last_day), local_now.date())
        if state.current == 0:
            return False
        if not await claims.claim_reminder(self.store, candidate.platform, candidate.user_id, today):
            return True  # already sent today (another team's streak, or another process)
        try:
            await outbound.send_private(candidate.team_id, candidate.user_id, Reply(
                text=f"⏰ You haven't practised today. {streak_line(state)} — a quick `/quiz` keeps it going."))
        except PlaceUnavailableError:
            raise
        except BaseException:
            await claims.release_reminder(self.store, candidate.platform, candidate.user_id, today,
                                          candidate.reminded_on)
            raise
        return True

    async def _notify(self, place: Place, text: str) -> None:
        await notify_admins_quietly(self.outbounds, place, text)


def _where(place: Place) -> str:
    """A place as a short log label: `slack T123 #C456`."""
    return f"{place.platform} {place.team_id} #{place.channel_id}"


def _format_when(moment: datetime | None, tz: str, now: datetime) -> str:
    if moment is None:
        return "never (no weekdays selected)"
    local = moment.astimezone(zone(tz))
    delta = moment - now
    hours, rem = divmod(int(delta.total_seconds()) // 60, 60)
    days, hours = divmod(hours, 24)
    span = (f"{days} d " if days else "") + f"{hours} h {rem} min"
    return f"{local:%a %d %b %H:%M} {tz} (in {span})"


def format_board(rows: list[boards.BoardRow], me: boards.BoardRow | None, title: str) -> str:
    """A leaderboard as Markdown lines: rank, name, points, grades; the caller's own line if outside the top."""
    if not rows:
        return f"**{title}**\nNo grades yet — be the first: `/quiz`."
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [f"**{title}**"]
    for row in rows:
        mark = medals.get(row.rank, f"{row.rank}.")
        lines.append(f"{mark} {row.display_name} — {row.points:g} pts ({row.grades} graded)")
    if me and all(r.user_id != me.user_id for r in rows):
        lines.append("…")
        lines.append(f"{me.rank}. {me.display_name} (you) — {me.points:g} pts ({me.grades} graded)")
    return "\n".join(lines)


