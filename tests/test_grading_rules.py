"""The fast paths of the grade hot path give exactly what the plain ones gave.

- a new card's first review comes from a per-scheduler template: the same card and the same JSON as fsrs;
- a key graded several times in one batch (a PostgreSQL set-based write may touch a row once) lands in order;
- a burst is written in batches of the engine's size (larger on PostgreSQL);
- the cyclic collector is held off while a batch is planned, and given back after;
- the PostgreSQL pool hands connections back without a reset round trip, and still rolls back an open transaction.
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import asyncpg
import pytest
from fsrs import Card, Rating, Scheduler

from bot.domain.grades import GradeRequest, GradeState
from bot.practice.grade_writer import MAX_BATCH, GradeWriter
from bot.practice.grading import decide, first_reviews
from bot.practice.points import points_for
from bot.store.grades import key_rounds
from bot.store.store import Store
from tests.conftest import execute, query

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
MOMENTS = [datetime(2026, 11, 23, 12, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
           datetime(2027, 2, 28, 8, 30, 0, 1, tzinfo=UTC)]


def _request(grade: str, *, post: int = 1, question: str = "q1", at: datetime = MOMENTS[0]) -> GradeRequest:
    return GradeRequest(post_id=post, platform="test", team_id="T1", user_id="U1", question_id=question,
                        topic="pytorch", grade=grade, points=points_for("medium", grade), graded_at=at,
                        local_date=at.date(), week_key="w:2026-11-23", month_key="m:2026-11")


@pytest.mark.parametrize("fuzzing", [False, True])
def test_the_first_review_template_is_the_card_fsrs_gives(fuzzing: bool) -> None:
    scheduler = Scheduler(enable_fuzzing=fuzzing)
    templates = first_reviews(scheduler)
    for grade, rating in RATINGS.items():
        template = templates[grade]
        if template is None:  # fuzzed: a Review-state interval is random, so fsrs is asked every time
            assert fuzzing and grade == "easy"
            continue
        for at in MOMENTS:
            card, _ = scheduler.review_card(Card(card_id=123_456), rating, at)
            assert template.card(123_456, at) == card
            assert template.to_json(123_456, at) == card.to_json()
    assert first_reviews(Scheduler(enable_fuzzing=fuzzing)) is templates  # computed once per set of settings


def test_new_cards_in_a_batch_are_the_cards_fsrs_gives() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    batch = [_request(grade, post=n, question=f"q{n}", at=MOMENTS[n % 3]) for n, grade in enumerate(RATINGS)]
    plan = decide(batch, GradeState({}, {}, {}), scheduler)
    for n, (request, write) in enumerate(zip(batch, plan.cards, strict=True)):
        card_id = int(request.graded_at.timestamp() * 1000) * 1000 + n
        card, _ = scheduler.review_card(Card(card_id=card_id), RATINGS[request.grade], request.graded_at)
        assert write.key == request.card_key and write.card_json == card.to_json() and write.due == card.due


def test_a_card_reviewed_twice_in_one_batch_is_reviewed_twice() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    first, second = _request("hard"), _request("easy", at=MOMENTS[0] + timedelta(minutes=3))
    plan = decide([first, second], GradeState({}, {}, {}), scheduler)
    card, _ = scheduler.review_card(Card(card_id=int(first.graded_at.timestamp() * 1000) * 1000), Rating.Hard,
                                    first.graded_at)
    card, _ = scheduler.review_card(card, Rating.Easy, second.graded_at)
    assert [(c.card_json, c.due) for c in plan.cards] == [(card.to_json(), card.due)]


def test_a_fuzzed_easy_first_review_still_goes_through_fsrs() -> None:
    plan = decide([_request("easy")], GradeState({}, {}, {}), Scheduler(enable_fuzzing=True))
    card = Card.from_json(plan.cards[0].card_json)
    assert card.step is None and card.due == plan.cards[0].due and card.due - MOMENTS[0] > timedelta(days=1)


def test_a_stored_card_is_reviewed_from_its_json() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    stored, _ = scheduler.review_card(Card(card_id=7), Rating.Good, MOMENTS[0] - timedelta(days=3))
    plan = decide([_request("good")], GradeState({}, {}, {("test", "U1", "q1"): stored.to_json()}), scheduler)
    expected, _ = scheduler.review_card(stored, Rating.Good, MOMENTS[0])
    assert plan.cards[0].card_json == expected.to_json()


def test_a_grade_not_in_utc_is_still_refused() -> None:
    at = datetime(2026, 11, 23, 14, tzinfo=timezone(timedelta(hours=2)))
    with pytest.raises(ValueError, match="UTC"):
        decide([_request("good", at=at)], GradeState({}, {}, {}), Scheduler(enable_fuzzing=False))


def test_key_rounds_put_a_keys_rows_in_separate_parts_in_order() -> None:
    rows = [(1, "a", "x", 1), (2, "a", "x", 2), (1, "a", "x", 3), (1, "a", "x", 4), (3, "b", "y", 5)]
    assert key_rounds(rows, 3) == [[(1, "a", "x", 1), (2, "a", "x", 2), (3, "b", "y", 5)], [(1, "a", "x", 3)],
                                   [(1, "a", "x", 4)]]
    assert key_rounds([], 3) == []


async def test_one_batch_grading_a_post_three_times_lands_in_order(db_path: Path | str) -> None:
    async with Store.open(db_path) as store:
        execute(db_path, "INSERT INTO posts (id, platform, team_id, channel_id, kind, question_id, local_date, status, "
                         "created_at) VALUES (1, 'test', 'T1', 'C1', 'qotd', 'q1', '2026-11-23', 'posted', "
                         "'2026-11-23T12:00:00.000000Z')")
        scheduler = Scheduler(enable_fuzzing=False)
        batch = [_request("hard"), _request("easy", at=MOMENTS[0] + timedelta(minutes=1)),
                 _request("again", at=MOMENTS[0] + timedelta(minutes=2))]
        results = await store.apply_grades(batch, partial(decide, scheduler=scheduler))
    assert [r.previous for r in results] == [None, "hard", "easy"]
    assert query(db_path, "SELECT grade, points, graded_at, regraded_at FROM grades") == [
        ("again", 0.0, "2026-11-23T12:00:00.000000Z", "2026-11-23T12:02:00.000000Z")]
    assert query(db_path, "SELECT period, points, grades FROM scores ORDER BY period") == [
        ("all", 0.0, 1), ("m:2026-11", 0.0, 1), ("w:2026-11-23", 0.0, 1)]
    assert query(db_path, "SELECT period, points, users FROM score_levels WHERE users <> 0 ORDER BY period") == [
        ("all", 0.0, 1), ("m:2026-11", 0.0, 1), ("w:2026-11-23", 0.0, 1)]
    assert query(db_path, "SELECT current, last_date FROM streaks") == [(1, date(2026, 11, 23).isoformat())]
    card = Card(card_id=int(MOMENTS[0].timestamp() * 1000) * 1000)
    for request in batch:
        card, _ = scheduler.review_card(card, RATINGS[request.grade], request.graded_at)
    assert query(db_path, "SELECT card FROM review_cards") == [(card.to_json(),)]


async def test_a_pooled_connection_goes_back_without_a_reset_query(pg_url: str) -> None:
    async with Store.open(pg_url) as store:
        async with store.backend.connection() as conn:  # type: ignore[attr-defined]
            pid = await conn.fetchval("SELECT pg_backend_pid() /* ours */")
        watcher = await asyncpg.connect(pg_url)
        try:
            last = await watcher.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        finally:
            await watcher.close()
    assert last == "SELECT pg_backend_pid() /* ours */"  # asyncpg's default would have sent RESET ALL etc.


async def test_a_transaction_left_open_is_still_rolled_back_on_release(pg_url: str) -> None:
    async with Store.open(pg_url) as store:
        with pytest.raises(RuntimeError):
            async with store.backend.connection() as conn:  # type: ignore[attr-defined]
                await conn.execute("BEGIN")
                await conn.execute("INSERT INTO app_state (key, value, updated_at) VALUES ('left-open', 'x', 'now')")
                raise RuntimeError("the caller failed mid-transaction")
        assert await store.fetchone("SELECT value FROM app_state WHERE key = 'left-open'") is None
        async with store.backend.connection() as conn:  # type: ignore[attr-defined]
            assert not conn.is_in_transaction()


async def test_a_burst_is_written_in_batches_of_the_engines_size(db_path: Path | str) -> None:
    """SQLite keeps batches short (they hold the only write lock); PostgreSQL takes larger ones."""
    async with Store.open(db_path) as store:
        execute(db_path, "INSERT INTO posts (id, platform, team_id, channel_id, kind, question_id, local_date, status, "
                         "created_at) VALUES (1, 'test', 'T1', 'C1', 'qotd', 'q1', '2026-11-23', 'posted', "
                         "'2026-11-23T12:00:00.000000Z')")
        burst = [replace(_request("good"), user_id=f"U{n}") for n in range(MAX_BATCH + 500)]
        async with GradeWriter(store) as writer:
            results = await asyncio.gather(*(writer.submit(r) for r in burst))
        assert writer.batches == (1 if store.engine == "postgres" else 2)
    assert all(r.previous is None for r in results)
    assert query(db_path, "SELECT COUNT(*), SUM(points) FROM grades") == [(MAX_BATCH + 500, 2.0 * (MAX_BATCH + 500))]
    assert query(db_path, "SELECT COUNT(*) FROM scores WHERE period = 'all'") == [(MAX_BATCH + 500,)]


async def test_the_collector_is_held_off_while_a_batch_is_planned_and_back_after(db_path: Path | str) -> None:
    seen: list[bool] = []

    def recording_decide(batch, state):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return decide(batch, state, Scheduler(enable_fuzzing=False))

    async with Store.open(db_path) as store:
        execute(db_path, "INSERT INTO posts (id, platform, team_id, channel_id, kind, question_id, local_date, status, "
                         "created_at) VALUES (1, 'test', 'T1', 'C1', 'qotd', 'q1', '2026-11-23', 'posted', "
                         "'2026-11-23T12:00:00.000000Z')")
        assert gc.isenabled()
        await store.apply_grades([_request("good")], recording_decide)
        assert gc.isenabled() and seen == [False]
        gc.disable()  # whoever turned it off keeps it off
        try:
            await store.apply_grades([_request("easy")], recording_decide)
            assert not gc.isenabled()
        finally:
            gc.enable()
        with pytest.raises(ZeroDivisionError):  # and a failing batch gives it back too
            await store.apply_grades([_request("hard")], lambda batch, state: 1 / 0)
        assert gc.isenabled()
    assert query(db_path, "SELECT grade FROM grades") == [("easy",)]
