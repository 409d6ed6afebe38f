"""/progress: readiness and coverage by topic, a forecast to a date, a stored goal, the team's view; the streak
calendar and the leaderboard chart. Replies carry a picture and the same figures as text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache, partial

from fsrs import Card

from bot.bank.loader import Bank
from bot.clock import Clock
from bot.commands.progress_args import ProgressArgs
from bot.commands.replies import Image, Reply, info
from bot.domain.events import Actor
from bot.domain.periods import local_midnight
from bot.domain.streak import StreakState
from bot.practice.pictures import Picture, PictureCache, calendar_picture, leaderboard_picture
from bot.practice.pictures.readiness_chart import render_readiness
from bot.practice.pictures.streak_calendar import calendar_days
from bot.practice.readiness import TARGET, TopicReadiness, ceil_reviews, topic_readiness
from bot.practice.streaks import advance
from bot.store import boards
from bot.store import progress as progress_store
from bot.store.store import Store

BankSource = Callable[[str, str], Awaitable[Bank]]

PARSED_CARDS = 8_000  # ~2 KB each (16 MB at most); JSON parsing is most of /progress for a user with 2,000 cards
UNSEEN_NOTE = "Questions never seen count as not ready."
UNSEEN_CLAUSE = "questions never seen count as not ready"
MAX_NEXT_STEPS = 3


@lru_cache(maxsize=PARSED_CARDS)
def parsed_card(stored: str) -> Card:
    """A stored card's JSON parsed once (a review stores new JSON, so a changed card is a new key). Read only."""
    return Card.from_json(stored)


def image_of(picture: Picture) -> Image:
    """The reply attachment for a rendered picture."""
    return Image(picture.png, picture.filename, picture.alt)


def pct(value: float) -> str:
    return f"{round(value * 100)}%"


def frozen_days(days: Iterable[date], today: date) -> set[date]:
    """The missed days a held streak freeze covered (same rules as `bot.practice.streaks`), up to yesterday."""
    state = StreakState()
    out: set[date] = set()

    def cover(last: date, until: date) -> None:
        missed = (until - last).days - 1
        if 0 < missed <= state.freezes:
            out.update(last + timedelta(days=i) for i in range(1, missed + 1))

    for day in sorted(set(days)):
        if state.last_date is not None and day > state.last_date:
            cover(state.last_date, day)
        state = advance(state, day)
    if state.last_date is not None and today > state.last_date:
        cover(state.last_date, today)
    return out


def _per_day(rate: float) -> str:
    n = ceil_reviews(rate)
    return f"about {n} review{'s' if n != 1 else ''} a day"


def next_steps(rows: Sequence[TopicReadiness], due: int) -> list[str]:
    """What to do next: due reviews first, then topics never started, then the weakest started topic."""
    steps = [f"{due} review{'s' if due != 1 else ''} due: `/quiz review`"] if due else []
    for r in rows:
        if len(steps) >= MAX_NEXT_STEPS:
            break
        if r.questions and r.seen == 0:
            steps.append(f"start `{r.topic}`: 0 of {r.questions} seen — `/quiz {r.topic}`")
    started = [r for r in rows if r.seen and r.readiness < TARGET]
    if started and len(steps) < MAX_NEXT_STEPS:
        r = started[0]
        steps.append(f"practise `{r.topic}`: readiness {pct(r.readiness)}, {r.seen} of {r.questions} seen — "
                     f"`/quiz {r.topic}`")
    return steps or ["every topic is at or above 90% — keep reviewing when `/quiz review` has questions due"]


def team_rows(topics: Mapping[str, Sequence[str]], members: Mapping[str, Mapping[str, Card | str]],
              at: datetime) -> list[tuple[TopicReadiness, int]]:
    """Per topic: the mean over members of their readiness and coverage, and how many members practise it.

    Members are those with any card; nobody's own figures are returned. Weakest first.
    """
    per_member = [{r.topic: r for r in topic_readiness(topics, cards, at)} for cards in members.values()]
    n = len(per_member)
    out = []
    for topic, qs in topics.items():
        mine = [m[topic] for m in per_member]
        readiness = sum(r.readiness for r in mine) / n if n else 0.0
        coverage = sum(r.coverage for r in mine) / n if n else 0.0
        practising = sum(1 for r in mine if r.seen)
        questions = len(dict.fromkeys(qs))
        row = TopicReadiness(topic, questions, round(coverage * questions), readiness, coverage, 0.0)
        out.append((row, practising))
    out.sort(key=lambda x: (x[0].readiness, x[0].coverage, x[0].topic))
    return out


