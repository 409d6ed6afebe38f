"""Split Markdown into top-level blocks and pack them into size-limited chunks without breaking fences.

Block kinds: "fence" (always closed, a missing closing fence is added), "math" (`$$ ... $$`),
"table", "heading", "list", "quote" and "paragraph". Blocks keep their lines verbatim; `tight`
records that no blank line separated a block from the one before, so joining is faithful.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_LIMIT = 16
"""The smallest chunk size `chunk_markdown` accepts (room for an empty fence and some code)."""

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_QUOTE = re.compile(r"^\s*>")
_TABLE_DELIM = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_BACKTICKS = re.compile(r"`+")
_TRIPLE_BACKTICKS = re.compile(r"`{3,}")
_LANG = re.compile(r"[A-Za-z0-9_+\-.#]{1,32}")
_ATOMIC = re.compile(r"&#?\w{1,10};|<[^<>\n]{1,500}>")
_MATH_MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class Fence:
    """An opening code fence: its indentation, marker (``` or ~~~, possibly longer) and info string."""

    indent: str
    marker: str
    info: str

    @property
    def lang(self) -> str:
        return self.info.split()[0] if self.info else ""

    def closes(self, line: str) -> bool:
        """Whether `line` closes this fence."""
        s = line.strip()
        return len(s) >= len(self.marker) and set(s) == {self.marker[0]}


@dataclass(slots=True)
class Block:
    """One top-level Markdown block."""

    kind: str
    lines: list[str]
    tight: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse_fence(line: str) -> Fence | None:
    """The fence `line` opens, or None when it is not a fence opener."""
    m = _FENCE_OPEN.match(line)
    if not m:
        return None
    marker, info = m.group("marker"), m.group("info").strip()
    if marker[0] == "`" and "`" in info:
        return None
    return Fence(m.group("indent"), marker, info)


def split_blocks(text: str) -> list[Block]:
    """Split Markdown into top-level blocks; fences are never split and are always closed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    i, blank = 0, True
    while i < len(lines):
        if not lines[i].strip():
            i, blank = i + 1, True
            continue
        block, i = _read_block(lines, i)
        block.tight = bool(blocks) and not blank
        blocks.append(block)
        blank = False
    return blocks


def join_blocks(blocks: list[Block]) -> str:
    """Join blocks back into Markdown, with a blank line between blocks that had one."""
    out: list[str] = []
    for b in blocks:
        if out:
            out.append("\n" if b.tight else "\n\n")
        out.append(b.text)
    return "".join(out)


def _read_block(lines: list[str], i: int) -> tuple[Block, int]:
    fence = parse_fence(lines[i])
    if fence:
        return _read_fence(lines, i, fence)
    end = _math_end(lines, i)
    if end is not None:
        return Block("math", lines[i : end + 1]), end + 1
    if _is_table_start(lines, i):
        return _read_table(lines, i)
    if _HEADING.match(lines[i]):
        return Block("heading", [lines[i]]), i + 1
    return _read_text(lines, i)


def _read_fence(lines: list[str], i: int, fence: Fence) -> tuple[Block, int]:
    j = i + 1
    while j < len(lines):
        if fence.closes(lines[j]):
            return Block("fence", lines[i : j + 1]), j + 1
        j += 1
    return Block("fence", [*lines[i:], fence.indent + fence.marker]), j


def _math_end(lines: list[str], i: int) -> int | None:
    """Index of the line closing a `$$` display block opened at line i, or None."""
    s = lines[i].strip()
    if not s.startswith("$$"):
        return None
    rest = s[2:]
    if "$$" in rest:
        return i if rest.endswith("$$") and len(rest) >= 2 else None
    for j in range(i + 1, min(len(lines), i + _MATH_MAX_LINES)):
        if not lines[j].strip() or parse_fence(lines[j]):
            return None
        if "$$" in lines[j]:
            return j
    return None


def _is_table_start(lines: list[str], i: int) -> bool:
    return (
        i + 1 < len(lines)
        and "|" in lines[i]
        and "|" in lines[i + 1]
        and "-" in lines[i + 1]
        and bool(_TABLE_DELIM.match(lines[i + 1]))
    )


def _read_table(lines: list[str], i: int) -> tuple[Block, int]:
    j = i + 2
    while j < len(lines) and lines[j].strip() and "|" in lines[j] and not parse_fence(lines[j]):
        j += 1
    return Block("table", lines[i:j]), j


def _interrupts(lines: list[str], j: int) -> bool:
    return bool(
        parse_fence(lines[j])
        or _HEADING.match(lines[j])
        or _is_table_start(lines, j)
        or _math_end(lines, j) is not None
    )


def _read_text(lines: list[str], i: int) -> tuple[Block, int]:
    j = i + 1
    while j < len(lines) and lines[j].strip() and not _interrupts(lines, j):
        j += 1
    first = lines[i]
    kind = "list" if _LIST_ITEM.match(first) else "quote" if _QUOTE.match(first) else "paragraph"
    return Block(kind, lines[i:j]), j


def split_code_spans(text: str) -> list[tuple[bool, str]]:
    """Split inline text into (is_code, segment) pairs; code segments keep their backticks."""
    out: list[tuple[bool, str]] = []
    pos = i = 0
    while (m := _BACKTICKS.search(text, i)) is not None:
        run = m.group()
        close = re.compile(rf"(?<!`){run}(?!`)").search(text, m.end())
        if close is None:
            i = m.end()
            continue
        if m.start() > pos:
            out.append((False, text[pos : m.start()]))
        out.append((True, text[m.start() : close.end()]))
        pos = i = close.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def neutralise_backticks(text: str) -> str:
    """Break runs of three or more backticks with zero-width spaces so they cannot open a fence."""
    return _TRIPLE_BACKTICKS.sub(lambda m: "\u200b".join(m.group()), text)


def normalize_fences(text: str, *, keep_lang: bool = True) -> str:
    """Rewrite every fence as a dedented ``` fence and neutralise stray ``` elsewhere.

    Discord and Slack only know backtick fences and close a code block at the first ``` they see, so
    ``` inside code or prose is broken up. The language tag is kept (when it looks like one) or dropped.
    """
    blocks = split_blocks(text)
    for b in blocks:
        if b.kind == "fence":
            b.lines = _normal_fence_lines(b.lines, keep_lang=keep_lang)
        else:
            b.lines = [neutralise_backticks(line) for line in b.lines]
    return join_blocks(blocks)


def _normal_fence_lines(lines: list[str], *, keep_lang: bool) -> list[str]:
    fence = parse_fence(lines[0])
    assert fence is not None
    lang = fence.lang if keep_lang and _LANG.fullmatch(fence.lang) else ""
    width = len(fence.indent)
    body = [neutralise_backticks(_dedent(line, width)) for line in lines[1:-1]]
    return ["```" + lang, *body, "```"]


def _dedent(line: str, width: int) -> str:
    k = 0
    while k < width and k < len(line) and line[k] in " \t":
        k += 1
    return line[k:]


def chunk_markdown(text: str, limit: int) -> list[str]:
    """Pack Markdown blocks greedily into chunks of at most `limit` characters.

    Chunks break only between blocks. A block longer than `limit` is split at line boundaries; an
    over-long code fence becomes several complete fences with the same opener; a single over-long line
    is hard-wrapped as a last resort. Empty input gives an empty list.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
    pieces = [p for b in split_blocks(text) for p in _fit_block(b, limit)]
    return _pack(pieces, limit)


def _fit_block(block: Block, limit: int) -> list[Block]:
    if len(block.text) <= limit:
        return [block]
    parts = _split_fence(block, limit) if block.kind == "fence" else _split_lines(block, limit)
    parts[0].tight = block.tight
    return parts


def _split_lines(block: Block, limit: int) -> list[Block]:
    groups = _group_lines([p for line in block.lines for p in hard_wrap(line, limit)], limit)
    return [Block(block.kind, g) for g in groups]


def _split_fence(block: Block, limit: int) -> list[Block]:
    opener, closer, body = block.lines[0], block.lines[-1], block.lines[1:-1]
    budget = limit - len(opener) - len(closer) - 2
    if budget < 1:
        fence = parse_fence(opener)
        opener = closer = fence.marker[:3] if fence else "```"
        budget = limit - 2 * len(opener) - 2
    wrapped = [p for line in body for p in hard_wrap(line, budget)]
    groups = _group_lines(wrapped, budget) or [[]]
    return [Block("fence", [opener, *g, closer]) for g in groups]


def _group_lines(lines: list[str], limit: int) -> list[list[str]]:
    """Pack lines (each at most `limit` long) into groups whose newline-joined length fits `limit`."""
    groups: list[list[str]] = []
    cur: list[str] = []
    size = 0
    for line in lines:
        extra = len(line) + (1 if cur else 0)
        if cur and size + extra > limit:
            groups.append(cur)
            cur, extra = [], len(line)
            size = 0
        cur.append(line)
        size += extra
    if cur:
        groups.append(cur)
    return groups


def _pack(blocks: list[Block], limit: int) -> list[str]:
    chunks: list[str] = []
    cur = ""
    for k, b in enumerate(blocks):
        candidate = cur + ("\n" if b.tight else "\n\n") + b.text if cur else b.text
        new_chunk = len(candidate) > limit
        if cur and not new_chunk and b.kind == "heading" and k + 1 < len(blocks):
            new_chunk = _orphans_heading(cur, b, blocks[k + 1], limit)
        if cur and new_chunk:
            chunks.append(cur)
            cur = b.text
        else:
            cur = candidate
    if cur:
        chunks.append(cur)
    return chunks


def _orphans_heading(cur: str, heading: Block, nxt: Block, limit: int) -> bool:
    """True when a heading would end the current chunk but could open the next one with its block."""
    sep = "\n" if nxt.tight else "\n\n"
    with_next = heading.text + sep + nxt.text
    return len(cur) + 2 + len(with_next) > limit and len(with_next) <= limit


def hard_wrap(line: str, width: int) -> list[str]:
    """Wrap one line into pieces of at most `width` characters, preferring whitespace.

    Never cuts inside an HTML entity (`&amp;`) or an angle-bracket token (`<url|text>`) when avoidable,
    nor before a combining mark.
    """
    pieces: list[str] = []
    while len(line) > width:
        cut, skip = _cut_point(line, width)
        pieces.append(line[:cut])
        line = line[cut + skip :]
    pieces.append(line)
    return pieces


def _cut_point(s: str, width: int) -> tuple[int, int]:
    """Where to cut `s` (longer than width): (index, number of whitespace chars dropped there)."""
    forbidden = bytearray(width + 1)
    for m in _ATOMIC.finditer(s[: width + 512]):
        for p in range(m.start() + 1, min(m.end(), width + 1)):
            forbidden[p] = 1
    for p in range(width, width // 2, -1):
        if s[p].isspace() and not forbidden[p]:
            return p, 1
    for p in range(width, 0, -1):
        if not forbidden[p] and _grapheme_boundary(s, p):
            return p, 0
    return width, 0


def _grapheme_boundary(s: str, p: int) -> bool:
    return not (unicodedata.combining(s[p]) or s[p] in "\u200d\ufe0f" or s[p - 1] == "\u200d")
