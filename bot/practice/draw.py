"""Choosing the next question: never repeat one until every question in the filter has been served."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

_SAMPLES = 24


def least_served(candidates: Sequence[str], served: Mapping[str, int], rng: random.Random) -> str | None:
    """A random candidate among those served the fewest times (never-served ones first).

    Random probes find an unserved question in O(1) while most are unserved; otherwise one pass finds
    the minimum. Same distribution either way: uniform over the least-served set.
    """
    if not candidates:
        return None
    for _ in range(_SAMPLES):
        pick = rng.choice(candidates)
        if pick not in served:
            return pick
    fewest = min(served.get(c, 0) for c in candidates)
    pool = [c for c in candidates if served.get(c, 0) == fewest]
    return rng.choice(pool)


def fresh_in_cycle(candidates: Sequence[str], used: set[str], rng: random.Random) -> tuple[str | None, bool]:
    """A candidate not yet used in this cycle; (choice, True) when the pool is used up and starts over."""
    if not candidates:
        return None, False
    unused = [c for c in candidates if c not in used]
    if unused:
        return rng.choice(unused), False
    return rng.choice(list(candidates)), True
