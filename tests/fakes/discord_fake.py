"""A fake Discord (REST + JSON gateway) on 127.0.0.1 for driving the real discord.py offline.

It speaks just enough of the API for the adapter: login, command sync, interaction callbacks and webhook
follow-ups, channel messages, threads, DMs, reactions; and a gateway that identifies, resumes, replays missed
events and can be told to send RECONNECT or dispatch INTERACTION_CREATE / MESSAGE_REACTION_ADD.
Every REST call is recorded (method, path, query, JSON body, status, monotonic time).

Sharding as Discord does it: every IDENTIFY carries `shard: [id, count]` and opens its own session (its own
sequence numbers and replay); READY and GUILD_CREATE cover only the guilds of that shard, (guild_id >> 22) % count;
a dispatch goes to the session of its guild's shard (DMs and guild-less events to shard 0). `add_guild` adds
guilds beside the default one, `shard_count` is what GET /gateway/bot advertises, and `command_syncs()` counts
the PUTs of application commands.

Rate limits are off unless asked for: `global_rate_limit=50` is Discord's global limit (a token bucket of 50
requests refilled at 50/s across all routes but interaction callbacks and interaction webhooks; beyond it a 429
with `X-RateLimit-Global: true` and `"global": true`), and `route_rate_limit=(5, 5.0)` gives every route and
major parameter its own bucket with the `X-RateLimit-*` headers discord.py reads (a per-route 429 beyond it).

`FakeDiscord` is the server; `run_bot` starts the real adapter client against it (tests and bench share it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_limits as limits

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17  # "Mention @everyone, @here and All Roles"
ADMINISTRATOR = 1 << 3
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ADD_REACTIONS
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
)
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD
BOT_PERMISSIONS = MEMBER_PERMISSIONS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS | ATTACH_FILES

TOKEN = "fake-bot-token"
APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 910000000000000000
OWNER_ID = 920000000000000001
ADMIN_ID = OWNER_ID
MEMBER_ID = 920000000000000002
GENERAL_ID = 930000000000000001
QOTD_ID = 930000000000000002
LOCKED_ID = 930000000000000003
SYSTEM_ID = 930000000000000004
BOT_ROLE_ID = 940000000000000001
STUDY_ROLE_ID = 940000000000000002  # mentionable by anyone
QUIET_ROLE_ID = 940000000000000003  # not mentionable (Discord's default for a new role)

# Option types in application command payloads.
OPTION_SUB_COMMAND, OPTION_GROUP = 1, 2
OPTION_STRING, OPTION_INTEGER, OPTION_BOOLEAN, OPTION_USER, OPTION_CHANNEL, OPTION_ROLE = 3, 4, 5, 6, 7, 8

_DISCORD_EPOCH_MS = 1420070400000


@dataclass
class Call:
    """One REST request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    at: float


@dataclass
class Message:
    """A message as the fake stores it (channel posts, DMs, interaction responses and follow-ups)."""

    id: int
    channel_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    interaction_token: str | None = None
    thread_id: int | None = None
    reference_id: int | None = None
    nonce: str | None = None
    edits: int = 0
    pinged_roles: list[int] = field(default_factory=list)  # roles whose members Discord notified
    # uploaded files: id, filename, description (alt text), content_type, data (bytes), field (files[n])
    attachments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def files(self) -> dict[str, bytes]:
        """The uploaded files by name: filename -> content."""
        return {a["filename"]: a["data"] for a in self.attachments}

    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"] for row in self.components for c in row.get("components", []) if "custom_id" in c
        ]

    def text(self) -> str:
        """Everything a user reads in the message: content, embed titles, descriptions, fields, footers."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", "")]
            parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in e.get("fields", [])]
            parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)


@dataclass
class Session:
    """One gateway session: a shard of the bot, with its own sequence numbers and events (for RESUME)."""

    shard: int
    count: int
    session_id: str
    ws: web.WebSocketResponse | None
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ready: bool = False  # READY and GUILD_CREATE (or the replay and RESUMED) were sent on `ws`

    def carries(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events go to shard (guild_id >> 22) % count; the rest to shard 0."""
        if guild_id is None:
            return self.shard == 0
        return (guild_id >> 22) % self.count == self.shard

    @property
    def open(self) -> bool:
        return self.ws is not None and not self.ws.closed

    @property
    def connected(self) -> bool:
        return self.open and self.ready


@dataclass
class InteractionRecord:
    """An interaction the fake dispatched, and what the bot answered."""

    id: int
    token: str
    payload: dict[str, Any]
    dispatched_at: float
    callbacks: list[Call] = field(default_factory=list)
    source_message_id: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        return self.callbacks[0].json["type"] if self.callbacks else None


