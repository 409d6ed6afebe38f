"""Pictures: each PNG decodes, has the expected size, is not blank, its text carries the same numbers;
the cache renders once per (owner, day, state) and off the event loop."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from datetime import date, timedelta

import pytest
from PIL import Image, ImageStat

from bot.practice.pictures import (
    PictureCache,
    calendar_picture,
    leaderboard_picture,
    readiness_picture,
    render_calendar,
    render_leaderboard,
    render_readiness,
    text_calendar,
    text_leaderboard,
    text_readiness,
)
from bot.practice.pictures.leaderboard import leaderboard_size
from bot.practice.pictures.readiness_chart import readiness_size
from bot.practice.pictures.streak_calendar import HEIGHT as CAL_HEIGHT
from bot.practice.pictures.streak_calendar import calendar_days
from bot.practice.readiness import TopicReadiness

TODAY = date(2026, 12, 7)
ROWS = [
    TopicReadiness("system-design", 16, 0, 0.0, 0.0, 0.5),
    TopicReadiness("deep-learning", 40, 20, 0.42, 0.5, 2.1),
    TopicReadiness("statistics", 30, 30, 0.93, 1.0, 1.0),
]
BOARD = [("alice", 120), ("bob", 95), ("carol", 40)]
ACTIVITY = {TODAY - timedelta(days=i): 1 + i % 5 for i in range(0, 120, 3)}
FREEZES = {TODAY - timedelta(days=1), TODAY - timedelta(days=40)}


def decode(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    img.load()  # decodes every IDAT chunk (zlib + CRC checked)
    return img


def assert_not_blank(img: Image.Image) -> None:
    stddev = ImageStat.Stat(img.convert("L")).stddev[0]
    assert stddev > 10, stddev


def assert_dark(img: Image.Image) -> None:
    assert img.convert("L").getpixel((2, 2)) < 40  # dark background in the corner


def test_readiness_png_size_content_and_text():
    img = decode(render_readiness(ROWS))
    assert img.size == readiness_size(ROWS) == (800, 70 + 44 * 3 + 40)
    assert_not_blank(img)
    assert_dark(img)
    text = text_readiness(ROWS)
    for pct_ in ("0%", "42%", "93%", "50%", "100%"):
        assert pct_ in text
    assert "20 of 40 seen" in text and "never seen count as not ready" in text


def test_readiness_bars_grow_with_readiness():
    lo = decode(render_readiness([TopicReadiness("t", 10, 1, 0.1, 0.1, 1.0)])).convert("L")
    hi = decode(render_readiness([TopicReadiness("t", 10, 10, 0.95, 1.0, 1.0)])).convert("L")
    y, xs = 70 + 20, range(220, 550)  # the middle of the readiness bar
    lit = [sum(1 for x in xs if im.getpixel((x, y)) > 100) for im in (lo, hi)]
    assert lit[0] < lit[1]


def test_calendar_png_and_text():
    img = decode(render_calendar(ACTIVITY, FREEZES, TODAY))
    assert img.size == (800, CAL_HEIGHT)
    assert_not_blank(img)
    assert_dark(img)
    text = text_calendar(ACTIVITY, FREEZES, TODAY)
    active = sum(1 for d in calendar_days(TODAY) if d in ACTIVITY)
    assert 0 < active < len(ACTIVITY) + 1
    assert f"{active} active days, 2 freezes" in text
    assert "*" in text.splitlines()[1]  # yesterday's freeze is in the last 7 days


def test_calendar_marks_freezes():
    plain = decode(render_calendar({}, set(), TODAY))
    frozen = decode(render_calendar({}, {TODAY - timedelta(days=3)}, TODAY))
    assert plain.tobytes() != frozen.tobytes()
    # the freeze colour (light blue) appears only when a freeze is drawn, beyond the legend
    def blue(im: Image.Image) -> int:
        raw = im.convert("RGB").tobytes()
        return sum(1 for i in range(0, len(raw), 3) if raw[i + 2] > 200 and raw[i] < 150 and raw[i + 1] > 150)
    assert blue(frozen) > blue(plain)


def test_leaderboard_png_and_text():
    img = decode(render_leaderboard(BOARD, "Week 49"))
    assert img.size == leaderboard_size(BOARD) == (800, 64 + 44 * 3 + 20)
    assert_not_blank(img)
    text = text_leaderboard(BOARD, "Week 49")
    assert [int(n) for n in re.findall(r"(\d+) pts", text)] == [p for _, p in BOARD]
    many = [(f"user{i}", 100 - i) for i in range(25)]
    assert decode(render_leaderboard(many)).size == leaderboard_size(many) == (800, 64 + 44 * 10 + 20)
    assert text_leaderboard(many).count("pts") == 10


def test_empty_inputs_still_render():
    for data in (render_readiness([]), render_leaderboard([]), render_calendar({}, set(), TODAY)):
        assert_not_blank(decode(data))
    assert text_readiness([]) == "No topics yet."
    assert "no points" in text_leaderboard([])


async def test_cache_returns_same_bytes_without_rendering_again():
    cache = PictureCache()
    first = await readiness_picture(cache, ("discord", "u1"), TODAY, ROWS)
    again = await readiness_picture(cache, ("discord", "u1"), TODAY, list(ROWS))
    assert again.png is first.png and cache.renders == 1
    assert first.text == text_readiness(ROWS) and first.filename == "readiness.png" and first.alt
    await readiness_picture(cache, ("discord", "u1"), TODAY + timedelta(days=1), ROWS)  # a new local day
    await readiness_picture(cache, ("discord", "u2"), TODAY, ROWS)  # another owner
    await readiness_picture(cache, ("discord", "u1"), TODAY, ROWS[:2])  # another state
    assert cache.renders == 4
    await calendar_picture(cache, "u1", TODAY, ACTIVITY, FREEZES)
    await calendar_picture(cache, "u1", TODAY, dict(ACTIVITY), set(FREEZES))
    await leaderboard_picture(cache, "team", TODAY, BOARD)
    await leaderboard_picture(cache, "team", TODAY, BOARD)
    assert cache.renders == 6


async def test_render_runs_in_a_worker_thread_and_concurrent_requests_share_it():
    cache = PictureCache()
    threads: list[int] = []

    def render() -> bytes:
        threads.append(threading.get_ident())
        return render_leaderboard(BOARD)

    results = await asyncio.gather(*(cache.get("team", TODAY, BOARD, render) for _ in range(5)))
    assert len(set(results)) == 1 and cache.renders == 1 and len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_cache_is_bounded_and_a_failed_render_is_not_cached():
    cache = PictureCache(max_entries=3)
    for i in range(5):
        await cache.get("o", TODAY, i, lambda: b"x")
    assert len(cache) == 3

    def boom() -> bytes:
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        await cache.get("o", TODAY, "bad", boom)
    assert await cache.get("o", TODAY, "bad", lambda: b"ok") == b"ok"
