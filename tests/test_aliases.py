"""Merged questions keep users' history: after start-up on a bank where `pytorch-easy-2` was merged into
`pytorch-easy-1`, grades, review cards, seen counts and the QOTD history all point at the kept question."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import yaml

from bot.app import open_core
from bot.bank.loader import load_bank
from bot.clock import ManualClock, iso
from bot.store.aliases import apply_aliases, resolve
from bot.store.store import Store
from tests.conftest import (
    MONDAY_MORNING,
    SMALL_BANK,
    card_post_id,
    card_question,
    make_actor,
    press,
    query,
    run,
    scalar,
    texts,
)

KEPT, GONE = "pytorch-easy-1", "pytorch-easy-2"


def merged_bank(tmp_path: Path) -> Path:
    """The small bank after a merge: GONE removed, listed as an alias of KEPT."""
    data = yaml.safe_load(SMALL_BANK.read_text(encoding="utf-8"))
    data["questions"] = [q for q in data["questions"] if q["id"] != GONE]
    for q in data["questions"]:
        if q["id"] == KEPT:
            q["aliases"] = [GONE]
    path = tmp_path / "merged" / "bank.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def card(last_review: str | None, due: str) -> str:
    return json.dumps({"card_id": 1, "state": 2, "step": None, "stability": 3.0, "difficulty": 5.0, "due": due,
                       "last_review": last_review})


def seed_history(db: Path) -> None:
    """Rows on the merged-away id, written straight into the migrated database."""
    t = iso(MONDAY_MORNING)
    conn = sqlite3.connect(db)
    with conn:
        qotd = conn.execute(
            "INSERT INTO posts (platform, team_id, channel_id, kind, question_id, local_date, status, message_id, "
            "created_at, posted_at) VALUES ('test', 'T1', 'C1', 'qotd', ?, '2026-11-20', 'posted', 'm1', ?, ?)",
            (GONE, t, t)).lastrowid
        conn.execute(
            "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, graded_at, "
            "local_date, week_key, month_key) VALUES (?, 'test', 'erin', 'T1', ?, 'pytorch', 'good', 1, ?, "
            "'2026-11-20', 'w:2026-11-16', 'm:2026-11')", (qotd, GONE, t))
        older, newer = "2026-11-01T00:00:00+00:00", "2026-11-10T00:00:00+00:00"
        conn.executemany(
            "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES ('test', ?, ?, ?, ?)",
            [("bob", KEPT, card(older, "2026-12-01T00:00:00+00:00"), "2026-12-01T00:00:00+00:00"),
             ("bob", GONE, card(newer, "2026-11-20T00:00:00+00:00"), "2026-11-20T00:00:00+00:00"),
             ("dave", KEPT, card(newer, "2026-12-05T00:00:00+00:00"), "2026-12-05T00:00:00+00:00"),
             ("dave", GONE, card(older, "2026-11-02T00:00:00+00:00"), "2026-11-02T00:00:00+00:00")])
        conn.executemany(
            "INSERT INTO user_seen (platform, user_id, question_id, times, last_at) VALUES ('test', ?, ?, ?, ?)",
            [("carol", GONE, 1, "2026-11-19T00:00:00+00:00"), ("carol", "pytorch-easy-3", 1, t),
             ("frank", GONE, 2, "2026-11-18T00:00:00+00:00"), ("frank", KEPT, 1, "2026-11-17T00:00:00+00:00")])
    conn.close()


async def test_history_on_a_merged_away_id_moves_to_the_kept_question(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    clock = ManualClock(MONDAY_MORNING)
    alice = make_actor("alice")
    # Before the merge: alice practises on the old bank until she draws GONE, and forgets it.
    async with open_core(database=db, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(7)) as core:
        for _ in range(3):
            replies = await run(core, alice, "quiz pytorch easy")
            if card_question(replies) == GONE:
                break
        assert card_question(replies) == GONE
        await press(core, alice, "again", card_post_id(replies))
        await core.writer.drain()
    seed_history(db)
    grades_before = query(db, "SELECT post_id, user_id, grade, points FROM grades ORDER BY post_id, user_id")
    scores_before = query(db, "SELECT * FROM scores ORDER BY 1, 2, 3, 4")
    alice_seen = dict(query(db, "SELECT question_id, times FROM user_seen WHERE user_id = 'alice'"))

    async with open_core(database=db, clock=clock, bank_paths=[merged_bank(tmp_path)], rng=random.Random(7)) as core:
        assert core.bank.get(GONE) is core.bank.get(KEPT)
        # nothing is left on the old id, in any table
        for table in ("posts", "grades", "review_cards", "user_seen"):
            assert scalar(db, f"SELECT COUNT(*) FROM {table} WHERE question_id = ?", (GONE,)) == 0, table
        # grades: the same rows, on the kept id; leaderboard totals untouched
        assert query(db, "SELECT post_id, user_id, grade, points FROM grades ORDER BY post_id, user_id") == grades_before
        assert set(query(db, "SELECT question_id FROM grades")) <= {(KEPT,), ("pytorch-easy-3",)}
        assert query(db, "SELECT * FROM scores ORDER BY 1, 2, 3, 4") == scores_before
        # the QOTD history names the kept question
        assert query(db, "SELECT question_id FROM posts WHERE kind = 'qotd'") == [(KEPT,)]
        # review cards: one per user, the most recently reviewed one wins
        cards = {(u, q): json.loads(c)["last_review"] for u, q, c in
                 query(db, "SELECT user_id, question_id, card FROM review_cards WHERE user_id IN ('bob', 'dave')")}
        assert cards == {("bob", KEPT): "2026-11-10T00:00:00+00:00", ("dave", KEPT): "2026-11-10T00:00:00+00:00"}
        # seen counts add up, the latest time is kept
        assert query(db, "SELECT times, last_at FROM user_seen WHERE user_id = 'frank'") == [
            (3, "2026-11-18T00:00:00+00:00")]
        assert dict(query(db, "SELECT question_id, times FROM user_seen WHERE user_id = 'alice'")) == {
            (KEPT if q == GONE else q): n for q, n in alice_seen.items()}

        # What users see: alice's forgotten card comes back as a review of the kept question...
        clock.advance(timedelta(days=2))
        review = await run(core, alice, "quiz review")
        assert "No reviews are due" not in texts(review)
        [shown] = [r.card for r in review if r.card is not None]
        assert shown.heading == "🔁 Review" and shown.question.id == KEPT
        # ...and carol, who saw GONE and pytorch-easy-3, has seen every easy PyTorch question: nothing is new.
        carol = await run(core, make_actor("carol"), "quiz pytorch easy")
        assert "starting a new round" in texts(carol)

        # a second run (the next start-up) finds nothing to do
        assert set((await apply_aliases(core.store, core.bank.aliases)).values()) == {0}


async def test_apply_aliases_counts_rows_per_table_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with Store.open(db):
        pass  # create and migrate the database
    seed_history(db)
    aliases = load_bank([merged_bank(tmp_path)]).aliases
    assert aliases == {GONE: KEPT}
    async with Store.open(db) as store:
        first = await apply_aliases(store, aliases)
        again = await apply_aliases(store, aliases)
    # typed_answers (issue 12) has a question_id too: an answer's history follows the merged question
    assert first == {"grades": 1, "posts": 1, "review_cards": 2, "typed_answers": 0, "user_seen": 2}
    assert again == {"grades": 0, "posts": 0, "review_cards": 0, "typed_answers": 0, "user_seen": 0}
    assert scalar(db, "SELECT COUNT(*) FROM review_cards") == 2
    assert query(db, "SELECT user_id, question_id, times FROM user_seen ORDER BY user_id, question_id") == [
        ("carol", KEPT, 1), ("carol", "pytorch-easy-3", 1), ("frank", KEPT, 3)]


async def test_no_aliases_touch_nothing(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with Store.open(db) as store:
        assert await apply_aliases(store, {}) == {}


def test_alias_chains_resolve_to_the_last_id_and_cycles_are_dropped() -> None:
    assert resolve({"a": "b", "b": "c"}) == {"a": "c", "b": "c"}
    assert resolve({"x": "x", "p": "q", "q": "p"}) == {}


async def test_a_merge_picked_up_by_qotd_reload_moves_the_history_at_once(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    pack = tmp_path / "packs" / "bank.yaml"
    pack.parent.mkdir()
    pack.write_text(SMALL_BANK.read_text(encoding="utf-8"), encoding="utf-8")
    clock = ManualClock(MONDAY_MORNING)
    alice, admin = make_actor("alice"), make_actor("root", admin=True)
    async with open_core(database=db, clock=clock, bank_paths=[pack], rng=random.Random(7)) as core:
        for _ in range(3):
            replies = await run(core, alice, "quiz pytorch easy")
            if card_question(replies) == GONE:
                break
        assert card_question(replies) == GONE
        await press(core, alice, "good", card_post_id(replies))
        await core.writer.drain()
        pack.write_text(merged_bank(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
        reply = await run(core, admin, "qotd reload")
        assert "reloaded" in texts(reply)
        for table in ("posts", "grades", "review_cards", "user_seen"):
            assert scalar(db, f"SELECT COUNT(*) FROM {table} WHERE question_id = ?", (GONE,)) == 0, table
        assert scalar(db, "SELECT COUNT(*) FROM review_cards WHERE user_id = 'alice' AND question_id = ?",
                      (KEPT,)) == 1
