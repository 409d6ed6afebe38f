"""Readiness, coverage and forecast: property tests over random review histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.practice.readiness import readiness, reviews_per_day, topic_readiness

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCHED = Scheduler(enable_fuzzing=False)
QIDS = [f"q{i}" for i in range(6)]

# a history: per question, a list of (days after T0, rating)
histories = st.dictionaries(
    st.sampled_from(QIDS),
    st.lists(st.tuples(st.integers(0, 60), st.sampled_from(list(Rating))), min_size=1, max_size=5),
    max_size=len(QIDS),
)


def build(history: dict[str, list[tuple[int, Rating]]]) -> dict[str, str]:
    cards = {}
    for n, (q, reviews) in enumerate(history.items()):
        card = Card(card_id=n + 1, due=T0)
        for day, rating in sorted(reviews, key=lambda r: r[0]):
            card, _ = SCHED.review_card(card, rating, T0 + timedelta(days=day))
        cards[q] = card.to_json()
    return cards


NOW = T0 + timedelta(days=61)


@settings(max_examples=80, deadline=None)
@given(histories, st.integers(0, 400))
def test_values_within_unit_interval(history, later):
    cards = build(history)
    for t in topic_readiness({"a": QIDS[:3], "b": QIDS}, cards, NOW, goal=NOW + timedelta(days=later)):
        assert 0.0 <= t.readiness <= 1.0
        assert 0.0 <= t.coverage <= 1.0
        assert t.reviews_per_day >= 0.0


@settings(max_examples=80, deadline=None)
@given(histories, st.integers(1, 400), st.integers(1, 400))
def test_without_reviews_readiness_falls_as_the_date_moves(history, d1, d2):
    cards = build(history)
    a, b = sorted((d1, d2))
    early = readiness(QIDS, cards, NOW + timedelta(days=a))
    late = readiness(QIDS, cards, NOW + timedelta(days=b))
    assert late <= early
    if history and a + 30 < b:  # a seen card strictly loses retrievability over a month
        assert late < early


@settings(max_examples=80, deadline=None)
@given(histories, st.sampled_from(QIDS), st.sampled_from(list(Rating)), st.integers(0, 200))
def test_a_review_raises_readiness(history, q, rating, later):
    cards = build(history)
    at = NOW + timedelta(days=later)
    before = readiness(QIDS, cards, at)
    card = Card.from_json(cards[q]) if q in cards else Card(card_id=99, due=at)
    card, _ = SCHED.review_card(card, rating, at)
    after = readiness(QIDS, {**cards, q: card.to_json()}, at)
    assert after >= before
    if q not in cards:
        assert after > before


def test_unseen_questions_count_as_not_ready():
    cards = build({"q0": [(0, Rating.Good)]})
    [t] = topic_readiness({"ml": QIDS[:4]}, cards, T0)
    assert (t.questions, t.seen, t.coverage) == (4, 1, 0.25)
    assert t.readiness == 0.25  # the one card reviewed just now is at 1.0, three unseen at 0
    assert readiness([], cards, T0) == 0.0


def test_weakest_first_and_reviews_estimate():
    cards = build({"q0": [(0, Rating.Good), (5, Rating.Easy)], "q3": [(60, Rating.Again)]})
    rows = topic_readiness({"strong": ["q0"], "weak": ["q3", "q4"]}, cards, NOW)
    assert [r.topic for r in rows] == ["weak", "strong"]
    stability = Card.from_json(cards["q0"]).stability
    assert reviews_per_day(["q0"], cards) == 1 / max(1.0, stability)
    # an unseen question costs one review spread over the days left
    assert reviews_per_day(["q4"], cards, days_left=10) == 0.1


def test_forecast_to_a_goal_date_is_lower_and_costs_reviews():
    cards = build({"q0": [(0, Rating.Good)], "q1": [(0, Rating.Good), (3, Rating.Good)]})
    [now] = topic_readiness({"ml": ["q0", "q1", "q2"]}, cards, NOW)
    [goal] = topic_readiness({"ml": ["q0", "q1", "q2"]}, cards, NOW, goal=NOW + timedelta(days=120))
    assert goal.readiness < now.readiness and goal.coverage == now.coverage == 2 / 3
    # the unseen q2 is spread over the 120 days to the goal instead of the default 30
    assert goal.reviews_per_day < now.reviews_per_day
    sched_r = SCHED.get_card_retrievability(Card.from_json(cards["q0"]), NOW + timedelta(days=120))
    assert 0 < sched_r < 0.9 and goal.readiness < (sched_r + 1) / 3
