"""Answer in your own words (issue 12): check a typed answer against a card's key points, store it, reply.

The flow: an adapter shows a form for a card (`form`), the user sends text (`submit`), the checker (built-in
or LLM, behind `Grader`) says per key point covered / partly / missed, and the reply shows that, a suggested
grade, the reference answer and the four grade buttons with the suggestion marked. The user's click decides
the grade; `note_grade` then keeps it next to the suggestion, and `/streak` reports how often they agree.

Each user answers a card once (the table's key): a form sent twice is checked and stored once. An answer to a
card that is no longer current (already graded, or yesterday's question of the day) is not lost: it is checked
on a fresh private card of the same question.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from rapidfuzz import fuzz, process

from bot.bank.model import Question
from bot.clock import Clock
from bot.commands.replies import APOLOGY, QuestionCard, Reply, error, grade_buttons, info
from bot.domain.events import Actor, Place
from bot.domain.records import PostRow
from bot.practice.answer_grading import (
    MAX_ANSWER_CHARS,
    AnswerRejected,
    BuiltinGrader,
    Feedback,
    Grader,
    PointVerdict,
    check_answer_text,
)
from bot.practice.answer_grading.feedback import SuggestedGrade, Verdict
from bot.practice.service import PracticeService
from bot.store import answers as answer_store
from bot.store.answers import AnswerKey, CheckResult, StoredAnswer
from bot.store.store import Store

log = logging.getLogger(__name__)

FORM_TITLE = "Answer in your own words"
FORM_LABEL = "Your answer"
FORM_PLACEHOLDER_LIMIT = 100
ECHO_LIMIT = 1200
"""Characters of the user's answer quoted back in the reply (the rest is summarised by a count)."""
WHY_LIMIT = 160
KEY_POINT_LIMIT = 220
STUCK_AFTER = timedelta(minutes=2)
"""A claimed answer still unchecked after this long was interrupted (a restart): a new submission takes it over."""
VERDICT_MARKS = {"covered": "✅", "partly": "🟡", "missed": "❌"}
VERDICT_WORDS = {"covered": "Covered", "partly": "Partly", "missed": "Missed"}
GRADER_NAMES = {"built-in": "the built-in checker", "llm": "the AI checker"}
CLOSEST_IDS = 3
DUPLICATE_WINDOW = timedelta(minutes=15)
"""The same text for the same question within this long is one answer sent twice, not a new attempt."""


@dataclass(frozen=True, slots=True)
class AnswerSubmission:
    """Text a user typed for a card (a Discord modal, a Slack view, the console's `answer TEXT`).

    `post_id` comes from the form's own id (never trusted for access); `in_dm` as for ButtonPress.
    """

    actor: Actor
    place: Place
    post_id: int
    text: str
    event_id: str | None = None
    in_dm: bool = False


@dataclass(frozen=True, slots=True)
class AnswerForm:
    """What an adapter needs to show the answer form for a card."""

    post_id: int
    title: str
    prompt: str
    label: str = FORM_LABEL
    max_chars: int = MAX_ANSWER_CHARS

    @property
    def placeholder(self) -> str:
        """The prompt shortened for a one-line hint inside the text box (Discord allows 100 characters)."""
        one_line = " ".join(self.prompt.split())
        if len(one_line) <= FORM_PLACEHOLDER_LIMIT:
            return one_line
        return one_line[: FORM_PLACEHOLDER_LIMIT - 1].rstrip() + "…"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quote(text: str, limit: int = ECHO_LIMIT) -> str:
    """The user's answer as a Markdown quote, cut at `limit` characters (adapters escape mentions)."""
    body = text.strip()
    extra = ""
    if len(body) > limit:
        extra = f"\n_…and {len(body) - limit:,} more characters._"
        body = body[:limit].rstrip() + "…"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines()) + extra


