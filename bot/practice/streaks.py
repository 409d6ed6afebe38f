"""Streak arithmetic: a pure function of the local dates on which a user graded at least one question.

Rules: a streak counts consecutive local days practised. Every 7th day of a run earns a freeze (at most
2 held). A missed day uses a held freeze automatically and the run goes on (the frozen day itself does not
count); when the missed days outnumber the freezes held, the freezes are spent and the run starts again at 1.
Today is never "missed": the user still has until local midnight.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from bot.domain.streak import StreakState

FREEZE_EVERY = 7
MAX_FREEZES = 2


def advance(state: StreakState, day: date) -> StreakState:
    """The state after practising on `day`. Days not after `last_date` change nothing."""
    if state.last_date is not None and day <= state.last_date:
        return state
    current, freezes, used = state.current, state.freezes, state.freezes_used
    if state.last_date is None:
        current = 1
    else:
        missed = (day - state.last_date).days - 1
        if missed <= freezes:
            freezes -= missed
            used += missed
            current += 1
        else:
            used += freezes
            freezes = 0
            current = 1
    if current % FREEZE_EVERY == 0:
        freezes = min(MAX_FREEZES, freezes + 1)
    return StreakState(current, max(state.best, current), freezes, used, day)


def compute(days: Iterable[date]) -> StreakState:
    """Fold `advance` over the distinct days in order."""
    state = StreakState()
    for day in sorted(set(days)):
        state = advance(state, day)
    return state


def as_of(state: StreakState, today: date) -> StreakState:
    """The state as seen on `today`: freezes spent on days missed since the last practice, or a broken run."""
    if state.last_date is None or today <= state.last_date:
        return state
    missed = (today - state.last_date).days - 1
    if missed == 0:
        return state
    if missed <= state.freezes:
        return replace(state, freezes=state.freezes - missed, freezes_used=state.freezes_used + missed)
    return replace(state, current=0, freezes=0, freezes_used=state.freezes_used + state.freezes)


def practised_today(state: StreakState, today: date) -> bool:
    return state.last_date == today
