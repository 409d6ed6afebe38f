"""A fake Slack on 127.0.0.1 for end-to-end tests and the bench: Web API, response_url, Socket Mode.

`FakeSlack` records every Web API call (method, parsed JSON or form body, bearer token) and every post to a
response_url, answers the methods the adapter uses, and serves a Socket Mode websocket that sends `hello`,
then the envelopes a test pushes, and records the acks. The helpers below sign requests the way Slack does and
build slash-command, block-action and event payloads, so tests and `bench/slack_roundtrip.py` share them.

Rate limits are off unless asked for: `channel_rate_limit=1.0` is Slack's chat.postMessage pace of about one
message per second per channel; a post that comes sooner after the channel's last one gets HTTP 429
`{"ok": false, "error": "ratelimited"}` with a Retry-After header (counted in `ratelimited`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

TEAM_ID = "T0001"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0001"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
GRANTED_SCOPES = frozenset({
    "commands", "chat:write", "reactions:read", "reactions:write", "users:read", "channels:read", "groups:read",
    "channels:history", "groups:history", "channels:join", "files:write", "im:write", "usergroups:write",
})
"""What an install grants by default: the manifest's bot scopes (no chat:write.public)."""
_ids = itertools.count(1)


def unique_id(prefix: str) -> str:
    """A fresh trigger id / action timestamp part, as Slack makes one per delivery."""
    return f"{prefix}{next(_ids)}"


@dataclass(slots=True)
class ApiCall:
    """One Web API call as the fake received it."""

    method: str
    body: dict[str, Any]
    token: str | None  # from the Authorization header (Bearer), else a `token` body field
    authorization: str | None = None  # the raw Authorization header


@dataclass(slots=True)
class FakeUser:
    """What users.info says about a user."""

    id: str
    name: str = ""
    tz: str | None = "Europe/Berlin"
    is_admin: bool = False
    is_owner: bool = False
    deleted: bool = False
    team_id: str = TEAM_ID


@dataclass(slots=True)
class Failure:
    """An injected failure: a Slack error code (HTTP 200, ok=false) or a bare HTTP status."""

    error: str | None = None
    status: int = 200
    times: int | None = None  # None: every call


