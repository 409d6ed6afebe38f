"""Issue 12 end to end on Discord: the real discord.py against the fake — Answer button → modal → MODAL_SUBMIT."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.runner import configure_endpoints
from bot.app import open_core
from bot.clock import ManualClock
from tests.conftest import query, scalar
from tests.fakes.discord_fake import MEMBER_ID, FakeDiscord, InteractionRecord, Message, run_bot

BANK = """\
pack: test
questions:
  - id: pt-dropout-1
    topic: pytorch
    difficulty: medium
    prompt: What does dropout do during training, and what changes at inference?
    answer: Dropout zeroes random activations with probability p during training and scales the survivors by
      1/(1-p); at inference it is switched off (model.eval()), so the full network is used.
    hints: ["Think about train vs eval mode."]
    key_points:
      - Dropout zeroes random activations with probability p during training
      - The kept activations are scaled by 1/(1-p)
      - At inference dropout is switched off with model.eval()
  - id: pt-easy-1
    topic: pytorch
    difficulty: easy
    prompt: What does `torch.no_grad()` do?
    answer: It disables gradient tracking inside the block, saving memory at inference.
    key_points:
      - It disables gradient tracking inside the block
      - It saves memory at inference
      - Tensors created inside have requires_grad False
"""
STRONG = ("During training dropout randomly zeroes activations with probability p, and the kept activations are "
          "scaled by 1/(1-p). At inference you call model.eval(), which switches dropout off.")
MONDAY = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "test.yaml"
    path.parent.mkdir()
    path.write_text(BANK)
    return path


@pytest.fixture
async def core(db_path: Path, bank: Path) -> AsyncIterator[Any]:
    async with open_core(database=db_path, clock=ManualClock(MONDAY), bank_paths=[bank]) as c:
        yield c


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def bot(core: Any, fake: FakeDiscord) -> AsyncIterator[Any]:
    async with run_bot(core, fake) as b:
        yield b


@pytest.fixture(autouse=True)
def _restore_endpoints() -> Any:
    yield
    configure_endpoints()


async def open_card(fake: FakeDiscord, question_id: str = "pt-dropout-1") -> Message:
    record = await fake.slash("quiz", {"id": question_id})
    [card] = await fake.wait_answered(record)
    return card


async def click(fake: FakeDiscord, message: Message, action: str, **kw: Any) -> InteractionRecord:
    [custom_id] = [c for c in message.custom_ids() if c.split(":")[1] == action]
    record = await fake.click(message, custom_id, **kw)
    await fake.wait_until(lambda: record.callbacks)
    return record


async def answer(fake: FakeDiscord, card: Message, text: str, **kw: Any) -> tuple[InteractionRecord, list[Message]]:
    """Click Answer on the card, then submit the modal with `text`; the replies the user sees."""
    opened = await click(fake, card, "answer", **kw)
    assert opened.callback_type == 9, "the Answer button must answer with a modal"
    submitted = await fake.submit_modal(opened, {"answer": text}, **kw)
    replies = await fake.wait_answered(submitted)
    return submitted, replies


async def test_answer_button_opens_a_modal_and_the_feedback_comes_privately_after_a_defer(
    fake: FakeDiscord, bot: Any, db_path: Path
) -> None:
    card = await open_card(fake)
    assert "pt-dropout-1" in card.text()
    assert any(c.split(":")[1] == "answer" for c in card.custom_ids())
    opened = await click(fake, card, "answer")
    modal = opened.modal
    assert modal is not None and modal["custom_id"].startswith("mlq-answer:")
    [text_input] = modal["components"][0]["components"]
    assert text_input["type"] == 4 and text_input["style"] == 2 and text_input["max_length"] == 4000
    assert not fake.invalid_bodies

    submitted = await fake.submit_modal(opened, {"answer": STRONG})
    [reply] = await fake.wait_answered(submitted)
    # acknowledged with a deferred ephemeral "thinking" response before any grading, then edited
    assert submitted.callback_type == 5 and submitted.callbacks[0].json["data"]["flags"] == 64
    assert reply.ephemeral
    text = reply.text()
    assert "Covered 3 of 3 key points" in text and "Suggested grade: Easy" in text
    assert "✅ **Covered**" in text and "scales the survivors" in text  # the reference answer follows
    labels = [c["label"] for row in reply.components for c in row["components"]]
    assert labels == ["Again", "Hard", "Good", "Easy · suggested"]
    [row] = query(db_path, "SELECT user_id, answer_text, covered, total, suggested_grade, grader, chosen_grade "
                           "FROM typed_answers")
    assert row == (str(MEMBER_ID), STRONG, 3, 3, "easy", "built-in", None)

    # the user's click decides: Good, although Easy was suggested; both are kept side by side
    graded = await click(fake, reply, "good")
    assert graded.callbacks
    await fake.wait_until(lambda: scalar(db_path, "SELECT chosen_grade FROM typed_answers") == "good")
    assert query(db_path, "SELECT grade FROM grades") == [("good",)]
    assert query(db_path, "SELECT suggested_grade, chosen_grade FROM typed_answers") == [("easy", "good")]
