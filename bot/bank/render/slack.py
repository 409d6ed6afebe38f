"""Render Markdown as Slack mrkdwn and Block Kit blocks (plain dicts), within Slack's limits.

Slack's mrkdwn has `*bold*`, `_italic_`, `~strike~`, `<url|text>` links, code and quotes, but no
headings, tables or LaTeX. Every `&`, `<` and `>` of the source text is escaped, so text such as
`<!channel>` or `<@U123>` in the bank can never ping; the only raw `<` left are the links we build.
"""

from __future__ import annotations

import re

from bot.bank.render.latex import render_math
from bot.bank.render.markdown_blocks import (
    chunk_markdown,
    hard_wrap,
    join_blocks,
    normalize_fences,
    split_blocks,
    split_code_spans,
)
from bot.bank.render.tables import render_tables

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
MAX_BLOCKS = 50
FALLBACK_LIMIT = 3000

_SPAN = r".{1,500}?"
_INLINE = re.compile(
    r"(?P<esc>\\[!-/:-@\[-`{-~])"
    r"|(?P<link>!?\[(?P<ltext>[^\]\n]*)\]\((?P<lurl>[^\s()]+(?:\([^\s()]*\)[^\s()]*)?)(?:\s+\"[^\"\n]*\")?\))"
    r"|(?P<auto><(?P<aurl>https?://[^\s<>|]+)>)"
    rf"|(?P<bold>\*\*(?=\S)(?P<btext>{_SPAN})(?<=\S)\*\*)"
    rf"|(?P<bold2>(?<!\w)__(?=\S)(?P<b2text>{_SPAN})(?<=\S)__(?!\w))"
    rf"|(?P<strike>~~(?=\S)(?P<stext>{_SPAN})(?<=\S)~~)"
    rf"|(?P<ital>(?<![*\w])\*(?=[^\s*])(?P<itext>{_SPAN})(?<=[^\s*])\*(?![*\w]))"
    rf"|(?P<ital2>(?<!\w)_(?=[^\s_])(?P<i2text>{_SPAN})(?<=[^\s_])_(?!\w))"
)
_SAFE_URL = re.compile(r"(?:https?://|mailto:)[^\s<>|]+")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+][ \t]+(?P<rest>.*)$")
_ORDERED = re.compile(r"^(?P<indent>\s*)(?P<num>\d{1,9}[.)])[ \t]+(?P<rest>.*)$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+(?P<rest>.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_PING = re.compile(r"<(?=[!@#])")
_INDENT = "    "


def escape_slack(text: str) -> str:
    """Escape `&`, `<` and `>` the way Slack's mrkdwn requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    """Convert inline Markdown to mrkdwn, escaping all text; code spans are kept as code.

    Code spans are swapped for private-use placeholder characters while the rest is converted, so that
    `**a `b` c**` still becomes bold.
    """
    segments = split_code_spans(text)
    free = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    codes: dict[str, str | int | None] = {}
    parts = []
    for code, seg in segments:
        if code and (mark := next(free, None)):
            codes[mark] = _code_span(seg)
            seg = mark
        parts.append(seg)
    out = _inline_text("".join(parts))
    return out.translate(str.maketrans(codes)) if codes else out


def _code_span(segment: str) -> str:
    inner = segment.strip("`")
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    if "`" in inner or not inner:
        return escape_slack(segment)
    return f"`{escape_slack(inner)}`"


def _inline_text(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(escape_slack(text[pos : m.start()]))
        out.append(_inline_match(m))
        pos = m.end()
    out.append(escape_slack(text[pos:]))
    return "".join(out)


def _inline_match(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if m.group("esc"):
        return escape_slack(m.group("esc")[1])
    if m.group("link"):
        return _link(m.group("ltext"), m.group("lurl"))
    if m.group("auto"):
        return f"<{escape_slack(m.group('aurl'))}>"
    for name, inner, mark in (
        ("bold", "btext", "*"),
        ("bold2", "b2text", "*"),
        ("strike", "stext", "~"),
        ("ital", "itext", "_"),
        ("ital2", "i2text", "_"),
    ):
        if m.group(name):
            return mark + _inline_text(m.group(inner)) + mark
    raise AssertionError(kind)  # pragma: no cover


def _link(label: str, url: str) -> str:
    label = " ".join(label.split())
    if not _SAFE_URL.fullmatch(url):
        return escape_slack(f"{label} ({url})" if label else url)
    plain = re.sub(r"[*_~`]", "", label)
    return f"<{escape_slack(url)}|{escape_slack(plain)}>" if plain else f"<{escape_slack(url)}>"


def _heading(line: str) -> str:
    m = _HEADING.match(line)
    text = (m.group("text") or "") if m else line
    text = re.sub(r"\*\*|__", "", text).strip()
    return f"*{_inline(text)}*" if text else ""


class _ListLevels:
    """Tracks indentation widths of nested list items to number their levels."""

    def __init__(self) -> None:
        self.stack: list[int] = []

    def level(self, indent: str) -> int:
        width = len(indent.expandtabs(4))
        while self.stack and width < self.stack[-1]:
            self.stack.pop()
        if not self.stack or width > self.stack[-1]:
            self.stack.append(width)
        return len(self.stack) - 1

    def current(self) -> int:
        return max(0, len(self.stack) - 1)


def _convert_line(line: str, levels: _ListLevels) -> str:
    if _RULE.match(line):
        return "──────────"
    if m := _BULLET.match(line):
        return _INDENT * levels.level(m.group("indent")) + "• " + _inline(m.group("rest"))
    if m := _ORDERED.match(line):
        prefix = _INDENT * levels.level(m.group("indent")) + m.group("num") + " "
        return prefix + _inline(m.group("rest"))
    if m := _QUOTE.match(line):
        return "> " + _inline(m.group("rest"))
    if line[:1].isspace() and levels.stack:
        return _INDENT * levels.current() + "  " + _inline(line.strip())
    levels.stack.clear()
    return _inline(line.strip())


def _convert_block_lines(kind: str, lines: list[str]) -> list[str]:
    if kind == "fence":
        return ["```", *(escape_slack(line) for line in lines[1:-1]), "```"]
    if kind == "heading":
        return [_heading(lines[0])]
    levels = _ListLevels()
    return [_convert_line(line, levels) for line in lines]


def markdown_to_mrkdwn(md: str) -> str:
    """Convert Markdown to Slack mrkdwn: formatting, links, lists, headings, code, tables and LaTeX."""
    text = normalize_fences(render_tables(render_math(md)), keep_lang=False)
    blocks = split_blocks(text)
    for b in blocks:
        b.lines = _convert_block_lines(b.kind, b.lines)
    return join_blocks([b for b in blocks if b.text.strip()])


def _plain_text(text: str, limit: int) -> str:
    """One line of plain text that cannot be read as a mention, cut to `limit`."""
    text = _PING.sub("<\u200b", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut mrkdwn to `limit` without splitting an entity or link, closing a code block left open."""
    if len(text) <= limit:
        return text
    head = hard_wrap(text[: limit + 600], limit - 5)[0].rstrip() + "…"
    return head + "\n```" if head.count("```") % 2 else head


def slack_fallback_text(title: str, body: str) -> str:
    """The message's `text`: shown in notifications and where blocks cannot be (≤ 3000 characters)."""
    text = escape_slack(" ".join(title.split()))
    mrkdwn = markdown_to_mrkdwn(body)
    if mrkdwn:
        text = f"{text}\n{mrkdwn}" if text else mrkdwn
    return _truncate_mrkdwn(text, FALLBACK_LIMIT)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _truncate_mrkdwn(text, CONTEXT_LIMIT)}],
    }


