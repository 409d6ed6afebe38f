"""Graders for tests: the built-in one, slowed down (as an LLM would be) and counting its calls. Real classes
implementing bot.practice.answer_grading.Grader, not mocks."""

from __future__ import annotations

import asyncio

from bot.bank.model import Question
from bot.practice.answer_grading import BuiltinGrader, Feedback


class CountingGrader:
    """The built-in grader after `delay` seconds; `calls` counts the grades asked for."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self.inner = BuiltinGrader()

    async def grade(self, question: Question, answer_text: str) -> Feedback:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return await self.inner.grade(question, answer_text)
