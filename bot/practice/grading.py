"""The grading rules, as one pure function of a batch of grades and the state already stored.

- Only a first grade scores and counts as the day's practice (it advances the streak).
- A later, different grade replaces the first: the leaderboard moves by the difference in points.
- Repeating the grade already recorded (a double click, a redelivery) changes nothing, the card included.
- A click older than the recorded grade (`occurred_at`, e.g. a replayed Slack action) never overrides it.
- Every grade that changes something reviews the user's FSRS card for the question.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from fsrs import Card, Rating, Scheduler, State

from bot.domain.grades import (
    CardKey,
    CardWrite,
    GradePlan,
    GradeRequest,
    GradeResult,
    GradeState,
    ScoreChange,
    StoredGrade,
)
from bot.domain.streak import StreakState
from bot.practice.streaks import advance

_RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_NO_STREAK = StreakState()
_TEMPLATE_AT = datetime(2000, 1, 1, tzinfo=UTC)


class FirstReview(NamedTuple):
    """What reviewing a brand-new card with one rating gives, whatever the time: the card then is `at` plus this."""

    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    interval: timedelta
    json_middle: str  # the card's JSON between its card_id and its due (Card.to_json's key order)

    def card(self, card_id: int, at: datetime) -> Card:
        return Card(card_id=card_id, state=self.state, step=self.step, stability=self.stability,
                    difficulty=self.difficulty, due=at + self.interval, last_review=at)

    def to_json(self, card_id: int, at: datetime) -> str:
        """The text `self.card(card_id, at).to_json()` gives, without building the card."""
        stamp = at.isoformat()
        return f'{{"card_id": {card_id}, {self.json_middle}, "due": "{(at + self.interval).isoformat()}", ' \
               f'"last_review": "{stamp}"}}'


def first_reviews(scheduler: Scheduler) -> dict[str, FirstReview | None]:
    """Per grade, the first review of a new card under `scheduler`; None where fuzzing makes it random."""
    return _first_reviews(scheduler.parameters, scheduler.desired_retention, scheduler.learning_steps,
                          scheduler.relearning_steps, scheduler.maximum_interval, scheduler.enable_fuzzing)


@lru_cache(maxsize=16)
def _first_reviews(*settings: Any) -> dict[str, FirstReview | None]:
    scheduler = Scheduler(*settings)
    out: dict[str, FirstReview | None] = {}
    for grade, rating in _RATINGS.items():
        card, _ = scheduler.review_card(Card(card_id=0, due=_TEMPLATE_AT), rating, _TEMPLATE_AT)
        if scheduler.enable_fuzzing and card.state == State.Review:
            out[grade] = None  # a fuzzed interval differs at every review: ask the scheduler each time
            continue
        fields = card.to_dict()
        middle = json.dumps({k: fields[k] for k in ("state", "step", "stability", "difficulty")})[1:-1]
        out[grade] = FirstReview(card.state, card.step, card.stability, card.difficulty, card.due - _TEMPLATE_AT,
                                 middle)
    return out


class _Fresh(NamedTuple):
    """A new card reviewed once in this batch, kept as its template until it is written (or reviewed again)."""

    review: FirstReview
    card_id: int
    at: datetime


def decide(batch: Sequence[GradeRequest], state: GradeState, scheduler: Scheduler) -> GradePlan:
    """What the batch changes, in order (a key graded twice in one batch reads as a regrade or a repeat)."""
    plan = GradePlan()
    grades = dict(state.grades)
    streaks = dict(state.streaks)
    stored_cards = state.cards
    cards: dict[CardKey, Card | _Fresh] = {}
    fresh = first_reviews(scheduler)
    scores, results, changed = plan.scores, plan.results, plan.grades
    for n, r in enumerate(batch):
        key, person = r.key, r.person
        stored = grades.get(key)
        streak = streaks.get(person, _NO_STREAK)
        if stored is not None and (stored.grade == r.grade or _older(r, stored)):
            results.append(GradeResult(stored.points, stored.grade, streak, stale=stored.grade != r.grade))
            continue
        at = r.graded_at
        if stored is None:
            scores.append(ScoreChange(r.platform, r.team_id, "all", r.user_id, r.points, True, at))
            scores.append(ScoreChange(r.platform, r.team_id, r.week_key, r.user_id, r.points, True, at))
            scores.append(ScoreChange(r.platform, r.team_id, r.month_key, r.user_id, r.points, True, at))
            streak = advance(streak, r.local_date)
            streaks[person] = streak
            grades[key] = StoredGrade(r.grade, r.points, r.team_id, r.week_key, r.month_key, r.occurred_at)
        else:
            if r.points != stored.points:
                # The totals the first grade went into: its team and its week and month, not today's.
                delta = r.points - stored.points
                scores.extend(ScoreChange(r.platform, stored.team_id, period, r.user_id, delta, False, at)
                              for period in ("all", stored.week_key, stored.month_key))
            grades[key] = StoredGrade(r.grade, r.points, stored.team_id, stored.week_key, stored.month_key,
                                      r.occurred_at or stored.occurred_at)
        changed.append(r)
        results.append(GradeResult(r.points, stored.grade if stored else None, streak))
        card_key = r.card_key
        card = cards.get(card_key)
        if card is None:
            text = stored_cards.get(card_key)
            # An explicit card_id: fsrs sleeps a millisecond to make ids unique when it picks one itself.
            card_id = int(at.timestamp() * 1000) * 1000 + n % 1000
            review = None if text or at.tzinfo is not UTC else fresh[r.grade]
            if review is not None:
                cards[card_key] = _Fresh(review, card_id, at)
                continue
            card = Card.from_json(text) if text else Card(card_id=card_id)
        elif isinstance(card, _Fresh):
            card = card.review.card(card.card_id, card.at)
        cards[card_key], _ = scheduler.review_card(card, _RATINGS[r.grade], at)
    plan.streaks = {who: streaks[who] for who in dict.fromkeys(r.person for r in batch) if who in streaks}
    plan.cards = [CardWrite(key, c.review.to_json(c.card_id, c.at), c.at + c.review.interval)
                  if isinstance(c, _Fresh) else CardWrite(key, c.to_json(), c.due) for key, c in cards.items()]
    return plan


def _older(request: GradeRequest, stored: StoredGrade) -> bool:
    return request.occurred_at is not None and stored.occurred_at is not None and \
        request.occurred_at < stored.occurred_at
