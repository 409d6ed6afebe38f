"""Compose a question's title and Markdown body, the platform-neutral content of a question card."""

from __future__ import annotations

from bot.bank.model import TOPIC_TITLES, Question

NO_ANSWER_LINE = "No reference answer exists yet for this question."


def question_title(q: Question, prefix: str | None = None) -> str:
    """A short title such as "PyTorch · hard", after `prefix` when given ("Question of the day: ...")."""
    base = f"{TOPIC_TITLES.get(q.topic, q.topic)} · {q.difficulty}"
    return f"{prefix}: {base}" if prefix else base


def _hints(q: Question) -> str:
    items = "\n".join(f"- {' '.join(h.split())}" for h in q.hints if h.strip())
    return f"**Hints**\n{items}" if items else ""


def question_body(q: Question, *, reveal: bool, show_hints: bool) -> str:
    """The prompt, then hints when asked for, then on reveal the answer (or hints and a no-answer note)."""
    parts = [q.prompt.strip()]
    if q.suggested_by:
        parts.append(f"_suggested by {' '.join(q.suggested_by.split())}_")
    hints_wanted = show_hints or (reveal and not q.has_answer)
    if hints_wanted:
        parts.append(_hints(q))
    if reveal:
        if q.has_answer:
            parts.append(f"**Answer**\n\n{(q.answer or '').strip()}")
        else:
            parts.append(NO_ANSWER_LINE)
    return "\n\n".join(p for p in parts if p)
