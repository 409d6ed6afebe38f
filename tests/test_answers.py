"""Issue 12 in the core and the console: typed answers checked, stored once, graded by the user's click."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession
from bot.app import open_core
from bot.bank.model import Question
from bot.clock import ManualClock
from bot.commands.args import parse_quiz
from bot.commands.replies import Reply
from bot.core import Core
from bot.practice.answer_grading import Feedback
from bot.practice.answers import AnswerSubmission
from tests.conftest import (
    MONDAY_MORNING,
    RecordingOutbound,
    card_post_id,
    make_actor,
    make_place,
    press,
    query,
    run,
    scalar,
    texts,
)
from tests.fakes.graders import CountingGrader

BANK = """\
pack: test
questions:
  - id: pt-dropout-1
    topic: pytorch
    difficulty: medium
    prompt: What does dropout do during training, and what changes at inference?
    answer: Dropout zeroes random activations with probability p during training and scales the survivors by
      1/(1-p); at inference it is switched off (model.eval()).
    key_points:
      - Dropout zeroes random activations with probability p during training
      - The kept activations are scaled by 1/(1-p)
      - At inference dropout is switched off with model.eval()
  - id: ml-bias-variance-1
    topic: ml-fundamentals
    difficulty: easy
    prompt: What is the bias-variance trade-off?
    answer: Simple models underfit (high bias); flexible ones overfit (high variance); the best test error sits
      between, and regularization moves a model along the curve.
    key_points:
      - High bias means the model underfits
      - High variance means the model overfits
      - Regularization trades variance for bias
