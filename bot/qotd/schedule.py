"""Question-of-the-day schedules and the pure arithmetic of when they fire (local time, across DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.periods import zone
from bot.domain.schedule import DEFAULT_REVEAL_MINUTES, WEEKDAYS, Schedule

__all__ = ["DEFAULT_GRACE", "DEFAULT_REVEAL_MINUTES", "Schedule", "describe", "latest_occurrence", "next_fire",
           "occurrence_on"]
DEFAULT_GRACE = timedelta(hours=1)


def occurrence_on(schedule: Schedule, day: date) -> datetime:
    """The UTC instant of the schedule's local time on `day`.

    A local time that does not exist (the spring-forward gap) resolves to the same offset as before the
    change, i.e. it fires an hour "late" by the wall clock; an ambiguous one (fall back) fires the first time.
    """
    local = datetime.combine(day, schedule.local_time, tzinfo=zone(schedule.timezone))
    return local.astimezone(UTC)


def _runs_on(schedule: Schedule, day: date) -> bool:
    return WEEKDAYS[day.weekday()] in schedule.weekdays


def next_fire(schedule: Schedule, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, or None if the schedule has no weekdays."""
    start = after.astimezone(zone(schedule.timezone)).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if _runs_on(schedule, day):
            when = occurrence_on(schedule, day)
            if when > after:
                return when
    return None


def latest_occurrence(schedule: Schedule, now: datetime) -> tuple[date, datetime] | None:
    """The most recent (local date, UTC instant) at or before `now`, looking back a week."""
    today = now.astimezone(zone(schedule.timezone)).date()
    for back in range(9):
        day = today - timedelta(days=back)
        if _runs_on(schedule, day):
            when = occurrence_on(schedule, day)
            if when <= now:
                return day, when
    return None


def describe(schedule: Schedule) -> str:
    """One line a person reads: '09:00 Europe/Berlin, mon-fri, pytorch/sql, hard, answer after 12h, in a thread'."""
    days = ",".join(schedule.weekdays) if schedule.weekdays != WEEKDAYS[:5] else "mon-fri"
    if schedule.weekdays == WEEKDAYS:
        days = "daily"
    topics = "/".join(schedule.topics) if schedule.topics else "any topic"
    hours, minutes = divmod(schedule.reveal_minutes, 60)
    delay = f"{hours}h" + (f"{minutes:02d}m" if minutes else "") if hours else f"{minutes}m"
    parts = [
        f"{schedule.local_time.strftime('%H:%M')} {schedule.timezone}",
        days,
        topics,
        schedule.difficulty or "any difficulty",
        f"public answer after {delay}",
        "in a thread" if schedule.use_thread else "no thread",
    ]
    if schedule.mention:
        parts.append(f"mentions {schedule.mention}")
    if schedule.weekly_board:
        parts.append("weekly leaderboard on Mondays")
    return ", ".join(parts)
