"""Private practice and grading: draw a question, reveal it, take a self-grade, serve due reviews."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.bank.loader import Bank
from bot.bank.model import TOPIC_TITLES, Question
from bot.clock import Clock
from bot.commands.args import QuizArgs
from bot.commands.replies import (
    Button,
    QuestionCard,
    Reply,
    error,
    grade_buttons,
    question_buttons,
)
from bot.domain.events import Actor, Place
from bot.domain.periods import local_date, month_key, week_key
from bot.domain.records import PostRow
from bot.domain.streak import StreakState
from bot.practice.draw import least_served
from bot.practice.grade_writer import GradeRequest, GradeResult, GradeWriter
from bot.practice.points import format_points, points_for
from bot.store import boards
from bot.store.store import Store

GRADE_ACTIONS = ("again", "hard", "good", "easy")
# (platform, team id) → the bank that team draws from (shared packs plus its own questions).
BankSource = Callable[[str, str], Awaitable[Bank]]


@dataclass(frozen=True, slots=True)
class Timezones:
    """Where a user's local day comes from: their own setting, the platform's profile, the team, else UTC."""

    user: str | None
    team: str | None

    def for_streaks(self, actor: Actor) -> str:
        return self.user or actor.platform_timezone or self.team or "UTC"

    def for_team(self) -> str:
        return self.team or "UTC"


def streak_line(streak: StreakState) -> str:
    days = "day" if streak.current == 1 else "days"
    line = f"🔥 Streak: **{streak.current} {days}** (best {streak.best})"
    if streak.freezes:
        line += f" · 🧊 {streak.freezes} freeze{'s' if streak.freezes > 1 else ''} held"
    return line


# Users whose served counts are kept in memory (validated against the database at every draw).
SERVED_CACHE_USERS = 20_000


class PracticeService:
    """Draws, reveals and grades.

    A user's served counts are cached, and every draw checks the one count it relies on against the database
    in the statement that records the draw (a primary-key read inside the insert): counts only grow, so if the
    chosen question's stored count equals the cached one it is truly among the least served, whatever other
    processes served meanwhile; if not, nothing is recorded, the counts are read again and the choice made again.
    """

    def __init__(self, *, store: Store, bank: Bank, clock: Clock, writer: GradeWriter, rng: random.Random) -> None:
        self.store = store
        self.bank = bank
        self.clock = clock
        self.writer = writer
        self.rng = rng
        self._served: dict[tuple[str, str], dict[str, int]] = {}
        self.bank_for: BankSource | None = None  # set by the core: team questions join the team's draws

    async def team_bank(self, platform: str, team_id: str) -> Bank:
        """The bank of this team: the shared one, plus the team's own questions when the core wired them in."""
        return await self.bank_for(platform, team_id) if self.bank_for is not None else self.bank

    def forget_served(self) -> None:
        """Drop the cached counts (after question ids were merged and their rows moved)."""
        self._served.clear()

    async def _served_counts(self, platform: str, user_id: str, *, fresh: bool = False) -> dict[str, int]:
        key = (platform, user_id)
        if fresh or key not in self._served:
            if len(self._served) >= SERVED_CACHE_USERS:
                self._served.clear()
            self._served[key] = await self.store.served_counts(platform, user_id)
        return self._served[key]

    async def _serve_least_served(self, actor: Actor, place: Place, candidates: Sequence[str],
                                  bank: Bank) -> tuple[Reply, bool]:
        """Serve a least-served candidate: (card, whether it starts a new round: every candidate already seen
        as often as it).

        The check against the database rides on the insert (`Store.draw_quiz_post`): one statement per draw.
        When another process served the chosen question meanwhile, nothing is recorded and the counts are read
        again; the third choice is recorded whatever the count (two lost races in a row: a user drawing in two
        processes at once).
        """
        served = await self._served_counts(actor.platform, actor.user_id)
        for attempt in range(3):
            question_id = least_served(candidates, served, self.rng)
            assert question_id is not None
            times = served.get(question_id, 0)
            if attempt == 2:
                post_id = await self.store.create_quiz_post(place, actor.user_id, question_id, self.clock.now())
            else:
                found = await self.store.draw_quiz_post(place, actor.user_id, question_id, self.clock.now(), times)
                if found is None:
                    served = await self._served_counts(actor.platform, actor.user_id, fresh=True)
                    continue
                post_id = found
            new_round = times > 0 and all(served.get(c, 0) == times for c in candidates)
            self._count_served(actor.platform, actor.user_id, question_id)
            return self._card(question_id, post_id, None, bank), new_round
        raise AssertionError("unreachable")

    def _count_served(self, platform: str, user_id: str, question_id: str) -> None:
        served = self._served.get((platform, user_id))
        if served is not None:
            served[question_id] = served.get(question_id, 0) + 1

    async def draw(self, actor: Actor, place: Place, args: QuizArgs) -> list[Reply]:
        """A private question matching the filter, unseen by this user until the filter's pool is used up."""
        notes: list[Reply] = []
        bank = await self.team_bank(actor.platform, actor.team_id)
        if args.review:
            due = await boards.due_review_ids(self.store, actor.platform, actor.user_id, self.clock.now())
            due = [q for q in due if self._matches(bank, q, args)]
            if due:
                return [await self._serve(actor, place, due[0], heading="🔁 Review", bank=bank)]
            notes.append(Reply(text="No reviews are due right now — here is a new question instead."))
        candidates = bank.pool(topics=args.topics or None, difficulty=args.difficulty)
        if not candidates:
            wanted = " + ".join([*(args.topics or ["any topic"]), args.difficulty or "any difficulty"])
            return [error(f"There are no questions for {wanted} yet. Try another difficulty, or `/topics` to see "
                          "what the bank holds.")]
        card, new_round = await self._serve_least_served(actor, place, candidates, bank)
        if new_round:
            notes.append(Reply(text="You have seen every question in this selection — starting a new round."))
        return [*notes, card]

    def _matches(self, bank: Bank, question_id: str, args: QuizArgs) -> bool:
        q = bank.get(question_id)
        if q is None:
            return False
        return (not args.topics or q.topic in args.topics) and (not args.difficulty or q.difficulty == args.difficulty)

    async def _serve(self, actor: Actor, place: Place, question_id: str, heading: str | None = None,
                     *, bank: Bank) -> Reply:
        post_id = await self.store.create_quiz_post(place, actor.user_id, question_id, self.clock.now())
        self._count_served(actor.platform, actor.user_id, question_id)
        return self._card(question_id, post_id, heading, bank)

    @staticmethod
    def _card(question_id: str, post_id: int, heading: str | None, bank: Bank) -> Reply:
        question = bank.by_id[question_id]
        return Reply(card=QuestionCard(question, post_id, heading=heading), buttons=question_buttons(post_id))

    async def serve_question(self, actor: Actor, place: Place, question_id: str, heading: str | None = None) -> Reply:
        """A private card for one given question (`/quiz ID`, or a fresh card for an answer to a stale one)."""
        bank = await self.team_bank(actor.platform, actor.team_id)
        return await self._serve(actor, place, question_id, heading=heading, bank=bank)

    async def check_access(self, actor: Actor, post: PostRow | None) -> tuple[PostRow, Question] | Reply:
        """The post and its question if this actor may use its buttons, else a private refusal."""
        if post is None or post.platform != actor.platform:
            return error("That question is no longer available. Start a new one with `/quiz`.")
        if post.kind == "quiz" and post.user_id != actor.user_id:
            return error("That is someone else's practice question. Start your own with `/quiz`.")
        if post.kind == "qotd" and post.team_id != actor.team_id:
            return error("That question belongs to another team.")
        question = (await self.team_bank(post.platform, post.team_id)).get(post.question_id)
        if question is None:
            return error("That question has been removed from the bank. Start a new one with `/quiz`.")
        return post, question

    def reveal(self, post: PostRow, question: Question) -> Reply:
        return Reply(
            card=QuestionCard(question, post.id, reveal=True, show_hints=not question.has_answer,
                              footer="How did you do? Grade yourself honestly — it schedules your reviews."),
            buttons=grade_buttons(post.id),
            replace=post.kind == "quiz",
        )

    def hint(self, post: PostRow, question: Question) -> Reply:
        if not question.hints:
            return Reply(text="This question has no hints. Try answering out loud, then reveal the answer.",
                         buttons=(Button("reveal", post.id), Button("answer", post.id)))
        return Reply(card=QuestionCard(question, post.id, show_hints=True),
                     buttons=(Button("reveal", post.id), Button("skip", post.id), Button("answer", post.id))
                     if post.kind == "quiz" else (Button("reveal", post.id), Button("answer", post.id)),
                     replace=post.kind == "quiz")

    async def skip(self, actor: Actor, place: Place, question: Question) -> list[Reply]:
        replies = await self.draw(actor, place, QuizArgs(topics=(question.topic,)))
        return [Reply(text="Skipped.", replace=True), *replies]

    async def next_question(self, actor: Actor, place: Place, question: Question) -> list[Reply]:
        """Another question on the same topic; the graded card loses its Next button (it would draw again)."""
        replies = await self.draw(actor, place, QuizArgs(topics=(question.topic,)))
        done = f"✅ Done: _{TOPIC_TITLES[question.topic]} · {question.difficulty}_. Next question below."
        return [Reply(text=done, replace=True), *replies]

    async def grade(self, actor: Actor, post: PostRow, question: Question, grade: str,
                    zones: Timezones, *, occurred_at: datetime | None = None) -> Reply:
        now = self.clock.now()
        points = points_for(question.difficulty, grade)
        result: GradeResult = await self.writer.submit(GradeRequest(
            post_id=post.id, platform=actor.platform, team_id=post.team_id, user_id=actor.user_id,
            question_id=question.id, topic=question.topic, grade=grade, points=points, graded_at=now,
            local_date=local_date(now, zones.for_streaks(actor)),
            week_key=week_key(now, zones.for_team()), month_key=month_key(now, zones.for_team()),
            occurred_at=occurred_at,
        ))
        if result.stale:
            head = (f"That click is older than your latest grade (**{(result.previous or grade).title()}**), "
                    "so I kept the latest one — nothing changed.")
        elif result.previous == grade:
            head = f"You already graded this **{grade.title()}** — nothing changed."
        elif result.previous:
            head = (f"Changed your grade from **{result.previous.title()}** to **{grade.title()}**: "
                    f"now {format_points(points)} point{'s' if points != 1 else ''} for this question.")
        else:
            head = f"Graded **{grade.title()}** · +{format_points(points)} point{'s' if points != 1 else ''}"
        topic = TOPIC_TITLES[question.topic]
        text = f"{head}\n{streak_line(result.streak)}\n_{topic} · {question.difficulty}_"
        buttons = (Button("next", post.id),) if post.kind == "quiz" else ()
        return Reply(text=text, buttons=buttons, replace=post.kind == "quiz")
