"""A team's bank: the shared packs plus the team's own approved questions, and only that team's.

Cached per team in this process, but every lookup first reads the team's version counter (one indexed row), so
an approval made by another process is seen on the next draw. Teams without questions of their own get the
shared bank itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.bank.loader import Bank
from bot.bank.model import Question
from bot.store.store import Store
from bot.suggestions import store as suggestions
from bot.suggestions.store import Suggestion

MAX_CACHED_TEAMS = 1000


def team_question(s: Suggestion) -> Question:
    """The question an approved suggestion became."""
    d = s.draft
    return Question(id=s.question_id, topic=d.topic, difficulty=d.difficulty, prompt=d.prompt.strip(),
                    answer=d.answer.strip() if d.answer and d.answer.strip() else None, hints=d.hints,
                    answer_origin="written" if d.answer else None, pack="team",
                    suggested_by=s.author_name or None)


@dataclass(frozen=True, slots=True)
class _Entry:
    base: Bank
    version: int
    bank: Bank
    own: tuple[Question, ...]


class TeamBanks:
    """`await banks.for_team(platform, team_id)`: the bank that team draws from."""

    def __init__(self, store: Store, base: Callable[[], Bank]) -> None:
        self.store = store
        self.base = base
        self._cache: dict[tuple[str, str], _Entry] = {}

    async def for_team(self, platform: str, team_id: str) -> Bank:
        return (await self._entry(platform, team_id)).bank

    async def own_questions(self, platform: str, team_id: str) -> tuple[Question, ...]:
        """Only the team's own questions (approved suggestions), oldest first."""
        return (await self._entry(platform, team_id)).own

    async def _entry(self, platform: str, team_id: str) -> _Entry:
        base = self.base()
        if not team_id:
            return _Entry(base, 0, base, ())
        version = await suggestions.version(self.store, platform, team_id)
        key = (platform, team_id)
        cached = self._cache.get(key)
        if cached is not None and cached.version == version and cached.base is base:
            return cached
        own = tuple(team_question(s) for s in await suggestions.approved(self.store, platform, team_id)) \
            if version else ()
        own_ids = {o.id for o in own}
        shared = [q for q in base.questions if q.id not in own_ids]
        entry = _Entry(base, version, Bank((*shared, *own)) if own else base, own)
        if len(self._cache) >= MAX_CACHED_TEAMS:
            self._cache.clear()
        self._cache[key] = entry
        return entry