"""
STRONG = ("During training dropout randomly zeroes activations with probability p, and the kept activations are "
          "scaled by 1/(1-p). At inference you call model.eval(), which switches dropout off.")
HALF = "Dropout randomly zeroes activations with probability p while training."


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(BANK)
    return path


@pytest.fixture
def grader() -> CountingGrader:
    return CountingGrader()


@pytest.fixture
async def core(db_path: Path, bank: Path, clock: ManualClock, outbound: RecordingOutbound,
               grader: CountingGrader) -> AsyncIterator[Core]:
    async with open_core(database=db_path, clock=clock, bank_paths=[bank], rng=random.Random(7),
                         grader=grader) as c:
        c.register_outbound(outbound)
        yield c


ALICE = make_actor("alice")


async def card(core: Core, question_id: str = "pt-dropout-1", actor: Any = ALICE) -> int:
    return card_post_id(await run(core, actor, f"quiz {question_id}"))


async def answer(core: Core, post_id: int, text: str, actor: Any = ALICE, **kw: Any) -> list[Reply]:
    return await core.handle_answer(AnswerSubmission(actor, make_place(), post_id, text, **kw))


def feedback_of(replies: list[Reply]) -> Reply:
    [reply] = [r for r in replies if r.title == "Your answer, checked"]
    return reply


# --- /quiz ID -----------------------------------------------------------------------------------------------


def test_quiz_parses_an_id_apart_from_topics() -> None:
    assert parse_quiz(["pt-dropout-1"]).question_id == "pt-dropout-1"
    assert parse_quiz(["id=PT-Dropout-1"]).question_id == "pt-dropout-1"
    assert parse_quiz(["deep-learning", "hard"]).question_id is None  # a topic, not an id


async def test_quiz_id_opens_that_question_and_an_unknown_id_gets_the_closest(core: Core, db_path: Path) -> None:
    [reply] = await run(core, ALICE, "quiz pt-dropout-1")
    assert reply.card is not None and reply.card.question.id == "pt-dropout-1" and "pt-dropout-1" in (
        reply.card.heading or "")
    assert [b.action for b in reply.buttons] == ["reveal", "hint", "skip", "answer"]
    [miss] = await run(core, ALICE, "quiz pt-dropot-1")
    assert miss.is_error and miss.private
    assert "no question with id `pt-dropot-1`" in miss.text and "`pt-dropout-1`" in miss.text
    assert scalar(db_path, "SELECT count(*) FROM posts") == 1


# --- the reply ----------------------------------------------------------------------------------------------


async def test_feedback_per_key_point_count_suggestion_reference_and_marked_buttons(
    core: Core, db_path: Path
) -> None:
    post_id = await card(core)
    reply = feedback_of(await answer(core, post_id, HALF))
    assert reply.private
    lines = reply.text.splitlines()
    assert lines[0].startswith("✅ **Covered** · Dropout zeroes random activations") and "—" in lines[0]
    assert lines[1].startswith(("❌ **Missed**", "🟡 **Partly**")) and lines[2].startswith(("❌", "🟡"))
    assert "**Covered 1 of 3 key points**" in reply.text
    assert "**Suggested grade: Hard**" in reply.text and "your click below decides" in reply.text
    assert f"> {HALF}" in reply.text
    assert reply.card is not None and reply.card.reveal  # then the reference answer
    assert [(b.action, b.marked, b.label) for b in reply.buttons] == [
        ("again", False, "Again"), ("hard", True, "Hard · suggested"), ("good", False, "Good"),
        ("easy", False, "Easy")]
    row = query(db_path, "SELECT answer_text, covered, partly, total, covered_share, suggested_grade, grader, "
                         "fell_back, chosen_grade FROM typed_answers")
    assert row[0][0] == HALF and row[0][3] == 3 and row[0][5:] == ("hard", "built-in", 0, None)
    assert '"verdict": "covered"' in scalar(db_path, "SELECT verdicts FROM typed_answers")


async def test_the_users_click_decides_the_grade_and_streak_shows_the_agreement(core: Core, db_path: Path) -> None:
    first = await card(core)
    await answer(core, first, STRONG)  # suggested Easy
    graded = await press(core, ALICE, "good", first)
    assert "Graded **Good**" in texts(graded)  # the click, not the suggestion
    assert query(db_path, "SELECT grade, points FROM grades") == [("good", 2.0)]
    second = await card(core, "ml-bias-variance-1")
    await answer(core, second, "I am not sure.")  # suggested Again
    await press(core, ALICE, "again", second)
    assert query(db_path, "SELECT post_id, suggested_grade, chosen_grade FROM typed_answers ORDER BY post_id") == [
        (first, "easy", "good"), (second, "again", "again")]
    [streak] = await run(core, ALICE, "streak")
    assert "Your grades matched the checker's suggestion 1 of 2 times" in streak.text
    assert "matched the checker's suggestion 1 of 2 times" in (await core.home_summary(ALICE)).text
    # a regrade moves the chosen grade with it
    await press(core, ALICE, "easy", first)
    [streak] = await run(core, ALICE, "streak")
    assert "matched the checker's suggestion 2 of 2 times" in streak.text


async def test_no_agreement_line_before_any_typed_answer_is_graded(core: Core) -> None:
    [streak] = await run(core, ALICE, "streak")
    assert "checker" not in streak.text


# --- bad input ----------------------------------------------------------------------------------------------


async def test_an_empty_answer_gets_a_clear_message_and_nothing_is_saved(core: Core, db_path: Path,
                                                                       grader: CountingGrader) -> None:
    post_id = await card(core)
    [reply] = await answer(core, post_id, "  \n\t ")
    assert reply.is_error and reply.private and "Your answer is empty" in reply.text
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 0 and grader.calls == 0
    assert feedback_of(await answer(core, post_id, STRONG))  # the card still takes an answer


async def test_an_answer_of_ten_thousand_characters_is_refused_with_the_limit(core: Core, db_path: Path,
                                                                            grader: CountingGrader) -> None:
    post_id = await card(core)
    [reply] = await answer(core, post_id, "dropout." * 1250)
    assert reply.is_error and "10,000 characters; the limit is 4,000" in reply.text
    assert "Nothing was saved" in reply.text
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 0 and grader.calls == 0
    assert feedback_of(await answer(core, post_id, STRONG))


async def test_an_answer_to_a_graded_card_is_checked_on_a_fresh_card(core: Core, db_path: Path) -> None:
    post_id = await card(core)
    await press(core, ALICE, "good", post_id)
    replies = await answer(core, post_id, STRONG)
    assert "already graded that card **Good**" in replies[0].text and "new private card" in replies[0].text
    fresh = feedback_of(replies)
    assert fresh.card is not None and fresh.card.post_id != post_id
    assert query(db_path, "SELECT post_id, answer_text FROM typed_answers") == [(fresh.card.post_id, STRONG)]
    assert query(db_path, "SELECT kind, user_id, question_id FROM posts WHERE id = ?", (fresh.card.post_id,)) == [
        ("quiz", "alice", "pt-dropout-1")]


async def test_an_answer_to_yesterdays_question_of_the_day_is_checked_on_a_private_card(
    core: Core, clock: ManualClock, outbound: RecordingOutbound, db_path: Path
) -> None:
    admin = make_actor("boss", admin=True)
    await run(core, admin, "qotd setup 09:00 UTC daily reveal=1h")
    clock.set(MONDAY_MORNING.replace(hour=9, minute=0, second=30))
    await core.tick()
    [monday] = outbound.qotd_posts()
    assert [b.action for b in monday.reply.buttons] == ["reveal", "answer"]
    clock.advance(timedelta(days=1))
    await core.tick()
    assert len(outbound.qotd_posts()) == 2
    assert monday.reply.card is not None
    replies = await answer(core, monday.reply.card.post_id, STRONG)
    assert "no longer the current one" in replies[0].text
    fresh = feedback_of(replies)
    assert fresh.card is not None and fresh.card.post_id != monday.reply.card.post_id
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 1
    # the same form sent again for the old card is that one answer, not another fresh card
    again = await answer(core, monday.reply.card.post_id, STRONG)
    assert "already answered this card" in again[0].text
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 1
    assert scalar(db_path, "SELECT count(*) FROM posts WHERE kind = 'quiz'") == 1


async def test_an_answer_to_a_card_that_is_gone_keeps_the_text_in_the_reply(core: Core, db_path: Path) -> None:
    [reply] = await answer(core, 999_999, "My careful answer about dropout.")
    assert reply.is_error and "no longer available" in reply.text
    assert "My careful answer about dropout." in reply.text  # nothing is lost
    [other] = await answer(core, await card(core), "Not yours.", actor=make_actor("bob"))
    assert other.is_error and "someone else's" in other.text
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 0


async def test_a_form_submitted_twice_is_checked_and_stored_once(core: Core, db_path: Path,
                                                                grader: CountingGrader) -> None:
    post_id = await card(core)
    first = await answer(core, post_id, STRONG, event_id="modal-1")
    second = await answer(core, post_id, "A different second try.", event_id="modal-2")
    assert "already answered this card" in second[0].text
    assert feedback_of(second).text == feedback_of(first).text  # the kept answer's feedback, again
    assert await answer(core, post_id, STRONG, event_id="modal-1") == []  # a redelivery of the same event
    assert grader.calls == 1
    assert query(db_path, "SELECT answer_text FROM typed_answers") == [(STRONG,)]


async def test_two_submissions_at_once_are_checked_once(core: Core, db_path: Path, grader: CountingGrader) -> None:
    grader.delay = 0.05
    post_id = await card(core)
    a, b = await asyncio.gather(answer(core, post_id, STRONG), answer(core, post_id, HALF))
    assert grader.calls == 1
    assert sum(1 for r in (a, b) if any(x.title == "Your answer, checked" for x in r)) == 1
    assert "still being checked" in texts(a) + texts(b)
    assert scalar(db_path, "SELECT count(*) FROM typed_answers WHERE suggested_grade IS NOT NULL") == 1


async def test_a_grader_that_raises_falls_back_to_the_built_in_one_and_says_so(core: Core, db_path: Path) -> None:
    class Broken:
        async def grade(self, question: Question, answer_text: str) -> Feedback:
            raise RuntimeError("boom")

    core.answers.grader = Broken()
    reply = feedback_of(await answer(core, await card(core), STRONG))
    assert "built-in checker graded this answer" in reply.text and "boom" not in reply.text
    assert query(db_path, "SELECT grader, fell_back FROM typed_answers") == [("built-in", 1)]


# --- question of the day, retention -------------------------------------------------------------------------


async def test_public_reveal_counts_typed_answers_and_their_average_share_without_text_or_names(
    core: Core, clock: ManualClock, outbound: RecordingOutbound
) -> None:
    await run(core, make_actor("boss", admin=True), "qotd setup 09:00 UTC daily reveal=1h")
    clock.set(MONDAY_MORNING.replace(hour=9, minute=0, second=30))
    await core.tick()
    [post] = outbound.qotd_posts()
    assert post.reply.card is not None
    post_id = post.reply.card.post_id
    await answer(core, post_id, STRONG, actor=make_actor("ann"))   # 3 of 3
    await answer(core, post_id, HALF, actor=make_actor("ben"))     # 1 of 3
    clock.advance(timedelta(hours=1, minutes=1))
    await core.tick()
    [thread] = outbound.thread_posts
    assert thread.reply.card is not None and thread.reply.card.footer is not None
    footer = thread.reply.card.footer
    assert "2 answered in their own words" in footer and "covering 67% of the key points on average" in footer
    assert "Ann" not in footer and "ann" not in footer and "dropout" not in footer.lower()


async def test_typed_answers_are_pruned_after_thirty_days(core: Core, clock: ManualClock, db_path: Path) -> None:
    await answer(core, await card(core), STRONG)
    clock.advance(timedelta(days=29))
    await core.tick()
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 1
    clock.advance(timedelta(days=1, minutes=1))
    await core.tick()
    assert scalar(db_path, "SELECT count(*) FROM typed_answers") == 0


# --- the console ----------------------------------------------------------------------------------------------


async def test_console_answer_text_answers_the_card_on_screen(core: Core, clock: ManualClock, db_path: Path,
                                                              tmp_path: Path) -> None:
    out = io.StringIO()
    session = ConsoleSession(core, clock, out, ConsoleOutbound(out, tmp_path / "channel.jsonl"))
    for line in ["/quiz pt-dropout-1", f"answer {STRONG}  @everyone", "easy"]:
        assert await session.handle_line(line)
    shown = out.getvalue()
    assert "[answer]" in shown and "Covered 3 of 3 key points" in shown and "[easy] (suggested)" in shown
    assert "Graded **Easy**" in shown
    assert query(db_path, "SELECT user_id, answer_text, chosen_grade FROM typed_answers") == [
        ("you", f"{STRONG}  @everyone", "easy")]
    start = len(out.getvalue())
    assert await session.handle_line("answer")
    assert "Usage: answer TEXT" in out.getvalue()[start:]
