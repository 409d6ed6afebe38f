"""The `/quiz` draw's one statement (Store.draw_quiz_post) and the bank's kept filter pools, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.bank.loader import load_bank
from bot.store.store import Store
from tests.conftest import SMALL_BANK, make_place, query, scalar

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


async def test_a_draw_is_recorded_only_while_the_served_count_is_the_expected_one(db_path: Path | str) -> None:
    place = make_place()
    async with Store.open(db_path) as store:
        first = await store.draw_quiz_post(place, "alice", "q1", NOW, expected_times=0)
        # A process whose cached count is stale (it still thinks q1 unserved) records nothing.
        stale = await store.draw_quiz_post(place, "alice", "q1", NOW, expected_times=0)
        second = await store.draw_quiz_post(place, "alice", "q1", NOW, expected_times=1)
        other_user = await store.draw_quiz_post(place, "bob", "q1", NOW, expected_times=0)
    assert first is not None and second is not None and other_user is not None
    assert stale is None
    assert len({first, second, other_user}) == 3
    assert query(db_path, "SELECT id, user_id, question_id, kind, status FROM posts ORDER BY id") == [
        (first, "alice", "q1", "quiz", "posted"), (second, "alice", "q1", "quiz", "posted"),
        (other_user, "bob", "q1", "quiz", "posted")]
    assert scalar(db_path, "SELECT times FROM user_seen WHERE user_id = 'alice' AND question_id = 'q1'") == 2
    assert scalar(db_path, "SELECT times FROM user_seen WHERE user_id = 'bob' AND question_id = 'q1'") == 1


def test_a_filters_pool_is_built_once_and_matches_ids() -> None:
    bank = load_bank([SMALL_BANK])
    pool = bank.pool(topics=("pytorch",), difficulty=None)
    assert pool == tuple(bank.ids(topics=["pytorch"]))
    assert pool and all(bank.by_id[q].topic == "pytorch" for q in pool)
    assert bank.pool(topics=("pytorch",)) is pool  # kept, not joined again
    assert sorted(bank.pool()) == sorted(q.id for q in bank.questions)
    assert bank.pool(topics=("pytorch",), difficulty="hard") == tuple(
        q for q in pool if bank.by_id[q].difficulty == "hard")
