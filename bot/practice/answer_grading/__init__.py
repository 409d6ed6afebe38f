"""Grade a free-text answer against a question's key points (issue 12). No discord/slack imports here."""

from bot.practice.answer_grading.builtin import BuiltinGrader
from bot.practice.answer_grading.feedback import (
    MAX_ANSWER_CHARS,
    AnswerRejected,
    EmptyAnswer,
    Feedback,
    Grader,
    PointVerdict,
    check_answer_text,
    grade_from_share,
)

__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerRejected",
    "BuiltinGrader",
    "EmptyAnswer",
    "Feedback",
    "Grader",
    "PointVerdict",
    "check_answer_text",
    "grade_from_share",
]