def feedback_text(feedback: Feedback, answer_text: str) -> str:
    """Per key point covered / partly / missed with why; the count; the suggested grade; the quoted answer."""
    lines = []
    for p in feedback.points:
        why = f" — {_shorten(p.why, WHY_LIMIT)}" if p.why.strip() else ""
        lines.append(f"{VERDICT_MARKS[p.verdict]} **{VERDICT_WORDS[p.verdict]}** · "
                     f"{_shorten(p.key_point, KEY_POINT_LIMIT)}{why}")
    if not feedback.points:
        lines.append("This question has no key points to check against yet: compare with the reference answer below.")
    count = feedback.count_line() + (f" ({feedback.partly} partly)" if feedback.partly else "")
    lines += ["", f"**{count}**",
              f"**Suggested grade: {feedback.suggested_grade.title()}** — your click below decides the grade."]
    if feedback.summary.strip():
        lines.append(f"_{_shorten(feedback.summary, 2 * WHY_LIMIT)}_")
    if feedback.fell_back:
        reason = f" ({_shorten(feedback.fallback_reason, 80)})" if feedback.fallback_reason else ""
        lines.append(f"⚠️ The AI checker did not answer properly{reason}, so the built-in checker graded this answer.")
    else:
        lines.append(f"_Checked by {GRADER_NAMES.get(feedback.grader, feedback.grader)}._")
    lines += ["", "**Your answer**", quote(answer_text)]
    return "\n".join(lines)


def _to_result(feedback: Feedback) -> CheckResult:
    verdicts = json.dumps([{"index": p.index, "key_point": p.key_point, "verdict": p.verdict, "why": p.why}
                           for p in feedback.points], ensure_ascii=False)
    return CheckResult(verdicts=verdicts, covered=feedback.covered, partly=feedback.partly, total=feedback.total,
                       covered_share=feedback.share, suggested_grade=feedback.suggested_grade,
                       grader=feedback.grader, fell_back=feedback.fell_back,
                       fallback_reason=feedback.fallback_reason, summary=feedback.summary)


def _from_stored(row: StoredAnswer) -> Feedback:
    points = tuple(PointVerdict(int(v["index"]), str(v["key_point"]), cast(Verdict, v["verdict"]), str(v["why"]))
                   for v in json.loads(row.verdicts or "[]"))
    return Feedback(points=points, suggested_grade=cast(SuggestedGrade, row.suggested_grade or "again"),
                    grader=row.grader or "built-in", summary=row.summary or "", fell_back=row.fell_back,
                    fallback_reason=row.fallback_reason or "")


