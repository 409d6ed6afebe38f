"""Reading a console line into words, and the `/clock` step, without ever raising on what a person types.

Quotes group words (`mention="QOTD fans"`, `'two words'`) only when they open a word (or follow `=`) and close
at the end of one; any other quote is an ordinary character, so `/quiz what's overfitting` and an answer with
"it's" read as typed. A quote that never closes is kept as a character too.
"""

from __future__ import annotations

import re
from datetime import timedelta

QUOTES = "\"'"
MAX_CLOCK_DAYS = 3650  # ten years: far enough for any demo, short enough to move through cheaply
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}
_CLOCK_STEP = re.compile(r"\+([0-9]+)([mhdw])")
CLOCK_USAGE = f"Usage: /clock +30m, +2h, +1d or +1w (at most +{MAX_CLOCK_DAYS}d, i.e. ten years, at a time)."


class ClockStepError(ValueError):
    """A `/clock` argument that is not a step forward; the message says what is allowed."""


def _closing(line: str, quote: str, start: int) -> int:
    """Index of the quote that closes one opened at `start` (followed by a space or the end), or -1."""
    k = line.find(quote, start + 1)
    while k != -1:
        if k + 1 == len(line) or line[k + 1].isspace():
            return k
        k = line.find(quote, k + 1)
    return -1


def split_words(line: str) -> list[str]:
    """The words of a console line; never raises. Without quotes it is exactly `line.split()`."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        if ch in QUOTES and (not in_word or (current and current[-1] == "=")):
            end = _closing(line, ch, i)
            if end != -1:
                current.extend(line[i + 1:end])
                in_word = True
                i = end + 1
                continue
        current.append(ch)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words


def parse_clock_step(text: str) -> timedelta:
    """`+30m`, `+2h`, `+1d`, `+1w` as a timedelta of at most MAX_CLOCK_DAYS; ClockStepError otherwise."""
    match = _CLOCK_STEP.fullmatch(text.strip().lower())
    if not match:
        raise ClockStepError(CLOCK_USAGE)
    digits, unit = match.groups()
    limit = MAX_CLOCK_DAYS * _UNIT_MINUTES["d"]
    # Compare as integers before building a timedelta: a huge number must neither overflow nor take long.
    if len(digits.lstrip("0")) > len(str(limit)) or int(digits) * _UNIT_MINUTES[unit] > limit:
        raise ClockStepError(f"That is too far: the clock moves at most {MAX_CLOCK_DAYS} days (ten years) at a "
                             f"time, e.g. `/clock +{MAX_CLOCK_DAYS}d`.")
    return timedelta(minutes=int(digits) * _UNIT_MINUTES[unit])


def describe_step(step: timedelta) -> str:
    """A step as a person says it: '3 days 2 hours'."""
    minutes = int(step.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for n, name in ((days, "day"), (hours, "hour"),
                                                                   (minutes, "minute")) if n]
    return " ".join(parts) or "0 minutes"