class FakeDiscord:
    """REST and gateway on 127.0.0.1 (port 0). Use `async with FakeDiscord() as fake:`."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        guild_permissions: dict[int, int] | None = None,
        global_rate_limit: float | None = None,
        route_rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.token = token
        self.global_rate_limit = global_rate_limit  # requests per second across routes (None: unlimited)
        self.route_rate_limit = route_rate_limit  # (requests, per seconds) per route bucket (None: no headers)
        self.global_429s = 0
        self.route_429s = 0
        self._tokens = float(global_rate_limit or 0)
        self._refilled = time.monotonic()
        self._route_windows: dict[tuple[str, str], tuple[float, int]] = {}  # bucket → (window end, used)
        self.calls: list[Call] = []
        self.messages: dict[int, Message] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.registered_commands: dict[str, list[dict[str, Any]]] = {}
        self.reactions: list[tuple[int, int, str]] = []
        self.threads: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.closed_dms: set[int] = set()
        self.refused_channels: dict[int, int] = {}
        self.member_roles: dict[int, set[int]] = {}  # user id -> role ids given through the REST API
        self.invalid_bodies: list[tuple[str, str, list[str]]] = []  # requests answered 400 Invalid Form Body
        self.gateway_log: list[dict[str, Any]] = []  # frames the bot sent us (op, d)
        self.identifies = 0
        self.resumes = 0
        self.shard_count = 1  # what GET /gateway/bot recommends
        self.required_shards = 1  # fewer shards than this: the gateway closes with 4011 (sharding required)
        self._failures: list[tuple[str, str, int, float | None]] = []
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # gateway sessions, by shard id (an unsharded bot is shard 0 of 1)
        self.sessions: dict[int, Session] = {}
        self.guild = default_guild(guild_permissions)
        self.extra_guilds: list[dict[str, Any]] = []
        self.gateway_bot_url: str | None = None  # what GET /gateway/bot advertises (default: our gateway)
        self.gateway_refusals = 0  # answer this many gateway connects with 503 (the gateway is down, REST is up)

    # ----- lifecycle ----------------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway-ws", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Port 0 the first time; `close()` then `start()` again comes back on the same port (an outage).
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            if session.ws is not None:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-ws"

    # ----- knobs --------------------------------------------------------------------------------------------

    def fail_next(
        self, method: str, path: str, *, status: int, times: int = 1, retry_after: float | None = None
    ) -> None:
        """Answer the next `times` calls of (method, path) with `status` (429 carries Retry-After)."""
        for _ in range(times):
            self._failures.append((method.upper(), path, status, retry_after))

    def refuse_channel(self, channel_id: int, status: int = 403) -> None:
        """Every call under /channels/{channel_id} fails: 403 Missing Access or 404 Unknown Channel."""
        self.refused_channels[channel_id] = status

    def add_guild(self, guild_id: int, channel_ids: list[int]) -> dict[str, Any]:
        """Another guild the bot is in (same roles and owner as the default one), with these text channels."""
        guild = default_guild()
        guild.update(id=str(guild_id), name=f"guild {guild_id}", system_channel_id=None)
        guild["roles"][0]["id"] = str(guild_id)  # @everyone has the guild's id
        guild["channels"] = [_text_channel(cid, f"channel-{k}", k) for k, cid in enumerate(channel_ids)]
        self.extra_guilds.append(guild)
        return guild

    @property
    def guilds(self) -> list[dict[str, Any]]:
        return [self.guild, *self.extra_guilds]

    def guild_of_channel(self, channel_id: int) -> int | None:
        """The guild of a text channel or thread; None for DMs and unknown channels."""
        for guild in self.guilds:
            if any(int(c["id"]) == channel_id for c in guild["channels"]):
                return int(guild["id"])
        thread = self.threads.get(channel_id)
        return int(thread["guild_id"]) if thread else None

    def _channels(self) -> list[dict[str, Any]]:
        return [c for g in self.guilds for c in g["channels"]]

    def close_dms(self, user_id: int) -> None:
        """The user does not accept DMs from the bot (403, code 50007)."""
        self.closed_dms.add(user_id)

    # ----- queries ------------------------------------------------------------------------------------------

    def command_syncs(self) -> int:
        """How many times the bot replaced its application commands (global or guild PUTs Discord accepted)."""
        return len([c for c in self.calls_to("PUT", r"/applications/\d+(/guilds/\d+)?/commands") if c.status == 200])

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path)]

    def channel_messages(self, channel_id: int) -> list[Message]:
        return [
            m for m in self.messages.values() if m.channel_id == channel_id and m.interaction_token is None
        ]

    def dm_messages(self, user_id: int) -> list[Message]:
        channel = self.dm_channels.get(user_id)
        return [] if channel is None else self.channel_messages(channel)

    def replies_to(self, record: InteractionRecord) -> list[Message]:
        """Messages the user sees for an interaction: the original response (if any) then follow-ups."""
        ids = ([record.original_message_id] if record.original_message_id else []) + record.followup_ids
        return [self.messages[i] for i in ids]

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked after every REST call, and every 20 ms for state
        outside the fake such as the database); returns its value."""
        async with asyncio.timeout(timeout), self._changed:
            while not (value := predicate()):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.02)
            return value

    async def wait_answered(
        self, record: InteractionRecord, messages: int = 1, timeout: float = 5.0
    ) -> list[Message]:
        """Wait for the interaction's callback and `messages` visible replies (original + follow-ups)."""

        def done() -> list[Message] | None:
            if not record.callbacks:
                return None
            replies = [m for m in self.replies_to(record) if m.content or m.embeds]
            return replies if len(replies) >= messages else None

        return await self.wait_until(done, timeout)

    # ----- gateway ------------------------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 5.0, *, shards: int = 1) -> None:
        """Wait until at least `shards` gateway sessions are connected (identified or resumed)."""
        await self.wait_until(lambda: len(self.connected_shards()) >= shards, timeout)

    def connected_shards(self) -> list[int]:
        return sorted(k for k, session in self.sessions.items() if session.connected)

    async def dispatch(self, event: str, data: dict[str, Any]) -> float:
        """Send a DISPATCH to the session of its guild's shard (or queue it for replay while that session is
        disconnected); returns the send time. Dropped when no session carries the guild."""
        guild = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
        for session in self.sessions.values():
            if session.carries(int(guild) if guild else None):
                await self._send(session, event, data)
                break
        return time.monotonic()

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)
        if session.open:
            assert session.ws is not None
            await session.ws.send_str(json.dumps(frame))

    async def send_reconnect(self) -> None:
        """Op 7 on every session: the bot must reconnect and RESUME; events dispatched meanwhile are replayed."""
        for session in self.sessions.values():
            ws, session.ws = session.ws, None
            if ws is not None and not ws.closed:
                await ws.send_str(json.dumps({"op": 7, "d": None}))
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.gateway_refusals > 0:
            self.gateway_refusals -= 1
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            self.gateway_log.append({"op": frame["op"], "d": frame.get("d")})
            op = frame["op"]
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, frame["d"])
            elif op == 6:
                await self._resume(ws, frame["d"])
        for session in self.sessions.values():
            if session.ws is ws:
                session.ws = None
        await self._notify()
        return ws

    def guilds_of_shard(self, shard: int, count: int) -> list[dict[str, Any]]:
        return [g for g in self.guilds if (int(g["id"]) >> 22) % count == shard]

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        shard, count = d.get("shard", [0, 1])
        if not 0 <= shard < count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return
        if count < self.required_shards:
            await ws.close(code=4011, message=b"Sharding required.")
            return
        self.identifies += 1
        session = Session(shard, count, f"session-{self.identifies}", ws)
        self.sessions[shard] = session
        guilds = self.guilds_of_shard(shard, count)
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": bot_user(),
                "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": [shard, count],
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )
        for guild in guilds:
            await self._send(session, "GUILD_CREATE", guild)
        session.ready = True
        await self._notify()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        session = next((s for s in self.sessions.values() if s.session_id == d.get("session_id")), None)
        if d.get("token") != self.token or session is None:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self.resumes += 1
        session.ws, session.ready = ws, False
        missed = [f for f in session.events if f["s"] > (d.get("seq") or 0)]
        for frame in missed:
            await ws.send_str(json.dumps(frame))
        await self._send(session, "RESUMED", {})
        session.ready = True
        await self._notify()

    # ----- interactions and reactions -----------------------------------------------------------------------

    def _new_id(self) -> int:
        return ((int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22) + next(self._ids)

    def command_schema(self, name: str) -> dict[str, Any]:
        for commands in self.registered_commands.values():
            for cmd in commands:
                if cmd["name"] == name:
                    return cmd
        raise KeyError(f"/{name} was not registered; registered: {self.registered_command_names()}")

    def registered_command_names(self) -> list[str]:
        return sorted(c["name"] for cmds in self.registered_commands.values() for c in cmds)

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        user_id: int = MEMBER_ID,
        channel_id: int = GENERAL_ID,
        permissions: int | None = None,
        interaction_id: int | None = None,
        guild_id: int = GUILD_ID,
    ) -> InteractionRecord:
        """Dispatch a slash command (types of options come from the registered schema) in a guild's channel."""
        schema = self.command_schema(name)
        given = {k: v for k, v in (options or {}).items() if v is not None}
        opts = _build_options(schema, subcommand, given)
        data: dict[str, Any] = {"id": schema["id"], "name": name, "type": 1, "options": opts}
        resolved = self._resolve(schema, subcommand, given)
        if resolved:
            data["resolved"] = resolved
        return await self._interaction(
            2, data, user_id, channel_id, permissions, interaction_id=interaction_id, guild_id=guild_id
        )

    async def autocomplete(
        self, name: str, option: str, value: str, *, user_id: int = MEMBER_ID, subcommand: str | None = None
    ) -> InteractionRecord:
        schema = self.command_schema(name)
        opts = _build_options(schema, subcommand, {option: value})
        target = opts[0]["options"] if subcommand else opts
        for o in target:
            if o["name"] == option:
                o["focused"] = True
        data = {"id": schema["id"], "name": name, "type": 1, "options": opts}
        return await self._interaction(4, data, user_id, GENERAL_ID, None)

    async def click(
        self,
        message: Message,
        custom_id: str,
        *,
        user_id: int = MEMBER_ID,
        interaction_id: int | None = None,
        token: str | None = None,
    ) -> InteractionRecord:
        """Click a button on a message the bot sent (ephemeral, channel or DM)."""
        if custom_id not in message.custom_ids():
            raise AssertionError(f"no button {custom_id!r} on the message; it has {message.custom_ids()}")
        data = {"custom_id": custom_id, "component_type": 2}
        in_dm = message.channel_id in self.dm_channels.values()
        return await self._interaction(
            3,
            data,
            user_id,
            message.channel_id,
            None,
            message=message,
            in_dm=in_dm,
            interaction_id=interaction_id,
            token=token,
            guild_id=self.guild_of_channel(message.channel_id) or GUILD_ID,
        )

    def modal_of(self, record: InteractionRecord) -> dict[str, Any]:
        """The modal the bot answered `record` with (callback type 9), as sent."""
        if record.callback_type != 9:
            raise AssertionError(f"interaction {record.id} was not answered with a modal ({record.callback_type})")
        return dict(record.callbacks[0].json["data"])

    async def submit_modal(
        self, record: InteractionRecord, values: dict[str, str] | None = None, *, user_id: int | None = None
    ) -> InteractionRecord:
        """Submit the modal opened in answer to `record` (MODAL_SUBMIT, type 5): each text input keeps its prefilled
        value unless `values` gives one; inputs come back in the layout sent (action rows or labels)."""
        modal = self.modal_of(record)
        given = values or {}

        def answer(item: dict[str, Any]) -> dict[str, Any]:
            return {"type": 4, "custom_id": item["custom_id"], "value": given.get(item["custom_id"],
                                                                                  item.get("value", ""))}

        rows: list[dict[str, Any]] = []
        for top in modal.get("components", []):
            if top.get("type") == 18:  # a label holding one input
                rows.append({"type": 18, "component": answer(top["component"])})
            else:
                rows.append({"type": 1, "components": [answer(c) for c in top.get("components", [])]})
        data = {"custom_id": modal["custom_id"], "components": rows}
        who = user_id or int((record.payload.get("member") or {}).get("user", record.payload.get("user"))["id"])
        source = self.messages.get(record.source_message_id) if record.source_message_id else None
        channel_id = int(record.payload["channel_id"])
        in_dm = channel_id in self.dm_channels.values()
        return await self._interaction(5, data, who, channel_id, None, message=source, in_dm=in_dm)

    async def redeliver(self, record: InteractionRecord) -> float:
        """Dispatch the very same INTERACTION_CREATE payload again (a platform redelivery)."""
        return await self.dispatch("INTERACTION_CREATE", record.payload)

    async def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        permissions: int | None,
        *,
        message: Message | None = None,
        in_dm: bool = False,
        interaction_id: int | None = None,
        token: str | None = None,
        guild_id: int = GUILD_ID,
    ) -> InteractionRecord:
        iid = interaction_id or self._new_id()
        token = token or f"itoken-{iid}"
        if permissions is None:
            permissions = ADMIN_PERMISSIONS if user_id == ADMIN_ID else MEMBER_PERMISSIONS
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": 8 * 1024 * 1024,
            "locale": "en-US",
            "data": data,
            "channel_id": str(channel_id),
            "app_permissions": str(self.bot_guild_permissions()),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
        }
        if in_dm:
            payload["channel"] = {"id": str(channel_id), "type": 1, "recipients": [user_payload(user_id)]}
            payload["user"] = user_payload(user_id)
            payload["context"] = 1
        else:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
            payload["channel"] = self._channel_payload(channel_id)
            payload["member"] = member_payload(user_id, permissions=permissions)
            payload["context"] = 0
        if message is not None:
            payload["message"] = self._message_payload(message)
        record = InteractionRecord(
            id=iid,
            token=token,
            payload=payload,
            dispatched_at=0.0,
            source_message_id=message.id if message else None,
        )
        self.interactions[token] = record
        record.dispatched_at = await self.dispatch("INTERACTION_CREATE", payload)
        return record

    async def react(self, message: Message, emoji: str = "👀", *, user_id: int = MEMBER_ID) -> None:
        """A member adds a (unicode) reaction to a channel message."""
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(user_id),
                "channel_id": str(message.channel_id),
                "message_id": str(message.id),
                "guild_id": str(self.guild_of_channel(message.channel_id) or GUILD_ID),
                "member": member_payload(user_id),
                "emoji": {"id": None, "name": emoji},
                "type": 0,
                "burst": False,
                "message_author_id": str(BOT_ID),
            },
        )

    def _resolve(
        self, schema: dict[str, Any], subcommand: str | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        spec = _option_specs(schema, subcommand)
        resolved: dict[str, Any] = {}
        for key, value in options.items():
            if spec[key]["type"] == OPTION_ROLE:
                role = next(r for r in self.guild["roles"] if int(r["id"]) == int(value))
                resolved.setdefault("roles", {})[str(value)] = role
            elif spec[key]["type"] == OPTION_USER:
                resolved.setdefault("users", {})[str(value)] = user_payload(int(value))
            elif spec[key]["type"] == OPTION_CHANNEL:
                ch = self._channel_payload(int(value))
                ch["permissions"] = str(ADMIN_PERMISSIONS)
                resolved.setdefault("channels", {})[str(value)] = ch
        return resolved

    def _channel_payload(self, channel_id: int) -> dict[str, Any]:
        for guild in self.guilds:
            for ch in guild["channels"]:
                if int(ch["id"]) == channel_id:
                    return dict(ch, guild_id=guild["id"])
        if channel_id in self.threads:
            return dict(self.threads[channel_id])
        return {"id": str(channel_id), "type": 0, "name": f"channel-{channel_id}", "guild_id": str(GUILD_ID)}

    def _message_payload(self, m: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(m.id),
            "channel_id": str(m.channel_id),
            "type": 0 if m.interaction_token is None else 20,
            "content": m.content,
            "embeds": m.embeds,
            "components": m.components,
            "flags": m.flags,
            "author": bot_user(),
            "mentions": [],
            "mention_roles": [str(r) for r in m.pinged_roles],
            "mention_everyone": False,
            "attachments": [_attachment_payload(m.id, a) for a in m.attachments],
            "pinned": False,
            "tts": False,
            "timestamp": "2026-01-05T09:00:00.000000+00:00",
            "edited_timestamp": None,
            "application_id": str(APP_ID),
        }
        if m.channel_id not in self.dm_channels.values():
            payload["guild_id"] = str(self.guild_of_channel(m.channel_id) or GUILD_ID)
        if m.thread_id is not None:
            payload["thread"] = self.threads[m.thread_id]
        return payload

    # ----- REST ---------------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                body = _decode_body(raw, request.content_type, request)
        call = Call(request.method, path, dict(request.query), body, 0, time.monotonic())
        limited, limit_headers = self._rate_limit(request.method, path, call.at)
        if limited is not None:
            status, payload, headers = limited
        else:
            try:
                status, payload, headers = self._route(request, path, body)
            except Exception as exc:  # a bug in the fake: make it loud in the test output
                status, payload, headers = 500, {"message": f"fake error: {exc!r}", "code": 0}, {}
            headers = {**limit_headers, **headers}
        call.status = status
        self.calls.append(call)
        rec = self._record_for(path)
        if rec is not None and path.endswith("/callback"):
            rec.callbacks.append(call)
        async with self._changed:
            self._changed.notify_all()
        if status == 204:
            return web.Response(status=204, headers=headers)
        # discord.py only parses JSON when the content type is exactly application/json (no charset).
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
        )

    def _rate_limit(
        self, method: str, path: str, now: float
    ) -> tuple[tuple[int, Any, dict[str, str]] | None, dict[str, str]]:
        """(a 429 to send instead of routing, or None; the per-route X-RateLimit-* headers for the answer)."""
        if path.startswith(("/interactions/", "/webhooks/")):
            return None, {}  # interaction endpoints are not bound by the global limit
        if self.global_rate_limit:
            rate = self.global_rate_limit
            self._tokens = min(rate, self._tokens + (now - self._refilled) * rate)
            self._refilled = now
            if self._tokens < 1:
                self.global_429s += 1
                retry = round((1 - self._tokens) / rate, 3)
                body = {"message": "You are being rate limited.", "retry_after": retry, "global": True}
                headers = {
                    "Retry-After": str(retry),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Via": "1.1 google",
                }
                return (429, body, headers), {}
            self._tokens -= 1
        if self.route_rate_limit is None:
            return None, {}
        limit, per = self.route_rate_limit
        template, major = self._bucket_of(method, path)
        key = (template, major)
        end, used = self._route_windows.get(key, (0.0, 0))
        if now >= end:
            end, used = now + per, 0
        reset_after = round(end - now, 3)
        bucket = hashlib.sha1(template.encode()).hexdigest()[:16]
        if used >= limit:
            self.route_429s += 1
            body = {"message": "You are being rate limited.", "retry_after": reset_after, "global": False}
            headers = {"Retry-After": str(reset_after), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
            return (429, body, headers), {}
        self._route_windows[key] = (end, used + 1)
        return None, {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - used - 1),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def _bucket_of(self, method: str, path: str) -> tuple[str, str]:
        """(method and route template, major parameter: the channel, guild or webhook id) of a REST path."""
        for rx, meth, _handler in self._handlers():
            match = re.fullmatch(rx, path)
            if match and meth == method:
                major = match.group(1) if path.startswith(("/channels/", "/guilds/")) and match.groups() else ""
                return f"{method} {rx}", major
        return f"{method} {path}", ""

    def _record_for(self, path: str) -> InteractionRecord | None:
        parts = path.split("/")
        for token in parts:
            if token in self.interactions:
                return self.interactions[token]
        return None

    def _route(self, request: web.Request, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        method = request.method
        if request.headers.get("Authorization") not in (f"Bot {self.token}", None) or (
            request.headers.get("Authorization") is None
            and not path.startswith(("/webhooks/", "/interactions/"))
        ):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        for i, (m, p, status, retry_after) in enumerate(self._failures):
            if m == method and p == path:
                del self._failures[i]
                if status == 429:
                    ra = retry_after or 0.1
                    return (
                        429,
                        {"message": "You are being rate limited.", "retry_after": ra, "global": False},
                        {"Retry-After": str(ra), "Via": "1.1 google", "X-RateLimit-Scope": "user"},
                    )
                return status, {"message": f"{status} injected", "code": 0}, {}
        m = re.fullmatch(r"/channels/(\d+)(/.*)?", path)
        if m and int(m.group(1)) in self.refused_channels:
            status = self.refused_channels[int(m.group(1))]
            if status == 404:
                return 404, {"message": "Unknown Channel", "code": 10003}, {}
            return 403, {"message": "Missing Access", "code": 50001}, {}

        problems = self._form_errors(method, path, body)
        if problems:
            self.invalid_bodies.append((method, path, problems))
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": problems}, {}
        for rx, meth, handler in self._handlers():
            mm = re.fullmatch(rx, path)
            if mm and meth == method:
                return handler(body, *mm.groups())
        return 404, {"message": f"fake has no route {method} {path}", "code": 0}, {}

    @staticmethod
    def _form_errors(method: str, path: str, body: Any) -> list[str]:
        """What Discord would refuse in this request's body (tests/fakes/discord_limits.py)."""
        if method == "PUT" and path.endswith("/commands"):
            return limits.command_errors(body)
        if method == "POST" and path.endswith("/callback"):
            return limits.callback_errors(body)
        if path.startswith("/webhooks/") and method in ("POST", "PATCH"):
            return limits.message_errors(body, kind="webhook")
        if re.fullmatch(r"/channels/\d+/messages(/\d+)?", path) and method in ("POST", "PATCH"):
            return limits.message_errors(body, kind="channel")
        return []

    def _handlers(self) -> list[tuple[str, str, Callable[..., tuple[int, Any, dict[str, str]]]]]:
        return [
            (r"/users/@me", "GET", lambda _b: (200, bot_user(), {})),
            (r"/oauth2/applications/@me", "GET", lambda _b: (200, app_info(), {})),
            (r"/gateway/bot", "GET", self._gateway_bot),
            (r"/gateway", "GET", lambda _b: (200, {"url": self.gateway_url}, {})),
            (r"/applications/(\d+)/commands", "PUT", self._put_commands),
            (r"/applications/(\d+)/guilds/(\d+)/commands", "PUT", self._put_guild_commands),
            (
                r"/applications/(\d+)/commands",
                "GET",
                lambda _b, _a: (200, self.registered_commands.get("global", []), {}),
            ),
            (r"/interactions/(\d+)/([^/]+)/callback", "POST", self._callback),
            (r"/webhooks/(\d+)/([^/]+)", "POST", self._followup),
            (r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", "PATCH", self._edit_webhook_message),
            (r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", "GET", self._get_webhook_message),
            (r"/channels/(\d+)", "GET", self._get_channel),
            (r"/channels/(\d+)/messages", "POST", self._post_message),
            (r"/channels/(\d+)/messages", "GET", self._history),
            (r"/channels/(\d+)/messages/(\d+)", "PATCH", self._edit_channel_message),
            (r"/channels/(\d+)/messages/(\d+)/threads", "POST", self._start_thread),
            (r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)/@me", "PUT", self._add_reaction),
            (r"/users/@me/channels", "POST", self._open_dm),
            (r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", "PUT", self._add_member_role),
            (r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", "DELETE", self._remove_member_role),
        ]

    def _gateway_bot(self, _body: Any) -> tuple[int, Any, dict[str, str]]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return (
            200,
            {"url": self.gateway_bot_url or self.gateway_url, "shards": self.shard_count,
             "session_start_limit": limit},
            {},
        )

    def _put_commands(self, body: Any, app_id: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._store_commands("global", body, app_id, None), {}

    def _put_guild_commands(self, body: Any, app_id: str, guild_id: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._store_commands(f"guild:{guild_id}", body, app_id, guild_id), {}

    def _store_commands(
        self, scope: str, body: Any, app_id: str, guild_id: str | None
    ) -> list[dict[str, Any]]:
        out = []
        for cmd in body:
            full = {
                "id": str(self._new_id()),
                "application_id": app_id,
                "version": "1",
                "type": 1,
                "default_member_permissions": None,
                **cmd,
            }
            if full["default_member_permissions"] is not None:  # Discord answers with a string bitfield
                full["default_member_permissions"] = str(full["default_member_permissions"])
            if guild_id:
                full["guild_id"] = guild_id
            out.append(full)
        self.registered_commands[scope] = out
        return out

    def _callback(self, body: Any, iid: str, token: str) -> tuple[int, Any, dict[str, str]]:
        rec = self.interactions.get(token)
        if rec is None or str(rec.id) != iid:
            return 404, {"message": "Unknown interaction", "code": 10062}, {}
        if rec.callbacks:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}, {}
        kind = body["type"]
        data = dict(body.get("data") or {})
        if body.get("_files"):
            data["_files"] = body["_files"]
        channel_id = int(rec.payload["channel_id"])
        message: Message | None = None
        if kind in (4, 5):
            message = self._store(channel_id, data, token=token)
            rec.original_message_id = message.id
            if kind == 5:
                message.content = ""
        elif kind == 7 and rec.source_message_id is not None:
            message = self.messages[rec.source_message_id]
            self._apply_edit(message, data)
        resp: dict[str, Any] = {
            "interaction": {
                "id": iid,
                "type": rec.payload["type"],
                "response_message_id": str(message.id) if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            }
        }
        if message is not None:
            resp["resource"] = {"type": kind, "message": self._message_payload(message)}
        return 200, resp, {}

    def _followup(self, body: Any, _app: str, token: str) -> tuple[int, Any, dict[str, str]]:
        rec = self.interactions.get(token)
        if rec is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}, {}
        if (
            rec.original_message_id is not None
            and not self.messages[rec.original_message_id].content
            and not (self.messages[rec.original_message_id].embeds)
        ):
            # After a "thinking" defer, Discord's first follow-up replaces the loading message.
            message = self.messages[rec.original_message_id]
            self._apply_edit(message, body)
        else:
            message = self._store(int(rec.payload["channel_id"]), body, token=token)
            rec.followup_ids.append(message.id)
        return 200, self._message_payload(message), {}

    def _target(self, rec: InteractionRecord, mid: str) -> Message | None:
        if mid == "@original":
            target = rec.original_message_id or rec.source_message_id
            return self.messages.get(target) if target else None
        return self.messages.get(int(mid))

    def _edit_webhook_message(
        self, body: Any, _app: str, token: str, mid: str
    ) -> tuple[int, Any, dict[str, str]]:
        rec = self.interactions.get(token)
        message = self._target(rec, mid) if rec else None
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        self._apply_edit(message, body)
        return 200, self._message_payload(message), {}

    def _get_webhook_message(
        self, _body: Any, _app: str, token: str, mid: str
    ) -> tuple[int, Any, dict[str, str]]:
        rec = self.interactions.get(token)
        message = self._target(rec, mid) if rec else None
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        return 200, self._message_payload(message), {}

    def _get_channel(self, _body: Any, cid: str) -> tuple[int, Any, dict[str, str]]:
        if any(int(c["id"]) == int(cid) for c in self._channels()) or int(cid) in self.threads:
            return 200, self._channel_payload(int(cid)), {}
        return 404, {"message": "Unknown Channel", "code": 10003}, {}

    def _post_message(self, body: Any, cid: str) -> tuple[int, Any, dict[str, str]]:
        channel_id = int(cid)
        known = (
            {int(c["id"]) for c in self._channels()}
            | set(self.threads)
            | set(self.dm_channels.values())
        )
        if channel_id not in known:
            return 404, {"message": "Unknown Channel", "code": 10003}, {}
        for user_id, dm in self.dm_channels.items():
            if dm == channel_id and user_id in self.closed_dms:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}, {}
        nonce = (body or {}).get("nonce")
        if nonce and (body or {}).get("enforce_nonce"):
            # Discord returns the earlier message for a repeated nonce instead of posting twice.
            for earlier in self.channel_messages(channel_id):
                if earlier.nonce == str(nonce):
                    return 200, self._message_payload(earlier), {}
        if (body or {}).get("_files") and not self.bot_guild_permissions() & (ATTACH_FILES | ADMINISTRATOR):
            return 403, {"message": "Missing Permissions", "code": 50013}, {}
        message = self._store(channel_id, body)
        message.nonce = str(nonce) if nonce else None
        message.pinged_roles = self._pinged_roles(body or {})
        ref = (body or {}).get("message_reference")
        if ref:
            message.reference_id = int(ref["message_id"])
        return 200, self._message_payload(message), {}

    def bot_guild_permissions(self) -> int:
        """The bot's guild-wide permissions: @everyone's and its roles' bits combined."""
        mine = {str(GUILD_ID), *next(m for m in self.guild["members"] if m["user"]["id"] == str(BOT_ID))["roles"]}
        bits = 0
        for role in self.guild["roles"]:
            if role["id"] in mine:
                bits |= int(role["permissions"])
        return bits

    def _pinged_roles(self, body: dict[str, Any]) -> list[int]:
        """Roles a bot message notifies, as Discord decides: mentioned in the content, allowed by
        allowed_mentions, and either mentionable or the bot has Mention Everyone (or Administrator)."""
        allowed = body.get("allowed_mentions")
        mentioned = [int(r) for r in re.findall(r"<@&(\d+)>", body.get("content") or "")]
        can_all = bool(self.bot_guild_permissions() & (MENTION_EVERYONE | ADMINISTRATOR))
        out = []
        for role_id in mentioned:
            if allowed is not None and "roles" not in allowed.get("parse", []) and role_id not in [
                int(r) for r in allowed.get("roles", [])
            ]:
                continue
            role = next((r for r in self.guild["roles"] if int(r["id"]) == role_id), None)
            if role is not None and (role["mentionable"] or can_all):
                out.append(role_id)
        return out

    def _history(self, _body: Any, cid: str) -> tuple[int, Any, dict[str, str]]:
        newest_first = sorted(self.channel_messages(int(cid)), key=lambda m: m.id, reverse=True)
        return 200, [self._message_payload(m) for m in newest_first[:50]], {}

    def _edit_channel_message(self, body: Any, cid: str, mid: str) -> tuple[int, Any, dict[str, str]]:
        message = self.messages.get(int(mid))
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        self._apply_edit(message, body)
        return 200, self._message_payload(message), {}

    def _start_thread(self, body: Any, cid: str, mid: str) -> tuple[int, Any, dict[str, str]]:
        message = self.messages.get(int(mid))
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        thread = {
            "id": str(message.id),  # Discord gives a thread started from a message the message's id
            "type": 11,
            "guild_id": str(self.guild_of_channel(int(cid)) or GUILD_ID),
            "parent_id": cid,
            "owner_id": str(BOT_ID),
            "name": body["name"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": "2026-01-05T09:00:00.000000+00:00",
                "locked": False,
            },
        }
        self.threads[message.id] = thread
        message.thread_id = message.id
        return 201, thread, {}

    def _add_reaction(self, _body: Any, cid: str, mid: str, emoji: str) -> tuple[int, Any, dict[str, str]]:
        from urllib.parse import unquote

        self.reactions.append((int(cid), int(mid), unquote(emoji)))
        return 204, None, {}

    def _role_refusal(self, role_id: int) -> tuple[int, Any, dict[str, str]] | None:
        """Discord's checks on a role edit: Manage Roles (or Administrator), and the role below the bot's top role."""
        role = next((r for r in self.guild["roles"] if int(r["id"]) == role_id), None)
        if role is None:
            return 404, {"message": "Unknown Role", "code": 10011}, {}
        mine = next(m for m in self.guild["members"] if m["user"]["id"] == str(BOT_ID))["roles"]
        top = max((r["position"] for r in self.guild["roles"] if r["id"] in mine), default=0)
        if not self.bot_guild_permissions() & (MANAGE_ROLES | ADMINISTRATOR) or role["position"] >= top:
            return 403, {"message": "Missing Permissions", "code": 50013}, {}
        return None

    def _add_member_role(self, _body: Any, _gid: str, uid: str, rid: str) -> tuple[int, Any, dict[str, str]]:
        refusal = self._role_refusal(int(rid))
        if refusal is not None:
            return refusal
        self.member_roles.setdefault(int(uid), set()).add(int(rid))
        return 204, None, {}

    def _remove_member_role(self, _body: Any, _gid: str, uid: str, rid: str) -> tuple[int, Any, dict[str, str]]:
        refusal = self._role_refusal(int(rid))
        if refusal is not None:
            return refusal
        self.member_roles.get(int(uid), set()).discard(int(rid))
        return 204, None, {}

    def _open_dm(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        user_id = int(body["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, self._new_id())
        return 200, {"id": str(channel_id), "type": 1, "recipients": [user_payload(user_id)]}, {}

    def _store(self, channel_id: int, body: Any, *, token: str | None = None) -> Message:
        body = body or {}
        message = Message(
            id=self._new_id(),
            channel_id=channel_id,
            content=body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=body.get("flags") or 0,
            allowed_mentions=body.get("allowed_mentions"),
            interaction_token=token,
            attachments=_attachments(body),
        )
        self.messages[message.id] = message
        return message

    @staticmethod
    def _apply_edit(message: Message, body: Any) -> None:
        """Apply an edit as Discord does: only the keys present change (an edit without `components` keeps
        the old buttons, without `embeds` the old embeds); a key sent as null or [] clears that field."""
        body = body or {}
        message.edits += 1
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                setattr(
                    message, key, body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            message.flags |= body["flags"]
        if "attachments" in body:
            message.attachments = _attachments(body)


# ----- payload builders -------------------------------------------------------------------------------------


def _decode_body(raw: bytes, content_type: str, request: web.Request) -> Any:
    if content_type == "application/json":
        return json.loads(raw)
    if content_type.startswith("multipart/"):
        # discord.py sends files as multipart/form-data: the JSON under 'payload_json', each file as 'files[n]'
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=email_policy.HTTP).parsebytes(head + raw)
        payload: Any = None
        files = []
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if name == "payload_json":
                payload = json.loads(data)
            elif isinstance(name, str) and name.startswith("files["):
                # discord.py sends application/octet-stream; Discord sniffs the type from the bytes
                sniffed = "image/png" if data.startswith(b"\x89PNG\r\n\x1a\n") else part.get_content_type()
                files.append({"field": name, "filename": part.get_filename(), "data": data, "content_type": sniffed})
        if isinstance(payload, dict) and files:
            payload["_files"] = files
        return payload
    return raw.decode(errors="replace")


def _attachments(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Uploaded files joined to the payload's `attachments` (by id n of `files[n]`), as Discord stores them."""
    uploads = {f["field"]: f for f in body.get("_files") or []}
    out = []
    for meta in body.get("attachments") or []:
        upload = uploads.get(f"files[{meta.get('id')}]")
        if upload is None:
            continue  # an attachment kept from before (an edit) or one without a file: nothing new
        out.append({"id": meta.get("id"), "filename": meta.get("filename") or upload["filename"],
                    "description": meta.get("description"), "content_type": upload["content_type"],
                    "data": upload["data"]})
    return out


def _attachment_payload(message_id: int, a: dict[str, Any]) -> dict[str, Any]:
    url = f"https://cdn.fake.discord.test/attachments/{message_id}/{a['filename']}"
    return {"id": str(message_id * 10 + int(a["id"] or 0)), "filename": a["filename"], "size": len(a["data"]),
            "url": url, "proxy_url": url, "content_type": a["content_type"], "description": a["description"]}


def bot_user() -> dict[str, Any]:
    return {
        "id": str(BOT_ID),
        "username": "mlq-bot",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": True,
        "flags": 0,
        "verified": True,
        "mfa_enabled": False,
    }


def user_payload(user_id: int) -> dict[str, Any]:
    name = {ADMIN_ID: "alice", MEMBER_ID: "bob"}.get(user_id, f"user{user_id % 1000}")
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
    }


def member_payload(user_id: int, *, permissions: int | None = None) -> dict[str, Any]:
    member: dict[str, Any] = {
        "user": user_payload(user_id),
        "roles": [],
        "flags": 0,
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "pending": False,
        "nick": None,
    }
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


def app_info() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "ML interview bot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(OWNER_ID),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
    }


def _text_channel(
    channel_id: int, name: str, position: int, overwrites: list[dict[str, Any]] | None = None
) -> dict:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": position,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }


def default_guild(role_permissions: dict[int, int] | None = None) -> dict[str, Any]:
    """A guild with #general, #qotd, #locked (the bot may not embed links or open threads) and #system."""
    perms = {
        GUILD_ID: MEMBER_PERMISSIONS,
        BOT_ROLE_ID: BOT_PERMISSIONS,
        STUDY_ROLE_ID: 0,
        QUIET_ROLE_ID: 0,
        **(role_permissions or {}),
    }

    def role(role_id: int, name: str, position: int, **extra: Any) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "permissions": str(perms[role_id]),
            "position": position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": True,
            "flags": 0,
            **extra,
        }

    locked_deny = [
        {"id": str(BOT_ROLE_ID), "type": 0, "allow": "0", "deny": str(EMBED_LINKS | CREATE_PUBLIC_THREADS)}
    ]
    return {
        "id": str(GUILD_ID),
        "name": "ML study group",
        "owner_id": str(OWNER_ID),
        "icon": None,
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "system_channel_id": str(SYSTEM_ID),
        "preferred_locale": "en-US",
        "roles": [
            role(GUILD_ID, "@everyone", 0),
            role(BOT_ROLE_ID, "mlq-bot", 1, managed=True, tags={"bot_id": str(BOT_ID)}),
            role(STUDY_ROLE_ID, "study-group", 2),
            role(QUIET_ROLE_ID, "readers", 3, mentionable=False),
        ],
        "channels": [
            _text_channel(GENERAL_ID, "general", 0),
            _text_channel(QOTD_ID, "qotd", 1),
            _text_channel(LOCKED_ID, "locked", 2, locked_deny),
            _text_channel(SYSTEM_ID, "system", 3),
        ],
        "members": [
            {
                "user": bot_user(),
                "roles": [str(BOT_ROLE_ID)],
                "flags": 0,
                "joined_at": "2025-01-01T00:00:00.000000+00:00",
                "deaf": False,
                "mute": False,
            }
        ],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "voice_states": [],
        "presences": [],
    }


def _option_specs(schema: dict[str, Any], subcommand: str | None) -> dict[str, dict[str, Any]]:
    options = schema.get("options", [])
    if subcommand is not None:
        sub = next((o for o in options if o["name"] == subcommand), None)
        if sub is None:
            raise KeyError(f"/{schema['name']} has no subcommand {subcommand!r}")
        options = sub.get("options", [])
    return {o["name"]: o for o in options}


def _build_options(
    schema: dict[str, Any], subcommand: str | None, values: dict[str, Any]
) -> list[dict[str, Any]]:
    spec = _option_specs(schema, subcommand)
    opts = []
    for key, value in values.items():
        if key not in spec:
            raise KeyError(f"/{schema['name']} has no option {key!r}; it has {sorted(spec)}")
        kind = spec[key]["type"]
        choices = [c["value"] for c in spec[key].get("choices", [])]
        if choices and value not in choices:
            raise ValueError(f"{value!r} is not one of the choices {choices} of {key!r}")
        if kind in (OPTION_ROLE, OPTION_CHANNEL, OPTION_USER):
            value = str(value)
        opts.append({"name": key, "type": kind, "value": value})
    if subcommand is not None:
        return [{"name": subcommand, "type": OPTION_SUB_COMMAND, "options": opts}]
    return opts


# ----- running the adapter against the fake -----------------------------------------------------------------


@contextlib.asynccontextmanager
async def run_bot(
    core: Any, fake: FakeDiscord, *, guild_id: int | None = None, **options: Any
) -> AsyncIterator[Any]:
    """Point discord.py at `fake`, start the adapter's client for `core` and wait until it is ready."""
    from adapters.discord.client import build_bot
    from adapters.discord.runner import configure_endpoints

    configure_endpoints(api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
    bot = build_bot(core, guild_id=guild_id, guild_ready_timeout=0.05, **options)
    await bot.login(fake.token)
    task = asyncio.create_task(bot.connect(reconnect=True))
    try:
        async with asyncio.timeout(10):
            await bot.wait_until_ready()
        yield bot
    finally:
        await bot.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
