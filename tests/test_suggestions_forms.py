"""The suggestion forms against the platforms' own limits: slack_sdk's Block Kit models for the Slack modals,
Discord's documented modal limits (title and labels 45 characters, a text input at most 4000)."""

from __future__ import annotations

from slack_sdk.models.views import View

from adapters.discord.suggest import RejectModal, SuggestModal
from adapters.slack.suggest import field_errors, reject_view, submitted, suggestion_view
from bot.commands.replies import error, info


def test_slack_modals_pass_slack_sdk_validation() -> None:
    long = "x" * 5000
    for view in (suggestion_view(channel="C1"),
                 suggestion_view(channel="C1", values={"prompt": long, "answer": long, "hints": long}, edit_id=10**12),
                 reject_view(channel="C1", suggestion_id=10**12)):
        View(**view).validate_json()  # raises SlackObjectFormationError on a broken field
        assert len(view["title"]["text"]) <= 24
        for block in view["blocks"]:
            element = block["element"]
            assert element["max_length"] <= 3000 and len(element.get("initial_value", "")) <= element["max_length"]


def test_slack_field_errors_put_each_problem_under_its_field() -> None:
    refusal = error("I can't take this suggestion yet: 3 problems\n• unknown topic 'x'; allowed: sql\n"
                    "• hint 1 of this question gives the answer away (why)\n• prompt is 4 characters; write at "
                    "least 10\n\nWhat you typed, to copy into a new try:\n> Prompt: Why?")
    assert field_errors([refusal]) == {"topic": "unknown topic 'x'; allowed: sql",
                                       "hints": "hint 1 of this question gives the answer away (why)",
                                       "prompt": "prompt is 4 characters; write at least 10"}
    assert field_errors([info("Thanks!")]) is None
    view = {"state": {"values": {"topic": {"value": {"type": "plain_text_input", "value": "sql"}},
                                 "answer": {"value": {"type": "plain_text_input", "value": None}}}}}
    assert submitted(view) == {"topic": "sql", "answer": ""}


def test_discord_modals_keep_discords_limits() -> None:
    for modal in (SuggestModal(values={"prompt": "y" * 9000, "answer": "z" * 9000}, edit_id=10**12),
                  RejectModal(10**12)):
        data = modal.to_dict()
        assert len(data["title"]) <= 45 and len(data["custom_id"]) <= 100
        inputs = [c for row in data["components"] for c in row["components"]]
        assert 1 <= len(inputs) <= 5
        for item in inputs:
            assert len(item["label"]) <= 45 and item["max_length"] <= 4000
            assert len(item.get("value") or "") <= item["max_length"]
            assert len(item.get("placeholder") or "") <= 100
