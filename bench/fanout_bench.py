"""Fan-out over replicas (issue 10): 2,000 channels due at once, split over 3 Slack replicas on one PostgreSQL.

Three Cores, each with its own Store (its own connection pool) on one PostgreSQL database and its own Bolt app and
SlackOutbound (paced to one message per second per channel), tick at the same moment, as three replicas behind
a load balancer do every minute. The fake Slack (tests/fakes/slack_fake.py) answers HTTP 429 `ratelimited` when a
channel gets more than one message per second. The database decides which replica posts each channel: the bench
checks exactly 2,000 top-level posts (one per channel), 0 x 429, and times the tick against the floor: the same
Web API calls (chat.postMessage + reactions.add per channel, same payload, same concurrency per replica) made by
three bare slack_sdk AsyncWebClients against the same fake, in the same run.

The replicas share this process's event loop (the fake too), so CPU is shared as it would be on one 2-core
machine; tests/test_many_processes.py runs real separate processes. The server: BOT_TEST_POSTGRES_URL or a
throwaway cluster (tests/pg.py). `--sqlite` runs the same on one SQLite file for comparison.

Run: `python bench/fanout_bench.py` (`--channels 200` for a quick check).
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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import close_app, open_session
from adapters.slack.common import PLATFORM as SLACK
from adapters.slack.runner import build_app
from bench.fanout import BEFORE, DUE, SLACK_CHANNEL_LIMIT, TICK_TIMEOUT, add_schedules, floor_calls
from bench.pg_bench import fresh_database, postgres_server
from bot.app import open_core
from bot.clock import ManualClock
from bot.core import Core
from bot.domain.events import Place
from tests.fakes import slack_fake
from tests.fakes.slack_fake import FakeSlack

CHANNELS = 2000
REPLICAS = 3


async def bare_floor(fake: FakeSlack, body: dict[str, Any], channels: int, replicas: int) -> float:
    """Seconds for `replicas` bare clients, FANOUT_CONCURRENCY in flight each, to make the same calls for as many
    fresh channels (split evenly). Each client has a session like the adapter's (same connection limit)."""
    sessions = [open_session() for _ in range(replicas)]
    clients = [AsyncWebClient(token=slack_fake.BOT_TOKEN, base_url=fake.base_url, session=s) for s in sessions]

    started = time.perf_counter()
    try:
        await asyncio.gather(*(floor_calls(c, body, range(n, channels, replicas)) for n, c in enumerate(clients)))
        return time.perf_counter() - started
    finally:
        for session in sessions:
            await session.close()


@contextlib.asynccontextmanager
async def replicas(database: str, clock: ManualClock, fake: FakeSlack, count: int) -> AsyncIterator[list[Core]]:
    env = {"SLACK_BOT_TOKEN": slack_fake.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_fake.SIGNING_SECRET}
    async with contextlib.AsyncExitStack() as stack:
        cores = []
        for n in range(count):
            core = await stack.enter_async_context(open_core(database=database, clock=clock, rng=random.Random(n)))
            app = build_app(core, env=env, client_base_url=fake.base_url)  # registers the core's SlackOutbound
            stack.push_async_callback(close_app, app)
            cores.append(core)
        yield cores


async def fan_out(database: str, channels: int, count: int) -> dict[str, Any]:
    clock = ManualClock(BEFORE)
    places = [Place(SLACK, slack_fake.TEAM_ID, f"C{k:06d}") for k in range(channels)]
    async with FakeSlack(channel_rate_limit=SLACK_CHANNEL_LIMIT) as fake, \
            replicas(database, clock, fake, count) as cores:
        setup_s = await add_schedules(cores[0], places, "UADMIN")
        clock.set(DUE)
        first = len(fake.calls)
        cpu_before = time.process_time()
        started = time.perf_counter()
        async with asyncio.timeout(TICK_TIMEOUT):
            await asyncio.gather(*(core.tick() for core in cores))
        tick_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_before
        calls = fake.calls[first:]
        ratelimited = fake.ratelimited
        rows = await cores[0].store.fetchall(
            "SELECT status, attempt_by, count(*) FROM posts WHERE platform = ? AND kind = 'qotd' "
            "GROUP BY status, attempt_by", (SLACK,))
        posts = [c for c in calls if c.method == "chat.postMessage" and not c.body.get("thread_ts")]
        floor_cpu_before = time.process_time()
        floor_s = await bare_floor(fake, posts[0].body, channels, count) if posts else float("nan")
        floor_cpu_s = time.process_time() - floor_cpu_before
    per_channel = Counter(c.body["channel"] for c in posts)
    by_replica = sorted((int(n) for status, _, n in rows if status == "posted"), reverse=True)
    return {
        "channels": channels, "replicas": count, "setup_s": setup_s, "tick_s": tick_s, "cpu_s": cpu_s,
        "floor_cpu_s": floor_cpu_s,
        "posted": sum(int(n) for status, _, n in rows if status == "posted"),
        "states": {str(s): int(n) for s, _, n in rows},
        "posts_at_fake": len(posts), "channels_posted_twice": sum(1 for n in per_channel.values() if n > 1),
        "by_replica": by_replica, "calls": len(calls), "ratelimited": ratelimited, "floor_s": floor_s,
        "ratio": tick_s / floor_s if floor_s else float("nan"),
    }


async def run(channels: int, count: int, sqlite: bool) -> dict[str, Any]:
    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await fan_out(str(Path(tmp) / "fanout.sqlite3"), channels, count)
            figures["engine"] = "sqlite"
            return figures
    with postgres_server() as admin_url:
        async with fresh_database(admin_url, "bench_fanout") as url:
            figures = await fan_out(url, channels, count)
    figures["engine"] = "postgres"
    return figures


def report(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows of (figure, value, baseline/aim) for the summary table."""
    engine = "PostgreSQL" if f["engine"] == "postgres" else "SQLite"
    return [
        (f"Fan-out, {f['channels']:,} channels over {f['replicas']} Slack replicas on one {engine}: tick",
         f"{f['tick_s']:.2f} s", f"floor {f['floor_s']:.2f} s (bare clients)"),
        ("  posts made (database) / top-level posts at the fake", f"{f['posted']:,} / {f['posts_at_fake']:,}",
         f"{f['channels']:,} / {f['channels']:,}"),
        ("  channels posted twice", f"{f['channels_posted_twice']}", "0"),
        ("  posts per replica", " / ".join(f"{n:,}" for n in f["by_replica"]), "split"),
        ("  ratelimited (429) answers", f"{f['ratelimited']:,}", "0"),
        ("  time / floor", f"{f['ratio']:.2f}", "<= 1.1"),
        ("  CPU time of the tick (replicas, fake)", f"{f['cpu_s']:.2f} s",
         f"floor {f['floor_cpu_s']:.2f} s (bare clients, fake)"),
    ]


def main(channels: int = CHANNELS, count: int = REPLICAS, sqlite: bool = False) -> dict[str, Any]:
    """Run the bench, print its rows, return the figures."""
    logging.basicConfig(level=logging.WARNING)
    figures = asyncio.run(run(channels, count, sqlite))
    for name, value, aim in report(figures):
        print(f"{name:<70} {value:>20}  {aim}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=CHANNELS)
    parser.add_argument("--replicas", type=int, default=REPLICAS)
    parser.add_argument("--sqlite", action="store_true", help="one SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    main(args.channels, args.replicas, args.sqlite)
