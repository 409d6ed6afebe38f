"""`/suggest` and the review of suggestions on Slack: modals (views.open) in, core Commands out.

`/suggest` with no text opens the suggestion modal (with text it is the typed form, read by the core). Its
view_submission is the core's `suggest` command with `key=value` words; problems come back as Slack's inline
field errors (`response_action: errors`), so the modal stays open with everything typed. Under
`/qotd suggestions`, Edit opens the modal prefilled (private_metadata carries the suggestion id) and Reject one
for an optional reason. Results reach the submitter with chat.postEphemeral in the channel they came from.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import PLATFORM
from adapters.slack.delivery import post_ephemeral_all
from adapters.slack.deps import Deps, guarded
from adapters.slack.identity import request_team
from bot.commands.replies import Reply
from bot.domain.events import Actor, Command, Place
from bot.suggestions.service import SuggestionForm

log = logging.getLogger(__name__)
CALLBACK_ID = "mlq-suggest"
REJECT_CALLBACK_ID = "mlq-suggest-reject"
ACTION_ID = "value"
# Slack: a modal title is at most 24 characters; a plain_text_input's max_length at most 3000.
FIELDS: tuple[tuple[str, str, bool, int, bool], ...] = (  # block id, label, multiline, max length, optional
    ("topic", "Topic (e.g. pytorch, sql, mlops)", False, 40, False),
    ("difficulty", "Difficulty: easy, medium or hard", False, 12, False),
    ("prompt", "The question", True, 1500, False),
    ("answer", "A reference answer (optional, Markdown)", True, 3000, True),
    ("hints", "Hints (optional, one per line)", True, 1500, True),
)
ERROR_LIMIT = 500
_BULLET = re.compile(r"^\s*•\s*")


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _input(block_id: str, label: str, multiline: bool, limit: int, optional: bool, value: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": ACTION_ID, "multiline": multiline,
                               "max_length": limit}
    if value:
        element["initial_value"] = value[:limit]
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element, "optional": optional}


def suggestion_view(*, channel: str, values: dict[str, str] | None = None, edit_id: int | None = None) -> dict[str, Any]:
    """The suggestion modal; with `edit_id`, an admin's edit of a queued suggestion, prefilled with `values`."""
    given = values or {}
    title = f"Edit suggestion #{edit_id}" if edit_id is not None else "Suggest a question"
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "title": _plain(title[:24]),
        "submit": _plain("Save" if edit_id is not None else "Send"), "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel": channel, "edit": edit_id}),
        "blocks": [_input(b, label, multi, limit, opt, given.get(b, "")) for b, label, multi, limit, opt in FIELDS],
    }


def reject_view(*, channel: str, suggestion_id: int) -> dict[str, Any]:
    """A modal for the optional reason told to the author."""
    return {
        "type": "modal", "callback_id": REJECT_CALLBACK_ID, "title": _plain(f"Reject suggestion #{suggestion_id}"[:24]),
        "submit": _plain("Reject"), "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel": channel, "reject": suggestion_id}),
        "blocks": [_input("reason", "Reason, told to the author (optional)", True, 500, True, "")],
    }


def form_view(form: SuggestionForm, *, action: str, channel: str) -> dict[str, Any]:
    """The modal an Edit or Reject click opens."""
    if action == "reject":
        return reject_view(channel=channel, suggestion_id=form.suggestion_id)
    values = {"topic": form.topic, "difficulty": form.difficulty, "prompt": form.prompt, "answer": form.answer,
              "hints": form.hints}
    return suggestion_view(channel=channel, values=values, edit_id=form.suggestion_id)


def submitted(view: dict[str, Any]) -> dict[str, str]:
    """block id → typed value of a submitted view."""
    values = ((view.get("state") or {}).get("values") or {})
    out: dict[str, str] = {}
    for block_id, actions in values.items():
        value = (actions.get(ACTION_ID) or {}).get("value") if isinstance(actions, dict) else None
        out[str(block_id)] = str(value) if value is not None else ""
    return out


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def field_errors(replies: list[Reply]) -> dict[str, str] | None:
    """The core's refusal as Slack field errors (each problem under the field it is about), or None."""
    refusals = [r for r in replies if r.is_error]
    if not refusals:
        return None
    text = refusals[0].text
    problems = [_BULLET.sub("", line) for line in text.splitlines() if _BULLET.match(line)] or [text]
    errors: dict[str, list[str]] = {}
    for problem in problems:
        low = problem.lower()
        block = "topic" if "topic" in low else "difficulty" if "difficulty" in low else \
            "hints" if low.startswith("hint") or " hints" in low else "answer" if low.startswith("answer") else "prompt"
        errors.setdefault(block, []).append(problem)
    return {block: "; ".join(found)[:ERROR_LIMIT] for block, found in errors.items()}


def register(app: AsyncApp, deps: Deps) -> None:
    """The two modal submissions."""

    async def actor_of(body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> Actor:
        user = body.get("user") or {}
        return await deps.users.actor(client, team_id=request_team(body, context), user_id=str(user.get("id", "")),
                                      name_hint=str(user.get("username") or user.get("name") or ""))

    @app.view(CALLBACK_ID)
    async def on_suggestion(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                            context: AsyncBoltContext) -> None:
        view = body.get("view") or {}
        meta = _metadata(view)
        actor = await actor_of(body, client, context)
        # Every field, empty ones too: clearing the answer in an edit must clear it.
        words = tuple(f"{k}={v}" for k, v in submitted(view).items())
        if isinstance(meta.get("edit"), int):
            words = (f"edit={meta['edit']}", *words)
        channel = str(meta.get("channel") or "")
        command = Command(actor, Place(PLATFORM, actor.team_id, channel), "suggest", words)
        replies = await guarded(deps.core.handle_command(command), "/suggest form")
        errors = field_errors(replies)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        if channel:
            await post_ephemeral_all(client, channel=channel, user=actor.user_id, replies=replies)

    @app.view(REJECT_CALLBACK_ID)
    async def on_reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                        context: AsyncBoltContext) -> None:
        await ack()
        view = body.get("view") or {}
        meta = _metadata(view)
        if not isinstance(meta.get("reject"), int):
            return
        actor = await actor_of(body, client, context)
        reason = " ".join(submitted(view).get("reason", "").split())
        channel = str(meta.get("channel") or "")
        command = Command(actor, Place(PLATFORM, actor.team_id, channel), "qotd",
                          ("suggestions", "reject", str(meta["reject"]), *reason.split()))
        replies = await guarded(deps.core.handle_command(command), "reject form")
        if channel:
            await post_ephemeral_all(client, channel=channel, user=actor.user_id, replies=replies)


async def open_form(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """views.open; False (logged) when Slack refused, e.g. an expired trigger."""
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except Exception as exc:
        log.warning("views.open failed: %r", exc)
        return False
    return True
