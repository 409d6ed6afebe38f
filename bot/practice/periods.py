"""Re-export: local days, weeks and months live in `bot.domain.periods` (plain types the store may use too)."""

from bot.domain.periods import (
    DEFAULT_TZ,
    POPULAR_TIMEZONES,
    BadTimezoneError,
    all_timezones,
    local_date,
    local_midnight,
    month_key,
    resolve_timezone,
    suggest_timezones,
    week_key,
    week_start,
    zone,
)

__all__ = ["DEFAULT_TZ", "POPULAR_TIMEZONES", "BadTimezoneError", "all_timezones", "local_date", "local_midnight",
           "month_key", "resolve_timezone", "suggest_timezones", "week_key", "week_start", "zone"]
