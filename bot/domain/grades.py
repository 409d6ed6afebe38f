"""Grades: their names, a grade to record, what recording it did, and the state a batch of grades is decided on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.streak import StreakState

GRADES: tuple[str, ...] = ("again", "hard", "good", "easy")

GradeKey = tuple[int, str, str]  # (post id, platform, user id)
PersonKey = tuple[str, str, str]  # (platform, team id, user id)
CardKey = tuple[str, str, str]  # (platform, user id, question id)


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
    # When the platform says the click happened; an older click never overrides a newer grade.
    occurred_at: datetime | None = None

    @property
    def key(self) -> GradeKey:
        return (self.post_id, self.platform, self.user_id)

    @property
    def person(self) -> PersonKey:
        return (self.platform, self.team_id, self.user_id)

    @property
    def card_key(self) -> CardKey:
        return (self.platform, self.user_id, self.question_id)


@dataclass(frozen=True, slots=True)
class GradeResult:
    """What a grade did: `previous` is the earlier grade it replaced (None for a first grade).

    `stale` is True when the click was older than the grade already recorded, which then stays as it is.
    """

    points: float
    previous: str | None
    streak: StreakState
    stale: bool = False


@dataclass(frozen=True, slots=True)
class StoredGrade:
    """A grade already on disk, as far as the grading rules need it."""

    grade: str
    points: float
    team_id: str
    week_key: str
    month_key: str
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GradeState:
    """What the store read for a batch: earlier grades, streaks and review cards (FSRS JSON) of those involved."""

    grades: dict[GradeKey, StoredGrade]
    streaks: dict[PersonKey, StreakState]
    cards: dict[CardKey, str]


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """Add `points` to a leaderboard total; `first` counts one more grade (a regrade only moves the points)."""

    platform: str
    team_id: str
    period: str
    user_id: str
    points: float
    first: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class CardWrite:
    key: CardKey
    card_json: str
    due: datetime


@dataclass(slots=True)
class GradePlan:
    """Everything a batch of grades changes; the store applies it in one transaction."""

    grades: list[GradeRequest] = field(default_factory=list)  # rows to insert or regrade
    scores: list[ScoreChange] = field(default_factory=list)
    streaks: dict[PersonKey, StreakState] = field(default_factory=dict)
    cards: list[CardWrite] = field(default_factory=list)
    results: list[GradeResult] = field(default_factory=list)
