"""The request limits Discord enforces with `400 Invalid Form Body` (code 50035), for the fake to enforce too.

Numbers are from Discord's OpenAPI spec (discord/discord-api-spec: MessageCreateRequest,
IncomingWebhookInteractionRequest, RichEmbed, ActionRowComponentForMessageRequest,
ButtonComponentForMessageRequest, MessageAllowedMentionsRequest, ApplicationCommandUpdateRequest) and, where the
spec has no number, from the developer documentation (6,000 characters of embeds per message, 5 action rows,
autocomplete choice values of at most 100 characters, `parse: ["roles"]` together with `roles` refused).
Each function returns the problems found, as Discord's error paths ('embeds.0.title: ...'); [] when valid.
"""

from __future__ import annotations

import re
from typing import Any

CONTENT_LIMIT = {"channel": 4000, "webhook": 2000}
EMBEDS_PER_MESSAGE = 10
EMBED_LIMITS = {"title": 256, "description": 4096}
FOOTER_LIMIT = 2048
FIELDS_PER_EMBED = 25
EMBED_TOTAL = 6000
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
BUTTON_STYLES = range(1, 7)
MENTION_TYPES = {"roles", "users", "everyone"}
MENTION_IDS = 100
CHOICES = 25
CHOICE_LIMIT = 100
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
DESCRIPTION_LIMIT = 100
OPTIONS_PER_COMMAND = 25


def message_errors(body: Any, *, kind: str) -> list[str]:
    """A message create or edit (`kind` 'channel' or 'webhook', whose content limits differ)."""
    if not isinstance(body, dict):
        return []
    out: list[str] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_LIMIT[kind]:
        out.append(f"content: at most {CONTENT_LIMIT[kind]} characters")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        out.append(f"embeds: at most {EMBEDS_PER_MESSAGE}")
    total = 0
    for k, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                out.append(f"embeds.{k}.{key}: at most {limit} characters")
        footer = (embed.get("footer") or {}).get("text") or ""
        total += len(footer)
        if len(footer) > FOOTER_LIMIT:
            out.append(f"embeds.{k}.footer.text: at most {FOOTER_LIMIT} characters")
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_PER_EMBED:
            out.append(f"embeds.{k}.fields: at most {FIELDS_PER_EMBED}")
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > EMBED_TOTAL:
        out.append(f"embeds: at most {EMBED_TOTAL} characters in total")
    out += components_errors(body.get("components"))
    out += allowed_mentions_errors(body.get("allowed_mentions"))
    return out


def components_errors(rows: Any) -> list[str]:
    if not rows:
        return []
    out: list[str] = []
    if len(rows) > ACTION_ROWS:
        out.append(f"components: at most {ACTION_ROWS} action rows")
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= BUTTONS_PER_ROW:
            out.append(f"components.{r}: an action row of 1 to {BUTTONS_PER_ROW} components")
        for c, button in enumerate(children):
            where = f"components.{r}.components.{c}"
            if button.get("type") != 2 or button.get("style") not in BUTTON_STYLES:
                out.append(f"{where}: not a button")
            custom_id = button.get("custom_id")
            if button.get("style") != 5 and not (isinstance(custom_id, str) and 1 <= len(custom_id) <= CUSTOM_ID_LIMIT):
                out.append(f"{where}.custom_id: 1 to {CUSTOM_ID_LIMIT} characters")
            if len(button.get("label") or "") > LABEL_LIMIT:
                out.append(f"{where}.label: at most {LABEL_LIMIT} characters")
    return out


def allowed_mentions_errors(allowed: Any) -> list[str]:
    if allowed is None:
        return []
    out: list[str] = []
    parse = allowed.get("parse") or []
    if any(p not in MENTION_TYPES for p in parse) or len(set(parse)) != len(parse):
        out.append(f"allowed_mentions.parse: distinct values of {sorted(MENTION_TYPES)}")
    for key in ("roles", "users"):
        ids = allowed.get(key) or []
        if len(ids) > MENTION_IDS or len(set(map(str, ids))) != len(ids):
            out.append(f"allowed_mentions.{key}: at most {MENTION_IDS} distinct ids")
        if ids and key in parse:
            out.append(f"allowed_mentions: parse:[{key!r}] and {key} are mutually exclusive")
    return out


