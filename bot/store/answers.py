"""Typed answers (table `typed_answers`): claim, finish, read back, agreement with the checker, pruning.

Portable SQL only (SQLite and PostgreSQL): `?` placeholders, ON CONFLICT DO NOTHING, no engine functions;
timestamps are ISO text (bot.clock.iso), so string order is time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import iso
from bot.store.store import Store

TABLE = "typed_answers"
RETENTION = timedelta(days=30)
"""Typed answers are kept this long for their author's own history, then pruned by the tick."""

_COLUMNS = ("platform, user_id, post_id, team_id, question_id, answer_text, verdicts, covered, partly, total, "
            "covered_share, suggested_grade, grader, fell_back, fallback_reason, summary, chosen_grade, created_at, checked_at")


@dataclass(frozen=True, slots=True)
class AnswerKey:
    """One user's answer to one posted card."""

    platform: str
    user_id: str
    post_id: int


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What the checker found, as stored (`verdicts` is JSON text)."""

    verdicts: str
    covered: int
    partly: int
    total: int
    covered_share: float
    suggested_grade: str
    grader: str
    fell_back: bool
    fallback_reason: str
    summary: str = ""


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """A typed answer row; `suggested_grade` is None while the checker has not finished."""

    platform: str
    user_id: str
    post_id: int
    team_id: str
    question_id: str
    answer_text: str
    verdicts: str | None
    covered: int | None
    partly: int | None
    total: int | None
    covered_share: float | None
    suggested_grade: str | None
    grader: str | None
    fell_back: bool
    fallback_reason: str | None
    summary: str | None
    chosen_grade: str | None
    created_at: str
    checked_at: str | None


async def claim(store: Store, key: AnswerKey, *, team_id: str, question_id: str, text: str,
                now: datetime) -> bool:
    """Record the answer text before it is checked; False when this user already answered this card."""
    async with store.write() as db:
        cur = await db.execute(
            f"INSERT INTO {TABLE} (platform, user_id, post_id, team_id, question_id, answer_text, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, user_id, post_id) DO NOTHING",
            (key.platform, key.user_id, int(key.post_id), team_id, question_id, text, iso(now)),
        )
        return cur.rowcount == 1


async def take_over(store: Store, key: AnswerKey, *, text: str, now: datetime, stuck_before: datetime) -> bool:
    """Claim an answer whose check never finished (the process stopped mid-check) and started before
    `stuck_before`; True when this caller now owns it."""
    async with store.write() as db:
        cur = await db.execute(
            f"UPDATE {TABLE} SET answer_text = ?, created_at = ? WHERE platform = ? AND user_id = ? AND post_id = ? "
            "AND suggested_grade IS NULL AND created_at < ?",
            (text, iso(now), key.platform, key.user_id, int(key.post_id), iso(stuck_before)),
        )
        return cur.rowcount == 1


async def finish(store: Store, key: AnswerKey, result: CheckResult, now: datetime) -> None:
    """Store what the checker found."""
    async with store.write() as db:
        await db.execute(
            f"UPDATE {TABLE} SET verdicts = ?, covered = ?, partly = ?, total = ?, covered_share = ?, "
            "suggested_grade = ?, grader = ?, fell_back = ?, fallback_reason = ?, summary = ?, checked_at = ? "
            "WHERE platform = ? AND user_id = ? AND post_id = ?",
            (result.verdicts, int(result.covered), int(result.partly), int(result.total), float(result.covered_share),
             result.suggested_grade, result.grader, 1 if result.fell_back else 0, result.fallback_reason,
             result.summary, iso(now),
             key.platform, key.user_id, int(key.post_id)),
        )


async def release(store: Store, key: AnswerKey) -> None:
    """Forget a claimed answer whose check failed, so the user can send it again."""
    async with store.write() as db:
        await db.execute(
            f"DELETE FROM {TABLE} WHERE platform = ? AND user_id = ? AND post_id = ? AND suggested_grade IS NULL",
            (key.platform, key.user_id, int(key.post_id)),
        )


async def get(store: Store, key: AnswerKey) -> StoredAnswer | None:
    """The user's answer to a card, if any."""
    row = await store.fetchone(
        f"SELECT {_COLUMNS} FROM {TABLE} WHERE platform = ? AND user_id = ? AND post_id = ?",
        (key.platform, key.user_id, int(key.post_id)),
    )
    if row is None:
        return None
    values = list(row)
    values[13] = bool(values[13])
    return StoredAnswer(*values)


async def recent_same(store: Store, platform: str, user_id: str, question_id: str, text: str,
                      since: datetime) -> int | None:
    """The card of the user's same answer to the same question since `since` (a form sent twice), if any."""
    row = await store.fetchone(
        f"SELECT post_id FROM {TABLE} WHERE platform = ? AND user_id = ? AND question_id = ? AND answer_text = ? "
        "AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
        (platform, user_id, question_id, text, iso(since)),
    )
    return int(row[0]) if row is not None else None


async def own_grade(store: Store, key: AnswerKey) -> str | None:
    """The grade the user gave this card, if any (a graded card is no longer open for an answer)."""
    row = await store.fetchone(
        "SELECT grade FROM grades WHERE post_id = ? AND platform = ? AND user_id = ?",
        (int(key.post_id), key.platform, key.user_id),
    )
    return str(row[0]) if row is not None else None


async def note_chosen_grade(store: Store, key: AnswerKey) -> None:
    """Copy the user's grade of the card (as stored, after the grading rules) next to the suggestion."""
    async with store.write() as db:
        await db.execute(
            f"UPDATE {TABLE} SET chosen_grade = (SELECT g.grade FROM grades g WHERE g.post_id = {TABLE}.post_id "
            f"AND g.platform = {TABLE}.platform AND g.user_id = {TABLE}.user_id) "
            "WHERE platform = ? AND user_id = ? AND post_id = ? AND suggested_grade IS NOT NULL",
            (key.platform, key.user_id, int(key.post_id)),
        )


async def agreement(store: Store, platform: str, user_id: str) -> tuple[int, int]:
    """(self-grades equal to the checker's suggestion, self-graded typed answers) over the kept answers."""
    row = await store.fetchone(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN chosen_grade = suggested_grade THEN 1 ELSE 0 END), 0) FROM {TABLE} "
        "WHERE platform = ? AND user_id = ? AND chosen_grade IS NOT NULL AND suggested_grade IS NOT NULL",
        (platform, user_id),
    )
    if row is None:
        return 0, 0
    return int(row[1]), int(row[0])


async def post_summary(store: Store, post_id: int) -> tuple[int, float]:
    """(how many answered this post in their own words, their average covered share): no text, no names."""
    row = await store.fetchone(
        f"SELECT COUNT(*), AVG(covered_share) FROM {TABLE} WHERE post_id = ? AND suggested_grade IS NOT NULL",
        (int(post_id),),
    )
    if row is None or not row[0]:
        return 0, 0.0
    return int(row[0]), float(row[1] or 0.0)


async def prune(store: Store, now: datetime) -> int:
    """Delete typed answers older than RETENTION; returns how many went."""
    async with store.write() as db:
        cur = await db.execute(f"DELETE FROM {TABLE} WHERE created_at < ?", (iso(now - RETENTION),))
        return int(cur.rowcount or 0)