class AnswerService:
    """Typed answers: the form, the check, the stored record, and the agreement with self-grades."""

    def __init__(self, *, store: Store, practice: PracticeService, clock: Clock, grader: Grader | None = None) -> None:
        self.store = store
        self.practice = practice
        self.clock = clock
        self.grader: Grader = grader or BuiltinGrader()
        self._fallback = BuiltinGrader()

    # --- the form ---------------------------------------------------------------------------------

    @staticmethod
    def form(post: PostRow, question: Question) -> AnswerForm:
        return AnswerForm(post_id=post.id, title=FORM_TITLE, prompt=question.prompt)

    # --- a submission -----------------------------------------------------------------------------

    async def submit(self, actor: Actor, place: Place, post: PostRow, question: Question, text: str) -> list[Reply]:
        """Check `text` once for this user and card, store it, and reply with the feedback and grade buttons."""
        try:
            answer = check_answer_text(text)
        except AnswerRejected as exc:
            return [error(f"{exc} Nothing was saved; the card's buttons still work.")]
        notes: list[Reply] = []
        stale = await self._stale_reason(actor, post)
        if stale:
            # the same text moments ago (two forms for the stale card sent together) was already checked once
            earlier = await answer_store.recent_same(self.store, actor.platform, actor.user_id, question.id, answer,
                                                     self.clock.now() - DUPLICATE_WINDOW)
            earlier_post = await self.store.get_post(earlier) if earlier is not None else None
            if earlier_post is not None:
                return await self._already_answered(AnswerKey(actor.platform, actor.user_id, earlier_post.id),
                                                    earlier_post, question)
            fresh = await self.practice.serve_question(actor, place, question.id, heading="✍️ Your answer")
            assert fresh.card is not None
            new_post = await self.store.get_post(fresh.card.post_id)
            assert new_post is not None
            post = new_post
            notes.append(info(f"{stale} So I opened this question again as a new private card and checked your "
                              "answer there."))
        key = AnswerKey(actor.platform, actor.user_id, post.id)
        now = self.clock.now()
        claimed = await answer_store.claim(self.store, key, team_id=post.team_id, question_id=question.id,
                                           text=answer, now=now)
        if not claimed and not await answer_store.take_over(self.store, key, text=answer, now=now,
                                                            stuck_before=now - STUCK_AFTER):
            return [*notes, *await self._already_answered(key, post, question)]
        feedback = await self._check(question, answer)
        if feedback is None:
            await answer_store.release(self.store, key)
            return [error(f"{APOLOGY} Your answer was not saved; please send it again.\n\n{quote(answer)}")]
        await answer_store.finish(self.store, key, _to_result(feedback), self.clock.now())
        return [*notes, self._feedback_reply(post, question, feedback, answer)]

    async def _check(self, question: Question, answer: str) -> Feedback | None:
        """The grader's feedback; the built-in one (marked as a fall-back) if the grader raised; None if both did."""
        try:
            return await self.grader.grade(question, answer)
        except Exception as exc:
            log.exception("answer grader %s failed", type(self.grader).__name__)
            reason = f"it failed ({type(exc).__name__})"
        try:
            fb = self._fallback.grade_sync(question, answer)
        except Exception:
            log.exception("built-in answer grader failed")
            return None
        return Feedback(points=fb.points, suggested_grade=fb.suggested_grade, grader=fb.grader, fell_back=True,
                        fallback_reason=reason)

    async def _stale_reason(self, actor: Actor, post: PostRow) -> str | None:
        """Why a card no longer takes an answer (already graded by this user, or an old question of the day)."""
        grade = await answer_store.own_grade(self.store, AnswerKey(actor.platform, actor.user_id, post.id))
        if post.kind == "quiz" and grade is not None:
            return f"You had already graded that card **{grade.title()}**."
        if post.kind == "qotd":
            latest = await self.store.latest_qotd(post.place)
            if latest is not None and latest.id != post.id:
                return "That question of the day is no longer the current one."
            if grade is not None:
                return f"You had already graded today's question **{grade.title()}**."
        return None

    async def _already_answered(self, key: AnswerKey, post: PostRow, question: Question) -> list[Reply]:
        row = await answer_store.get(self.store, key)
        if row is None or row.suggested_grade is None:
            return [info("Your first answer to this card is still being checked; its feedback arrives in a moment. "
                         "I kept that one (each card takes one answer).")]
        head = info("You already answered this card, and each card takes one answer: here is the feedback on the "
                    "one I kept. To answer again, open the question anew with "
                    f"`/quiz {question.id}`.")
        return [head, self._feedback_reply(post, question, _from_stored(row), row.answer_text)]

    @staticmethod
    def _feedback_reply(post: PostRow, question: Question, feedback: Feedback, answer: str) -> Reply:
        return Reply(
            text=feedback_text(feedback, answer), title="Your answer, checked",
            card=QuestionCard(question, post.id, reveal=True, show_hints=not question.has_answer,
                              footer=f"Suggested: {feedback.suggested_grade.title()} (marked). Your click decides "
                                     "the grade and schedules your reviews."),
            buttons=grade_buttons(post.id, feedback.suggested_grade),
        )

    # --- after the user grades ----------------------------------------------------------------------

    async def note_grade(self, actor: Actor, post_id: int) -> None:
        """Keep the user's grade of a card next to the checker's suggestion (when they typed an answer)."""
        await answer_store.note_chosen_grade(self.store, AnswerKey(actor.platform, actor.user_id, post_id))

    async def agreement_line(self, actor: Actor) -> str | None:
        """'Your grades matched the checker's suggestion 7 of 9 times', or None before any graded answer."""
        matched, total = await answer_store.agreement(self.store, actor.platform, actor.user_id)
        if not total:
            return None
        times = "time" if total == 1 else "times"
        return (f"✍️ Your grades matched the checker's suggestion {matched} of {total} {times} "
                f"(typed answers of the last {answer_store.RETENTION.days} days).")

    # --- /quiz ID -------------------------------------------------------------------------------------

    async def open_by_id(self, actor: Actor, place: Place, question_id: str) -> list[Reply]:
        """A private card for the question with this id (or alias), else the closest ids."""
        bank = await self.practice.team_bank(actor.platform, actor.team_id)  # the team's own questions too
        question = bank.get(question_id)
        if question is not None:
            return [await self.practice.serve_question(actor, place, question.id, heading=f"🔎 {question.id}")]
        shown = _shorten(question_id, 60).replace("`", "'")
        matches = process.extract(question_id, list(bank.by_id), scorer=fuzz.WRatio, limit=CLOSEST_IDS,
                                  score_cutoff=50)
        if not matches:
            return [error(f"There is no question with id `{shown}`, and none close to it. Ids are shown on every "
                          "card; `/quiz TOPIC` draws a question.")]
        close = "\n".join(f"• `{m[0]}` — {_shorten(bank.by_id[m[0]].prompt, 80)}" for m in matches)
        return [error(f"There is no question with id `{shown}`. The closest ids:\n{close}\n"
                      "Open one with `/quiz ID`.")]
