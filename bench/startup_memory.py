"""Start-up time with the full bank, and resident memory after 10,000 interactions.

Start-up: wall time from process start to "ready" (bank loaded and validated, database migrated, core built),
median of several runs, with the bare interpreter start (`python -c pass`) measured in the same run as the
baseline. Memory: resident set size (VmRSS) after 10,000 interactions (quiz draws, reveals, grades, streak and
leaderboard commands from 500 users) through the core, against the RSS of the same process before them.
Aims: start-up under 1 s, RSS under 150 MB.

Run: `python bench/startup_memory.py`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

READY_SCRIPT = """
import asyncio, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from bot.app import open_core

async def main():
    async with open_core(database=Path({db!r})) as core:
        print(len(core.bank), flush=True)

asyncio.run(main())
"""

LOAD_SCRIPT = """
import asyncio, json, random, sys
sys.path.insert(0, {repo!r})
from datetime import datetime, timezone
from pathlib import Path
from bot.app import open_core
from bot.clock import ManualClock
from bot.domain.events import Actor, ButtonPress, Command, Place

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

async def main():
    clock = ManualClock(datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc))
    rng = random.Random(7)
    async with open_core(database=Path({db!r}), clock=clock) as core:
        before = rss_mb()
        done = 0
        commands = ("quiz", "quiz", "quiz", "streak", "leaderboard")
        while done < {count}:
            user = f"U{{rng.randrange(500)}}"
            team = f"T{{rng.randrange(10)}}"
            actor = Actor("bench", team, user, user)
            place = Place("bench", team, "C1")
            name = rng.choice(commands)
            replies = await core.handle_command(Command(actor, place, name, ()))
            done += 1
            if name == "quiz" and replies and replies[-1].buttons:
                post_id = replies[-1].buttons[0].post_id
                await core.handle_button(ButtonPress(actor, place, "reveal", post_id))
                await core.handle_button(ButtonPress(actor, place, rng.choice(("again", "hard", "good", "easy")),
                                                     post_id))
                done += 2
            if done % 1000 < 3:
                clock.advance(__import__("datetime").timedelta(hours=3))
        await core.writer.drain()
        print(json.dumps({{"interactions": done, "rss_before_mb": before, "rss_after_mb": rss_mb()}}), flush=True)

asyncio.run(main())
"""


def timed_run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, text=True, cwd=REPO)
    return time.perf_counter() - start


def startup(runs: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "startup.sqlite3")
        script = READY_SCRIPT.format(repo=str(REPO), db=db)
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=REPO)  # warm caches
        ready = [timed_run([sys.executable, "-c", script]) for _ in range(runs)]
        bare = [timed_run([sys.executable, "-c", "pass"]) for _ in range(runs)]
    return {"ready_median_s": statistics.median(ready), "bare_python_median_s": statistics.median(bare),
            "runs": runs}


def memory(count: int = 10_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "memory.sqlite3")
        result = subprocess.run([sys.executable, "-c", LOAD_SCRIPT.format(repo=str(REPO), db=db, count=count)],
                                check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(figures: dict) -> list[tuple[str, str, str]]:
    s, m = figures["startup"], figures["memory"]
    return [
        ("start-up to ready, full bank (median of 7)", f"{s['ready_median_s']:.3f} s", "< 1 s"),
        ("  baseline: bare `python -c pass`", f"{s['bare_python_median_s']:.3f} s", ""),
        (f"RSS after {m['interactions']:,} interactions", f"{m['rss_after_mb']:.1f} MB", "< 150 MB"),
        ("  baseline: RSS of the same process before them", f"{m['rss_before_mb']:.1f} MB", ""),
    ]


def main() -> dict:
    figures = {"startup": startup(), "memory": memory()}
    for name, value, aim in report(figures):
        print(f"{name:<62} {value:>28} {aim}")
    return figures


if __name__ == "__main__":
    main()