def callback_errors(body: Any) -> list[str]:
    """An interaction callback: a message (4, 7) or autocomplete choices (8)."""
    if not isinstance(body, dict):
        return []
    data = body.get("data") or {}
    if body.get("type") == 8:
        choices = data.get("choices") or []
        out = [f"data.choices: at most {CHOICES}"] if len(choices) > CHOICES else []
        for k, choice in enumerate(choices):
            if not 1 <= len(choice.get("name") or "") <= CHOICE_LIMIT:
                out.append(f"data.choices.{k}.name: 1 to {CHOICE_LIMIT} characters")
            value = choice.get("value")
            if isinstance(value, str) and len(value) > CHOICE_LIMIT:
                out.append(f"data.choices.{k}.value: at most {CHOICE_LIMIT} characters")
        return out
    if body.get("type") in (4, 7):
        return message_errors(data, kind="webhook")
    if body.get("type") == 9:
        return modal_errors(data)
    return []


MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_LENGTH = 4000


def modal_errors(data: dict[str, Any]) -> list[str]:
    """A modal (callback type 9): title, custom id, and 1 to 5 rows of one text input each."""
    out: list[str] = []
    if not 1 <= len(data.get("title") or "") <= MODAL_TITLE:
        out.append(f"data.title: 1 to {MODAL_TITLE} characters")
    if not 1 <= len(data.get("custom_id") or "") <= CUSTOM_ID_LIMIT:
        out.append(f"data.custom_id: 1 to {CUSTOM_ID_LIMIT} characters")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= ACTION_ROWS:
        out.append(f"data.components: 1 to {ACTION_ROWS} rows")
    for r, row in enumerate(rows):
        if row.get("type") == 18:  # a label holding one component (its label text is the label's)
            item, where = row.get("component") or {}, f"data.components.{r}.component"
            if not 1 <= len(row.get("label") or "") <= TEXT_INPUT_LABEL:
                out.append(f"data.components.{r}.label: 1 to {TEXT_INPUT_LABEL} characters")
            if item.get("type") == 4:
                out += _text_input_errors(item, where, labelled=True)
            continue
        if row.get("type") == 10:  # a text display
            continue
        items = row.get("components") or []
        if row.get("type") != 1 or len(items) != 1 or items[0].get("type") != 4:
            out.append(f"data.components.{r}: an action row of one text input")
            continue
        out += _text_input_errors(items[0], f"data.components.{r}.components.0", labelled=False)
    return out


def _text_input_errors(item: dict[str, Any], where: str, *, labelled: bool) -> list[str]:
    out: list[str] = []
    if item.get("style") not in (1, 2):
        out.append(f"{where}.style: 1 (short) or 2 (paragraph)")
    if not labelled and not 1 <= len(item.get("label") or "") <= TEXT_INPUT_LABEL:
        out.append(f"{where}.label: 1 to {TEXT_INPUT_LABEL} characters")
    if len(item.get("placeholder") or "") > TEXT_INPUT_PLACEHOLDER:
        out.append(f"{where}.placeholder: at most {TEXT_INPUT_PLACEHOLDER} characters")
    for key, low in (("min_length", 0), ("max_length", 1)):
        value = item.get(key)
        if value is not None and not low <= value <= TEXT_INPUT_LENGTH:
            out.append(f"{where}.{key}: {low} to {TEXT_INPUT_LENGTH}")
    if len(item.get("value") or "") > TEXT_INPUT_LENGTH:
        out.append(f"{where}.value: at most {TEXT_INPUT_LENGTH} characters")
    return out


def command_errors(commands: Any) -> list[str]:
    """A bulk overwrite of application commands (names, descriptions, options, choices)."""
    out: list[str] = []
    for k, cmd in enumerate(commands or []):
        out += _command_errors(cmd, f"{k}")
    return out


def _command_errors(cmd: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    if not COMMAND_NAME.match(cmd.get("name") or ""):
        out.append(f"{where}.name: 1 to 32 letters, digits, - or _")
    description = cmd.get("description") or ""
    if cmd.get("type", 1) == 1 and not 1 <= len(description) <= DESCRIPTION_LIMIT:
        out.append(f"{where}.description: 1 to {DESCRIPTION_LIMIT} characters")
    options = cmd.get("options") or []
    if len(options) > OPTIONS_PER_COMMAND:
        out.append(f"{where}.options: at most {OPTIONS_PER_COMMAND}")
    for k, option in enumerate(options):
        out += _command_errors({**option, "type": 1}, f"{where}.options.{k}")
        choices = option.get("choices") or []
        if len(choices) > CHOICES:
            out.append(f"{where}.options.{k}.choices: at most {CHOICES}")
    return out
