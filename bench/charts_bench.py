"""Pictures: render time per chart, library start-up, memory over 1,000 renders, readiness over 2,000 cards.

- Start-up: `import PIL.Image, PIL.ImageDraw, PIL.ImageFont` against `import matplotlib (Agg) + pyplot`, each in
  a fresh interpreter, median of 5 (the reason Pillow was chosen).
- Render: each of the three pictures (readiness by topic with 12 topics, the 26-week calendar, a 10-row
  leaderboard) rendered to PNG bytes, median / p99 (aim p99 < 300 ms); a comparable matplotlib bar chart
  when matplotlib is installed (it is not a dependency).
- Memory: resident set size before and after 1,000 renders (after a warm-up of 50), aim: no growth.
- Readiness: `topic_readiness` for a user with 2,000 cards over 20 topics (the pure part of /progress).
- /progress end to end: `Core.handle_command` on a real SQLite file for a user with 2,000 cards (a generated
  bank of 2,600 questions over the 13 topics): the first call (queries, readiness, the chart rendered in a worker
  thread) and repeated calls (the chart from the cache), median / p99.
- Cache: a repeated request through `PictureCache` (hit), median.

Run: `python bench/charts_bench.py` (about 60 s; `--quick` fewer timed renders, still 1,000 for memory).
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fsrs import Card, Rating, Scheduler  # noqa: E402

from bot.practice.pictures import (  # noqa: E402
    PictureCache,
    render_calendar,
    render_leaderboard,
    render_readiness,
)
from bot.practice.readiness import TopicReadiness, topic_readiness  # noqa: E402
from bot.qotd.stats_chart import WeekRow, render_participation  # noqa: E402

TODAY = date(2026, 12, 7)
IMPORTS = {
    "pillow": "import PIL.Image, PIL.ImageDraw, PIL.ImageFont",
    "matplotlib": "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot",
}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def import_ms(statement: str, runs: int = 5) -> float | None:
    script = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        if done.returncode != 0:
            return None
        times.append(float(done.stdout.strip()))
    return statistics.median(times)


def timed(render: Callable[[], bytes], n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        render()
        times.append((time.perf_counter() - t) * 1000)
    return {"median_ms": statistics.median(times), "p99_ms": percentile(times, 0.99), "max_ms": max(times)}


def inputs() -> dict[str, Callable[[], bytes]]:
    rng = random.Random(7)
    rows = [TopicReadiness(f"topic-{i:02d}", 40, rng.randrange(41), rng.random(), rng.random(), 1.0)
            for i in range(12)]
    activity = {TODAY - timedelta(days=i): rng.randrange(8) for i in range(182) if rng.random() < 0.6}
    freezes = {TODAY - timedelta(days=i) for i in range(182) if rng.random() < 0.03}
    board = [(f"member-{i}", 200.0 - 13 * i) for i in range(10)]
    weeks = [WeekRow(TODAY - timedelta(weeks=7 - i), 5, rng.randrange(30), rng.randrange(20), rng.randrange(9))
             for i in range(8)]
    return {
        "readiness (12 topics)": lambda: render_readiness(rows),
        "calendar (26 weeks)": lambda: render_calendar(activity, freezes, TODAY),
        "leaderboard (10 rows)": lambda: render_leaderboard(board, "Week 49"),
        "qotd stats (8 weeks)": lambda: render_participation(weeks),
    }


def matplotlib_bar() -> Callable[[], bytes] | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    import io

    def render() -> bytes:
        fig, ax = plt.subplots(figsize=(8, 5.4), dpi=100, facecolor="#0d1117")
        ax.barh(range(12), [i / 12 for i in range(12)], color="#3fb950")
        ax.set_yticks(range(12), [f"topic-{i:02d}" for i in range(12)], color="white")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return buf.getvalue()

    return render


def readiness_2000() -> dict[str, float]:
    sched = Scheduler(enable_fuzzing=False)
    rng = random.Random(3)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    topics = {f"topic-{t:02d}": [f"q{t}-{i}" for i in range(120)] for t in range(20)}
    ids = [q for qs in topics.values() for q in qs]
    cards = {}
    for n, q in enumerate(rng.sample(ids, 2000)):
        card, _ = sched.review_card(Card(card_id=n + 1, due=t0), rng.choice(list(Rating)),
                                    t0 + timedelta(days=rng.randrange(150)))
        cards[q] = card.to_json()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        topic_readiness(topics, cards, now, goal=now + timedelta(days=60))
        times.append((time.perf_counter() - t) * 1000)
    return {"median_ms": statistics.median(times), "p99_ms": percentile(times, 0.99)}


def _big_bank(folder: Path, per_topic: int = 200) -> Path:
    """A generated pack: `per_topic` questions in each of the 13 topics."""
    from bot.bank.model import DIFFICULTIES, TOPICS

    lines = ["questions:"]
    for topic in TOPICS:
        for i in range(per_topic):
            lines += [f"- id: {topic}-gen-{i}", f"  topic: {topic}", f"  difficulty: {DIFFICULTIES[i % 3]}",
                      f"  prompt: 'Generated {topic} question {i}: what does thing_{i} do?'",
                      f"  answer: 'It does the {topic} thing number {i}.'"]
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def progress_2000_cards(runs: int = 30) -> dict[str, float]:
    """`/progress` through the core for a user holding 2,000 cards (first call, then cached chart)."""
    from bot.app import open_core
    from bot.clock import ManualClock
    from bot.domain.events import Actor, Command, Place

    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    sched = Scheduler(enable_fuzzing=False)
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with open_core(database=folder / "bench.sqlite3", clock=ManualClock(now),
                             bank_paths=[_big_bank(folder)]) as core:
            ids = rng.sample(list(core.bank.by_id), 2000)
            rows = []
            for n, q in enumerate(ids):
                card, _ = sched.review_card(Card(card_id=n + 1, due=now), rng.choice(list(Rating)),
                                            now - timedelta(days=rng.randrange(1, 150)))
                rows.append(("bench", "u1", q, card.to_json(), card.due.isoformat()))
            async with core.store.write() as db:
                await db.executemany("INSERT INTO review_cards (platform, user_id, question_id, card, due) "
                                     "VALUES (?, ?, ?, ?, ?)", rows)
            command = Command(Actor("bench", "T1", "u1", "U1"), Place("bench", "T1", "C1"), "progress", ())
            t = time.perf_counter()
            first = await core.handle_command(command)
            cold = (time.perf_counter() - t) * 1000
            assert first and first[0].images and "never seen count as not ready" in first[0].text
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                await core.handle_command(command)
                times.append((time.perf_counter() - t) * 1000)
    return {"first_ms": cold, "median_ms": statistics.median(times), "p99_ms": percentile(times, 0.99)}


async def cache_hit_us() -> float:
    cache = PictureCache()
    render = inputs()["readiness (12 topics)"]
    await cache.get("u", TODAY, "state", render)
    times = []
    for _ in range(1000):
        t = time.perf_counter()
        await cache.get("u", TODAY, "state", render)
        times.append((time.perf_counter() - t) * 1e6)
    assert cache.renders == 1
    return statistics.median(times)


def main(quick: bool = False) -> dict[str, Any]:
    n, total = (50, 1000) if quick else (200, 1000)
    renders = inputs()
    figures: dict[str, Any] = {"import_ms": {name: import_ms(stmt) for name, stmt in IMPORTS.items()}}
    figures["render"] = {name: timed(render, n) for name, render in renders.items()}
    mpl = matplotlib_bar()
    if mpl is not None:
        figures["render"]["matplotlib bar (12 topics, for comparison)"] = timed(mpl, max(20, n // 5))
    every = list(renders.values())
    for k in range(50):
        every[k % len(every)]()
    gc.collect()
    before = rss_mb()
    for k in range(total):
        every[k % len(every)]()
    gc.collect()
    figures["memory"] = {"renders": total, "rss_before_mb": before, "rss_after_mb": rss_mb(),
                         "growth_mb": rss_mb() - before}
    figures["readiness_2000_cards"] = readiness_2000()
    figures["progress_2000_cards"] = asyncio.run(progress_2000_cards(10 if quick else 30))
    figures["cache_hit_us"] = asyncio.run(cache_hit_us())
    return figures


def report(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    imp = f["import_ms"]
    rows = [("import Pillow / matplotlib (Agg)",
             f"{imp['pillow']:.0f} / " + (f"{imp['matplotlib']:.0f} ms" if imp["matplotlib"] else "n/a"),
             "why Pillow")]
    for name, r in f["render"].items():
        rows.append((f"render {name}: median / p99", f"{r['median_ms']:.1f} / {r['p99_ms']:.1f} ms", "p99 < 300 ms"))
    m = f["memory"]
    rows.append((f"RSS over {m['renders']:,} renders (before -> after)",
                 f"{m['rss_before_mb']:.1f} -> {m['rss_after_mb']:.1f} MB ({m['growth_mb']:+.1f})", "no growth"))
    r = f["readiness_2000_cards"]
    rows.append(("topic_readiness, 2,000 cards / 20 topics: median / p99",
                 f"{r['median_ms']:.1f} / {r['p99_ms']:.1f} ms", ""))
    p = f["progress_2000_cards"]
    rows.append(("/progress through the core, 2,000 cards: first call / then median / p99",
                 f"{p['first_ms']:.0f} / {p['median_ms']:.1f} / {p['p99_ms']:.1f} ms", "chart cached after the first"))
    rows.append(("cached picture (hit): median", f"{f['cache_hit_us']:.1f} µs", "costs nothing"))
    return rows


if __name__ == "__main__":
    result = main(quick="--quick" in sys.argv)
    for row in report(result):
        print(" | ".join(row))
