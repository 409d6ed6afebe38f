"""The aiohttp transport for the LLM answer grader (bot/practice/answer_grading/llm.py): the core has no HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.practice.answer_grading import BuiltinGrader, Grader
from bot.practice.answer_grading.llm import LLMConfig, LLMGrader, TransportError


class AiohttpPoster:
    """POSTs JSON with aiohttp; one session per request unless a session is given (then the caller owns it)."""

    def __init__(self, session: aiohttp.ClientSession | None = None):
        self._session = session

    async def post_json(self, url: str, payload: dict[str, Any], headers: dict[str, str],
                        timeout_s: float) -> tuple[int, str]:
        """Return (status, body text); TimeoutError past `timeout_s`, TransportError when it cannot connect."""
        session = self._session or aiohttp.ClientSession()
        try:
            async with session.post(url, json=payload, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
                return resp.status, await resp.text(errors="replace")
        except aiohttp.ClientError as exc:
            raise TransportError(f"connection failed ({type(exc).__name__})") from exc
        finally:
            if self._session is None:
                await session.close()


def llm_grader(config: LLMConfig) -> LLMGrader:
    """An LLM grader that talks to `config.base_url` over aiohttp."""
    return LLMGrader(config, AiohttpPoster())


def grader_from_env(env: Mapping[str, str] | None = None) -> Grader:
    """The LLM grader when BOT_LLM_BASE_URL and BOT_LLM_MODEL are set (over aiohttp), else the built-in one."""
    config = LLMConfig.from_env(dict(env) if env is not None else None)
    return llm_grader(config) if config else BuiltinGrader()
