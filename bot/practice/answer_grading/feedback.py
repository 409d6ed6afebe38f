"""The grader interface and the feedback record every grader returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.bank.model import Question

Verdict = Literal["covered", "partly", "missed"]
VERDICTS: tuple[str, ...] = ("covered", "partly", "missed")
SuggestedGrade = Literal["again", "hard", "good", "easy"]
GRADES: tuple[str, ...] = ("again", "hard", "good", "easy")

MAX_ANSWER_CHARS = 4000


class AnswerRejected(ValueError):
    """The answer text cannot be graded; `str(exc)` is a message fit to show the user."""


class EmptyAnswer(AnswerRejected):
    """The answer is empty or only whitespace."""


class AnswerTooLong(AnswerRejected):
    """The answer is over MAX_ANSWER_CHARS characters."""

    def __init__(self, length: int, limit: int = MAX_ANSWER_CHARS):
        super().__init__(f"Your answer is {length:,} characters; the limit is {limit:,}. Please shorten it.")
        self.length = length
        self.limit = limit


def check_answer_text(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Return the stripped answer, or raise EmptyAnswer / AnswerTooLong."""
    stripped = text.strip()
    if not stripped:
        raise EmptyAnswer("Your answer is empty: write a few sentences in your own words.")
    if len(stripped) > limit:
        raise AnswerTooLong(len(stripped), limit)
    return stripped


@dataclass(frozen=True, slots=True)
class PointVerdict:
    """One key point (1-based `index`) and whether the answer covered it, with a few words of why."""

    index: int
    key_point: str
    verdict: Verdict
    why: str


@dataclass(frozen=True, slots=True)
class Feedback:
    """What a grader found. `fell_back` is True when the LLM grader failed and the built-in one answered."""

    points: tuple[PointVerdict, ...]
    suggested_grade: SuggestedGrade
    grader: str
    summary: str = ""
    fell_back: bool = False
    fallback_reason: str = ""

    @property
    def covered(self) -> int:
        return sum(1 for p in self.points if p.verdict == "covered")

    @property
    def partly(self) -> int:
        return sum(1 for p in self.points if p.verdict == "partly")

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def share(self) -> float:
        """Covered share of key points, a partly counting half."""
        return (self.covered + 0.5 * self.partly) / self.total if self.points else 0.0

    def count_line(self) -> str:
        return f"Covered {self.covered} of {self.total} key points"


def grade_from_share(share: float) -> SuggestedGrade:
    """Suggested grade from the covered share: all -> easy, most -> good, some -> hard, little -> again.

    The cut-offs were set on bench/answer_eval (the built-in grader reads a half-right answer as ~0.2-0.5).
    """
    if share >= 0.95:
        return "easy"
    if share >= 0.7:
        return "good"
    if share >= 0.2:
        return "hard"
    return "again"


class Grader(Protocol):
    """Anything that grades an answer against a question's key points."""

    async def grade(self, question: Question, answer_text: str) -> Feedback: ...