class ProgressService:
    """The figures behind /progress, the streak calendar and the leaderboard chart."""

    def __init__(self, *, store: Store, bank: Bank, clock: Clock, pictures: PictureCache | None = None) -> None:
        self.store = store
        self.bank = bank
        self.clock = clock
        self.pictures = pictures or PictureCache()
        self.bank_for: BankSource | None = None  # set by the core: a team's own questions count in its topics

    async def team_bank(self, platform: str, team_id: str) -> Bank:
        """The team's bank: the shared one, plus the team's own questions when the core wired them in."""
        return await self.bank_for(platform, team_id) if self.bank_for is not None else self.bank

    @staticmethod
    def topics(bank: Bank) -> dict[str, list[str]]:
        return {t: bank.ids(topics=[t]) for t in bank.topics_in_use()}

    async def _cards(self, actor: Actor, bank: Bank) -> dict[str, Card]:
        """The user's cards, keyed by their question's current id."""
        cards = await progress_store.user_cards(self.store, actor.platform, actor.user_id)
        return {bank.canonical_id(q): parsed_card(c) for q, c in cards.items()}

    @staticmethod
    def _team(bank: Bank, members: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Card]]:
        return {u: {bank.canonical_id(q): parsed_card(c) for q, c in cards.items()} for u, cards in members.items()}

    async def command(self, actor: Actor, args: ProgressArgs, tz: str, today: date) -> Reply:
        """The reply to one /progress command."""
        if args.team:
            return await self.team(actor, today)
        notes = []
        if args.clear_goal:
            await progress_store.set_goal_date(self.store, actor.platform, actor.user_id, None, self.clock.now())
            notes.append("Your goal date is cleared.")
        target = args.goal or args.on
        if args.goal:
            await progress_store.set_goal_date(self.store, actor.platform, actor.user_id, args.goal, self.clock.now())
            notes.append(f"🎯 Goal saved: ready by **{args.goal:%a %d %b %Y}**. It shows on `/streak`; "
                         "`/progress goal=off` forgets it.")
        if target:
            return await self.forecast(actor, target, tz, today, notes)
        return await self.now(actor, today, notes)

    async def now(self, actor: Actor, today: date, notes: Sequence[str] = ()) -> Reply:
        now = self.clock.now()
        bank = await self.team_bank(actor.platform, actor.team_id)
        rows = topic_readiness(self.topics(bank), await self._cards(actor, bank), now)
        due = await progress_store.due_count(self.store, actor.platform, actor.user_id, now)
        goal = await progress_store.goal_date(self.store, actor.platform, actor.user_id)
        picture = await self._readiness_picture(("user", actor.platform, actor.user_id), today, rows,
                                                "Your readiness by topic")
        lines = [*notes, "Readiness = how likely you recall a topic's questions now; coverage = the share you "
                 "have graded at least once. Weakest first:", picture.text, "", "**What to do next**",
                 *(f"• {s}" for s in next_steps(rows, due))]
        if goal and goal > today:
            lines.append(f"🎯 Goal: ready by {goal:%a %d %b %Y} ({(goal - today).days} days): "
                         f"`/progress {goal.isoformat()}` for the forecast.")
        return Reply(text="\n".join(lines), title="Your progress", images=(image_of(picture),))

    async def forecast(self, actor: Actor, target: date, tz: str, today: date, notes: Sequence[str] = ()) -> Reply:
        """Readiness per topic on `target` if no more reviews are done, and reviews a day to stay above 90%."""
        now = self.clock.now()
        bank = await self.team_bank(actor.platform, actor.team_id)
        rows = topic_readiness(self.topics(bank), await self._cards(actor, bank), now, goal=local_midnight(target, tz))
        days = (target - today).days
        picture = await self._readiness_picture(("forecast", actor.platform, actor.user_id, target), today, rows,
                                                f"Forecast for {target.isoformat()}, no more reviews")
        total = sum(r.reviews_per_day for r in rows)
        lines = [*notes, f"If you do no more reviews, on **{target:%a %d %b %Y}** ({days} days) your readiness "
                 f"would be (weakest first; {UNSEEN_CLAUSE}):"]
        for r in rows:
            lines.append(f"{r.topic}: {pct(r.readiness)} on {target.isoformat()}, coverage {pct(r.coverage)} "
                         f"({r.seen} of {r.questions} seen); {_per_day(r.reviews_per_day)} keep it above 90%")
        lines.append(f"In all **{_per_day(total)}** keep every topic above 90% "
                     f"(unseen questions learnt once, spread over the {days} days).")
        return Reply(text="\n".join(lines), title="Your forecast", images=(image_of(picture),))

    async def team(self, actor: Actor, today: date) -> Reply:
        members = await progress_store.team_cards(self.store, actor.platform, actor.team_id)
        bank = await self.team_bank(actor.platform, actor.team_id)
        canonical = self._team(bank, members)
        rows = team_rows(self.topics(bank), canonical, self.clock.now())
        if not canonical:
            return info("Nobody in this team has graded a question yet, so there is no team readiness to show. "
                        "Start with `/quiz`.", title="Team progress")
        picture = await self._readiness_picture(("team", actor.platform, actor.team_id), today, [r for r, _ in rows],
                                                "Team readiness by topic (averages)")
        who = "the 1 member who has" if len(canonical) == 1 else f"the {len(canonical)} members who have"
        lines = [f"Averages over {who} practised (no one's own figures; {UNSEEN_CLAUSE}). Weakest first:"]
        lines += [f"{r.topic}: readiness {pct(r.readiness)}, coverage {pct(r.coverage)}, {n} of {len(canonical)} "
                  "practise it" for r, n in rows]
        return Reply(text="\n".join(lines), title="Team progress", private=True, images=(image_of(picture),))

    async def weakest_topic(self, platform: str, team_id: str, pool_topics: Iterable[str] | None = None) -> str | None:
        """The team's weakest topic by mean readiness (among `pool_topics`); None for a team with no cards."""
        members = await progress_store.team_cards(self.store, platform, team_id)
        if not members:
            return None
        bank = await self.team_bank(platform, team_id)
        topics = self.topics(bank)
        if pool_topics:
            wanted = set(pool_topics)
            topics = {t: qs for t, qs in topics.items() if t in wanted}
        rows = team_rows(topics, self._team(bank, members), self.clock.now())
        return rows[0][0].topic if rows else None

    async def _readiness_picture(self, owner: tuple[object, ...], day: date, rows: Sequence[TopicReadiness],
                                 title: str) -> Picture:
        rows = tuple(rows)
        data = await self.pictures.get(("readiness", owner), day, (title, rows), partial(render_readiness, rows, title))
        text = "\n".join(f"{r.topic}: readiness {pct(r.readiness)}, coverage {pct(r.coverage)} "
                         f"({r.seen} of {r.questions} seen)" for r in rows) or "No topics yet."
        return Picture(data, "readiness.png", f"{title}: bar chart, weakest first", f"{text}\n{UNSEEN_NOTE}")

    # --- /streak and /leaderboard ----------------------------------------------------------------------

    async def streak_extras(self, actor: Actor, today: date) -> tuple[list[str], Image]:
        """The goal line (if a goal is stored) and text of the streak calendar, and the calendar picture."""
        days = await boards.practice_days(self.store, actor.platform, actor.team_id, actor.user_id)
        start = calendar_days(today)[0]
        activity = await progress_store.daily_grades(self.store, actor.platform, actor.team_id, actor.user_id, start)
        freezes = {d for d in frozen_days(days, today) if d >= start}
        picture = await calendar_picture(self.pictures, ("user", actor.platform, actor.team_id, actor.user_id), today,
                                         activity, freezes)
        lines = [picture.text]
        goal = await progress_store.goal_date(self.store, actor.platform, actor.user_id)
        if goal and goal > today:
            lines.append(f"🎯 Goal: ready by {goal:%a %d %b %Y} ({(goal - today).days} days left) — "
                         f"`/progress {goal.isoformat()}` for the forecast.")
        elif goal:
            lines.append(f"🎯 Your goal date {goal:%d %b %Y} has passed: set a new one with `/progress goal=DATE`.")
        return lines, image_of(picture)

    async def leaderboard_chart(self, platform: str, team_id: str, day: date, rows: Sequence[tuple[str, float]],
                                title: str) -> Image:
        picture = await leaderboard_picture(self.pictures, ("team", platform, team_id), day, rows, title)
        return image_of(picture)

