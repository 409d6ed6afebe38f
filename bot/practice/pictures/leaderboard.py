"""The team's weekly leaderboard as a horizontal bar chart."""

from __future__ import annotations

from collections.abc import Sequence

from bot.practice.pictures.base import COVER, FG, MUTED, READY, TRACK, WIDTH, bar, canvas, font, png

ROW, TOP, BOTTOM, MAX_ROWS = 44, 64, 20, 10
LABEL_W, BAR_X, BAR_W = 260, 280, 400


def leaderboard_size(rows: Sequence[tuple[str, float]]) -> tuple[int, int]:
    """Width and height of the picture for these rows (at most 10 are drawn)."""
    return WIDTH, TOP + ROW * max(1, min(MAX_ROWS, len(rows))) + BOTTOM


def _label(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def render_leaderboard(rows: Sequence[tuple[str, float]], title: str = "This week") -> bytes:
    """PNG: `rows` are (display name, points), best first; the top 10 are drawn."""
    width, height = leaderboard_size(rows)
    img, d = canvas(height, width)
    d.text((16, 14), title, fill=FG, font=font(26))
    shown = list(rows)[:MAX_ROWS]
    top = max((p for _, p in shown), default=0) or 1
    if not shown:
        d.text((16, TOP + 10), "no points yet this week", fill=MUTED, font=font(22))
    for i, (name, points) in enumerate(shown):
        y = TOP + i * ROW
        d.text((16, y + 8), f"{i + 1}. {_label(name)}", fill=FG, font=font(22))
        d.rectangle((BAR_X, y + 8, BAR_X + BAR_W, y + 34), fill=TRACK)
        bar(d, BAR_X, y + 8, y + 34, BAR_W, max(0, points) / top, READY if i == 0 else COVER)
        d.text((BAR_X + BAR_W + 12, y + 8), f"{points:g} pts", fill=FG, font=font(22))
    return png(img)


def text_leaderboard(rows: Sequence[tuple[str, float]], title: str = "This week") -> str:
    """The same figures as text."""
    shown = list(rows)[:MAX_ROWS]
    if not shown:
        return f"{title}: no points yet this week."
    return "\n".join([f"{title}:", *(f"{i + 1}. {name}: {points:g} pts" for i, (name, points) in enumerate(shown))])
