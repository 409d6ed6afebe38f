"""Seed parser for numbered, bold-question lists with `- **Answer:**` bullets (seed 000).

The document has two parts. Part 1 (no heading of its own) uses Markdown headings as questions::

    ### 1. **What challenges arise ...?**
       - **Answer:**
         Paragraph ...
         - *Real-world example:* ...
         - *Application:* ...

Part 2, under `### Interview Questions and Answers`, uses list items::

    1. **Question:** Can you explain ...?
       - **Answer:** One paragraph ...

The answer is everything after `**Answer:**` up to the next column-0 line, dedented to column 0. Column-0
prose (the introduction, the paragraphs between the parts and the closing remarks) is not a question.
"""

from __future__ import annotations

import re
import textwrap

from bot.bank.importer.raw import ParseResult, RawEntry

name = "numbered_bold"

PART_ONE_SECTION = "Training on limited hardware"
"""Section name for the questions before the first heading (the document gives them none)."""

_HEADING_ITEM = re.compile(r"^#{2,6}\s*\d+[.)]\s*(?P<text>\S.*)$")
_LIST_ITEM = re.compile(r"^\d+[.)]\s+(?P<text>\S.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>\S.*)$")
_ANSWER = re.compile(r"^\s*[-*+]\s+\*\*Answer:?\*\*:?(?P<rest>.*)$")
_QUESTION_LABEL = re.compile(r"^\s*Question\s*:\s*", re.IGNORECASE)
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")


def detect(text: str) -> bool:
    """True for a document of numbered bold questions each followed by a `- **Answer:**` bullet."""
    has_answers = re.search(r"^\s*[-*+]\s+\*\*Answer:?\*\*", text, re.MULTILINE) is not None
    has_items = (
        re.search(r"^#{2,6}\s*\d+[.)]\s*\*\*", text, re.MULTILINE) is not None
        or re.search(r"^\d+[.)]\s+\*\*Question:?\*\*", text, re.MULTILINE) is not None
    )
    return has_answers and has_items


def parse(text: str, file_name: str) -> ParseResult:
    """Return one entry per numbered question, with its `**Answer:**` text as Markdown."""
    lines = text.lstrip("\ufeff").splitlines()
    entries: list[RawEntry] = []
    counts: dict[str, int] = {}
    section = PART_ONE_SECTION
    index = 0
    while index < len(lines):
        prompt = _item_prompt(lines[index])
        if prompt is None:
            heading = _HEADING.match(lines[index])
            if heading:
                section = _clean_inline(heading.group("title"))
                counts.setdefault(section, 0)
            index += 1
            continue
        end = _block_end(lines, index + 1)
        entries.append(
            RawEntry(
                prompt=prompt,
                source_file=file_name,
                line=index + 1,
                section=section,
                answer=_answer(lines[index + 1 : end]),
            )
        )
        counts[section] = counts.get(section, 0) + 1
        index = end
    return ParseResult(entries=entries, section_counts=counts)


def _item_prompt(line: str) -> str | None:
    """The cleaned question text if `line` starts a numbered item, else None."""
    match = _HEADING_ITEM.match(line) or _LIST_ITEM.match(line)
    if match is None:
        return None
    prompt = _QUESTION_LABEL.sub("", _clean_inline(match.group("text")))
    return prompt or None


def _clean_inline(text: str) -> str:
    """Drop bold markers and collapse whitespace; keeps code spans and other inline Markdown."""
    return " ".join(text.replace("**", "").split())


def _block_end(lines: list[str], start: int) -> int:
    """Index of the first non-blank column-0 line at or after `start` (the end of an item's body)."""
    index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][0].isspace()):
        index += 1
    return index


def _answer(body: list[str]) -> str | None:
    """The Markdown answer found in an item's indented body, or None when it is empty."""
    while body and not body[0].strip():
        body = body[1:]
    if not body:
        return None
    match = _ANSWER.match(body[0])
    if match is None:
        return _tidy(textwrap.dedent("\n".join(body)).splitlines())
    first = match.group("rest").strip()
    rest = textwrap.dedent("\n".join(body[1:])).splitlines()
    return _tidy(([first] if first else []) + rest)


def _tidy(lines: list[str]) -> str | None:
    """Strip trailing spaces, separate a paragraph from a following list, collapse blank runs."""
    out: list[str] = []
    in_fence = False
    for raw in lines:
        line = raw.rstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _starts_list_after_paragraph(out, line):
            out.append("")
        if not line and not in_fence and (not out or not out[-1]):
            continue
        out.append(line)
    text = "\n".join(out).strip("\n")
    return text or None


def _starts_list_after_paragraph(out: list[str], line: str) -> bool:
    """True when `line` opens a list right under a paragraph line (Markdown needs a blank between)."""
    if not out or not out[-1] or not _LIST_LINE.match(line):
        return False
    previous = out[-1]
    return not _LIST_LINE.match(previous) and not previous[0].isspace()
