"""Group commit for grades: many grades, one transaction.

Grades arriving together (a busy question of the day, a benchmark) are queued; one writer task takes every
queued grade, writes them with `executemany` in a single transaction (an incrementing upsert adds first grades
to the leaderboard totals; SQL triggers adjust them on a regrade, keep the score-level histogram and mark the
practice day), advances the streaks with the pure arithmetic, commits, and only then answers each waiting
caller. Spaced-repetition cards are updated in a second transaction right after, so the
FSRS maths never delays the confirmation a user sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from fsrs import Card, Rating, Scheduler

from bot.clock import iso
from bot.practice.streaks import StreakState, advance
from bot.store.store import Store

log = logging.getLogger(__name__)
MAX_BATCH = 2000
ADD_TO_SCORES = (
    "INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at) VALUES (?, ?, ?, ?, ?, 1, ?) "
    "ON CONFLICT (platform, team_id, period, user_id) DO UPDATE SET points = points + excluded.points, "
    "grades = grades + 1, "
    "achieved_at = CASE WHEN excluded.points > 0 THEN excluded.achieved_at ELSE scores.achieved_at END"
)
_RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


@dataclass(frozen=True, slots=True)
class GradeRequest:
    post_id: int
    platform: str
    team_id: str
    user_id: str
    question_id: str
    topic: str
    grade: str
    points: float
    graded_at: datetime
    local_date: date
    week_key: str
    month_key: str


@dataclass(frozen=True, slots=True)
class GradeResult:
    """What a grade did: `previous` is the earlier grade it replaced (None for a first grade)."""

    points: float
    previous: str | None
    streak: StreakState


def keyed_lookup(table: str, key_columns: tuple[str, ...], select: str) -> str:
    """SQL that fetches `select` from `table` for a JSON array of key tuples (one parameter).

    A row-value `IN (VALUES ...)` makes SQLite scan the whole table; joining a json_each list of keys lets it
    use the primary key for every lookup.
    """
    keys = ", ".join(f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(key_columns))
    match = " AND ".join(f"t.{c} = k.{c}" for c in key_columns)
    return f"WITH k AS (SELECT {keys} FROM json_each(?)) SELECT {select} FROM k JOIN {table} t ON {match}"


def _streak_from_row(row: tuple) -> StreakState:
    current, best, freezes, used, last = row
    return StreakState(current, best, freezes, used, date.fromisoformat(last) if last else None)


class GradeWriter:
    """Owns the grade queue and the writer task. Use `async with GradeWriter(store):`."""

    def __init__(self, store: Store, scheduler: Scheduler | None = None) -> None:
        self.store = store
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)
        self._queue: asyncio.Queue[tuple[GradeRequest, asyncio.Future[GradeResult]]] = asyncio.Queue()
        # Card reviews wait in their own queue so the FSRS maths never holds up the next batch of grades.
        self._cards: asyncio.Queue[GradeRequest] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.batches = 0

    async def __aenter__(self) -> GradeWriter:
        self._tasks = [asyncio.create_task(self._run(), name="grade-writer"),
                       asyncio.create_task(self._run_cards(), name="review-card-writer")]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.drain()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def submit(self, request: GradeRequest) -> GradeResult:
        """Queue a grade and wait until it is committed."""
        future: asyncio.Future[GradeResult] = asyncio.get_running_loop().create_future()
        await self._queue.put((request, future))
        return await future

    async def drain(self) -> None:
        """Wait until every queued grade and its review card is written."""
        await self._queue.join()
        await self._cards.join()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await self._write_grades([r for r, _ in batch])
            except Exception as exc:  # the callers hear of it; the writer keeps running
                log.exception("grade batch of %d failed", len(batch))
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
            else:
                for (request, fut), result in zip(batch, results, strict=True):
                    if not fut.done():
                        fut.set_result(result)
                    # A repeat of the same grade (a redelivery, a double click) must not review the card again.
                    if result.previous != request.grade:
                        self._cards.put_nowait(request)
            finally:
                self.batches += 1
                for _ in batch:
                    self._queue.task_done()

    async def _run_cards(self) -> None:
        while True:
            batch = [await self._cards.get()]
            while len(batch) < MAX_BATCH and not self._cards.empty():
                batch.append(self._cards.get_nowait())
            try:
                await self._write_cards(batch)
            except Exception:
                log.exception("review-card update failed for a batch of %d", len(batch))
            finally:
                for _ in batch:
                    self._cards.task_done()

    async def _write_grades(self, batch: list[GradeRequest]) -> list[GradeResult]:
        # The same user grading the same post twice in one batch: the last one wins, like a regrade.
        keys = list(dict.fromkeys((r.post_id, r.platform, r.user_id) for r in batch))
        people = list(dict.fromkeys((r.platform, r.team_id, r.user_id) for r in batch))
        async with self.store.write() as db:
            async with db.execute(
                keyed_lookup("grades", ("post_id", "platform", "user_id"), "t.post_id, t.platform, t.user_id, t.grade"),
                (json.dumps(keys),),
            ) as cur:
                previous = {(r[0], r[1], r[2]): r[3] for r in await cur.fetchall()}
            # Each request's earlier grade, in batch order: a redelivery in the same batch reads as a repeat.
            prior: list[str | None] = []
            for r in batch:
                key = (r.post_id, r.platform, r.user_id)
                prior.append(previous.get(key))
                previous[key] = r.grade
            # Leaderboard totals for first grades, added in SQL (an upsert that increments) before the grades go
            # in, so that a regrade later in the same batch finds the row its trigger adjusts. Rows are sorted by
            # key: neighbouring keys share B-tree pages, which makes the batch markedly cheaper.
            stamps = [iso(r.graded_at) for r in batch]
            await db.executemany(ADD_TO_SCORES, sorted(
                ((r.platform, r.team_id, period, r.user_id, r.points, stamp)
                 for r, earlier, stamp in zip(batch, prior, stamps, strict=True) if earlier is None
                 for period in ("all", r.week_key, r.month_key)),
                key=lambda row: row[:4],
            ))
            await db.executemany(
                "INSERT INTO grades (post_id, platform, user_id, team_id, question_id, topic, grade, points, "
                "graded_at, local_date, week_key, month_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (post_id, platform, user_id) DO UPDATE SET grade = excluded.grade, "
                "points = excluded.points, regraded_at = excluded.graded_at",
                sorted(
                    ((r.post_id, r.platform, r.user_id, r.team_id, r.question_id, r.topic, r.grade, r.points,
                      stamp, r.local_date.isoformat(), r.week_key, r.month_key)
                     for r, stamp in zip(batch, stamps, strict=True)),
                    key=lambda row: row[:3],  # stable: a key's grades keep their order
                ),
            )
            async with db.execute(
                keyed_lookup("streaks", ("platform", "team_id", "user_id"),
                             "t.platform, t.team_id, t.user_id, t.current, t.best, t.freezes, t.freezes_used, "
                             "t.last_date"),
                (json.dumps(people),),
            ) as cur:
                streaks = {(r[0], r[1], r[2]): _streak_from_row(tuple(r[3:])) for r in await cur.fetchall()}
            after: list[StreakState] = []
            for r, earlier in zip(batch, prior, strict=True):
                who = (r.platform, r.team_id, r.user_id)
                state = streaks.get(who, StreakState())
                # Only a first grade is a day's practice (as in practice_days); changing an old grade is not.
                streaks[who] = advance(state, r.local_date) if earlier is None else state
                after.append(streaks[who])
            await db.executemany(
                "INSERT INTO streaks (platform, team_id, user_id, current, best, freezes, freezes_used, last_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, team_id, user_id) DO UPDATE SET "
                "current = excluded.current, best = excluded.best, freezes = excluded.freezes, "
                "freezes_used = excluded.freezes_used, last_date = excluded.last_date",
                [
                    (*who, s.current, s.best, s.freezes, s.freezes_used, s.last_date.isoformat() if s.last_date else None)
                    for who, s in streaks.items()
                ],
            )
        return [GradeResult(r.points, earlier, streak) for r, earlier, streak in zip(batch, prior, after, strict=True)]

    async def _write_cards(self, batch: list[GradeRequest]) -> None:
        if not batch:
            return
        keys = list(dict.fromkeys((r.platform, r.user_id, r.question_id) for r in batch))
        rows = await self.store.fetchall(
            keyed_lookup("review_cards", ("platform", "user_id", "question_id"),
                         "t.platform, t.user_id, t.question_id, t.card"),
            (json.dumps(keys),),
        )
        # The FSRS maths is pure Python: a worker thread keeps it off the event loop, overlapping it with the
        # SQLite work of the next grade batch.
        rows_out = await asyncio.to_thread(self._review, batch, {(r[0], r[1], r[2]): r[3] for r in rows})
        async with self.store.write() as db:
            await db.executemany(
                "INSERT INTO review_cards (platform, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, user_id, question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
                rows_out,
            )

    def _review(self, batch: list[GradeRequest], stored: dict[tuple[str, str, str], str]) -> list[tuple]:
        """Review each card with its grade; rows (platform, user, question, card json, due) to upsert."""
        cards = {key: Card.from_json(text) for key, text in stored.items()}
        for n, r in enumerate(batch):
            key = (r.platform, r.user_id, r.question_id)
            # An explicit card_id: fsrs sleeps a millisecond to make ids unique when it picks one itself.
            card = cards.get(key) or Card(card_id=int(r.graded_at.timestamp() * 1000) * 1000 + n % 1000)
            cards[key], _ = self.scheduler.review_card(card, _RATINGS[r.grade], r.graded_at)
        return [(*key, card.to_json(), iso(card.due)) for key, card in cards.items()]
