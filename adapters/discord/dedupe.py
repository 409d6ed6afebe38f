"""Dropping redelivered interactions: a bounded in-memory set of recent interaction ids.

Discord only re-sends gateway events when a session RESUMEs, i.e. to the same process that already saw them
(a fresh IDENTIFY after a restart replays nothing, and interaction tokens expire after 15 minutes anyway). So an
in-process memory is enough here, and it keeps a database write off every interaction's path.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_CAPACITY = 50_000


class RecentIds:
    """Remembers the last `capacity` ids; `first_time(id)` is True only for an id not seen among them."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, event_id: str) -> bool:
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)
