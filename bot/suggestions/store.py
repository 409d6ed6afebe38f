"""Queries for suggestions and team questions. Portable SQL only (SQLite and PostgreSQL), through Store's API.

Tables: `suggestions` (author columns `platform, user_id`) and `team_question_versions`. Every decision is a
compare-and-set on `status = 'pending'`, so two admins (or two processes) never both decide one suggestion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.store.store import Store

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
_COLUMNS = ("id, platform, team_id, user_id, author_name, topic, difficulty, prompt, answer, hints, status, "
            "reason, created_at")


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member proposes: the fields of a question, before it has an id."""

    topic: str
    difficulty: str
    prompt: str
    answer: str | None = None
    hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A stored suggestion; `question_id` is the id it has in the team's bank once approved."""

    id: int
    platform: str
    team_id: str
    user_id: str
    author_name: str
    draft: Draft
    status: str
    reason: str | None
    created_at: str

    @property
    def question_id(self) -> str:
        return question_id_of(self.id)


def question_id_of(suggestion_id: int) -> str:
    return f"team-{suggestion_id}"


def _hints(text: Any) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(h) for h in value) if isinstance(value, list) else ()


def _row(row: Any) -> Suggestion:
    draft = Draft(topic=row[5], difficulty=row[6], prompt=row[7], answer=row[8], hints=_hints(row[9]))
    return Suggestion(id=int(row[0]), platform=row[1], team_id=row[2], user_id=row[3], author_name=row[4],
                      draft=draft, status=row[10], reason=row[11], created_at=row[12])


async def add(store: Store, *, platform: str, team_id: str, user_id: str, author_name: str, draft: Draft,
              now: datetime) -> int:
    """Queue a suggestion; returns its id."""
    async with store.write() as db:
        cur = await db.execute(
            "INSERT INTO suggestions (platform, team_id, user_id, author_name, topic, difficulty, prompt, answer, "
            "hints, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (platform, team_id, user_id, author_name, draft.topic, draft.difficulty, draft.prompt, draft.answer,
             json.dumps(list(draft.hints)), PENDING, iso(now)))
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def get(store: Store, suggestion_id: int) -> Suggestion | None:
    row = await store.fetchone(f"SELECT {_COLUMNS} FROM suggestions WHERE id = ?", (suggestion_id,))
    return _row(row) if row is not None else None


async def queue(store: Store, platform: str, team_id: str, limit: int = 10) -> tuple[list[Suggestion], int]:
    """The oldest pending suggestions of a team (at most `limit`) and how many are pending in all."""
    rows = await store.fetchall(
        f"SELECT {_COLUMNS} FROM suggestions WHERE platform = ? AND team_id = ? AND status = ? ORDER BY id LIMIT ?",
        (platform, team_id, PENDING, limit))
    total = await store.fetchone(
        "SELECT count(*) FROM suggestions WHERE platform = ? AND team_id = ? AND status = ?",
        (platform, team_id, PENDING))
    return [_row(r) for r in rows], int(total[0]) if total else 0


async def pending_prompts(store: Store, platform: str, team_id: str) -> list[tuple[int, str]]:
    """(id, prompt) of the team's pending suggestions, for the duplicate check at submission."""
    rows = await store.fetchall(
        "SELECT id, prompt FROM suggestions WHERE platform = ? AND team_id = ? AND status = ?",
        (platform, team_id, PENDING))
    return [(int(r[0]), str(r[1])) for r in rows]


async def approved(store: Store, platform: str, team_id: str) -> list[Suggestion]:
    """The team's own questions (approved suggestions), oldest first."""
    rows = await store.fetchall(
        f"SELECT {_COLUMNS} FROM suggestions WHERE platform = ? AND team_id = ? AND status = ? ORDER BY id",
        (platform, team_id, APPROVED))
    return [_row(r) for r in rows]


async def version(store: Store, platform: str, team_id: str) -> int:
    """How many times the team's own questions changed (0: never, i.e. it has none)."""
    row = await store.fetchone(
        "SELECT version FROM team_question_versions WHERE platform = ? AND team_id = ?", (platform, team_id))
    return int(row[0]) if row else 0


async def update_draft(store: Store, suggestion_id: int, draft: Draft) -> bool:
    """Replace a pending suggestion's fields (an admin's edit); False when it is no longer pending."""
    async with store.write() as db:
        cur = await db.execute(
            "UPDATE suggestions SET topic = ?, difficulty = ?, prompt = ?, answer = ?, hints = ? "
            "WHERE id = ? AND status = ?",
            (draft.topic, draft.difficulty, draft.prompt, draft.answer, json.dumps(list(draft.hints)),
             suggestion_id, PENDING))
        return bool(cur.rowcount)


async def decide(store: Store, suggestion_id: int, status: str, *, by: str, now: datetime,
                 reason: str | None = None) -> bool:
    """Approve or reject a pending suggestion; False when someone decided it first.

    An approval bumps the team's version in the same transaction, so every process's cached team bank is
    refreshed on its next draw.
    """
    async with store.write() as db:
        cur = await db.execute(
            "UPDATE suggestions SET status = ?, reason = ?, decided_at = ?, decided_by = ? "
            "WHERE id = ? AND status = ? RETURNING platform, team_id",
            (status, reason, iso(now), by, suggestion_id, PENDING))
        row = await cur.fetchone()
        if row is None:
            return False
        if status == APPROVED:
            await db.execute(
                "INSERT INTO team_question_versions (platform, team_id, version) VALUES (?, ?, 1) "
                "ON CONFLICT (platform, team_id) DO UPDATE SET version = team_question_versions.version + 1",
                (row[0], row[1]))
    return True
