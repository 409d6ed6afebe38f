"""The Answer button on Slack: block action → views.open (a modal) → view_submission → private feedback.

The modal is opened straight from the click (its trigger id lives 3 s); the card's response_url, channel and
post travel in the view's `private_metadata`, which Slack hands back with the submission. An empty or too long
answer is refused inside the modal (`response_action: errors`, the text stays there); otherwise the submission
is acknowledged at once and the checker runs after the ack, its feedback going to the response_url (ephemeral,
where the card was) or, without one, to the user's DM.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.actions import PROFILE_WAIT, interaction_place
from adapters.slack.common import PLATFORM, error_code
from adapters.slack.deadline import BUSY
from adapters.slack.delivery import answer_interaction
from adapters.slack.deps import Deps, guarded
from adapters.slack.identity import in_direct_message, request_team
from adapters.slack.render import render_reply
from bot.bank.render.slack import slack_blocks
from bot.commands.replies import CUSTOM_ID_PREFIX, Reply, error, parse_custom_id
from bot.domain.events import Actor, ButtonPress, Place
from bot.practice.answer_grading import AnswerRejected, check_answer_text
from bot.practice.answers import AnswerForm, AnswerSubmission

log = logging.getLogger(__name__)

ANSWER_ACTION = re.compile(rf"^{CUSTOM_ID_PREFIX}:answer:\d+$")
CALLBACK_ID = "mlq-answer"
BLOCK_ID = "answer"
ACTION_ID = "text"
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
INPUT_LIMIT = 3000
"""Slack caps a plain_text_input's max_length at 3,000 (the core takes up to 4,000, Discord's cap)."""
METADATA_LIMIT = 3000
FORM_FAILED = ("I couldn't open the answer form ({code}). Please click Answer again; if it keeps failing, use "
               "Reveal and grade yourself.")


def answer_view(form: AnswerForm, metadata: dict[str, Any]) -> dict[str, Any]:
    """The modal: the question (escaped mrkdwn) and one multiline plain_text_input of up to 4,000 characters."""
    prompt_blocks = slack_blocks(title="", body_markdown=form.prompt)[0][:20]
    private = json.dumps(metadata, separators=(",", ":"))
    if len(private) > METADATA_LIMIT:  # a response_url is ~100 characters: never, but never send a refused view
        private = json.dumps({k: v for k, v in metadata.items() if k != "r"}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": form.title[:TITLE_LIMIT]},
        "submit": {"type": "plain_text", "text": "Check my answer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": private,
        "blocks": [
            *prompt_blocks,
            {
                "type": "input",
                "block_id": BLOCK_ID,
                "label": {"type": "plain_text", "text": form.label[:LABEL_LIMIT]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_ID,
                    "multiline": True,
                    "max_length": min(form.max_chars, INPUT_LIMIT),
                    "placeholder": {"type": "plain_text", "text": "In your own words, as in an interview…"},
                },
            },
        ],
    }


def submitted_text(view: dict[str, Any]) -> str:
    """The text typed in the modal ('' when the field is missing)."""
    values = ((view.get("state") or {}).get("values") or {}).get(BLOCK_ID) or {}
    return str((values.get(ACTION_ID) or {}).get("value") or "")


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: AsyncApp, deps: Deps) -> None:
    """The Answer button's listener (registered before the generic button one) and the modal's submission."""

    async def actor_for(client: AsyncWebClient, body: dict[str, Any], team_id: str) -> Actor:
        user = body.get("user") or {}
        return await deps.users.actor(client, team_id=team_id, user_id=str(user.get("id", "")),
                                      name_hint=str(user.get("username") or user.get("name") or ""),
                                      wait=PROFILE_WAIT)

    @app.action(ANSWER_ACTION)
    async def on_answer(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                        client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        parsed = parse_custom_id(str(action.get("action_id", "")))
        if parsed is None:
            return
        place = interaction_place(body, context)
        actor = await actor_for(client, body, place.team_id)
        press = ButtonPress(actor=actor, place=place, action="answer", post_id=parsed[1],
                            in_dm=in_direct_message(body))
        source_private = bool((body.get("container") or {}).get("is_ephemeral"))
        try:
            form = await deps.core.open_answer(press)
        except Exception:
            log.exception("opening the answer form failed")
            form = [error(FORM_FAILED.format(code="an error on my side"))]
        if isinstance(form, list):
            await answer_interaction(deps.respond(respond), form, source_private=source_private)
            return
        metadata = {"p": form.post_id, "c": place.channel_id, "r": body.get("response_url") or "",
                    "dm": press.in_dm}
        try:
            await client.views_open(trigger_id=str(body.get("trigger_id", "")), view=answer_view(form, metadata))
        except Exception as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("views.open for the answer form failed: %s", code)
            await answer_interaction(deps.respond(respond), [error(FORM_FAILED.format(code=code))],
                                     source_private=source_private)

    async def deliver(client: AsyncWebClient, metadata: dict[str, Any], user_id: str,
                      replies: list[Reply]) -> None:
        url = str(metadata.get("r") or "")
        if url:
            await answer_interaction(deps.respond(AsyncRespond(response_url=url)), replies, source_private=True)
            return
        for reply in replies:  # no response_url (e.g. a card in App Home): the user's DM with the bot
            for message in render_reply(reply):
                try:
                    await client.chat_postMessage(channel=user_id, **message.kwargs())
                except Exception as exc:
                    log.warning("could not DM the answer feedback: %r", exc)
                    return

    async def check(client: AsyncWebClient, body: dict[str, Any], view: dict[str, Any], team_id: str,
                    text: str) -> None:
        """After the ack: who (users.info, briefly), the core's check, and the feedback where the card was."""
        metadata = read_metadata(view)
        actor = await actor_for(client, body, team_id)
        post_id = metadata.get("p")
        if not isinstance(post_id, int) or isinstance(post_id, bool):
            await deliver(client, metadata, actor.user_id, [error("That answer form is not one of mine.")])
            return
        submission = AnswerSubmission(
            actor=actor, place=Place(PLATFORM, team_id, str(metadata.get("c") or "")), post_id=post_id, text=text,
            event_id=f"view:{view['id']}" if view.get("id") else None, in_dm=bool(metadata.get("dm")),
        )
        replies = await guarded(deps.core.handle_answer(submission), "answer")
        await deliver(client, metadata, actor.user_id, replies)

    @app.view(CALLBACK_ID)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                        context: AsyncBoltContext) -> None:
        text = submitted_text(view)
        try:
            check_answer_text(text)
        except AnswerRejected as exc:
            # Refused inside the modal, which stays open with the text: nothing is lost.
            await ack(response_action="errors", errors={BLOCK_ID: str(exc)})
            return
        await ack()  # the modal closes now; the checker (maybe an LLM) runs after the acknowledgement
        task = deps.deadline.start(check(client, body, view, request_team(body, context), text))
        if task is None:
            user_id = str((body.get("user") or {}).get("id", ""))
            await deliver(client, read_metadata(view), user_id, [error(BUSY)])
