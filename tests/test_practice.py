"""Private practice: drawing by topic and difficulty without repeats, grading and points, spaced review,
questions without answers, and buttons that belong to someone else."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.render import render_reply
from bot.app import open_core
from bot.bank.loader import load_bank
from bot.bank.model import DIFFICULTIES, DIFFICULTY_WEIGHT
from bot.bank.render import NO_ANSWER_LINE
from bot.clock import ManualClock, parse_iso
from bot.core import Core
from bot.practice.points import GRADES, format_points, points_for
from tests.conftest import (
    SMALL_BANK,
    RecordingOutbound,
    card_post_id,
    card_question,
    make_actor,
    make_place,
    open_test_core,
    press,
    query,
    run,
    scalar,
    texts,
)

BANK = load_bank([SMALL_BANK])


def pool(topics: tuple[str, ...] = (), difficulty: str | None = None) -> set[str]:
    return set(BANK.ids(topics=topics or None, difficulty=difficulty))


# --- drawing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "topics", "difficulty"),
    [
        ("quiz pytorch hard", ("pytorch",), "hard"),
        ("quiz hard pytorch", ("pytorch",), "hard"),
        ("quiz sql", ("sql",), None),
        ("quiz medium", (), "medium"),
        ("quiz", (), None),
        ("quiz any any", (), None),
        ("quiz pytorch sql easy", ("pytorch", "sql"), "easy"),
        ("quiz topic=torch difficulty=advanced", ("pytorch",), "hard"),
    ],
)
async def test_draw_respects_topics_and_difficulty(core: Core, line: str, topics: tuple[str, ...],
                                                   difficulty: str | None) -> None:
    allowed = pool(topics, difficulty)
    alice = make_actor("alice")
    for _ in range(len(allowed) + 2):
        replies = await run(core, alice, line)
        assert all(r.private for r in replies)
        assert card_question(replies) in allowed


async def test_quiz_never_repeats_until_the_filter_is_used_up(core: Core, db_path: Path) -> None:
    alice = make_actor("alice")
    allowed = pool(("pytorch",))
    seen = []
    for _ in range(len(allowed)):
        replies = await run(core, alice, "quiz pytorch")
        assert "new round" not in texts(replies)
        seen.append(card_question(replies))
    assert set(seen) == allowed and len(seen) == len(allowed)
    replies = await run(core, alice, "quiz pytorch")
    assert "new round" in texts(replies)
    assert card_question(replies) in allowed
    # the second round again serves each question once before any repeats
    second = [card_question(replies)]
    for _ in range(len(allowed) - 1):
        replies = await run(core, alice, "quiz pytorch")
        assert "new round" not in texts(replies)
        second.append(card_question(replies))
    assert sorted(second) == sorted(allowed)
    # another user's draws are independent
    bob_first = await run(core, make_actor("bob"), "quiz pytorch")
    assert "new round" not in texts(bob_first)
    assert scalar(db_path, "SELECT times FROM user_seen WHERE user_id = 'alice' AND question_id = ?",
                  (seen[0],)) == 2


async def test_no_repeats_survive_a_restart(db_path: Path, clock: ManualClock) -> None:
    alice = make_actor("alice")
    allowed = pool(("sql",))
    seen = []
    async with open_test_core(db_path, clock, seed=1) as core:
        for _ in range(2):
            seen.append(card_question(await run(core, alice, "quiz sql")))
    async with open_test_core(db_path, clock, seed=1) as core:
        for _ in range(len(allowed) - 2):
            replies = await run(core, alice, "quiz sql")
            assert "new round" not in texts(replies)
            seen.append(card_question(replies))
        assert "new round" in texts(await run(core, alice, "quiz sql"))
    assert sorted(seen) == sorted(allowed)


async def test_an_empty_filter_says_what_to_do(core: Core) -> None:
    replies = await run(core, make_actor("alice"), "quiz deep-learning easy")
    assert len(replies) == 1 and replies[0].is_error and replies[0].private
    assert "no questions" in replies[0].text and "/topics" in replies[0].text


# --- points -----------------------------------------------------------------------------------------


def test_points_table() -> None:
    expected = {
        ("easy", "again"): 0, ("easy", "hard"): 0.5, ("easy", "good"): 1, ("easy", "easy"): 1,
        ("medium", "again"): 0, ("medium", "hard"): 1, ("medium", "good"): 2, ("medium", "easy"): 2,
        ("hard", "again"): 0, ("hard", "hard"): 1.5, ("hard", "good"): 3, ("hard", "easy"): 3,
    }
    for difficulty in DIFFICULTIES:
        for grade in GRADES:
            assert points_for(difficulty, grade) == expected[difficulty, grade]
            assert points_for(difficulty, grade) <= DIFFICULTY_WEIGHT[difficulty]
    assert format_points(1.5) == "1.5" and format_points(3.0) == "3"
    with pytest.raises(ValueError, match="again, hard, good, easy"):
        points_for("easy", "perfect")
    with pytest.raises((ValueError, KeyError)):
        points_for("impossible", "good")


async def test_grades_add_points_to_the_database_totals(core: Core, db_path: Path) -> None:
    alice = make_actor("alice")
    plan = [("quiz pytorch hard", "good", 3.0), ("quiz sql medium", "hard", 1.0), ("quiz sql easy", "again", 0.0),
            ("quiz statistics-math easy", "easy", 1.0)]
    for line, grade, points in plan:
        post = card_post_id(await run(core, alice, line))
        reply = (await press(core, alice, grade, post))[0]
        assert f"Graded **{grade.title()}** · +{format_points(points)} point" in reply.text
    total = sum(p for *_, p in plan)
    rows = query(db_path, "SELECT period, points, grades FROM scores WHERE user_id = 'alice' ORDER BY period")
    assert [(period, points, grades) for period, points, grades in rows] == [
        ("all", total, 4), ("m:2026-11", total, 4), ("w:2026-11-23", total, 4)]
    assert scalar(db_path, "SELECT SUM(points) FROM grades WHERE user_id = 'alice'") == total


async def test_one_grade_per_user_per_post_and_a_regrade_replaces_it(core: Core, db_path: Path) -> None:
    alice = make_actor("alice")
    post = card_post_id(await run(core, alice, "quiz pytorch hard"))
    first = (await press(core, alice, "hard", post))[0]
    assert "+1.5 points" in first.text
    second = (await press(core, alice, "easy", post))[0]
    assert "Changed your grade from **Hard** to **Easy**" in second.text and "now 3 points" in second.text
    third = (await press(core, alice, "again", post))[0]
    assert "from **Easy** to **Again**" in third.text
    assert query(db_path, "SELECT grade, points FROM grades WHERE post_id = ?", (post,)) == [("again", 0.0)]
    assert query(db_path, "SELECT period, points, grades FROM scores ORDER BY period") == [
        ("all", 0.0, 1), ("m:2026-11", 0.0, 1), ("w:2026-11-23", 0.0, 1)]
    await press(core, alice, "good", post)
    assert query(db_path, "SELECT DISTINCT points, grades FROM scores") == [(3.0, 1)]


async def test_the_same_grade_delivered_twice_counts_once(core: Core, db_path: Path) -> None:
    alice = make_actor("alice")
    post = card_post_id(await run(core, alice, "quiz sql medium"))
    await press(core, alice, "good", post)
    await core.writer.drain()
    card_after_one = query(db_path, "SELECT card, due FROM review_cards")
    repeat = (await press(core, alice, "good", post))[0]
    assert "already graded this **Good** — nothing changed" in repeat.text
    # a redelivery racing the original (same batch) also counts once
    post2 = card_post_id(await run(core, alice, "quiz sql easy"))
    both = await asyncio.gather(press(core, alice, "easy", post2), press(core, alice, "easy", post2))
    assert sorted("already graded" in r[0].text for r in both) == [False, True]
    await core.writer.drain()
    assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 2
    assert query(db_path, "SELECT points, grades FROM scores WHERE period = 'all'") == [(3.0, 2)]
    cards = dict(query(db_path, "SELECT question_id, due FROM review_cards"))
    assert len(cards) == 2
    assert query(db_path, "SELECT card, due FROM review_cards WHERE question_id LIKE 'sql-medium%'") == card_after_one


# --- spaced review ----------------------------------------------------------------------------------


async def test_every_grade_updates_a_review_card_and_review_serves_due_cards_first(
        core: Core, db_path: Path, clock: ManualClock) -> None:
    alice = make_actor("alice")
    forgotten = await run(core, alice, "quiz pytorch hard")
    await press(core, alice, "again", card_post_id(forgotten))
    known = await run(core, alice, "quiz sql easy")
    await press(core, alice, "easy", card_post_id(known))
    await core.writer.drain()
    cards = {q: (json.loads(card), parse_iso(due)) for q, card, due in
             query(db_path, "SELECT question_id, card, due FROM review_cards WHERE user_id = 'alice'")}
    assert set(cards) == {card_question(forgotten), card_question(known)}
    again_due, easy_due = cards[card_question(forgotten)][1], cards[card_question(known)][1]
    assert clock.now() < again_due < easy_due

    # nothing is due yet: a new question, and a note saying so
    early = await run(core, alice, "quiz review")
    assert "No reviews are due" in texts(early)
    assert card_question(early) not in cards

    clock.set(again_due + timedelta(minutes=1))
    due = await run(core, alice, "quiz review")
    assert card_question(due) == card_question(forgotten)
    assert next(r.card for r in due if r.card).heading == "🔁 Review"
    # a review filter by topic leaves out the due card of another topic
    other = await run(core, alice, "quiz review sql")
    assert card_question(other) != card_question(forgotten)

    # grading the review moves its due date again
    before = cards[card_question(forgotten)][0]
    await press(core, alice, "good", card_post_id(due))
    await core.writer.drain()
    after = json.loads(scalar(db_path, "SELECT card FROM review_cards WHERE question_id = ?",
                              (card_question(forgotten),)))
    assert after != before
    assert parse_iso(scalar(db_path, "SELECT due FROM review_cards WHERE question_id = ?",
                            (card_question(forgotten),))) > clock.now()


# --- reveal, hints, skip ----------------------------------------------------------------------------


async def test_a_question_without_an_answer_reveals_its_hints_and_says_so(core: Core) -> None:
    alice = make_actor("alice")
    question = await run(core, alice, "quiz sql medium")
    assert BANK.by_id[card_question(question)].answer is None
    reveal = (await press(core, alice, "reveal", card_post_id(question)))[0]
    shown = render_reply(reveal)
    assert NO_ANSWER_LINE in shown
    for hint in BANK.by_id[card_question(question)].hints:
        assert hint in shown
    assert [b.action for b in reveal.buttons] == ["again", "hard", "good", "easy"]


async def test_a_question_with_an_answer_reveals_the_answer(core: Core) -> None:
    alice = make_actor("alice")
    question = await run(core, alice, "quiz pytorch easy")
    shown = render_reply((await press(core, alice, "reveal", card_post_id(question)))[0])
    assert BANK.by_id[card_question(question)].answer.split("\n")[0] in shown  # type: ignore[union-attr]
    assert NO_ANSWER_LINE not in shown


async def test_hint_skip_and_next(core: Core) -> None:
    alice = make_actor("alice")
    question = await run(core, alice, "quiz pytorch")
    post = card_post_id(question)
    hint = (await press(core, alice, "hint", post))[0]
    assert hint.card is not None and hint.card.show_hints and not hint.card.reveal
    skipped = await press(core, alice, "skip", post)
    assert skipped[0].text == "Skipped."
    assert card_question(skipped) != card_question(question)
    assert BANK.by_id[card_question(skipped)].topic == "pytorch"
    graded = await press(core, alice, "good", card_post_id(skipped))
    nxt = await press(core, alice, "next", card_post_id(skipped))
    assert [b.action for b in graded[0].buttons] == ["next"]
    assert BANK.by_id[card_question(nxt)].topic == "pytorch"


# --- access ----------------------------------------------------------------------------------------


async def test_someone_elses_quiz_buttons_are_refused(core: Core, db_path: Path) -> None:
    alice, bob = make_actor("alice"), make_actor("bob")
    post = card_post_id(await run(core, alice, "quiz pytorch hard"))
    for action in ("reveal", "hint", "skip", "good", "easy"):
        replies = await press(core, bob, action, post)
        assert len(replies) == 1 and replies[0].is_error and replies[0].private
        assert "someone else's" in replies[0].text
        assert replies[0].card is None
    # a post id that was never handed out
    forged = await press(core, bob, "good", post + 1000)
    assert forged[0].is_error and "no longer available" in forged[0].text
    # the same user id on another platform does not own it either
    elsewhere = await press(core, make_actor("alice", platform="other"), "good", post)
    assert elsewhere[0].is_error
    assert scalar(db_path, "SELECT COUNT(*) FROM grades") == 0
    assert scalar(db_path, "SELECT COUNT(*) FROM scores") == 0


async def test_another_teams_question_of_the_day_is_refused(core: Core, outbound: RecordingOutbound,
                                                           db_path: Path) -> None:
    admin = make_actor("admin", admin=True)
    await run(core, admin, "qotd setup 09:00 UTC daily")
    now = (await run(core, admin, "qotd now"))[0]
    assert "Posted" in now.text
    post = outbound.qotd_posts()[0].reply.card.post_id  # type: ignore[union-attr]
    stranger = make_actor("eve", team="T2")
    replies = await press(core, stranger, "good", post, make_place(team="T2"))
    assert replies[0].is_error and "another team" in replies[0].text
    member = make_actor("carol")
    assert not (await press(core, member, "good", post))[0].is_error
    assert query(db_path, "SELECT user_id FROM grades") == [("carol",)]


# --- the dashboard and reloading the bank -----------------------------------------------------------


async def test_home_summary_shows_streak_reviews_rank_and_progress(core: Core, clock: ManualClock) -> None:
    alice, bob = make_actor("alice", name="Alice"), make_actor("bob", name="Bob")
    empty = (await core.home_summary(alice)).text
    assert "not ranked yet" in empty and "Reviews due: 0" in empty
    await press(core, bob, "good", card_post_id(await run(core, bob, "quiz pytorch hard")))
    await press(core, alice, "again", card_post_id(await run(core, alice, "quiz sql easy")))
    await press(core, alice, "good", card_post_id(await run(core, alice, "quiz sql easy")))
    await core.writer.drain()
    clock.advance(timedelta(days=1))
    text = (await core.home_summary(alice)).text
    assert "**1 day**" in text
    assert "Reviews due: 2 — `/quiz review`" in text
    assert "This week: #2 of 2 (1 pts)" in text
    assert f"SQL: 2/{BANK.count('sql')} · 50%" in text
    assert f"PyTorch: 0/{BANK.count('pytorch')}" in text


async def test_reloading_a_broken_bank_keeps_the_current_one(tmp_path: Path, clock: ManualClock) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(SMALL_BANK.read_text())
    async with open_core(database=tmp_path / "db.sqlite3", clock=clock, bank_paths=[pack]) as core:
        before = len(core.bank)
        pack.write_text(SMALL_BANK.read_text() + "- id: broken\n  topic: cooking\n")
        errors = core.reload_bank()
        assert errors and any("cooking" in e or "prompt" in e for e in errors)
        assert len(core.bank) == before
        pack.write_text(SMALL_BANK.read_text() + "- id: sql-extra-1\n  topic: sql\n  difficulty: hard\n"
                                                 "  prompt: What does a window function do?\n")
        assert core.reload_bank() == []
        assert len(core.bank) == before + 1
        replies = await run(core, make_actor("alice"), "quiz sql hard")
        assert card_question(replies) == "sql-extra-1"


# --- the grading rules as one pure function (no database) -----------------------------------------


def _request(grade: str, *, post: int = 1, user: str = "U1", points: float | None = None,
             occurred: int | None = None, day: int = 23):
    from datetime import UTC, date, datetime

    from bot.domain.grades import GradeRequest

    at = datetime(2026, 11, day, 12, tzinfo=UTC)
    return GradeRequest(post_id=post, platform="test", team_id="T1", user_id=user, question_id=f"q{post}",
                        topic="pytorch", grade=grade, points=points_for("medium", grade) if points is None else points,
                        graded_at=at, local_date=date(2026, 11, day), week_key="w:2026-11-23", month_key="m:2026-11",
                        occurred_at=None if occurred is None else at + timedelta(seconds=occurred))


def _decide(batch, grades=None):  # type: ignore[no-untyped-def]
    from fsrs import Scheduler

    from bot.domain.grades import GradeState
    from bot.practice.grading import decide

    return decide(batch, GradeState(grades or {}, {}, {}), Scheduler(enable_fuzzing=False))


def test_only_a_first_grade_scores_and_advances_the_streak() -> None:
    plan = _decide([_request("good"), _request("easy")])
    first = [c for c in plan.scores if c.first]
    assert sorted(c.period for c in first) == ["all", "m:2026-11", "w:2026-11-23"]
    assert all(c.points == 2.0 for c in first)
    assert [r.previous for r in plan.results] == [None, "good"]
    assert plan.streaks[("test", "T1", "U1")].current == 1
    assert [c for c in plan.scores if not c.first] == []  # good -> easy: same points, no move


def test_a_regrade_moves_the_first_grades_totals_by_the_difference() -> None:
    from bot.domain.grades import StoredGrade

    stored = {(1, "test", "U1"): StoredGrade("good", 2.0, "T1", "w:2026-11-16", "m:2026-11")}
    plan = _decide([_request("again")], stored)
    moves = [c for c in plan.scores if not c.first]
    assert {(c.period, c.points) for c in moves} == {("all", -2.0), ("w:2026-11-16", -2.0), ("m:2026-11", -2.0)}
    assert plan.results[0].previous == "good" and plan.streaks == {}
    assert len(plan.cards) == 1


def test_a_repeated_grade_changes_nothing_not_even_the_card() -> None:
    from bot.domain.grades import StoredGrade

    stored = {(1, "test", "U1"): StoredGrade("good", 2.0, "T1", "w:2026-11-23", "m:2026-11")}
    plan = _decide([_request("good"), _request("good")], stored)
    assert plan.grades == [] and plan.scores == [] and plan.cards == []
    assert [r.previous for r in plan.results] == ["good", "good"] and not plan.results[0].stale


def test_an_older_click_never_overrides_a_newer_grade_in_the_rules() -> None:
    plan = _decide([_request("good", occurred=10), _request("again", occurred=5), _request("hard", occurred=20)])
    assert [(r.previous, r.stale) for r in plan.results] == [(None, False), ("good", True), ("good", False)]
    assert [g.grade for g in plan.grades] == ["good", "hard"]


def test_every_grade_that_changes_something_reviews_the_card() -> None:
    plan = _decide([_request("again", post=1), _request("good", post=2), _request("easy", post=1)])
    assert {c.key for c in plan.cards} == {("test", "U1", "q1"), ("test", "U1", "q2")}
