"""Markdown pipe tables as aligned monospace code blocks (neither Discord nor Slack renders tables)."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from bot.bank.render.markdown_blocks import join_blocks, split_blocks

TABLE_WIDTH = 64
"""Default maximum line width of a rendered table; wider tables get their cells wrapped."""

_MIN_COLUMN = 8
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [_clean_cell(c) for c in _CELL_SPLIT.split(s)]


def _clean_cell(cell: str) -> str:
    """Drop inline Markdown that a code block would show literally."""
    cell = _LINK.sub(r"\1", cell.strip())
    cell = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", cell)
    cell = re.sub(r"(`+)(.+?)\1", lambda m: m.group(2).strip(), cell)
    cell = _BREAK.sub("\n", cell)
    return _ESCAPE.sub(r"\1", cell)


def _alignment(cell: str) -> str:
    c = cell.strip()
    if c.startswith(":") and c.endswith(":"):
        return "center"
    return "right" if c.endswith(":") else "left"


def display_width(text: str) -> int:
    """Columns `text` takes in a monospace font (wide East Asian characters count 2, marks 0)."""
    width = 0
    for c in text:
        if unicodedata.combining(c) or c in "\u200b\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return width


def _pad(text: str, width: int, align: str) -> str:
    gap = max(0, width - display_width(text))
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _column_widths(rows: list[list[str]], max_width: int) -> list[int]:
    ncols = len(rows[0])
    widths = [max(display_width(line) for r in rows for line in r[k].split("\n")) for k in range(ncols)]
    widths = [max(1, w) for w in widths]
    budget = max_width - 3 * (ncols - 1)
    while sum(widths) > budget:
        k = max(range(ncols), key=widths.__getitem__)
        if widths[k] <= _MIN_COLUMN:
            break
        widths[k] -= 1
    return widths


def _wrap(cell: str, width: int) -> list[str]:
    lines: list[str] = []
    for part in cell.split("\n"):
        lines.extend(textwrap.wrap(part, width, break_on_hyphens=False) or [""])
    return lines


def _render_row(row: list[str], widths: list[int], aligns: list[str]) -> list[str]:
    wrapped = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = [
            _pad(cell[i] if i < len(cell) else "", w, a)
            for cell, w, a in zip(wrapped, widths, aligns, strict=True)
        ]
        out.append(" | ".join(parts).rstrip())
    return out


def table_to_code(lines: list[str], *, max_width: int = TABLE_WIDTH) -> list[str]:
    """Render the lines of one pipe table (header, delimiter, rows) as the lines of a code fence."""
    header, *body = [_cells(line) for line in (lines[0], *lines[2:])]
    aligns = [_alignment(c) for c in _CELL_SPLIT.split(lines[1].strip().strip("|"))]
    ncols = max(len(header), *(len(r) for r in body)) if body else len(header)
    rows = [r + [""] * (ncols - len(r)) for r in (header, *body)]
    aligns = (aligns + ["left"] * ncols)[:ncols]
    widths = _column_widths(rows, max_width)
    rule = "-+-".join("-" * w for w in widths)
    rendered = [_render_row(r, widths, aligns) for r in rows]
    multi_line = any(len(r) > 1 for r in rendered[1:])
    out = ["```", *rendered[0], rule]
    for k, row in enumerate(rendered[1:]):
        if multi_line and k:
            out.append(rule)
        out.extend(row)
    return [*out, "```"]


def render_tables(markdown: str, *, max_width: int = TABLE_WIDTH) -> str:
    """Replace every pipe table in Markdown with an aligned code block."""
    blocks = split_blocks(markdown)
    for b in blocks:
        if b.kind == "table":
            b.lines = table_to_code(b.lines, max_width=max_width)
    return join_blocks(blocks)
