"""Fan-out (issue 6): 2,000 channels whose question of the day falls due in the same minute.

Discord: 2,000 text channels in the fake guild, each with a daily 09:00 UTC schedule written through
`bot.store.schedules.save_schedule`; a ManualClock is set to 09:00 and one `core.tick()` is timed: it returns once
every due post has been made (or has failed). The posts go through the real discord.py adapter to the loopback
fake (tests/fakes/discord_fake.py), which enforces Discord's GLOBAL limit of 50 requests/s across all routes (a
token bucket; beyond it a 429 with `X-RateLimit-Global: true`) and per-route buckets with the X-RateLimit-*
headers discord.py reads. Each post is every REST call the adapter really makes (message, thread, 👀 reaction),
all counted at the fake. Floor: (successful requests) / 50 s; aim: time / floor ≤ 1.1 and no 429s.

Slack: the same 2,000 schedules in one workspace, through the adapter's SlackOutbound (paced to one message per
second per channel) to the fake Slack (tests/fakes/slack_fake.py, no added latency), which answers HTTP 429
`ratelimited` with Retry-After when a channel gets more than one message per second. With one message per channel
that limit never binds, so the floor is how fast the same Web API calls (chat.postMessage + reactions.add per
channel, same payload, same 64 in flight as the core's fan-out) go through a bare slack_sdk AsyncWebClient
against the same fake, measured in the same run: the transport floor without the core and its bookkeeping.

Run: `python bench/fanout.py` (about 2.5 minutes: the Discord half cannot be faster than requests / 50 s);
`--channels 200` or `--quick` for a quick check. Importable: `main(channels=2000)` returns the figures and
`report(figures)` the table rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.web.async_client import AsyncWebClient

from adapters.discord.runner import configure_endpoints
from adapters.discord.translate import PLATFORM as DISCORD
from adapters.slack.app import close_app, open_session
from adapters.slack.common import PLATFORM as SLACK
from adapters.slack.runner import build_app
from bench.discord_interactions import run_on
from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.args import WEEKDAYS
from bot.core import Core
from bot.domain.events import Place
from bot.domain.schedule import Schedule
from bot.qotd.schedule import next_fire
from bot.qotd.service import FANOUT_CONCURRENCY
from bot.store.schedules import save_schedule
from tests.fakes import discord_fake, slack_fake
from tests.fakes.discord_fake import FakeDiscord, run_bot
from tests.fakes.slack_fake import FakeSlack

CHANNELS = 2000
QUICK_CHANNELS = 200
DISCORD_GLOBAL_LIMIT = 50  # requests per second, Discord's global REST limit
DISCORD_ROUTE_LIMIT = (5, 5.0)  # per route and channel, like POST /channels/{id}/messages
SLACK_CHANNEL_LIMIT = 1.0  # chat.postMessage per second per channel
FIRST_CHANNEL = 931000000000000000
BEFORE = datetime(2026, 1, 5, 8, 59, tzinfo=UTC)  # a Monday, one minute before every post is due
DUE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TICK_TIMEOUT = 900.0  # seconds: a stuck fan-out ends the bench instead of hanging it


async def add_schedules(core: Core, places: list[Place], owner: str) -> float:
    """Daily 09:00 UTC schedules (in a thread, the default) for every place; returns the seconds it took."""
    started = time.perf_counter()
    now = core.clock.now()
    for place in places:
        schedule = Schedule(place=place, local_time=clock_time(9, 0), timezone="UTC", weekdays=WEEKDAYS,
                            created_by=owner)
        await save_schedule(core.store, schedule, next_fire(schedule, now), now)
    return time.perf_counter() - started


async def post_states(core: Core, platform: str) -> dict[str, int]:
    rows = await core.store.fetchall(
        "SELECT status, count(*) FROM posts WHERE platform = ? AND kind = 'qotd' GROUP BY status", (platform,)
    )
    return {str(status): int(count) for status, count in rows}


async def timed_tick(core: Core) -> float:
    started = time.perf_counter()
    async with asyncio.timeout(TICK_TIMEOUT):
        await core.tick()
    return time.perf_counter() - started


def peak_per_second(times: list[float]) -> int:
    """The most requests that arrived within any one-second window."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _kind(method: str, path: str) -> str:
    if method == "POST" and path.endswith("/messages"):
        return "message"
    if method == "POST" and path.endswith("/threads"):
        return "thread"
    if method == "PUT" and "/reactions/" in path:
        return "reaction"
    return f"{method} {path}"


