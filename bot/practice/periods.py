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


def resolve_timezone(name: str) -> str | None:
    """Canonical spelling of an IANA name typed in any case ('europe/berlin'), or None if unknown."""
    wanted = name.strip().replace(" ", "_").lower()
    for tz in all_timezones():
        if tz.lower() == wanted:
            return tz
    return None


def suggest_timezones(prefix: str, limit: int = 25) -> list[str]:
    """IANA names containing `prefix` (case-insensitive), best first, for autocomplete."""
    needle = prefix.strip().replace(" ", "_").lower()
    names = all_timezones()
    starts = [tz for tz in names if tz.lower().startswith(needle)]
    contains = [tz for tz in names if needle in tz.lower() and tz not in starts]
    return (starts + contains)[:limit]


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
