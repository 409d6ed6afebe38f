"""Suggestions end to end on Slack: the real slack-bolt and core against the fake Slack (views.open modals,
view_submission with inline field errors, the review buttons)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.runner import build_app
from bot.app import open_core
from bot.clock import ManualClock
from bot.core import Core
from bot.domain.events import Actor
from tests.conftest import MONDAY_MORNING, SMALL_BANK, card_question, make_command, query
from tests.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlack, SignedSender, serving
from tests.test_slack_adapter import action_ids, eventually, texts

PROMPT = "How do you roll back a bad model deployment without downtime?"
ANSWER = "Keep the previous version serving behind the same endpoint and shift traffic back."
CHANNEL = "C0001"
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("UADMIN", is_admin=True)
        server.add_user("UMEMBER", name="mia")
        yield server


@pytest.fixture
async def core(db_path: Path) -> AsyncIterator[Core]:
    async with open_core(database=db_path, clock=ManualClock(MONDAY_MORNING), bank_paths=[SMALL_BANK]) as c:
        yield c


@pytest.fixture
async def slack(fake: FakeSlack, core: Core) -> AsyncIterator[SignedSender]:
    app = build_app(core, env={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
                    client_base_url=fake.base_url, post_interval=0.0)
    async with serving(app.web_app()) as url, aiohttp.ClientSession() as session:
        yield SignedSender(session, url, fake=fake)


async def open_modal(fake: FakeSlack, slack: SignedSender) -> dict[str, Any]:
    before = len(fake.opened_views())
    response = await slack.command("/suggest", "", user_id="UMEMBER", response_url=fake.response_url(),
                                   trigger_id="trig-suggest")
    assert response.status == 200 and not response.text
    views = fake.opened_views()
    assert len(views) == before + 1 and views[-1]["trigger_id"] == "trig-suggest"
    return views[-1]


def ephemerals(fake: FakeSlack, user: str) -> list[str]:
    return [texts(c.body) for c in fake.calls_to("chat.postEphemeral") if c.body.get("user") == user]


def dms(fake: FakeSlack, user: str) -> list[str]:
    return [texts(c.body) for c in fake.calls_to("chat.postMessage") if c.body.get("channel") == user]


def block_values(view: dict[str, Any]) -> dict[str, str | None]:
    return {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}


async def test_suggest_modal_review_edit_approve_and_quiz(fake: FakeSlack, slack: SignedSender, core: Core,
                                                          db_path: Path) -> None:
    view = await open_modal(fake, slack)
    assert view["callback_id"] == "mlq-suggest" and len(view["title"]["text"]) <= 24
    assert list(block_values(view)) == ["topic", "difficulty", "prompt", "answer", "hints"]
    response = await slack.submit_view(view, {"topic": "mlops", "difficulty": "medium", "prompt": PROMPT,
                                              "answer": ANSWER}, user_id="UMEMBER")
    assert response.status == 200 and not response.text  # the modal closes
    assert any("suggestion #1" in t and "was received" in t for t in ephemerals(fake, "UMEMBER"))
    assert query(db_path, "SELECT platform, team_id, user_id, author_name, prompt FROM suggestions") == [
        ("slack", TEAM_ID, "UMEMBER", "mia", PROMPT)]

    response = await slack.command("/qotd", "suggestions", user_id="UADMIN", response_url=fake.response_url("q"))
    listing = response.json() or fake.posts_to("q")[0]
    assert listing["response_type"] == "ephemeral" and PROMPT in texts(listing)
    assert action_ids(listing) == ["mlq:approve:1", "mlq:edit:1", "mlq:reject:1"]

    # Edit: views.open prefilled; the submission (private_metadata says which suggestion) updates it.
    await slack.click("mlq:edit:1", user_id="UADMIN", response_url=fake.response_url("e"), trigger_id="trig-edit")
    await eventually(lambda: len(fake.opened_views()) == 2)
    edit = fake.opened_views()[-1]
    assert edit["trigger_id"] == "trig-edit" and block_values(edit)["prompt"] == PROMPT
    assert block_values(edit)["answer"] == ANSWER
    response = await slack.submit_view(edit, {"difficulty": "hard"}, user_id="UADMIN")
    assert response.status == 200 and not response.text
    assert query(db_path, "SELECT difficulty, prompt FROM suggestions") == [("hard", PROMPT)]
    assert any("Suggestion #1 updated" in t for t in ephemerals(fake, "UADMIN"))

    await slack.click("mlq:approve:1", user_id="UADMIN", response_url=fake.response_url("a"))
    await eventually(lambda: bool(fake.posts_to("a")))
    assert "Approved suggestion #1" in texts(fake.posts_to("a")[0])
    assert query(db_path, "SELECT status FROM suggestions") == [("approved",)]
    assert any("was approved" in t for t in dms(fake, "UMEMBER"))

    response = await slack.command("/quiz", "mlops", user_id="UMEMBER", response_url=fake.response_url())
    body = response.json()
    assert PROMPT in texts(body) and "suggested by mia" in texts(body)
    # Not in another workspace.
    other = Actor("slack", "T0002", "U42", "zoe")
    assert "no questions for mlops" in (await core.handle_command(make_command(other, "quiz mlops")))[0].text
    assert card_question(await core.handle_command(make_command(other, "quiz"))) != "team-1"


async def test_field_errors_keep_the_modal_open_and_a_reject_tells_the_reason(fake: FakeSlack, slack: SignedSender,
                                                                              db_path: Path) -> None:
    view = await open_modal(fake, slack)
    response = await slack.submit_view(view, {"topic": "cooking", "difficulty": "easy", "prompt": PROMPT},
                                       user_id="UMEMBER")
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"]["topic"].startswith("unknown topic 'cooking'; allowed:")
    response = await slack.submit_view(view, {"topic": "pytorch", "difficulty": "easy",
                                              "prompt": "Sample pytorch easy question 1: what does `thing_0` do?"},
                                       user_id="UMEMBER")
    assert "repeats the prompt of question 'pytorch-easy-1'" in response.json()["errors"]["prompt"]
    assert query(db_path, "SELECT count(*) FROM suggestions") == [(0,)]

    # Typed text works too (the console's form).
    response = await slack.command("/suggest", "sql easy What does GROUP BY do to rows? | It groups them.",
                                   user_id="UMEMBER", response_url=fake.response_url())
    assert "suggestion #1" in texts(response.json())
    response = await slack.command("/qotd", "suggestions", user_id="UMEMBER", response_url=fake.response_url())
    assert "Only server admins" in texts(response.json())

    await slack.click("mlq:reject:1", user_id="UADMIN", response_url=fake.response_url("x"), trigger_id="trig-rej")
    await eventually(lambda: len(fake.opened_views()) == 2)
    reject = fake.opened_views()[-1]
    assert reject["callback_id"] == "mlq-suggest-reject"
    response = await slack.submit_view(reject, {"reason": "We already cover GROUP BY."}, user_id="UADMIN")
    assert response.status == 200
    await eventually(lambda: query(db_path, "SELECT status FROM suggestions") == [("rejected",)])
    assert query(db_path, "SELECT reason FROM suggestions") == [("We already cover GROUP BY.",)]
    await eventually(lambda: any("Reason: We already cover GROUP BY." in t for t in dms(fake, "UMEMBER")))
    # A member clicking Edit gets a private refusal, no modal.
    await slack.click("mlq:edit:1", user_id="UMEMBER", response_url=fake.response_url("m"))
    await eventually(lambda: bool(fake.posts_to("m")))
    assert "Only server admins" in texts(fake.posts_to("m")[0]) and len(fake.opened_views()) == 2