async def discord_half(folder: Path, channels: int) -> dict[str, Any]:
    clock = ManualClock(BEFORE)
    fake = FakeDiscord(global_rate_limit=DISCORD_GLOBAL_LIMIT, route_rate_limit=DISCORD_ROUTE_LIMIT)
    template = next(c for c in fake.guild["channels"] if int(c["id"]) == discord_fake.QOTD_ID)
    ids = [FIRST_CHANNEL + k for k in range(channels)]
    fake.guild["channels"] += [dict(template, id=str(cid), name=f"qotd-{k}", position=10 + k)
                               for k, cid in enumerate(ids)]
    places = [Place(DISCORD, str(discord_fake.GUILD_ID), str(cid)) for cid in ids]
    try:
        async with (
            open_core(database=folder / "discord.sqlite3", clock=clock, rng=random.Random(6)) as core,
            fake,
            run_bot(core, fake),
        ):
            setup_s = await add_schedules(core, places, str(discord_fake.OWNER_ID))
            await asyncio.sleep(1.1)  # let the bucket refill after the login and command sync calls
            clock.set(DUE)
            first = len(fake.calls)
            global_before, route_before = fake.global_429s, fake.route_429s
            cpu_before = time.process_time()
            tick_s = await timed_tick(core)
            cpu_s = time.process_time() - cpu_before
            states = await post_states(core, DISCORD)
            calls = fake.calls[first:]
            global_429s, route_429s = fake.global_429s - global_before, fake.route_429s - route_before
    finally:
        configure_endpoints()
    accepted = [c for c in calls if c.status != 429]
    kinds = Counter(_kind(c.method, c.path) for c in accepted)
    floor = len(accepted) / DISCORD_GLOBAL_LIMIT
    return {
        "channels": channels,
        "setup_s": setup_s,
        "tick_s": tick_s,
        "cpu_s": cpu_s,  # CPU time of this process (bot, core and fake) during the tick
        "posted": states.get("posted", 0),
        "post_states": states,
        "requests": len(calls),
        "requests_ok": len(accepted),
        "requests_per_post": len(accepted) / max(1, states.get("posted", 0)),
        "kinds": dict(kinds),
        "global_429s": global_429s,
        "route_429s": route_429s,
        "limit_per_s": DISCORD_GLOBAL_LIMIT,
        "floor_s": floor,
        "ratio": tick_s / floor if floor else float("nan"),
        "peak_per_s": peak_per_second([c.at for c in accepted]),
        "errors": sum(1 for c in calls if c.status >= 400 and c.status != 429),
    }


async def slack_transport_floor(fake: FakeSlack, body: dict[str, Any], channels: int) -> float:
    """Seconds for a bare AsyncWebClient to make the adapter's calls (chat.postMessage + reactions.add per channel,
    the same message) to `channels` fresh channels, FANOUT_CONCURRENCY in flight."""
    session = open_session()  # like the adapter's (same connection limit); closed here, not left to the GC
    client = AsyncWebClient(token=slack_fake.BOT_TOKEN, base_url=fake.base_url, session=session)
    try:
        started = time.perf_counter()
        await floor_calls(client, body, range(channels))
        return time.perf_counter() - started
    finally:
        await session.close()


async def floor_calls(client: AsyncWebClient, body: dict[str, Any], channels: range) -> None:
    """The adapter's calls for each fresh channel `CFLOOR<k>` (post, then 👀), FANOUT_CONCURRENCY in flight."""
    gate = asyncio.Semaphore(FANOUT_CONCURRENCY)

    async def one(k: int) -> None:
        async with gate:
            channel = f"CFLOOR{k:05d}"
            response = await client.api_call("chat.postMessage", json={**body, "channel": channel})
            await client.reactions_add(channel=channel, name="eyes", timestamp=response["ts"])

    await asyncio.gather(*(one(k) for k in channels))