def slack_blocks(
    *, title: str, body_markdown: str, context: str | None = None, reserve_blocks: int = 0
) -> list[list[dict]]:
    """Render a titled Markdown body as messages, each a list of Block Kit blocks.

    The first message opens with a header block (plain text, ≤ 150 characters); the body becomes mrkdwn
    sections of at most 3000 characters, never split inside a code block; an optional context block
    ends the last message. Each message has at most 50 - `reserve_blocks` blocks, leaving room for the
    caller's own blocks (an actions row, say).
    """
    capacity = MAX_BLOCKS - reserve_blocks
    if capacity < 2:
        raise ValueError(f"reserve_blocks={reserve_blocks} leaves no room for content")
    blocks: list[dict] = []
    header = _plain_text(title, HEADER_LIMIT)
    if header:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}})
    chunks = chunk_markdown(markdown_to_mrkdwn(body_markdown), SECTION_LIMIT)
    blocks.extend(_section(c) for c in chunks if c.strip())
    messages = [blocks[k : k + capacity] for k in range(0, len(blocks), capacity)] or [[]]
    ctx_text = markdown_to_mrkdwn(context) if context else ""
    if ctx_text:
        if len(messages[-1]) >= capacity:
            messages.append([])
        messages[-1].append(_context(ctx_text))
    return [m for m in messages if m] or [[_section("(empty)")]]
