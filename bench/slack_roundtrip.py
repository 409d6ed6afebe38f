"""Slack slash-command round trip: signed `/quiz` requests to the HTTP-mode Bolt app on loopback.

500 requests, 50 in flight (then 100 one at a time, for the latency without queueing), sent by a load generator in a
second process, against `app.web_app()` with process_before_response=True, so each response arrives
after its side effects (the quiz post written to SQLite, the reply rendered). The Web API is the fake from
tests/fakes/slack_fake.py; users.info answers are cached by the adapter after each user's first request.

Run: .venv/bin/python bench/slack_roundtrip.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.slack.runner import build_app  # noqa: E402
from bench.common import percentile, write_bank  # noqa: E402
from bot.app import open_core  # noqa: E402
from bot.bank.model import DIFFICULTIES, TOPICS  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from tests.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SignedSender, serving  # noqa: E402

REQUESTS = 500
CONCURRENCY = 50
SERIAL = 100
USERS = 100
PER_CELL = 8


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_bank(folder / "bank", PER_CELL)
        clock = ManualClock(datetime(2025, 1, 6, 12, 0, tzinfo=UTC))
        async with (
            FakeSlack() as fake,
            open_core(database=folder / "bot.sqlite3", clock=clock, bank_paths=[folder / "bank"]) as core,
        ):
            for u in range(USERS):
                fake.add_user(f"U{u:04d}")
            env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
            app = build_app(core, env=env, client_base_url=fake.base_url)
            async with serving(app.web_app()) as url:
                # The load comes from a second process, as in a real load test: signing and sending requests
                # must not share the app's event loop, or the client's own work shows up as server latency.
                client = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--client", url, fake.response_url(),
                    stdout=asyncio.subprocess.PIPE, cwd=str(ROOT),
                )
                out, _ = await client.communicate()
                measured = json.loads(out.decode().strip().splitlines()[-1])
                loaded, serial, failures, wall = (sorted(measured["loaded"]), sorted(measured["serial"]),
                                                  measured["failures"], measured["wall"])
                cold = sorted(measured["cold"])
            posts = await core.store.fetchone("SELECT count(*) FROM posts WHERE kind = 'quiz'")
    return {
        "requests": REQUESTS,
        "concurrency": CONCURRENCY,
        "failures": failures,
        "quiz_posts_written": int(posts[0]) if posts else 0,
        "median_ms": _ms(statistics.median(loaded)),
        "p99_ms": _ms(percentile(loaded, 0.99)),
        "max_ms": _ms(loaded[-1]),
        "throughput_rps": round(REQUESTS / wall, 1),
        "cold_burst_median_ms": _ms(statistics.median(cold)),
        "cold_burst_max_ms": _ms(cold[-1]),
        "serial_requests": SERIAL,
        "serial_median_ms": _ms(statistics.median(serial)),
        "serial_p99_ms": _ms(percentile(serial, 0.99)),
    }


async def drive(url: str, response_url: str) -> dict[str, Any]:
    """The load generator (run in its own process): a cold burst of 50 new users, a warm-up of every user, then
    500 signed /quiz with 50 in flight, then 100 one at a time."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        sender = SignedSender(session, url)
        gate = asyncio.Semaphore(CONCURRENCY)
        latencies: list[float] = []
        failures = 0

        async def one(k: int) -> None:
            nonlocal failures
            topic = TOPICS[k % len(TOPICS)]
            async with gate:
                started = time.perf_counter()
                response = await sender.command(
                    "/quiz", f"{topic} {DIFFICULTIES[k % 3]}", user_id=f"U{k % USERS:04d}",
                    response_url=response_url, trigger_id=f"trig-{k}",
                )
                latencies.append(time.perf_counter() - started)
                body = response.json() if response.status == 200 and response.text else None
                if not body or not body.get("blocks"):
                    failures += 1

        # The cold path, reported on its own: a burst of 50 first-time users (users.info, a first write each).
        await asyncio.gather(*(one(k) for k in range(-CONCURRENCY, 0)))
        cold = sorted(latencies)
        # Warm every user once (one at a time), so the measured 500 show the steady state.
        for k in range(USERS):
            await one(-1000 - k)
        latencies.clear()
        wall = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(REQUESTS)))
        wall = time.perf_counter() - wall
        loaded = list(latencies)
        latencies.clear()
        for k in range(SERIAL):  # one at a time: the round trip without queueing
            await one(REQUESTS + k)
        return {"loaded": loaded, "serial": list(latencies), "failures": failures, "wall": wall, "cold": cold}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    result = asyncio.run(run())
    print(result)
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        print(json.dumps(asyncio.run(drive(sys.argv[2], sys.argv[3]))))
    else:
        main()