async def slack_half(folder: Path, channels: int) -> dict[str, Any]:
    clock = ManualClock(BEFORE)
    places = [Place(SLACK, slack_fake.TEAM_ID, f"C{k:06d}") for k in range(channels)]
    env = {"SLACK_BOT_TOKEN": slack_fake.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_fake.SIGNING_SECRET}
    async with (
        FakeSlack(channel_rate_limit=SLACK_CHANNEL_LIMIT) as fake,
        open_core(database=folder / "slack.sqlite3", clock=clock, rng=random.Random(6)) as core,
        contextlib.AsyncExitStack() as stack,
    ):
        app = build_app(core, env=env, client_base_url=fake.base_url)  # registers the SlackOutbound with the core
        stack.push_async_callback(close_app, app)  # closes the adapter's HTTP session
        setup_s = await add_schedules(core, places, "UADMIN")
        clock.set(DUE)
        first = len(fake.calls)
        cpu_before = time.process_time()
        tick_s = await timed_tick(core)
        cpu_s = time.process_time() - cpu_before
        states = await post_states(core, SLACK)
        calls = fake.calls[first:]
        ratelimited = fake.ratelimited
        posts = [c for c in calls if c.method == "chat.postMessage"]
        floor_s = await slack_transport_floor(fake, posts[0].body, channels) if posts else float("nan")
    kinds = Counter(c.method for c in calls)
    return {
        "channels": channels,
        "setup_s": setup_s,
        "tick_s": tick_s,
        "cpu_s": cpu_s,  # CPU time of this process (bot, core and fake) during the tick
        "posted": states.get("posted", 0),
        "post_states": states,
        "calls": len(calls),
        "kinds": dict(kinds),
        "ratelimited": ratelimited,
        "floor_s": floor_s,
        "ratio": tick_s / floor_s if floor_s else float("nan"),
    }


async def run(channels: int, platforms: tuple[str, ...]) -> dict[str, Any]:
    figures: dict[str, Any] = {"channels": channels}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "slack" in platforms:
            figures["slack"] = await slack_half(folder, channels)
        if "discord" in platforms:
            figures["discord"] = await discord_half(folder, channels)
    return figures


def report(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows of (figure, value, baseline/aim) for the summary table."""
    rows: list[tuple[str, str, str]] = []
    d = figures.get("discord")
    if d:
        kinds = d["kinds"]
        split = " + ".join(f"{kinds.get(k, 0):,} {k}" for k in ("message", "thread", "reaction"))
        rows += [
            (f"Discord fan-out, {d['channels']:,} channels due at once: tick time", f"{d['tick_s']:.1f} s",
             f"floor {d['floor_s']:.1f} s"),
            ("  posts made", f"{d['posted']:,} of {d['channels']:,}", f"{d['channels']:,}"),
            ("  CPU time of the tick (bot, core and fake)", f"{d['cpu_s']:.2f} s", ""),
            ("  REST requests (accepted)", f"{d['requests_ok']:,} ({d['requests_per_post']:.2f}/post)", split),
            (f"  time / floor (requests / {d['limit_per_s']}/s)", f"{d['ratio']:.3f}", "<= 1.1"),
            ("  429s received (global / per-route)", f"{d['global_429s'] + d['route_429s']:,} "
             f"({d['global_429s']:,} / {d['route_429s']:,})", "0"),
            ("  peak requests in any 1 s", f"{d['peak_per_s']}", f"limit {d['limit_per_s']}/s (bucket of 50)"),
        ]
    s = figures.get("slack")
    if s:
        rows += [
            (f"Slack fan-out, {s['channels']:,} channels due at once: tick time", f"{s['tick_s']:.2f} s",
             f"floor {s['floor_s']:.2f} s (bare client)"),
            ("  posts made", f"{s['posted']:,} of {s['channels']:,}", f"{s['channels']:,}"),
            ("  CPU time of the tick (bot, core and fake)", f"{s['cpu_s']:.2f} s", ""),
            ("  Web API calls", f"{s['calls']:,}", " + ".join(f"{n:,} {m}" for m, n in sorted(s["kinds"].items()))),
            ("  time / floor (same calls, bare AsyncWebClient)", f"{s['ratio']:.2f}", ""),
            ("  ratelimited (429) answers", f"{s['ratelimited']:,}", "0"),
        ]
    return rows


def main(
    channels: int = CHANNELS, platforms: tuple[str, ...] = ("discord", "slack"), loop: str = "asyncio"
) -> dict[str, Any]:
    """Run the fan-out bench, print its rows, return the figures."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # one warning per 429 would drown the output
    figures = run_on(loop, run(channels, platforms))
    figures["loop"] = loop
    for name, value, aim in report(figures):
        print(f"{name:<62} {value:>24}  {aim}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=CHANNELS, help=f"channels due at once (default {CHANNELS})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CHANNELS} channels")
    parser.add_argument("--platform", choices=("both", "discord", "slack"), default="both")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop to run on")
    args = parser.parse_args()
    main(QUICK_CHANNELS if args.quick else args.channels,
         ("discord", "slack") if args.platform == "both" else (args.platform,), args.loop)
