"""Parsing `/progress` arguments: `/progress`, `/progress 2027-02-01`, `/progress goal=2027-02-01`,
`/progress goal=off`, `/progress team`. Pure; raises ArgumentError with what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.commands.args import ArgumentError

USAGE = ("/progress takes nothing (your readiness now), a date to forecast (`/progress 2027-02-01`), "
         "`goal=DATE` to store the date you want to be ready by (`goal=off` forgets it), or `team`.")
MAX_YEARS_AHEAD = 5
OFF_WORDS = ("off", "none", "clear", "no")
_OPTION = re.compile(r"^([A-Za-z_]+)[=:](.*)$")


@dataclass(frozen=True, slots=True)
class ProgressArgs:
    team: bool = False
    on: date | None = None  # forecast for this date
    goal: date | None = None  # store this goal date
    clear_goal: bool = False


def parse_date(text: str, today: date) -> date:
    """An ISO date (YYYY-MM-DD) after `today` and at most five years ahead."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError(f"`{text[:40]}` is not a date. Use YYYY-MM-DD, e.g. "
                            f"`/progress {today.replace(year=today.year + 1, day=1).isoformat()}`.") from None
    if day <= today:
        raise ArgumentError(f"{day.isoformat()} is not in the future (today is {today.isoformat()}): "
                            "pick a later date to forecast.")
    if (day - today).days > 366 * MAX_YEARS_AHEAD:
        raise ArgumentError(f"{day.isoformat()} is more than {MAX_YEARS_AHEAD} years away: pick a nearer date.")
    return day


def parse_progress(words: tuple[str, ...] | list[str], today: date) -> ProgressArgs:
    """The `/progress` arguments; `today` is the user's local date (forecast dates must be after it)."""
    team, on, goal, clear = False, None, None, False
    for raw in words:
        for token in raw.split():
            match = _OPTION.match(token)
            key, sep, value = (match.group(1), "=", match.group(2)) if match else (token, "", "")
            key = key.lower()
            if sep and key == "goal":
                if value.lower() in OFF_WORDS:
                    clear = True
                else:
                    goal = parse_date(value, today)
            elif sep and key in ("date", "on"):
                on = parse_date(value, today)
            elif sep and key == "team":
                team = value.lower() not in ("false", "no", "off", "0")
            elif sep:
                raise ArgumentError(f"Unknown option `{key[:40]}`. {USAGE}")
            elif key == "team":
                team = True
            elif key == "me":
                continue
            elif key[:1].isdigit():
                on = parse_date(token, today)
            else:
                raise ArgumentError(f"I don't know `{token[:40]}`. {USAGE}")
    if team and (on or goal or clear):
        raise ArgumentError("`/progress team` shows the team's readiness now; forecasts and goals are your own. "
                            + USAGE)
    return ProgressArgs(team=team, on=on, goal=goal, clear_goal=clear)
