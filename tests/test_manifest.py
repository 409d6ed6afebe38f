"""adapters/slack/manifest.yaml against Slack's published app-manifest schema, and against the code.

The rules below are those of `schemas/manifest.schema.1.0.0.json` in github.com/slackapi/manifest-schema
(commit c50cfa8), for the keys this manifest uses: allowed and required keys, string lengths, patterns, unique
lists. The schema does not list scope names, so the known bot scopes come from Slack's scope reference. Then:
every Web API method the adapter calls is covered by a requested scope, no scope is requested that nothing
needs, and the events subscribed are exactly the events handled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.commands import COMMAND_NAMES
from adapters.slack.oauth import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "adapters" / "slack" / "manifest.yaml"
ADAPTER = ROOT / "adapters" / "slack"

# --- the schema's rules (manifest.schema.1.0.0.json) ------------------------------------------------------------

TOP_LEVEL = {"$schema", "_metadata", "app_directory", "display_information", "features", "oauth_config", "settings",
             "functions", "workflows", "datastores", "outgoing_domains", "types", "external_auth_providers",
             "mcp_servers"}
DISPLAY = {"name": (1, 35), "description": (1, 140), "background_color": (4, 7), "long_description": (175, 4000)}
FEATURES = {"app_home", "bot_user", "functions", "shortcuts", "slash_commands", "workflow_steps", "unfurl_domains",
            "assistant_view", "agent_view"}
APP_HOME = {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
SLASH_COMMAND = {"command": (2, 32), "url": (0, 3000), "description": (1, 2000), "usage_hint": (1, 1000)}
OAUTH = {"redirect_urls", "scopes", "token_management_enabled", "pkce_enabled"}
SCOPE_KINDS = {"user", "bot", "user_optional", "bot_optional"}
SETTINGS_BOOLEANS = {"org_deploy_enabled", "socket_mode_enabled", "is_hosted", "token_rotation_enabled",
                     "is_mcp_enabled"}
SETTINGS = SETTINGS_BOOLEANS | {"allowed_ip_address_ranges", "event_subscriptions", "incoming_webhooks",
                                "interactivity", "siws_links", "hermes_app_type", "function_runtime"}
EVENT_SUBSCRIPTIONS = {"request_url": 3500, "user_events": None, "bot_events": None, "metadata_subscriptions": None}
INTERACTIVITY = {"is_enabled", "request_url", "message_menu_options_url"}
URL = re.compile(r"^https?://")
COLOR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")

KNOWN_BOT_SCOPES = {
    "app_mentions:read", "bookmarks:read", "bookmarks:write", "calls:read", "calls:write", "channels:history",
    "channels:join", "channels:manage", "channels:read", "channels:write.invites", "channels:write.topic",
    "chat:write", "chat:write.customize", "chat:write.public", "commands", "conversations.connect:manage",
    "conversations.connect:read", "conversations.connect:write", "dnd:read", "emoji:read", "files:read",
    "files:write", "groups:history", "groups:read", "groups:write", "groups:write.invites", "groups:write.topic",
    "im:history", "im:read", "im:write", "im:write.topic", "incoming-webhook", "links:read", "links:write",
    "links.embed:write", "metadata.message:read", "mpim:history", "mpim:read", "mpim:write", "mpim:write.topic",
    "pins:read", "pins:write", "reactions:read", "reactions:write", "reminders:read", "reminders:write",
    "remote_files:read", "remote_files:share", "remote_files:write", "search:read.public", "team.billing:read",
    "team.preferences:read", "team:read", "tokens.basic", "usergroups:read", "usergroups:write",
    "users.profile:read", "users:read", "users:read.email", "users:write", "workflow.steps:execute",
    "assistant:write",
}
"""Slack's bot token scopes (api.slack.com/scopes)."""

# --- what the code needs ------------------------------------------------------------------------------------------

METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "reactions.add": {"reactions:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.join": {"channels:join"},
    # files_upload_v2 calls files.getUploadURLExternal, uploads, then files.completeUploadExternal: all files:write
    "files.upload.v2": {"files:write"},
    "views.publish": set(),  # no scope
    "views.open": set(),  # no scope (needs a trigger_id from an interaction)
    "auth.test": set(),
    "apps.connections.open": set(),  # the app-level token's connections:write, not a bot scope
    "oauth.v2.access": set(),
}
"""Each Web API method the adapter may call → the bot scopes it needs (all of them: public and private channels)."""
EVENT_SCOPES: dict[str, set[str]] = {
    "reaction_added": {"reactions:read"},
    "app_home_opened": set(),
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}
FEATURE_SCOPES = {"commands"}  # slash commands


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def check_string(value: Any, bounds: tuple[int, int], where: str) -> None:
    assert isinstance(value, str), where
    low, high = bounds
    assert low <= len(value) <= high, f"{where}: length {len(value)} outside {low}..{high}"


def adapter_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(ADAPTER.glob("*.py")))


def called_methods() -> set[str]:
    """Web API methods named in the adapter's calls: `client.chat_postMessage(` → chat.postMessage."""
    source = adapter_source()
    names = set(re.findall(r"\bclient\.([a-z]+(?:_[a-zA-Z0-9]+)+)\(", source))
    names |= set(re.findall(r"\.client\.([a-z]+(?:_[a-zA-Z0-9]+)+)\(", source))
    methods = {name.replace("_", ".") for name in names}
    # slack_sdk spells `oauth.v2.access` oauth_v2_access and Bolt calls it (and auth.test) on our behalf.
    return methods | {"auth.test", "oauth.v2.access"}


