"""Readiness by topic: horizontal bars, coverage in its own column."""

from __future__ import annotations

from collections.abc import Sequence

from bot.practice.pictures.base import (
    COVER,
    FG,
    MUTED,
    TRACK,
    WIDTH,
    bar,
    canvas,
    font,
    pct,
    png,
    ready_colour,
)
from bot.practice.readiness import TopicReadiness

ROW, TOP, BOTTOM = 44, 70, 40
LABEL_W, BAR_X, BAR_W, COV_X, COV_W = 210, 220, 330, 640, 110


def readiness_size(rows: Sequence[TopicReadiness]) -> tuple[int, int]:
    """Width and height of the picture for these rows."""
    return WIDTH, TOP + ROW * max(1, len(rows)) + BOTTOM


def _label(topic: str, limit: int = 16) -> str:
    return topic if len(topic) <= limit else topic[: limit - 1] + "…"


def render_readiness(rows: Sequence[TopicReadiness], title: str = "Readiness by topic") -> bytes:
    """PNG: one bar per topic (readiness, unseen questions count 0) and its coverage apart."""
    width, height = readiness_size(rows)
    img, d = canvas(height, width)
    d.text((16, 14), title, fill=FG, font=font(26))
    d.text((BAR_X, 48), "readiness", fill=MUTED, font=font(16))
    d.text((COV_X - 20, 48), "coverage (seen)", fill=MUTED, font=font(16))
    if not rows:
        d.text((16, TOP + 10), "no topics yet", fill=MUTED, font=font(22))
    for i, r in enumerate(rows):
        y = TOP + i * ROW
        d.text((16, y + 8), _label(r.topic), fill=FG, font=font(22))
        d.rectangle((BAR_X, y + 8, BAR_X + BAR_W, y + 34), fill=TRACK)
        bar(d, BAR_X, y + 8, y + 34, BAR_W, r.readiness, ready_colour(r.readiness))
        d.text((BAR_X + BAR_W + 10, y + 8), pct(r.readiness), fill=FG, font=font(22))
        d.rectangle((COV_X, y + 26, COV_X + COV_W, y + 34), fill=TRACK)
        bar(d, COV_X, y + 26, y + 34, COV_W, r.coverage, COVER)
        d.text((COV_X, y + 2), f"{r.seen}/{r.questions}", fill=FG, font=font(18))
    d.text((16, height - 30), "Questions never seen count as not ready.", fill=MUTED, font=font(16))
    return png(img)


def text_readiness(rows: Sequence[TopicReadiness]) -> str:
    """The same figures as text, weakest first."""
    if not rows:
        return "No topics yet."
    lines = [f"{r.topic}: readiness {pct(r.readiness)}, coverage {pct(r.coverage)} ({r.seen} of {r.questions} seen)"
             for r in rows]
    return "\n".join([*lines, "Questions never seen count as not ready."])
