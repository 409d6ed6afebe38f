"""Local days, weeks (starting Monday) and months in a given IANA timezone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TZ = "UTC"


class BadTimezoneError(ValueError):
    """An unknown IANA timezone name."""


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for `name` (UTC when empty); raises BadTimezoneError for unknown names."""
    try:
        return ZoneInfo(name or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as exc:
        raise BadTimezoneError(name) from exc


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(tz for tz in available_timezones() if "/" in tz or tz == "UTC"))


@lru_cache(maxsize=1)
def _by_lower_name() -> dict[str, str]:
    return {tz.lower(): tz for tz in all_timezones()}


def resolve_timezone(name: str) -> str | None:
    """Canonical spelling of an IANA name typed in any case ('europe/berlin'), or None if unknown."""
    return _by_lower_name().get(name.strip().replace(" ", "_").lower())


POPULAR_TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
                     "Asia/Kolkata")


def suggest_timezones(typed: str, limit: int = 25) -> list[str]:
    """IANA names for autocomplete: prefix matches on the name or the city first, then substring matches;
    a few popular zones when nothing is typed."""
    needle = typed.strip().lower().replace(" ", "_")
    if not needle:
        return list(POPULAR_TIMEZONES[:limit])
    zones = all_timezones()
    first = [z for z in zones if z.lower().startswith(needle) or z.rsplit("/", 1)[-1].lower().startswith(needle)]
    rest = [z for z in zones if needle in z.lower() and z not in first]
    return (first + rest)[:limit]


def local_date(moment: datetime, tz: str | None) -> date:
    return moment.astimezone(zone(tz)).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_key(moment: datetime, tz: str | None) -> str:
    """'w:YYYY-MM-DD' naming the Monday the local week starts on."""
    return f"w:{week_start(local_date(moment, tz)).isoformat()}"


def month_key(moment: datetime, tz: str | None) -> str:
    return f"m:{local_date(moment, tz).strftime('%Y-%m')}"


def local_midnight(day: date, tz: str | None) -> datetime:
    """The instant `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=zone(tz))