def handled_events() -> set[str]:
    return set(re.findall(r'@app\.event\("([a-z_]+)"\)', (ADAPTER / "events.py").read_text(encoding="utf-8")))


# --- the schema ---------------------------------------------------------------------------------------------------


def test_top_level_and_display_information_follow_the_schema() -> None:
    data = manifest()
    assert set(data) <= TOP_LEVEL and "display_information" in data
    display = data["display_information"]
    assert set(display) <= set(DISPLAY) and "name" in display
    for key, bounds in DISPLAY.items():
        if key in display:
            check_string(display[key], bounds, f"display_information.{key}")
    assert COLOR.match(display.get("background_color", "#fff"))


def test_features_follow_the_schema() -> None:
    features = manifest()["features"]
    assert set(features) <= FEATURES
    assert set(features["app_home"]) <= APP_HOME and all(isinstance(v, bool) for v in features["app_home"].values())
    bot_user = features["bot_user"]
    assert set(bot_user) <= {"display_name", "always_online"}
    check_string(bot_user["display_name"], (1, 80), "bot_user.display_name")
    assert isinstance(bot_user.get("always_online", False), bool)


def test_slash_commands_follow_the_schema() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert isinstance(commands, list) and 1 <= len(commands) <= 50
    for command in commands:
        where = f"slash command {command.get('command')}"
        assert set(command) <= set(SLASH_COMMAND) | {"should_escape"}, where
        assert {"command", "description"} <= set(command), where
        for key, bounds in SLASH_COMMAND.items():
            if key in command:  # usage_hint: absent, or 1..1000 characters (never "")
                check_string(command[key], bounds, f"{where}.{key}")
        assert command["command"].startswith("/"), where
        assert URL.match(command.get("url", "https://")), where
        assert isinstance(command.get("should_escape", False), bool), where


def test_oauth_config_follows_the_schema_with_known_scopes() -> None:
    oauth = manifest()["oauth_config"]
    assert set(oauth) <= OAUTH
    urls = oauth["redirect_urls"]
    assert len(urls) == len(set(urls)) <= 1000 and all(isinstance(u, str) and len(u) <= 2500 for u in urls)
    scopes = oauth["scopes"]
    assert set(scopes) <= SCOPE_KINDS
    for kind, names in scopes.items():
        assert isinstance(names, list) and len(names) <= 255, kind
        assert all(isinstance(n, str) and 0 < len(n) <= 50 for n in names), kind
        assert len(names) == len(set(names)), f"{kind} scopes repeat"
    unknown = set(scopes["bot"]) - KNOWN_BOT_SCOPES
    assert not unknown, f"unknown bot scopes: {unknown}"


def test_settings_follow_the_schema() -> None:
    settings = manifest()["settings"]
    assert set(settings) <= SETTINGS
    assert all(isinstance(settings[k], bool) for k in SETTINGS_BOOLEANS if k in settings)
    events = settings["event_subscriptions"]
    assert set(events) <= set(EVENT_SUBSCRIPTIONS)
    assert URL.match(events["request_url"]) and len(events["request_url"]) <= 3500
    for key in ("bot_events", "user_events"):
        names = events.get(key, [])
        assert len(names) == len(set(names)) <= 100 and all(isinstance(n, str) and len(n) <= 50 for n in names)
    interactivity = settings["interactivity"]
    assert set(interactivity) <= INTERACTIVITY and isinstance(interactivity["is_enabled"], bool)
    assert URL.match(interactivity.get("request_url", "https://"))


@pytest.mark.parametrize("bad", [{"usage_hint": ""}, {"description": ""}, {"command": "quiz"}, {"extra": 1}])
def test_the_checks_catch_what_slack_refuses(bad: dict[str, Any]) -> None:
    data = manifest()
    data["features"]["slash_commands"][0].update(bad)
    with pytest.raises(AssertionError):
        commands = data["features"]["slash_commands"]
        for command in commands:
            assert set(command) <= set(SLASH_COMMAND) | {"should_escape"}
            assert {"command", "description"} <= set(command)
            for key, bounds in SLASH_COMMAND.items():
                if key in command:
                    check_string(command[key], bounds, key)
            assert command["command"].startswith("/")


# --- the manifest and the code ------------------------------------------------------------------------------------


def test_every_called_web_api_method_is_covered_by_a_requested_scope() -> None:
    requested = set(manifest()["oauth_config"]["scopes"]["bot"])
    methods = called_methods()
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    assert {"chat.postMessage", "conversations.join", "conversations.history", "users.info"} <= methods
    missing = {m: METHOD_SCOPES[m] - requested for m in methods if METHOD_SCOPES[m] - requested}
    assert not missing, f"methods without their scopes: {missing}"


def test_no_scope_is_requested_that_nothing_needs() -> None:
    requested = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = set().union(*(METHOD_SCOPES[m] for m in called_methods()), *EVENT_SCOPES.values(), FEATURE_SCOPES)
    assert requested == needed
    assert not requested & {"im:write", "usergroups:read", "chat:write.public"}
    assert tuple(manifest()["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES  # the OAuth install asks for the same


def test_events_subscribed_are_exactly_the_events_handled() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed == handled_events()
    assert subscribed <= set(EVENT_SCOPES)


def test_every_command_exists_in_the_manifest_and_the_code() -> None:
    names = {c["command"].lstrip("/") for c in manifest()["features"]["slash_commands"]}
    assert names == set(COMMAND_NAMES) and "help" in names
