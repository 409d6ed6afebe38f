"""Discord interaction latency: INTERACTION_CREATE dispatched by the fake gateway → callback at the fake's REST.

Starts the fake Discord (tests/fakes/discord_fake.py) and the real adapter + core on a temporary database with a
synthetic bank, sends 500 `/quiz` commands through the gateway 50 at a time (from 50 different users), and
reports the median and p99 time from the frame leaving the fake to the interaction callback arriving back at it
(both monotonic timestamps taken by the fake, in this process); then 100 more one at a time, for the floor.

Run: `python bench/discord_interactions.py` (a few seconds). Importable: `main()` returns the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import discord

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.discord.runner import configure_endpoints
from bench.common import percentile, write_bank
from bot.app import open_core
from bot.bank.model import TOPICS
from bot.clock import ManualClock
from tests.fakes.discord_fake import FakeDiscord, InteractionRecord, run_bot

TOTAL = 500
CONCURRENCY = 50
QUESTIONS_PER_TOPIC_AND_DIFFICULTY = 10
FIRST_USER = 950000000000000000
SEQUENTIAL = 100
T = TypeVar("T")


async def measure(total: int = TOTAL, concurrency: int = CONCURRENCY) -> dict[str, Any]:
    """Run the benchmark; latencies in milliseconds."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        async with (
            open_core(
                database=folder / "bench.sqlite3", clock=clock, bank_paths=[write_bank(folder, QUESTIONS_PER_TOPIC_AND_DIFFICULTY)]
            ) as core,
            FakeDiscord() as fake,
            run_bot(core, fake),
        ):
            # The cold path, reported on its own: a first burst of users the bot has not seen yet.
            cold = [await fake.slash("quiz", {"topic": TOPICS[k % len(TOPICS)]}, user_id=FIRST_USER + k)
                    for k in range(concurrency)]
            await fake.wait_until(lambda: all(r.callbacks for r in cold), timeout=60)
            records: list[InteractionRecord] = []
            started = time.monotonic()
            cpu_started = time.process_time()
            for batch_start in range(0, total, concurrency):
                batch = []
                for k in range(batch_start, min(total, batch_start + concurrency)):
                    topic = TOPICS[k % len(TOPICS)]
                    batch.append(
                        await fake.slash("quiz", {"topic": topic}, user_id=FIRST_USER + k % concurrency)
                    )
                await fake.wait_until(lambda b=batch: all(r.callbacks for r in b), timeout=60)
                records += batch
            wall = time.monotonic() - started
            cpu = time.process_time() - cpu_started
            # The same command one at a time: the floor without queueing behind 49 others.
            alone: list[InteractionRecord] = []
            for k in range(SEQUENTIAL):
                record = await fake.slash("quiz", {"topic": TOPICS[k % len(TOPICS)]}, user_id=FIRST_USER + k)
                await fake.wait_until(lambda r=record: r.callbacks, timeout=10)
                alone.append(record)
            configure_endpoints()
    latencies = [(r.callbacks[0].at - r.dispatched_at) * 1000 for r in records]
    single = [(r.callbacks[0].at - r.dispatched_at) * 1000 for r in alone]
    first = [(r.callbacks[0].at - r.dispatched_at) * 1000 for r in cold]
    failures = sum(1 for r in records if r.callbacks[0].status != 200 or r.callback_type != 4)
    return {
        "interactions": len(records),
        "concurrency": concurrency,
        "median_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "failures": failures,
        "wall_s": round(wall, 2),
        "per_second": round(len(records) / wall, 1),
        # CPU time of this process (bot, core and fake) per interaction: steadier than latency on a busy machine.
        "cpu_ms_per_interaction": round(cpu * 1000 / len(records), 3),
        "cold_burst_median_ms": round(statistics.median(first), 2),
        "cold_burst_max_ms": round(max(first), 2),
        "sequential_median_ms": round(statistics.median(single), 2),
        "sequential_p99_ms": round(percentile(single, 0.99), 2),
    }


def run_on(loop: str, coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on the standard event loop ('asyncio') or on uvloop ('uvloop', if installed)."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


def main(loop: str = "asyncio") -> dict[str, Any]:
    """Run the benchmark and print its figures; returns them as a dict."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    figures = {**run_on(loop, measure()), "loop": loop, "orjson": discord.utils.HAS_ORJSON}
    print(
        f"{figures['interactions']} /quiz interactions, {figures['concurrency']} at a time: "
        f"median {figures['median_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms "
        f"(dispatch → callback); {figures['per_second']}/s, {figures['failures']} failures. "
        f"One at a time: median {figures['sequential_median_ms']} ms, p99 {figures['sequential_p99_ms']} ms. "
        f"CPU {figures['cpu_ms_per_interaction']} ms per interaction ({figures['loop']}, orjson {figures['orjson']})"
    )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop to run on")
    main(parser.parse_args().loop)
