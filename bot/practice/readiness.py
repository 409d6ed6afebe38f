"""Topic readiness from FSRS cards: pure functions over plain data (no database, no clock).

Readiness of a topic is taken over *the topic's questions*, not over the cards the user happens to have:
    readiness = (sum of FSRS retrievability at time t of the user's cards in the topic) / (questions in topic)
so a question never seen (no card, or a card never reviewed) counts as retrievability 0, "not ready".
Coverage is the share of the topic's questions graded at least once.

Cards are fsrs 6 `Card` objects or their JSON (`Card.to_json()`, as stored in `review_cards.card`).
Retrievability comes from `fsrs.Scheduler.get_card_retrievability(card, t)`; passing a future `t` is the
forecast "if no more reviews are done until then".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Scheduler

__all__ = ["TARGET", "TopicReadiness", "card_of", "ceil_reviews", "readiness", "retrievability", "reviews_per_day",
           "topic_readiness"]

TARGET = 0.9  # "ready" threshold, also FSRS's default desired retention
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True, slots=True)
class TopicReadiness:
    """One topic's figures at one instant."""

    topic: str
    questions: int  # questions in the topic
    seen: int  # of which graded at least once
    readiness: float  # in [0, 1], unseen = 0
    coverage: float  # seen / questions, in [0, 1]
    reviews_per_day: float  # estimate to keep the topic at or above TARGET (see reviews_per_day)


def card_of(card: Card | str) -> Card:
    """A Card from a Card or its stored JSON."""
    return card if isinstance(card, Card) else Card.from_json(card)


def _seen(card: Card) -> bool:
    return card.last_review is not None and card.stability is not None


def retrievability(card: Card, at: datetime, scheduler: Scheduler = _SCHEDULER) -> float:
    """Probability of recall at `at`, clamped to [0, 1] (0 for a card never reviewed)."""
    return min(1.0, max(0.0, float(scheduler.get_card_retrievability(card, at))))


def readiness(question_ids: Iterable[str], cards: Mapping[str, Card | str], at: datetime,
              scheduler: Scheduler = _SCHEDULER) -> float:
    """Mean retrievability at `at` over the given questions; a question without a card counts 0."""
    ids = list(dict.fromkeys(question_ids))
    if not ids:
        return 0.0
    total = sum(retrievability(card_of(cards[q]), at, scheduler) for q in ids if q in cards)
    return min(1.0, total / len(ids))


def reviews_per_day(question_ids: Iterable[str], cards: Mapping[str, Card | str], days_left: float = 30.0) -> float:
    """Estimated reviews a day that keep the topic at or above TARGET (90%).

    The estimate: with desired retention 0.9, FSRS stability S (days) is by definition the interval after which
    retrievability falls to 0.9, so keeping a seen card above 90% costs about one review every S days, i.e.
    1/S a day (S floored at 1 day). An unseen question must first be learnt: it costs one review, spread
    over the `days_left` until the goal date (floored at 1 day). Summed over the topic's questions.
    """
    spread = max(1.0, days_left)
    rate = 0.0
    for q in dict.fromkeys(question_ids):
        card = card_of(cards[q]) if q in cards else None
        if card is not None and _seen(card):
            rate += 1.0 / max(1.0, float(card.stability or 0.0))
        else:
            rate += 1.0 / spread
    return rate


def topic_readiness(topics: Mapping[str, Iterable[str]], cards: Mapping[str, Card | str], at: datetime,
                    goal: datetime | None = None, scheduler: Scheduler = _SCHEDULER) -> list[TopicReadiness]:
    """Readiness and coverage per topic at `at` (or forecast at `goal` with no more reviews), weakest first.

    `topics` maps a topic to its question ids, `cards` a question id to the user's card.
    """
    when = goal or at
    days_left = (goal - at).total_seconds() / 86400 if goal else 30.0
    parsed = {q: card_of(c) for q, c in cards.items()}
    out = []
    for topic, qs in topics.items():
        ids = list(dict.fromkeys(qs))
        seen = sum(1 for q in ids if q in parsed and _seen(parsed[q]))
        n = len(ids)
        out.append(TopicReadiness(
            topic=topic, questions=n, seen=seen,
            readiness=readiness(ids, parsed, when, scheduler),
            coverage=seen / n if n else 0.0,
            reviews_per_day=reviews_per_day(ids, parsed, days_left),
        ))
    out.sort(key=lambda t: (t.readiness, t.coverage, t.topic))
    return out


def ceil_reviews(rate: float) -> int:
    """Reviews a day as a whole number to show (0 stays 0)."""
    return math.ceil(rate - 1e-9) if rate > 0 else 0
