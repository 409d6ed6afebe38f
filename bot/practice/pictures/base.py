"""Shared canvas, palette and fonts for the pictures (Pillow; dark background, high contrast)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH = 800  # wide enough for a phone to show at full width, text >= 20 px
BG = (13, 17, 23)  # GitHub dark
FG = (240, 246, 252)
MUTED = (139, 148, 158)
TRACK = (48, 54, 61)
READY = (63, 185, 80)
WARN = (210, 153, 34)
LOW = (248, 81, 73)
COVER = (88, 166, 255)
FREEZE = (121, 192, 255)
# streak calendar: none, then four levels of green
LEVELS = ((33, 38, 45), (14, 68, 41), (0, 109, 50), (38, 166, 65), (57, 211, 83))


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled scalable font (no system font needed)."""
    return ImageFont.load_default(size=size)


def canvas(height: int, width: int = WIDTH) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A dark RGB image and a drawing context."""
    img = Image.new("RGB", (width, height), BG)
    return img, ImageDraw.Draw(img)


def png(img: Image.Image) -> bytes:
    """Encode as PNG (fast compression: these are small flat images)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=3)
    img.close()
    return buf.getvalue()


def bar(d: ImageDraw.ImageDraw, x: int, y0: int, y1: int, length: int, share: float,
        colour: tuple[int, int, int]) -> None:
    """A filled bar of `share` (0..1) of `length` from x; nothing for 0 (no 1-px sliver)."""
    w = round(length * min(1.0, max(0.0, share)))
    if w > 0:
        d.rectangle((x, y0, x + w - 1, y1), fill=colour)


def ready_colour(value: float) -> tuple[int, int, int]:
    """Green at or above 90%, amber from 60%, red below."""
    return READY if value >= 0.9 else WARN if value >= 0.6 else LOW


def pct(value: float) -> str:
    """A share as a whole percentage, the same string in the picture and the text."""
    return f"{round(value * 100)}%"
