"""Render pictures off the event loop, once per (owner, local day, state).

Rendering is CPU work (20-40 ms), so it runs in a worker thread (`asyncio.to_thread`). A small LRU keyed by
(owner, local day, hash of the figures drawn) makes a repeated request cost a dict lookup; a request that
arrives while the same picture is being rendered waits for that render instead of starting another.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date

__all__ = ["PictureCache", "state_hash"]

Key = tuple[Hashable, date, str]


def state_hash(state: object) -> str:
    """A short stable digest of the figures a picture is drawn from (their repr)."""
    return hashlib.sha256(repr(state).encode()).hexdigest()[:24]


class PictureCache:
    """An LRU of rendered PNG bytes. `renders` counts real renders (for tests and benches)."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self.renders = 0
        self._items: OrderedDict[Key, bytes] = OrderedDict()
        self._pending: dict[Key, asyncio.Future[bytes]] = {}

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, owner: Hashable, day: date, state: object, render: Callable[[], bytes]) -> bytes:
        """The PNG for this owner, local day and state, rendering it in a worker thread on a miss."""
        key = (owner, day, state_hash(state))
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            return hit
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            data = await asyncio.to_thread(render)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._pending.pop(key, None)
        self.renders += 1
        future.set_result(data)
        self._items[key] = data
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)
        return data
