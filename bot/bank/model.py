"""The question record and the closed vocabularies (topics, difficulties) the whole bot shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TOPICS: tuple[str, ...] = (
    "ml-fundamentals",
    "deep-learning",
    "nlp-llm",
    "computer-vision",
    "pytorch",
    "tensorflow-keras",
    "python-data",
    "statistics-math",
    "sql",
    "mlops",
    "system-design",
    "algorithms",
    "troubleshooting",
)

TOPIC_TITLES: dict[str, str] = {
    "ml-fundamentals": "ML fundamentals",
    "deep-learning": "Deep learning",
    "nlp-llm": "NLP & LLMs",
    "computer-vision": "Computer vision",
    "pytorch": "PyTorch",
    "tensorflow-keras": "TensorFlow & Keras",
    "python-data": "Python data stack",
    "statistics-math": "Statistics & math",
    "sql": "SQL",
    "mlops": "MLOps",
    "system-design": "ML system design",
    "algorithms": "Algorithms",
    "troubleshooting": "Troubleshooting",
}

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
DIFFICULTY_WEIGHT: dict[str, int] = {"easy": 1, "medium": 2, "hard": 3}

AnswerOrigin = Literal["seed", "written"]
ANSWER_ORIGINS: tuple[str, ...] = ("seed", "written")


@dataclass(frozen=True, slots=True)
class Source:
    """One place in the seed documents a question came from."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Question:
    """A question in the bank. `answer` is Markdown, or None when no source gives one.

    `key_points` are the checkable statements an interviewer listens for; `aliases` are the ids of questions
    merged into this one (old ids that users' history may still hold). `suggested_by` names the member whose
    suggestion a team question was (its card credits them).
    """

    id: str
    topic: str
    difficulty: str
    prompt: str
    answer: str | None = None
    hints: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    answer_origin: str | None = None
    pack: str = "core"
    key_points: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    suggested_by: str | None = None

    @property
    def has_answer(self) -> bool:
        return bool(self.answer and self.answer.strip())

    @property
    def points_weight(self) -> int:
        return DIFFICULTY_WEIGHT[self.difficulty]


@dataclass(slots=True)
class BankStats:
    """Counts by topic and difficulty, and answer coverage."""

    by_topic: dict[str, dict[str, int]] = field(default_factory=dict)
    answered_by_topic: dict[str, int] = field(default_factory=dict)
    origin_by_topic: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(d.values()) for d in self.by_topic.values())

    @property
    def answered(self) -> int:
        return sum(self.answered_by_topic.values())


def compute_stats(questions: list[Question] | tuple[Question, ...]) -> BankStats:
    """Tally questions by topic and difficulty, with answer coverage by origin."""
    stats = BankStats()
    for q in questions:
        per = stats.by_topic.setdefault(q.topic, dict.fromkeys(DIFFICULTIES, 0))
        per[q.difficulty] += 1
        origins = stats.origin_by_topic.setdefault(q.topic, {"seed": 0, "written": 0, "none": 0})
        if q.has_answer:
            stats.answered_by_topic[q.topic] = stats.answered_by_topic.get(q.topic, 0) + 1
            origins[q.answer_origin or "seed"] += 1
        else:
            stats.answered_by_topic.setdefault(q.topic, 0)
            origins["none"] += 1
    return stats