@dataclass
class FakeSlack:
    """The fake Slack Web API, response_url endpoint and Socket Mode server (start with `async with`)."""

    valid_tokens: set[str] | None = None  # None: any token is accepted
    app_token: str = APP_TOKEN
    calls: list[ApiCall] = field(default_factory=list)
    response_posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)  # by 'method' or 'method:channel'
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel → top-level posts, newest first
    oauth_team_id: str = "T0NEW"
    oauth_bot_token: str = "xoxb-installed-token"
    channel_rate_limit: float | None = None  # chat.postMessage per second per channel (None: unlimited)
    ratelimited: int = 0  # posts answered 429 ratelimited by channel_rate_limit
    scopes: frozenset[str] = GRANTED_SCOPES
    hang: dict[str, float] = field(default_factory=dict)  # method (or 'response_url', or '*') → seconds to stall
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # modals opened with views.open, by view id
    invalid_views: list[list[str]] = field(default_factory=list)  # views.open calls refused as invalid_arguments
    in_flight: int = 0  # requests being answered now (Web API and response_url)
    max_in_flight: int = 0
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # user group id → its users
    # files_upload_v2: file id -> filename, length, alt_txt, data (the bytes uploaded), title, channel (once shared)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._last_post: dict[str, float] = {}  # channel → monotonic time of its last accepted chat.postMessage
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._socket: web.WebSocketResponse | None = None
        self._socket_ready = asyncio.Event()
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._envelopes = itertools.count(1)
        self._view_triggers: dict[str, str] = {}

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._websocket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Port 0 the first time; leaving and entering again comes back on the same port (an outage).
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The Web API base URL for AsyncWebClient (with the trailing slash it needs)."""
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, key: str = "r") -> str:
        return f"http://127.0.0.1:{self._port}/response/{key}"

    # ------------------------------------------------------------------ queries

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def posts_to(self, key: str | None = None) -> list[dict[str, Any]]:
        """Bodies posted to response_urls (to one key, or all)."""
        return [body for k, body in self.response_posts if key is None or k == key]

    def add_user(self, user_id: str, **kwargs: Any) -> FakeUser:
        user = FakeUser(id=user_id, name=kwargs.pop("name", user_id.lower()), **kwargs)
        self.users[user_id] = user
        return user

    def reset(self) -> None:
        self.calls.clear()
        self.response_posts.clear()

    # ------------------------------------------------------------------ Web API

    def is_member(self, channel: str) -> bool:
        """Whether the bot is in `channel` (DMs and unknown channels: yes; see `channels`)."""
        if channel[:1] not in ("C", "G"):
            return True
        return bool(self._channel(channel)["is_member"])

    def _channel(self, channel_id: str) -> dict[str, Any]:
        info = {"id": channel_id, "name": channel_id.lower(), "is_private": channel_id.startswith("G"),
                "is_member": True, "is_archived": False}
        info.update(self.channels.get(channel_id, {}))
        return info

    async def _stall(self, what: str) -> None:
        delay = self.hang.get(what, self.hang.get("*", 0.0))
        if delay:
            await asyncio.sleep(delay)

    async def _api(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self._stall(request.match_info["method"])
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _parse_body(request)
        token = _bearer(request) or body.get("token")
        self.calls.append(ApiCall(method, body, token, request.headers.get("Authorization")))

        failure = self.failures.get(f"{method}:{body.get('channel')}") or self.failures.get(method)
        if failure is not None and failure.times != 0:
            if failure.times is not None:
                failure.times -= 1
            if failure.error is None:
                return web.Response(status=failure.status, text="upstream trouble")
            headers = {"Retry-After": "1"} if failure.error == "ratelimited" else None
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)

        if method == "apps.connections.open":
            if token != self.app_token:
                return _error("invalid_auth")
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"})
        if self.valid_tokens is not None and token not in self.valid_tokens and method != "oauth.v2.access":
            return _error("invalid_auth" if token else "not_authed")

        if method == "chat.postMessage" and self.channel_rate_limit:
            wait = self._channel_wait(str(body.get("channel")))
            if wait > 0:
                self.ratelimited += 1
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(max(1, math.ceil(wait)))})

        refusal = self._membership_refusal(method, str(body.get("channel", "")))
        if refusal is not None:
            return _error(refusal)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": True})
        return web.json_response(handler(body, token))

    def _membership_refusal(self, method: str, channel: str) -> str | None:
        """Slack's answer to a bot outside `channel`: private ones are invisible, public ones readable only inside
        (posting there needs chat:write.public)."""
        if method not in ("chat.postMessage", "conversations.history", "reactions.add") or self.is_member(channel):
            return None
        if self._channel(channel)["is_private"]:
            return "channel_not_found"
        if method == "chat.postMessage" and "chat:write.public" in self.scopes:
            return None
        return "not_in_channel"

    def _channel_wait(self, channel: str) -> float:
        """Seconds until `channel` may take another message (0: accepted now, and noted)."""
        assert self.channel_rate_limit
        now = time.monotonic()
        last = self._last_post.get(channel)
        interval = 1.0 / self.channel_rate_limit
        if last is not None and now - last < interval:
            return interval - (now - last)
        self._last_post[channel] = now
        return 0.0

    def _m_auth_test(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.oauth_team_id if token == self.oauth_bot_token else TEAM_ID
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake team",
            "user": "mlq",
            "team_id": team,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _m_chat_postMessage(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "ts": ts, "text": body.get("text"), "metadata": body.get("metadata")}
        if not body.get("thread_ts"):
            self.history.setdefault(str(body.get("channel")), []).insert(0, message)
        channel = str(body.get("channel"))
        if channel[:1] in ("U", "W"):  # a user id opens (or finds) the app's direct message with that user
            channel = "D" + channel[1:]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_files_getUploadURLExternal(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        if "files:write" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "files:write"}
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = unique_id("F")
        self.files[file_id] = {"filename": body["filename"], "length": int(body["length"]),
                               "alt_txt": body.get("alt_txt"), "data": None, "channel": None, "title": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self._port}/upload/{file_id}"}

    def _m_files_completeUploadExternal(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        listed = body.get("files")
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        channel = body.get("channel_id") or None
        if channel and not re.fullmatch(r"[CGDZ][A-Z0-9]+", str(channel)):
            # Slack takes conversation ids only here, never a user id (slackapi/bolt-js#2115)
            return {"ok": False, "error": "invalid_arguments"}
        if channel and not self.is_member(str(channel)):
            return {"ok": False, "error": "not_in_channel"}
        done = []
        for item in listed:
            entry = self.files.get(str(item.get("id")))
            if entry is None or entry["data"] is None or len(entry["data"]) != entry["length"]:
                return {"ok": False, "error": "file_not_found" if entry is None else "file_upload_incomplete"}
            entry["title"], entry["channel"] = item.get("title"), channel
            done.append({"id": item["id"], "title": item.get("title"), "name": entry["filename"]})
        return {"ok": True, "files": done}

    async def _upload(self, request: web.Request) -> web.Response:
        entry = self.files.get(request.match_info["file_id"])
        if entry is None:
            return web.Response(status=404, text="unknown upload")
        entry["data"] = await request.read()
        return web.Response(status=200, text=f"OK - {len(entry['data'])}")

    @property
    def uploads(self) -> dict[str, dict[str, Any]]:
        """Every upload begun, by file id (completed or not)."""
        return self.files

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files completed by files.completeUploadExternal (in one channel, or all)."""
        return [f | {"id": i} for i, f in self.files.items()
                if f["title"] is not None and (channel is None or f["channel"] == channel)]

    def _m_conversations_history(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        messages = self.history.get(str(body.get("channel")), [])[: int(body.get("limit", 100))]
        if str(body.get("include_all_metadata")).lower() not in ("true", "1"):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        return {"ok": True, "messages": messages, "has_more": False}

    def _m_chat_postEphemeral(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}

    def _m_users_info(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = self.users.get(str(body.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": _user_json(user)}

    def _m_users_list(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        members = [_user_json(u) for u in self.users.values()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_info(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        info = self._channel(str(body.get("channel")))
        if info["is_private"] and not info["is_member"]:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": info}

    def _m_conversations_join(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = str(body.get("channel"))
        info = self._channel(channel_id)
        if "channels:join" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:join"}
        if info["is_private"]:
            return {"ok": False, "error": "channel_not_found" if not info["is_member"] else
                    "method_not_supported_for_channel_type"}
        if info["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        self.channels.setdefault(channel_id, {})["is_member"] = True
        return {"ok": True, "channel": {**info, "is_member": True}}

    def _m_views_open(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Open a modal: refused as Slack does for an unknown trigger or a view past Block Kit's limits."""
        trigger = str(body.get("trigger_id") or "")
        if not trigger:
            return {"ok": False, "error": "invalid_trigger_id"}
        view = _maybe_json(body.get("view"))
        problems = view_problems(view)
        if problems:
            self.invalid_views.append(problems)
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        view_id = unique_id("V")
        opened = {"id": view_id, "hash": f"h-{view_id}", "team_id": TEAM_ID, "app_id": APP_ID, **view}
        self.views[view_id] = opened
        self._view_triggers[view_id] = trigger
        return {"ok": True, "view": opened}

    def opened_views(self) -> list[dict[str, Any]]:
        """The modals the app opened (views.open), as Slack returned them (with an id) and their trigger id."""
        return [view | {"trigger_id": self._view_triggers[view_id]} for view_id, view in self.views.items()]

    def _m_views_publish(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V0001", **_maybe_json(body.get("view"))}}

    def _m_oauth_v2_access(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        if body.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": self.oauth_bot_token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": self.oauth_team_id, "name": "New team"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_conversations_open(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        if "im:write" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "im:write"}
        user = str(body.get("users", ""))
        return {"ok": True, "channel": {"id": f"D{user[1:]:0>10}"}}

    def _m_usergroups_users_update(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        if "usergroups:write" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "usergroups:write"}
        group = str(body.get("usergroup"))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        self.usergroups[group] = [u for u in str(body.get("users", "")).split(",") if u]
        return {"ok": True, "usergroup": {"id": group, "users": self.usergroups[group]}}

    async def _response_url(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self._stall("response_url")
            self.response_posts.append((request.match_info["key"], await request.json()))
            return web.Response(text="ok")
        finally:
            self.in_flight -= 1

    # ------------------------------------------------------------------ Socket Mode

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}})
        self._socket_ready.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            ack = json.loads(msg.data)
            self.socket_acks.append(ack)
            waiter = self._ack_waiters.pop(ack.get("envelope_id", ""), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        return ws

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_ready.wait(), timeout)

    async def send_envelope(self, kind: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Push one envelope ('slash_commands', 'interactive', 'events_api') and return the app's ack."""
        await self.wait_for_socket(timeout)
        assert self._socket is not None
        envelope_id = f"env-{next(self._envelopes)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope_id] = waiter
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(waiter, timeout)


def _user_json(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "real_name": user.name.title(),
        "deleted": user.deleted,
        "is_bot": False,
        "tz": user.tz,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "profile": {"display_name": user.name, "real_name": user.name.title()},
    }


VIEW_TEXT_LIMITS = {"title": 24, "submit": 24, "close": 24}
VIEW_BLOCKS = 100
PRIVATE_METADATA = 3000
INPUT_LENGTH = 3000
PLACEHOLDER = 150
INPUT_LABEL = 2000


def view_problems(view: Any) -> list[str]:
    """What Slack refuses in a modal view (Block Kit's published limits; slack_sdk's View validators)."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["view: a modal object"]
    out: list[str] = []
    for key, limit in VIEW_TEXT_LIMITS.items():
        text = (view.get(key) or {}).get("text", "")
        if (key == "title" or key in view) and not 1 <= len(text) <= limit:
            out.append(f"{key}.text: 1 to {limit} characters")
    if len(view.get("private_metadata") or "") > PRIVATE_METADATA:
        out.append(f"private_metadata: at most {PRIVATE_METADATA} characters")
    blocks = view.get("blocks") or []
    if not 1 <= len(blocks) <= VIEW_BLOCKS:
        out.append(f"blocks: 1 to {VIEW_BLOCKS}")
    for k, block in enumerate(blocks):
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        if not 1 <= len((block.get("label") or {}).get("text", "")) <= INPUT_LABEL:
            out.append(f"blocks.{k}.label: 1 to {INPUT_LABEL} characters")
        if element.get("type") == "plain_text_input":
            for key, low in (("min_length", 0), ("max_length", 1)):
                value = element.get(key)
                if value is not None and not low <= value <= INPUT_LENGTH:
                    out.append(f"blocks.{k}.element.{key}: {low} to {INPUT_LENGTH}")
            if len((element.get("placeholder") or {}).get("text", "")) > PLACEHOLDER:
                out.append(f"blocks.{k}.element.placeholder: at most {PLACEHOLDER} characters")
    return out


def _error(code: str) -> web.Response:
    return web.json_response({"ok": False, "error": code})


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value if value is not None else {}


async def _parse_body(request: web.Request) -> dict[str, Any]:
    """Query parameters (GET methods such as users.info) and the body: JSON as it is, forms with JSON-looking
    values (blocks, view) decoded."""
    query = {k: _maybe_json(v) for k, v in request.query.items()}
    raw = await request.text()
    if not raw:
        return query
    if request.content_type == "application/json":
        return {**query, **json.loads(raw)}
    return {**query, **{k: _maybe_json(v) for k, v in parse_qsl(raw, keep_blank_values=True)}}


# ---------------------------------------------------------------------- requests to the Bolt app


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """Headers Slack sends: X-Slack-Signature = v0=HMAC-SHA256(secret, 'v0:{ts}:{body}')."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def slash_command_form(
    command: str,
    text: str,
    *,
    user_id: str,
    response_url: str,
    channel_id: str = "C0001",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": "legacy-verification",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command if command.startswith("/") else "/" + command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or unique_id("trig-c"),
    }


_last_action_ts = [0.0]


def next_action_ts() -> str:
    """Now, as Slack's `action_ts` ('seconds.micros'), strictly later than the last one made here."""
    now = max(time.time(), _last_action_ts[0] + 1e-6)
    _last_action_ts[0] = now
    return f"{now:.6f}"


def block_action_payload(
    action_id: str,
    *,
    user_id: str,
    response_url: str,
    channel_id: str = "C0001",
    team_id: str = TEAM_ID,
    message_ts: str = "1700000000.000001",
    ephemeral: bool = True,
    trigger_id: str | None = None,
    action_ts: str | None = None,
    user_team_id: str | None = None,
) -> dict[str, Any]:
    """A block_actions interaction payload for one button click."""
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(),
                 "team_id": team_id if user_team_id is None else user_team_id},
        "api_app_id": APP_ID,
        "token": "legacy-verification",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": trigger_id or unique_id("trig-a"),
        "channel": {"id": channel_id, "name": "general"},
        "message": None if ephemeral else {"type": "message", "ts": message_ts, "text": "question"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "mlq-actions",
                "value": action_id,
                "text": {"type": "plain_text", "text": "button"},
                "action_ts": action_ts or next_action_ts(),
            }
        ],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission_payload(view: Mapping[str, Any], values: Mapping[str, str] | None = None, *, user_id: str,
                            team_id: str = TEAM_ID) -> dict[str, Any]:
    """A view_submission for a modal the app opened: each input keeps its initial_value unless `values` gives one."""
    state: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block["element"]
        typed = (values or {}).get(block["block_id"], element.get("initial_value"))
        state[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": typed or None}}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "legacy-verification",
        "trigger_id": unique_id("trig-v"),
        "view": {**view, "state": {"values": state}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(event: Mapping[str, Any], *, event_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    """An Events API envelope around one event."""
    return {
        "token": "legacy-verification",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "authorizations": [
            {"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True}
        ],
        "is_ext_shared_channel": False,
    }


def encode_form(fields: Mapping[str, str]) -> str:
    return urlencode(fields)


def encode_payload(payload: Mapping[str, Any]) -> str:
    """Interactivity requests arrive as a form with one `payload` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve an aiohttp application on 127.0.0.1, port 0; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass(slots=True)
class BoltResponse:
    """What the Bolt app answered: status and body (JSON when it parses)."""

    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SignedSender:
    """Posts requests to a Bolt app's /slack/events, signed like Slack signs them."""

    def __init__(self, session: Any, app_url: str, *, secret: str = SIGNING_SECRET,
                 fake: FakeSlack | None = None) -> None:
        self.session = session
        self.events_url = app_url + "/slack/events"
        self.secret = secret
        self.fake = fake  # given: reactions in channels the bot is not in are never delivered, as in Slack

    async def send(
        self, body: str, *, content_type: str, timestamp: int | None = None, secret: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BoltResponse:
        signed = signed_headers(body, secret=secret or self.secret, timestamp=timestamp, content_type=content_type)
        async with self.session.post(self.events_url, data=body.encode(), headers={**signed, **(headers or {})}) as r:
            return BoltResponse(r.status, await r.text())

    async def command(self, command: str, text: str, **fields: Any) -> BoltResponse:
        return await self.send(encode_form(slash_command_form(command, text, **fields)),
                               content_type="application/x-www-form-urlencoded")

    async def click(self, action_id: str, **fields: Any) -> BoltResponse:
        return await self.send(encode_payload(block_action_payload(action_id, **fields)),
                               content_type="application/x-www-form-urlencoded")

    async def submit_view(self, view: Mapping[str, Any], values: Mapping[str, str] | None = None,
                          **fields: Any) -> BoltResponse:
        return await self.send(encode_payload(view_submission_payload(view, values, **fields)),
                               content_type="application/x-www-form-urlencoded")

    async def event(self, event: Mapping[str, Any], *, event_id: str, retry: int | None = None,
                    team_id: str = TEAM_ID) -> BoltResponse | None:
        """Deliver an Events API callback; None when Slack would not send it (a reaction where the bot is absent)."""
        channel = str((event.get("item") or {}).get("channel", ""))
        if self.fake is not None and event.get("type") == "reaction_added" and not self.fake.is_member(channel):
            return None
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.send(json.dumps(event_callback(event, event_id=event_id, team_id=team_id)),
                               content_type="application/json", headers=headers)
