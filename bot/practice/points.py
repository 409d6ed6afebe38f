"""Points for a self-grade: the difficulty weight for Good/Easy, half of it for Hard, nothing for Again."""

from __future__ import annotations

from bot.bank.model import DIFFICULTY_WEIGHT

GRADES: tuple[str, ...] = ("again", "hard", "good", "easy")
_SHARE = {"again": 0.0, "hard": 0.5, "good": 1.0, "easy": 1.0}


def points_for(difficulty: str, grade: str) -> float:
    """Points earned; raises ValueError for an unknown grade or difficulty."""
    if grade not in _SHARE:
        raise ValueError(f"unknown grade {grade!r}; allowed: {', '.join(GRADES)}")
    return DIFFICULTY_WEIGHT[difficulty] * _SHARE[grade]


def format_points(points: float) -> str:
    return f"{points:g}"
