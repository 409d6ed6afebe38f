"""Suggestions end to end on Discord: the real discord.py and core against the fake Discord (modals included)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.runner import configure_endpoints
from bot.app import open_core
from bot.clock import ManualClock
from bot.domain.events import Actor
from tests.conftest import MONDAY_MORNING, SMALL_BANK, card_question, make_command, query
from tests.fakes.discord_fake import (
    ADMIN_ID,
    GUILD_ID,
    MEMBER_ID,
    FakeDiscord,
    InteractionRecord,
    Message,
    run_bot,
)

PROMPT = "How do you roll back a bad model deployment without downtime?"
ANSWER = "Keep the previous version serving behind the same endpoint and shift traffic back."


@pytest.fixture
async def core(db_path: Path) -> AsyncIterator[Any]:
    async with open_core(database=db_path, clock=ManualClock(MONDAY_MORNING), bank_paths=[SMALL_BANK],
                         rng=random.Random(5)) as c:
        yield c


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def bot(core: Any, fake: FakeDiscord) -> AsyncIterator[Any]:
    async with run_bot(core, fake) as b:
        yield b
    configure_endpoints()


async def open_form(fake: FakeDiscord, **options: Any) -> InteractionRecord:
    record = await fake.slash("suggest", options or None, user_id=MEMBER_ID)
    await fake.wait_until(lambda: record.callbacks)
    return record


def inputs(modal: dict[str, Any]) -> dict[str, str | None]:
    return {c["custom_id"]: c.get("value") for row in modal["components"] for c in row["components"]}


async def submit(fake: FakeDiscord, record: InteractionRecord, values: dict[str, str]) -> Message:
    sent = await fake.submit_modal(record, values)
    [reply] = await fake.wait_answered(sent)
    return reply


async def queue(fake: FakeDiscord, expected: int) -> list[Message]:
    record = await fake.slash("qotd", subcommand="suggestions", user_id=ADMIN_ID)
    return await fake.wait_answered(record, expected)


async def click(fake: FakeDiscord, message: Message, custom_id: str) -> InteractionRecord:
    record = await fake.click(message, custom_id, user_id=ADMIN_ID)
    await fake.wait_until(lambda: record.callbacks)
    return record


async def test_suggest_modal_review_edit_approve_and_quiz(fake: FakeDiscord, bot: Any, core: Any,
                                                          db_path: Path) -> None:
    assert "suggest" in fake.registered_command_names()
    assert "suggestions" in {o["name"] for o in fake.command_schema("qotd")["options"]}
    record = await open_form(fake, topic="mlops")
    modal = fake.modal_of(record)
    assert modal["title"] == "Suggest a question"
    assert inputs(modal)["topic"] == "mlops" and set(inputs(modal)) == {"topic", "difficulty", "prompt", "answer",
                                                                         "hints"}
    reply = await submit(fake, record, {"difficulty": "medium", "prompt": PROMPT, "answer": ANSWER})
    assert reply.ephemeral and "suggestion #1" in reply.text() and "was received" in reply.text()
    assert query(db_path, "SELECT platform, team_id, user_id, author_name, prompt, status FROM suggestions") == [
        ("discord", str(GUILD_ID), str(MEMBER_ID), "Bob", PROMPT, "pending")]

    head, item = await queue(fake, 2)
    assert head.ephemeral and "1 suggestion waiting" in head.text()
    assert PROMPT in item.text() and item.custom_ids() == ["mlq:approve:1", "mlq:edit:1", "mlq:reject:1"]

    # Edit: a modal prefilled with the suggestion; its submission updates it.
    edit = await click(fake, item, "mlq:edit:1")
    prefilled = inputs(fake.modal_of(edit))
    assert prefilled["prompt"] == PROMPT and prefilled["answer"] == ANSWER and prefilled["difficulty"] == "medium"
    sent = await fake.submit_modal(edit, {"difficulty": "hard", "hints": "Think of blue/green."})
    updated = await fake.wait_answered(sent, 2)
    assert "Suggestion #1 updated" in updated[0].text() and "hard" in updated[1].text()
    assert query(db_path, "SELECT difficulty, hints FROM suggestions") == [("hard", '["Think of blue/green."]')]

    approve = await click(fake, item, "mlq:approve:1")
    await fake.wait_until(lambda: query(db_path, "SELECT status FROM suggestions") == [("approved",)])
    await fake.wait_until(lambda: any("was approved" in m.text() for m in fake.dm_messages(MEMBER_ID)))
    assert approve.callbacks
    decided = fake.messages[item.id]  # the queued card is replaced: its buttons are gone
    assert "Approved suggestion #1" in decided.text() and decided.custom_ids() == []

    quiz = await fake.slash("quiz", {"topic": "mlops"}, user_id=MEMBER_ID)
    [card] = await fake.wait_answered(quiz)
    assert PROMPT in card.text() and "suggested by Bob" in card.text()
    assert query(db_path, "SELECT question_id FROM posts WHERE kind = 'quiz'") == [("team-1",)]
    # Never drawn in another server.
    other = Actor("discord", "999", "42", "Zoe")
    replies = await core.handle_command(make_command(other, "quiz mlops"))
    assert "no questions for mlops" in replies[0].text
    replies = await core.handle_command(make_command(other, "quiz"))
    assert card_question(replies) != "team-1"


async def test_reject_with_a_reason_and_the_clear_errors(fake: FakeDiscord, bot: Any, db_path: Path) -> None:
    record = await open_form(fake)
    reply = await submit(fake, record, {"topic": "cooking", "difficulty": "easy", "prompt": PROMPT})
    assert reply.ephemeral and "unknown topic 'cooking'; allowed:" in reply.text()
    record = await open_form(fake)
    reply = await submit(fake, record, {"topic": "pytorch", "difficulty": "easy",
                                        "prompt": "Sample pytorch easy question 1: what does `thing_0` do?"})
    assert "repeats the prompt of question 'pytorch-easy-1'" in reply.text()
    assert query(db_path, "SELECT count(*) FROM suggestions") == [(0,)]

    record = await open_form(fake)
    await submit(fake, record, {"topic": "sql", "difficulty": "easy", "prompt": "What does GROUP BY do to rows?"})
    refused = await fake.slash("qotd", subcommand="suggestions", user_id=MEMBER_ID)
    [no] = await fake.wait_answered(refused)
    assert no.ephemeral and "Only server admins" in no.text()

    _, item = await queue(fake, 2)
    reject = await click(fake, item, "mlq:reject:1")
    assert fake.modal_of(reject)["title"] == "Reject suggestion #1"
    sent = await fake.submit_modal(reject, {"reason": "We already cover GROUP BY."})
    [done] = await fake.wait_answered(sent)
    assert "Rejected suggestion #1" in done.text()
    assert query(db_path, "SELECT status, reason FROM suggestions") == [("rejected", "We already cover GROUP BY.")]
    dm = await fake.wait_until(lambda: [m for m in fake.dm_messages(MEMBER_ID) if "not accepted" in m.text()])
    assert "Reason: We already cover GROUP BY." in dm[0].text()
    # Members get no modal from Edit: a private refusal instead.
    again = await fake.click(item, "mlq:edit:1", user_id=MEMBER_ID)
    [refusal] = await fake.wait_answered(again)
    assert refusal.ephemeral and "Only server admins" in refusal.text()
