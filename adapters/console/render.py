"""Plain-text rendering of neutral replies for a terminal."""

from __future__ import annotations

from bot.bank.render import question_body, question_title, render_math, render_tables
from bot.commands.replies import Reply


def render_reply(reply: Reply) -> str:
    """A reply as terminal text: a title line, the body, and the buttons as words to type."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    if reply.text:
        parts.append(reply.text)
    if reply.card:
        card = reply.card
        parts.append(f"[{question_title(card.question, card.heading)}]  (id: {card.question.id})")
        parts.append(render_tables(render_math(question_body(card.question, reveal=card.reveal,
                                                             show_hints=card.show_hints))))
        if card.footer:
            parts.append(f"-- {card.footer}")
    if reply.buttons:
        words = ["confirm" if b.action == "erase" else b.action for b in reply.buttons]
        parts.append("> " + "  ".join(f"[{w}]" + (" (suggested)" if b.marked else "")
                                      for w, b in zip(words, reply.buttons, strict=True)))
        if any(b.action == "answer" for b in reply.buttons):
            parts.append("  (type `answer YOUR ANSWER` to answer in your own words)")
    prefix = "(only you) " if reply.private else ""
    text = "\n".join(parts)
    return f"{prefix}{text}" if not reply.title else f"{prefix}\n{text}" if prefix else text
