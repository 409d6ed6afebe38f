"""Pictures for progress, streaks and leaderboards: PNG bytes plus a text fallback with the same numbers.

Pillow, not matplotlib: measured on this machine, importing Pillow takes ~35 ms against ~710 ms for
matplotlib (Agg), and a chart renders in ~20 ms against ~100 ms (see bench/charts_bench.py). The core only:
no chat platform imports here.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from bot.practice.pictures.cache import PictureCache, state_hash
from bot.practice.pictures.leaderboard import render_leaderboard, text_leaderboard
from bot.practice.pictures.readiness_chart import render_readiness, text_readiness
from bot.practice.pictures.streak_calendar import render_calendar, text_calendar
from bot.practice.readiness import TopicReadiness

__all__ = ["Picture", "PictureCache", "calendar_picture", "leaderboard_picture", "readiness_picture",
           "render_calendar", "render_leaderboard", "render_readiness", "state_hash", "text_calendar",
           "text_leaderboard", "text_readiness"]


@dataclass(frozen=True, slots=True)
class Picture:
    """A rendered picture: PNG bytes, a file name, alt text, and the text version of the same figures."""

    png: bytes
    filename: str
    alt: str
    text: str


async def readiness_picture(cache: PictureCache, owner: Hashable, day: date,
                            rows: Sequence[TopicReadiness]) -> Picture:
    """Readiness by topic, rendered off the loop and cached per (owner, day, rows)."""
    rows = tuple(rows)
    data = await cache.get(("readiness", owner), day, rows, partial(render_readiness, rows))
    return Picture(data, "readiness.png", "Readiness by topic, bar chart", text_readiness(rows))


async def calendar_picture(cache: PictureCache, owner: Hashable, today: date, activity: Mapping[date, int],
                           freezes: Collection[date]) -> Picture:
    """The 26-week streak calendar, rendered off the loop and cached per (owner, day, activity, freezes)."""
    state = (sorted(activity.items()), sorted(freezes))
    data = await cache.get(("calendar", owner), today, state,
                           partial(render_calendar, dict(activity), frozenset(freezes), today))
    return Picture(data, "streak.png", "Streak calendar, last 26 weeks",
                   text_calendar(activity, freezes, today))


async def leaderboard_picture(cache: PictureCache, owner: Hashable, day: date, rows: Sequence[tuple[str, float]],
                              title: str = "This week") -> Picture:
    """The weekly leaderboard chart, rendered off the loop and cached per (team, day, rows)."""
    rows = tuple(rows)
    data = await cache.get(("leaderboard", owner), day, (title, rows), partial(render_leaderboard, rows, title))
    return Picture(data, "leaderboard.png", f"Leaderboard chart: {title}", text_leaderboard(rows, title))
