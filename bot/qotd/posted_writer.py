"""Group commit of the question of the day's `mark_posted`, for the fan-out of many channels at once."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.store.store import Store


class PostedWriter:
    """Group commit of `mark_posted`: the posts delivered while one write is in flight go in the next one together.

    In a fan-out, hundreds of posts finish within milliseconds of each other; one statement for each would queue
    them for the connections that the claims need. Each caller still returns only once its own row is written.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[tuple[int, str, str | None, datetime], asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def mark_posted(self, post_id: int, message_id: str, thread_id: str | None, now: datetime) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(((post_id, message_id, thread_id, now), done))
        async with self._lock:
            if not done.done():  # nobody wrote it while we waited: write everything waiting
                batch, self._waiting = self._waiting, []
                try:
                    await self.store.mark_many_posted([row for row, _ in batch])
                except Exception as exc:
                    for _, waiter in batch:
                        if not waiter.done():
                            waiter.set_exception(exc)
                except BaseException:
                    # Cancelled while writing: the others of the batch still wait for this lock, and the first of
                    # them writes the rows again.
                    self._waiting[:0] = [(row, waiter) for row, waiter in batch if waiter is not done]
                    raise
                else:
                    for _, waiter in batch:
                        if not waiter.done():
                            waiter.set_result(None)
        await done
