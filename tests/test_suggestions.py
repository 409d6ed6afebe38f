"""Suggestions and team questions through the core and the console: the queue, approval into one team's bank
only, rejection with a reason, the pack checks with their errors, and freshness across processes."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession
from bot.app import open_core
from bot.bank.render import question_body
from bot.clock import ManualClock
from bot.core import Core
from tests.conftest import (
    MONDAY_MORNING,
    SMALL_BANK,
    RecordingOutbound,
    card_question,
    make_actor,
    open_test_core,
    press,
    query,
    run,
    scalar,
    texts,
)

PROMPT = "How do you roll back a bad model deployment without downtime?"
ANSWER = "Keep the previous model version serving behind the same endpoint and shift traffic back."
BOB = make_actor("bob", name="Bob Builder")
ADMIN = make_actor("ann", admin=True)
OTHER_TEAM_USER = make_actor("carol", team="T2")


async def suggest(core: Core, actor=BOB, line: str = f"suggest mlops medium {PROMPT} | {ANSWER}") -> str:
    return texts(await run(core, actor, line))


async def queue_ids(core: Core) -> list[int]:
    replies = await run(core, ADMIN, "qotd suggestions")
    return [r.buttons[0].post_id for r in replies if r.buttons]


async def test_a_suggestion_is_queued_approved_and_drawn_by_that_team_only(core: Core, db_path: Path,
                                                                           outbound: RecordingOutbound) -> None:
    said = await suggest(core)
    assert "suggestion #1" in said and "was received" in said
    assert query(db_path, "SELECT platform, team_id, user_id, author_name, topic, difficulty, prompt, answer, "
                          "status FROM suggestions") == [
        ("test", "T1", "bob", "Bob Builder", "mlops", "medium", PROMPT, ANSWER, "pending")]
    # Not drawn before approval.
    assert "no questions for mlops" in texts(await run(core, BOB, "quiz mlops"))
    replies = await run(core, ADMIN, "qotd suggestions")
    assert "1 suggestion waiting" in replies[0].text and PROMPT in replies[1].text
    assert [b.custom_id for b in replies[1].buttons] == ["mlq:approve:1", "mlq:edit:1", "mlq:reject:1"]
    approved = texts(await press(core, ADMIN, "approve", 1))
    assert "Approved suggestion #1" in approved and "team-1" in approved
    assert scalar(db_path, "SELECT status FROM suggestions WHERE id = 1") == "approved"
    assert outbound.private and "was approved" in outbound.private[-1][2].text
    # Drawn by /quiz in this team, credited on its card.
    replies = await run(core, BOB, "quiz mlops")
    assert card_question(replies) == "team-1"
    card = next(r.card for r in replies if r.card)
    assert "suggested by Bob Builder" in question_body(card.question, reveal=False, show_hints=False)
    # The reveal and the grade work on the team question.
    post_id = card.post_id
    assert ANSWER in question_body(next(r.card for r in await press(core, BOB, "reveal", post_id) if r.card).question,
                                   reveal=True, show_hints=False)
    assert "Graded **Good**" in texts(await press(core, BOB, "good", post_id))
    assert query(db_path, "SELECT question_id, topic FROM grades") == [("team-1", "mlops")]
    # Counted by this team's /topics, not by another team's; never drawn in another team.
    assert "`mlops`" in texts(await run(core, BOB, "topics"))
    assert "1 of them this team's own" in texts(await run(core, BOB, "topics"))
    assert "`mlops`" not in texts(await run(core, OTHER_TEAM_USER, "topics"))
    assert "no questions for mlops" in texts(await run(core, OTHER_TEAM_USER, "quiz mlops"))
    for _ in range(25):
        assert card_question(await run(core, OTHER_TEAM_USER, "quiz")) != "team-1"
    # Once decided, it leaves the queue.
    assert await queue_ids(core) == []


async def test_the_team_question_of_the_day_draws_it_and_another_team_cannot(core: Core, clock: ManualClock,
                                                                             outbound: RecordingOutbound) -> None:
    await suggest(core)
    await press(core, ADMIN, "approve", 1)
    said = texts(await run(core, ADMIN, "qotd setup 07:00 UTC daily mlops"))
    assert "1 questions in its pool" in said
    assert "Posted today's question." in texts(await run(core, ADMIN, "qotd now"))
    assert outbound.qotd_posts()[-1].reply.card.question.id == "team-1"
    other_admin = make_actor("dave", team="T2", admin=True)
    assert "No questions match" in texts(await run(core, other_admin, "qotd setup 07:00 UTC daily mlops"))


async def test_a_rejected_suggestion_tells_the_author_with_the_reason(core: Core, db_path: Path,
                                                                      outbound: RecordingOutbound) -> None:
    await suggest(core)
    said = texts(await run(core, ADMIN, "qotd suggestions reject 1 too close to an existing question"))
    assert "Rejected suggestion #1" in said and "the reason" in said
    team, user, reply = outbound.private[-1]
    assert (team, user) == ("T1", "bob")
    assert "was not accepted" in reply.text and "Reason: too close to an existing question" in reply.text
    assert query(db_path, "SELECT status, reason, decided_by FROM suggestions") == [
        ("rejected", "too close to an existing question", "ann")]
    assert "no questions for mlops" in texts(await run(core, BOB, "quiz mlops"))
    # Deciding it again is refused clearly.
    assert "no longer waiting" in texts(await press(core, ADMIN, "approve", 1))


async def test_an_unreachable_author_hears_with_their_next_command(core: Core, outbound: RecordingOutbound) -> None:
    outbound.reachable = False
    await suggest(core)
    await press(core, ADMIN, "reject", 1)
    assert "was not accepted" in texts(await run(core, BOB, "streak"))


async def test_a_bad_topic_and_a_duplicate_prompt_get_the_pack_errors(core: Core, db_path: Path) -> None:
    said = await suggest(core, line=f"suggest cooking easy {PROMPT}")
    assert "unknown topic 'cooking'; allowed: ml-fundamentals" in said
    said = await suggest(core, line="suggest pytorch easy Sample pytorch easy question 1: what does `thing_0` do?")
    assert "repeats the prompt of question 'pytorch-easy-1'" in said
    said = await suggest(core, line="suggest pytorch expert-ish " + PROMPT + " | ```python\nprint(1)")
    assert "unknown difficulty 'expert-ish'" in said and "unclosed code fence" in said
    assert "at least 10" in await suggest(core, line="suggest sql easy Why? | Because.")
    assert scalar(db_path, "SELECT count(*) FROM suggestions") == 0
    # A second member proposing what is already waiting is told so.
    await suggest(core)
    assert "suggestion #1, waiting for review" in await suggest(core, make_actor("eve"))
    assert "/suggest TOPIC DIFFICULTY PROMPT" in await suggest(core, line="suggest")


async def test_a_hint_that_gives_the_answer_away_is_refused_like_in_a_pack(core: Core) -> None:
    said = await suggest(core, line=f"suggest mlops medium prompt={PROMPT} answer={ANSWER} "
                                    "hints=Keep_the_previous_model_version_serving")
    assert "can't read" in said  # typed words are not form fields
    replies = await core.handle_command(_form(BOB, hints="Keep the previous model version serving behind the "
                                                          "same endpoint and shift traffic back"))
    assert "gives the answer away" in texts(replies)


def _form(actor, **fields: str):
    from bot.domain.events import Command, Place

    values = {"topic": "mlops", "difficulty": "medium", "prompt": PROMPT, "answer": ANSWER, **fields}
    return Command(actor, Place(actor.platform, actor.team_id, "C1"), "suggest",
                   tuple(f"{k}={v}" for k, v in values.items()))


async def test_members_cannot_review_and_admins_can_edit(core: Core, db_path: Path) -> None:
    await suggest(core)
    refused = texts(await run(core, BOB, "qotd suggestions"))
    assert "Only server admins" in refused and "review suggestions" in refused
    assert "Only server admins" in texts(await press(core, BOB, "approve", 1))
    assert "Only server admins" in texts(await core.handle_command(_form(BOB, edit="1")))
    form = await core.suggestion_form(ADMIN, 1)
    assert getattr(form, "prompt", None) == PROMPT and getattr(form, "answer", None) == ANSWER
    assert getattr(await core.suggestion_form(BOB, 1), "is_error", False)
    replies = await core.handle_command(_form(ADMIN, edit="1", difficulty="hard", hints="Think of blue/green."))
    assert "Suggestion #1 updated" in texts(replies)
    assert query(db_path, "SELECT difficulty, hints, status FROM suggestions") == [
        ("hard", '["Think of blue/green."]', "pending")]
    # An admin of another team sees nothing of this queue.
    assert "No suggestions are waiting" in texts(await run(core, make_actor("dave", team="T2", admin=True),
                                                           "qotd suggestions"))
    assert "don't know that suggestion" in texts(await press(core, make_actor("dave", team="T2", admin=True),
                                                             "approve", 1))


async def test_another_process_sees_an_approval_at_its_next_draw(db_path: Path, clock: ManualClock) -> None:
    async with open_test_core(db_path, clock) as first, open_test_core(db_path, clock, seed=9) as second:
        assert "no questions for mlops" in texts(await run(second, BOB, "quiz mlops"))  # caches T1's bank
        await suggest(first)
        await press(first, ADMIN, "approve", 1)
        assert card_question(await run(second, BOB, "quiz mlops")) == "team-1"


async def test_a_restart_keeps_the_team_questions(db_path: Path, clock: ManualClock) -> None:
    async with open_test_core(db_path, clock) as first:
        await suggest(first)
        await press(first, ADMIN, "approve", 1)
    async with open_test_core(db_path, clock) as again:
        assert card_question(await run(again, BOB, "quiz mlops")) == "team-1"


# --- the console ----------------------------------------------------------------------------------


@pytest.fixture
async def console(db_path: Path):
    clock = ManualClock(MONDAY_MORNING)
    out = io.StringIO()
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(3)) as core:
        session = ConsoleSession(core, clock, out, ConsoleOutbound(out))

        async def say(*lines: str) -> str:
            start = len(out.getvalue())
            for line in lines:
                assert await session.handle_line(line)
            return out.getvalue()[start:]

        yield say


async def test_console_suggest_approve_and_quiz(console, db_path: Path) -> None:
    said = await console("/as bob", f"/suggest mlops medium {PROMPT} | {ANSWER}")
    assert "suggestion #1" in said
    assert "Only server admins" in await console("/qotd suggestions")
    assert "No suggestion on screen" in await console("approve")
    said = await console("/as ann admin", "/qotd suggestions")
    assert PROMPT in said and "[approve]  [edit]  [reject]" in said
    said = await console("approve")
    assert "Approved suggestion #1" in said and "[DM to bob]" in said
    said = await console("/as bob", "/quiz mlops")
    assert "(id: team-1)" in said and "_suggested by bob_" in said


async def test_console_reject_with_a_reason(console, db_path: Path) -> None:
    await console("/as bob", f"/suggest mlops medium {PROMPT}", "/suggest sql easy What does GROUP BY do to rows?")
    said = await console("/as ann admin", "/qotd suggestions", "reject not specific enough")
    assert "Rejected suggestion #1" in said and "Reason: not specific enough" in said
    assert query(db_path, "SELECT id, status FROM suggestions ORDER BY id") == [(1, "rejected"), (2, "pending")]
    said = await console("/quiz sql", "reveal")  # the quiz buttons still act on the quiz, not on a suggestion
    assert "**Answer**" in said or "No reference answer" in said


async def test_approval_checks_again_against_a_bank_reloaded_meanwhile(core: Core, tmp_path: Path,
                                                                       db_path: Path) -> None:
    await suggest(core)
    pack = tmp_path / "later.yaml"
    pack.write_text(f"questions:\n  - id: later-1\n    topic: mlops\n    difficulty: easy\n    prompt: '{PROMPT}'\n",
                    encoding="utf-8")
    core.pack_paths = (*core.pack_paths, pack)
    assert "reloaded" in texts(await run(core, ADMIN, "qotd reload"))
    said = texts(await press(core, ADMIN, "approve", 1))
    assert "can't approve this suggestion yet" in said and "repeats the prompt of question 'later-1'" in said
    assert scalar(db_path, "SELECT status FROM suggestions") == "pending"


async def test_a_refused_form_repeats_what_was_typed_and_an_edit_keeps_fields_left_out(core: Core,
                                                                                      db_path: Path) -> None:
    said = texts(await core.handle_command(_form(BOB, topic="cooking", hints="Think of traffic.")))
    assert "unknown topic 'cooking'" in said and f"> Prompt: {PROMPT}" in said and f"> Answer: {ANSWER}" in said
    assert "> Hints: Think of traffic." in said
    await suggest(core)
    said = texts(await run(core, ADMIN, "suggest edit=1 answer=Route traffic back to the previous version."))
    assert "Suggestion #1 updated" in said
    assert query(db_path, "SELECT topic, difficulty, prompt, answer FROM suggestions") == [
        ("mlops", "medium", PROMPT, "Route traffic back to the previous version.")]


async def test_console_edit_explains_and_approve_needs_a_listing_each_time(console, db_path: Path) -> None:
    await console("/as bob", f"/suggest mlops medium {PROMPT}")
    said = await console("/as ann admin", "/qotd suggestions", "edit")
    assert "/suggest edit=1" in said
    said = await console("/suggest edit=1 difficulty=hard answer=Shift traffic back to the old version.")
    assert "Suggestion #1 updated" in said and "[approve]" in said
    assert query(db_path, "SELECT difficulty, answer FROM suggestions") == [
        ("hard", "Shift traffic back to the old version.")]
    assert "Approved suggestion #1" in await console("approve")
    assert "No suggestion on screen" in await console("approve")


async def test_the_queue_shows_the_oldest_five_and_says_how_many_wait(core: Core) -> None:
    for i in range(7):
        await suggest(core, line=f"suggest sql easy Which index helps query number {i} of the report?")
    replies = await run(core, ADMIN, "qotd suggestions")
    assert "7 suggestions waiting" in replies[0].text and "Showing the oldest 5" in replies[0].text
    assert await queue_ids(core) == [1, 2, 3, 4, 5]
    await run(core, ADMIN, "qotd suggestions approve 2")
    await run(core, ADMIN, "qotd suggestions reject #4 duplicate")
    assert await queue_ids(core) == [1, 3, 5, 6, 7]
    assert "can't read that" in texts(await run(core, ADMIN, "qotd suggestions approve two"))
