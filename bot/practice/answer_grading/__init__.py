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
from bot.practice.answer_grading.llm import JsonPoster, LLMConfig, LLMGrader, TransportError


def grader_from_env(poster: JsonPoster, env: dict[str, str] | None = None) -> Grader:
    """The LLM grader (over `poster`) when BOT_LLM_BASE_URL and BOT_LLM_MODEL are set, else the built-in one."""
    config = LLMConfig.from_env(env)
    return LLMGrader(config, poster) if config else BuiltinGrader()


__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerRejected",
    "BuiltinGrader",
    "EmptyAnswer",
    "Feedback",
    "Grader",
    "JsonPoster",
    "LLMConfig",
    "LLMGrader",
    "PointVerdict",
    "TransportError",
    "check_answer_text",
    "grade_from_share",
    "grader_from_env",
]
