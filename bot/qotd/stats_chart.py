"""/qotd stats participation chart: per week, grouped bars for posts, revealed, graded and typed answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.practice.pictures.base import COVER, FG, MUTED, READY, TRACK, WARN, WIDTH, canvas, font, png

HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 420, 104, 60, 48, 16
OWN_WORDS = (188, 140, 255)  # purple: apart from the blue of "revealed" for colour-blind eyes too
SERIES = (("posts", WARN), ("revealed", COVER), ("graded", READY), ("own words", OWN_WORDS))


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One week's participation (the week starts on `monday`)."""

    monday: date
    posts: int
    revealed: int
    graded: int
    typed: int

    def values(self) -> tuple[int, int, int, int]:
        return self.posts, self.revealed, self.graded, self.typed


def render_participation(weeks: Sequence[WeekRow], title: str = "Question of the day: last 8 weeks") -> bytes:
    """PNG: one group of four bars per week, with each bar's number above it."""
    img, d = canvas(HEIGHT, WIDTH)
    d.text((16, 14), title, fill=FG, font=font(26))
    x = 16
    for name, colour in SERIES:  # the legend, so colour is never the only label
        d.rectangle((x, 54, x + 16, 70), fill=colour)
        d.text((x + 22, 52), name, fill=MUTED, font=font(18))
        x += 40 + len(name) * 10
    top = max((v for w in weeks for v in w.values()), default=0) or 1
    plot_h = HEIGHT - TOP - BOTTOM
    group = (WIDTH - LEFT - RIGHT) // max(1, len(weeks))
    bar_w = max(4, (group - 12) // len(SERIES))
    base = HEIGHT - BOTTOM
    d.line((LEFT - 4, base, WIDTH - RIGHT, base), fill=TRACK, width=2)
    for i, week in enumerate(weeks):
        gx = LEFT + i * group
        for k, ((_, colour), value) in enumerate(zip(SERIES, week.values(), strict=True)):
            bx = gx + k * bar_w
            h = round(plot_h * value / top)
            if h > 0:
                d.rectangle((bx, base - h, bx + bar_w - 3, base - 1), fill=colour)
            d.text((bx, base - h - 20), str(value), fill=FG, font=font(16))
        d.text((gx, base + 8), f"{week.monday:%d %b}", fill=MUTED, font=font(16))
    if not weeks:
        d.text((LEFT, TOP + 20), "no questions of the day yet", fill=MUTED, font=font(22))
    return png(img)


def text_participation(weeks: Sequence[WeekRow]) -> str:
    """The same numbers as text, one line a week."""
    return "\n".join(f"Week of {w.monday:%d %b}: {w.posts} posts, {w.revealed} revealed, {w.graded} graded, "
                     f"{w.typed} in their own words" for w in weeks)
