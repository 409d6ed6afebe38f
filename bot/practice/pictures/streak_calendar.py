"""Streak calendar: the last 26 weeks, one square per local day, GitHub-style, freezes marked."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

from bot.practice.pictures.base import BG, FG, FREEZE, LEVELS, MUTED, WIDTH, canvas, font, png

WEEKS, CELL, GAP, LEFT, TOP = 26, 24, 4, 56, 70
HEIGHT = TOP + 7 * (CELL + GAP) + 50


def calendar_days(today: date) -> list[date]:
    """The days shown: 26 whole weeks (Monday first) ending with the week of `today`, up to today."""
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    return [start + timedelta(days=i) for i in range((today - start).days + 1)]


def _level(n: int) -> int:
    return 0 if n <= 0 else 1 if n == 1 else 2 if n <= 3 else 3 if n <= 6 else 4


def render_calendar(activity: Mapping[date, int], freezes: Collection[date], today: date,
                    title: str = "Streak: last 26 weeks") -> bytes:
    """PNG: `activity` maps a local day to its graded answers; `freezes` are days a freeze covered."""
    img, d = canvas(HEIGHT, WIDTH)
    days = calendar_days(today)
    active = sum(1 for day in days if activity.get(day, 0) > 0)
    frozen = sum(1 for day in days if day in freezes)
    d.text((16, 14), f"{title} · {active} active days · {frozen} freezes", fill=FG, font=font(24))
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        d.text((10, TOP + row * (CELL + GAP) + 3), name, fill=MUTED, font=font(16))
    last_month = None
    for i, day in enumerate(days):
        col, row = divmod(i, 7)
        x, y = LEFT + col * (CELL + GAP), TOP + row * (CELL + GAP)
        if row == 0 and day.month != last_month:
            d.text((x, TOP - 22), day.strftime("%b"), fill=MUTED, font=font(16))
            last_month = day.month
        box = (x, y, x + CELL, y + CELL)
        d.rounded_rectangle(box, radius=4, fill=LEVELS[_level(activity.get(day, 0))])
        if day in freezes:  # a bright outline and a centre dot: visible without relying on colour alone
            d.rounded_rectangle(box, radius=4, outline=FREEZE, width=3)
            d.ellipse((x + 8, y + 8, x + CELL - 8, y + CELL - 8), fill=FREEZE)
        if day == today:
            d.rounded_rectangle((x - 2, y - 2, x + CELL + 2, y + CELL + 2), radius=5, outline=FG, width=2)
    ly = HEIGHT - 36
    d.text((LEFT, ly), "less", fill=MUTED, font=font(16))
    for k, colour in enumerate(LEVELS):
        lx = LEFT + 44 + k * (CELL + GAP)
        d.rounded_rectangle((lx, ly, lx + CELL - 6, ly + CELL - 6), radius=3, fill=colour)
    d.text((LEFT + 44 + 5 * (CELL + GAP), ly), "more", fill=MUTED, font=font(16))
    fx = LEFT + 320
    d.rounded_rectangle((fx, ly, fx + CELL - 6, ly + CELL - 6), radius=3, fill=BG, outline=FREEZE, width=3)
    d.text((fx + CELL + 4, ly), "freeze", fill=MUTED, font=font(16))
    return png(img)


def text_calendar(activity: Mapping[date, int], freezes: Collection[date], today: date) -> str:
    """The same figures as text: active days and freezes over the 26 weeks, and the last 7 days."""
    days = calendar_days(today)
    active = sum(1 for day in days if activity.get(day, 0) > 0)
    frozen = sum(1 for day in days if day in freezes)
    week = " ".join("#" if activity.get(day, 0) > 0 else "*" if day in freezes else "." for day in days[-7:])
    return (f"Last 26 weeks: {active} active days, {frozen} freezes.\n"
            f"Last 7 days (# answered, * freeze, . none): {week}")
