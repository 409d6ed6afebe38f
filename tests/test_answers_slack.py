"""Issue 12 end to end on Slack: the real slack-bolt — block action → views.open → view_submission → feedback."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.runner import build_app
from bot.app import open_core
from bot.clock import ManualClock
from bot.core import Core
from tests.conftest import query
from tests.fakes.graders import CountingGrader
from tests.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SignedSender, serving

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
HTTP_ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
BANK = """
questions:
  - id: pt-dropout-1
    topic: pytorch
    difficulty: medium
    prompt: "What does dropout do during training, and what changes at inference?"
    answer: "Dropout zeroes random activations with probability p and scales the survivors by 1/(1-p); at
      inference it is off (model.eval())."
    key_points:
      - Dropout zeroes random activations with probability p during training
      - The kept activations are scaled by 1/(1-p)
      - At inference dropout is switched off with model.eval()
"""
STRONG = ("During training dropout randomly zeroes activations with probability p, and the kept activations are "
          "scaled by 1/(1-p). At inference you call model.eval(), which switches dropout off.")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("UMEMBER", tz="Europe/Berlin")
        yield server


@pytest.fixture
async def core(tmp_path: Path, db_path: Path) -> AsyncIterator[Core]:
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "test.yaml").write_text(BANK, encoding="utf-8")
    async with open_core(database=db_path, clock=ManualClock(START), bank_paths=[tmp_path / "bank"]) as c:
        yield c


@pytest.fixture
async def slack(fake: FakeSlack, core: Core) -> AsyncIterator[SignedSender]:
    app = build_app(core, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield SignedSender(session, url, fake=fake)


def texts(payload: dict[str, Any]) -> str:
    out = [payload.get("text") or ""]
    for block in payload.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for element in block.get("elements") or []:
            text = element.get("text")
            out.append(text if isinstance(text, str) else (text or {}).get("text", ""))
    return "\n".join(out)


def buttons(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["action_id"], e["text"]["text"]) for b in payload.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]]


async def eventually(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := predicate()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
    return value


async def open_form(fake: FakeSlack, slack: SignedSender, key: str = "card") -> tuple[int, dict[str, Any]]:
    """/quiz ID, then click Answer on the card: the post id and the modal Slack opened."""
    body = (await slack.command("/quiz", "pt-dropout-1", user_id="UMEMBER", response_url=fake.response_url())).json()
    [answer_id] = [a for a, _ in buttons(body) if a.startswith("mlq:answer:")]
    post_id = int(answer_id.rsplit(":", 1)[1])
    response = await slack.click(answer_id, user_id="UMEMBER", response_url=fake.response_url(key))
    assert response.status == 200
    [call] = fake.calls_to("views.open")
    assert not fake.invalid_views
    view = next(iter(fake.views.values()))
    assert call.body["trigger_id"]
    return post_id, view


async def test_answer_opens_a_modal_and_the_feedback_goes_to_the_cards_response_url(
    fake: FakeSlack, slack: SignedSender, db_path: Path
) -> None:
    post_id, view = await open_form(fake, slack)
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["type"] == "plain_text_input" and field["element"]["multiline"] is True
    assert "dropout" in texts(view)

    answer = STRONG + " Cc <!channel> <@U999> & <https://evil.example|click>"
    response = await slack.submit_view(view, {"answer": answer}, user_id="UMEMBER")
    assert response.status == 200 and not response.text  # acknowledged: the modal closes at once
    [payload] = await eventually(lambda: fake.posts_to("card"))
    assert payload["response_type"] == "ephemeral" and payload["replace_original"] is False
    text = texts(payload)
    assert "Covered 3 of 3 key points" in text and "Suggested grade: Easy" in text
    assert "scales the survivors" in text
    # the echoed answer cannot ping or link: Slack's control characters arrive escaped
    assert "&lt;!channel&gt;" in text and "&lt;@U999&gt;" in text and "&amp;" in text
    assert not re.search(r"<[!@#]", text)
    assert buttons(payload) == [(f"mlq:{g}:{post_id}", label) for g, label in
                                [("again", "Again"), ("hard", "Hard"), ("good", "Good"), ("easy", "Easy · suggested")]]
    assert query(db_path, "SELECT user_id, covered, total, suggested_grade FROM typed_answers") == [
        ("UMEMBER", 3, 3, "easy")]

    await slack.click(f"mlq:hard:{post_id}", user_id="UMEMBER", response_url=fake.response_url("grade"))
    assert query(db_path, "SELECT grade FROM grades") == [("hard",)]
    assert query(db_path, "SELECT suggested_grade, chosen_grade FROM typed_answers") == [("easy", "hard")]


async def test_a_blank_answer_is_refused_inside_the_modal_and_nothing_is_stored(
    fake: FakeSlack, slack: SignedSender, db_path: Path
) -> None:
    _, view = await open_form(fake, slack)
    response = await slack.submit_view(view, {"answer": "   \n  "}, user_id="UMEMBER")
    body = response.json()
    assert body["response_action"] == "errors" and "empty" in body["errors"]["answer"]
    assert query(db_path, "SELECT count(*) FROM typed_answers") == [(0,)]
    await asyncio.sleep(0.1)
    assert fake.posts_to("card") == []


async def test_a_view_submitted_twice_is_checked_and_stored_once(
    fake: FakeSlack, slack: SignedSender, db_path: Path
) -> None:
    _, view = await open_form(fake, slack)
    await slack.submit_view(view, {"answer": STRONG}, user_id="UMEMBER")
    await eventually(lambda: fake.posts_to("card"))
    await slack.submit_view({**view, "id": "V-second"}, {"answer": "something else entirely"}, user_id="UMEMBER")
    [_, head, again] = await eventually(lambda: fake.posts_to("card") if len(fake.posts_to("card")) >= 3 else None)
    assert "You already answered this card" in texts(head)
    assert "Covered 3 of 3 key points" in texts(again)
    assert query(db_path, "SELECT answer_text FROM typed_answers") == [(STRONG,)]


async def test_the_ack_never_waits_for_the_checker(fake: FakeSlack, slack: SignedSender, core: Core) -> None:
    core.answers.grader = CountingGrader(delay=1.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    _, view = await open_form(fake, slack)
    assert loop.time() - started < 3.0  # the modal opened inside the trigger's 3 s
    started = loop.time()
    response = await slack.submit_view(view, {"answer": STRONG}, user_id="UMEMBER")
    acked = loop.time() - started
    assert response.status == 200 and acked < 0.5, acked
    assert fake.posts_to("card") == []  # still checking
    [payload] = await eventually(lambda: fake.posts_to("card"))
    assert loop.time() - started >= 1.0 and "Covered 3 of 3 key points" in texts(payload)


async def test_answer_on_a_card_that_is_gone_says_so_privately_without_a_modal(
    fake: FakeSlack, slack: SignedSender
) -> None:
    await slack.click("mlq:answer:424242", user_id="UMEMBER", response_url=fake.response_url("gone"))
    [payload] = await eventually(lambda: fake.posts_to("gone"))
    assert payload["response_type"] == "ephemeral" and "no longer available" in texts(payload)
    assert fake.calls_to("views.open") == []


async def test_without_a_response_url_the_feedback_goes_to_the_users_dm(
    fake: FakeSlack, slack: SignedSender
) -> None:
    body = (await slack.command("/quiz", "pt-dropout-1", user_id="UMEMBER", response_url=fake.response_url())).json()
    [answer_id] = [a for a, _ in buttons(body) if a.startswith("mlq:answer:")]
    await slack.click(answer_id, user_id="UMEMBER", response_url="")  # e.g. a card in App Home
    view = next(iter(fake.views.values()))
    await slack.submit_view(view, {"answer": STRONG}, user_id="UMEMBER")
    posts = await eventually(lambda: fake.calls_to("chat.postMessage"))
    assert posts[0].body["channel"] == "UMEMBER" and "Covered 3 of 3 key points" in texts(posts[0].body)


def test_the_answer_modal_passes_slack_sdks_block_kit_validation() -> None:
    from slack_sdk.models.views import View

    from adapters.slack.answers import answer_view
    from bot.practice.answers import AnswerForm

    form = AnswerForm(post_id=7, title="Answer in your own words", prompt="What is *dropout*? " * 300)
    view = answer_view(form, {"p": 7, "c": "C0001", "r": "https://hooks.slack.com/actions/T/1/abc", "dm": False})
    View(**view).validate_json()  # raises SlackObjectFormationError past any limit
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["max_length"] == 3000 and len(view["title"]["text"]) <= 24
