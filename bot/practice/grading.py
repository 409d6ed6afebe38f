"""The grading rules, as one pure function of a batch of grades and the state already stored.

- Only a first grade scores and counts as the day's practice (it advances the streak).
- A later, different grade replaces the first: the leaderboard moves by the difference in points.
- Repeating the grade already recorded (a double click, a redelivery) changes nothing, the card included.
- A click older than the recorded grade (`occurred_at`, e.g. a replayed Slack action) never overrides it.
- Every grade that changes something reviews the user's FSRS card for the question.
"""

from __future__ import annotations

from collections.abc import Sequence

from fsrs import Card, Rating, Scheduler

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


def decide(batch: Sequence[GradeRequest], state: GradeState, scheduler: Scheduler) -> GradePlan:
    """What the batch changes, in order (a key graded twice in one batch reads as a regrade or a repeat)."""
    plan = GradePlan()
    grades = dict(state.grades)
    streaks = dict(state.streaks)
    cards: dict[CardKey, Card] = {}
    for n, r in enumerate(batch):
        stored = grades.get(r.key)
        streak = streaks.get(r.person, StreakState())
        if stored is not None and (stored.grade == r.grade or _older(r, stored)):
            plan.results.append(GradeResult(stored.points, stored.grade, streak,
                                            stale=stored.grade != r.grade))
            continue
        if stored is None:
            plan.scores.extend(ScoreChange(r.platform, r.team_id, period, r.user_id, r.points, True, r.graded_at)
                               for period in ("all", r.week_key, r.month_key))
            streak = advance(streak, r.local_date)
            streaks[r.person] = streak
        elif r.points != stored.points:
            # The totals the first grade went into: its team and its week and month, not today's.
            plan.scores.extend(ScoreChange(r.platform, stored.team_id, period, r.user_id, r.points - stored.points,
                                           False, r.graded_at)
                               for period in ("all", stored.week_key, stored.month_key))
        week, month, team = (r.week_key, r.month_key, r.team_id) if stored is None else \
            (stored.week_key, stored.month_key, stored.team_id)
        grades[r.key] = StoredGrade(r.grade, r.points, team, week, month, r.occurred_at or
                                    (stored.occurred_at if stored else None))
        plan.grades.append(r)
        plan.results.append(GradeResult(r.points, stored.grade if stored else None, streak))
        card = cards.get(r.card_key)
        if card is None:
            text = state.cards.get(r.card_key)
            # An explicit card_id: fsrs sleeps a millisecond to make ids unique when it picks one itself.
            card = Card.from_json(text) if text else \
                Card(card_id=int(r.graded_at.timestamp() * 1000) * 1000 + n % 1000)
        cards[r.card_key], _ = scheduler.review_card(card, _RATINGS[r.grade], r.graded_at)
    plan.streaks = {who: streaks[who] for who in dict.fromkeys(r.person for r in batch) if who in streaks}
    plan.cards = [CardWrite(key, card.to_json(), card.due) for key, card in cards.items()]
    return plan


def _older(request: GradeRequest, stored: StoredGrade) -> bool:
    return request.occurred_at is not None and stored.occurred_at is not None and \
        request.occurred_at < stored.occurred_at
