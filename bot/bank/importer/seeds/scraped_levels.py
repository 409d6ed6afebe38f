"""Seed parser for a scraped web page of levelled questions with `•` bullet answers (seed 001).

Shape: page noise and an introduction, then plain-text section lines (`Beginner Level`, `Intermediate Level`,
`Expert Level`, `Generative AI & Large Language Models (LLMs)`, `Troubleshooting Questions`); in each
section items `N. question` at column 0 (numbering restarts per section). An item's answer is everything up
to the next item or section line: `•` bullets nested by indentation (2, 4, 6 spaces), indented `N.` steps,
column-0 paragraphs, fenced code, and `mermaid graph ...` diagrams flattened onto one line.

Conversion decisions:

* `•` bullets become `-` items and indented `N.` steps stay ordered items; nesting follows the source
  indentation, each child indented to its parent's content column (2 spaces under `- `, 3 under `1. `).
  Blank lines between items are dropped (tight lists).
* Each column-0 line is its own paragraph (the page was unwrapped; joining lines would garble the
  flattened confusion-matrix table). A paragraph with inline ` * ` items after a colon
  (`... split it into: * a. * b.`) becomes an intro paragraph plus a bullet list; sentences glued after
  the last one-sentence item become a closing paragraph.
* A flattened mermaid flowchart is rebuilt one statement per line in a ```mermaid fence; one that cannot
  be tokenised is dropped (the bullets around it carry the content).
* A trailing `(e.g., ...)` on a question becomes its hint.
* Everything before the first section line (noise such as `Skip to content`, the title, the intro) is
  ignored.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bot.bank.importer.raw import ParseResult, RawEntry

name = "scraped_levels"

_LEVEL_SECTION = re.compile(r"^(?P<level>Beginner|Intermediate|Advanced|Expert)\s+Level$", re.IGNORECASE)
_TOPIC_SECTIONS: dict[str, str] = {
    "generative ai & large language models (llms)": "nlp-llm",
    "troubleshooting questions": "troubleshooting",
}
_ITEM = re.compile(r"^(?P<number>\d+)\.\s+(?P<text>\S.*)$")
_EXAMPLES_HINT = re.compile(r"\s*\((?P<hint>e\.g\.[^()]*)\)\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:•|â€¢)\s*(?P<text>.*)$")
_STEP = re.compile(r"^(?P<indent>\s+)(?P<number>\d+)[.)]\s+(?P<text>.*)$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<marker>```|~~~)")
_FLAT_MERMAID = re.compile(r"^\s*mermaid\s+(?P<body>(?:graph|flowchart)\s+\S.*)$")
_INLINE_LIST = re.compile(r"^(?P<intro>[^*]*:)\s+\*\s+(?P<items>.+)$")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=[A-Z])")

_SHAPE = (
    r"\(\[[^\]]*\]\)|\[\([^)]*\)\]|\(\([^)]*\)\)|\[\[[^\]]*\]\]|\{\{[^}]*\}\}"
    r"|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|>[^\]]*\]"
)
_NODE = re.compile(rf"\s*(?P<node>\w+(?:{_SHAPE})?)")
_EDGE = re.compile(r"\s*(?P<edge>(?:--\s+[^-|]+?\s+-->|-\.->|-\.-|==>|-->|---|===)(?:\|[^|]*\|)?)")
_AMPERSAND = re.compile(r"\s*&")
_SUBGRAPH = re.compile(r"\s*subgraph\s+(?P<title>\w+(?:\[[^\]]*\])?|\"[^\"]*\")")
_END = re.compile(r"\s*end(?=\s|$)")


@dataclass(slots=True)
class _Section:
    """A level section: its title, the document's level word, and a topic hint."""

    title: str
    level: str | None
    topic_hint: str | None


def detect(text: str) -> bool:
    """True for the scraped page: level section lines and `•` bullet answers."""
    has_levels = re.search(r"^(Beginner|Intermediate|Expert)\s+Level\s*$", text, re.MULTILINE) is not None
    has_bullets = re.search(r"^\s+(•|â€¢)\s", text, re.MULTILINE) is not None
    return has_levels and has_bullets


def parse(text: str, file_name: str) -> ParseResult:
    """Return one entry per numbered question in each level section, with the bullets as Markdown."""
    lines = text.lstrip("\ufeff").splitlines()
    entries: list[RawEntry] = []
    counts: dict[str, int] = {}
    section: _Section | None = None
    index = 0
    while index < len(lines):
        found = _section(lines[index])
        if found is not None:
            section = found
            counts.setdefault(section.title, 0)
            index += 1
            continue
        item = _ITEM.match(lines[index]) if section is not None else None
        if section is None or item is None:
            index += 1
            continue
        end = _item_end(lines, index + 1)
        entries.append(_entry(item.group("text"), lines[index + 1 : end], file_name, index + 1, section))
        counts[section.title] += 1
        index = end
    return ParseResult(entries=entries, section_counts=counts)


def _section(line: str) -> _Section | None:
    """The section a plain-text header line opens, or None if the line is not one."""
    title = line.strip()
    level = _LEVEL_SECTION.match(title)
    if level:
        return _Section(title=title, level=level.group("level").capitalize(), topic_hint=None)
    topic = _TOPIC_SECTIONS.get(title.lower())
    return _Section(title=title, level=None, topic_hint=topic) if topic else None


def _item_end(lines: list[str], start: int) -> int:
    """Index of the next item or section line at or after `start` (skipping fenced code)."""
    index = start
    fence: str | None = None
    while index < len(lines):
        line = lines[index]
        marker = _FENCE.match(line)
        if marker:
            fence = None if fence and marker.group("marker") == fence else fence or marker.group("marker")
        elif fence is None and (_ITEM.match(line) or _section(line)):
            break
        index += 1
    return index


def _entry(text: str, body: list[str], file_name: str, line: int, section: _Section) -> RawEntry:
    """Build the entry for one item: prompt, `(e.g., ...)` hint, answer Markdown."""
    prompt = " ".join(text.split())
    hints: list[str] = []
    example = _EXAMPLES_HINT.search(prompt)
    if example:
        hints.append(example.group("hint").strip())
        prompt = prompt[: example.start()].rstrip()
    return RawEntry(
        prompt=prompt,
        source_file=file_name,
        line=line,
        section=section.title,
        answer=answer_markdown(body),
        hints=hints,
        level=section.level,
        topic_hint=section.topic_hint,
    )


@dataclass(slots=True)
class _Builder:
    """Collects Markdown blocks; `stack` holds (source indent, output content column) of open list items."""

    blocks: list[list[str]] = field(default_factory=list)
    stack: list[tuple[int, int]] = field(default_factory=list)
    in_list: bool = False

    def block(self, lines: list[str]) -> None:
        """Add a standalone block (paragraph, fence); it closes any open list."""
        self.blocks.append(lines)
        self.stack.clear()
        self.in_list = False

    def item(self, indent: int, marker: str, text: str) -> None:
        """Add a list item nested according to its source indentation."""
        while self.stack and self.stack[-1][0] >= indent:
            self.stack.pop()
        column = self.stack[-1][1] if self.stack else 0
        if not self.in_list:
            self.blocks.append([])
            self.in_list = True
        self.blocks[-1].append(" " * column + marker + text)
        self.stack.append((indent, column + len(marker)))

    def continuation(self, text: str) -> None:
        """Add an indented non-item line to the last list item (or as a paragraph outside a list)."""
        if not self.in_list:
            self.block([text])
            return
        self.blocks[-1].append(" " * self.stack[-1][1] + text)

    def markdown(self) -> str | None:
        """The collected blocks joined by blank lines, or None when nothing was collected."""
        text = "\n\n".join("\n".join(block) for block in self.blocks if block).strip("\n")
        return text or None


def answer_markdown(body: list[str]) -> str | None:
    """Convert an item's raw body lines (bullets, steps, paragraphs, fences, flat mermaid) to Markdown."""
    builder = _Builder()
    index = 0
    while index < len(body):
        index = _consume(body, index, builder)
    return builder.markdown()


def _consume(body: list[str], index: int, builder: _Builder) -> int:
    """Handle the construct starting at `body[index]`; return the index after it."""
    line = body[index].rstrip()
    if not line.strip():
        return index + 1
    fence = _FENCE.match(line)
    if fence:
        return _consume_fence(body, index, fence.group("marker"), builder)
    mermaid = _FLAT_MERMAID.match(line)
    bullet = _BULLET.match(line)
    step = _STEP.match(line)
    if mermaid:
        diagram = mermaid_lines(mermaid.group("body"))
        if diagram is not None:
            builder.block(["```mermaid", *diagram, "```"])
    elif bullet:
        builder.item(len(bullet.group("indent")), "- ", bullet.group("text").strip())
    elif step:
        builder.item(len(step.group("indent")), f"{step.group('number')}. ", step.group("text").strip())
    elif line[0].isspace():
        builder.continuation(line.strip())
    else:
        for block in _paragraph_blocks(line):
            builder.block(block)
    return index + 1


def _consume_fence(body: list[str], index: int, marker: str, builder: _Builder) -> int:
    """Copy a fenced block verbatim (dedented); an unclosed fence runs to the end of the body."""
    end = index + 1
    while end < len(body) and not body[end].strip().startswith(marker):
        end += 1
    lines = textwrap.dedent("\n".join(body[index : end + 1])).splitlines()
    if end >= len(body):
        lines.append(marker)
    builder.block([line.rstrip() for line in lines])
    return end + 1


def _paragraph_blocks(line: str) -> list[list[str]]:
    """A column-0 line as a paragraph; `intro: * a * b` becomes the intro plus a bullet list."""
    text = line.strip()
    match = _INLINE_LIST.match(text)
    if match is None:
        return [[text]]
    items = [item.strip() for item in re.split(r"\s\*\s", match.group("items")) if item.strip()]
    if len(items) < 2:
        return [[text]]
    blocks = [[match.group("intro").strip()], [f"- {item}" for item in items]]
    tail = _trailing_prose(items)
    if tail:
        blocks[1][-1] = f"- {items[-1][: -len(tail)].rstrip()}"
        blocks.append([tail])
    return blocks


def _trailing_prose(items: list[str]) -> str:
    """Sentences glued after the last one-sentence item (the list's closing remark), or ""."""
    if any(_SENTENCE_BREAK.search(item) for item in items[:-1]):
        return ""
    found = _SENTENCE_BREAK.search(items[-1])
    return items[-1][found.end() :] if found else ""


def mermaid_lines(flat: str) -> list[str] | None:
    """Rebuild a flowchart flattened onto one line into one statement per line; None if not parseable.

    `flat` starts with the diagram type (`graph LR`, `flowchart TD`); statements are node chains joined by
    edges (`A --> B -->|label| C`), `subgraph X` and `end`.
    """
    header = re.match(r"(?P<kind>graph|flowchart)\s+(?P<dir>TB|TD|BT|RL|LR)\b", flat)
    if header is None:
        return None
    out = [f"{header.group('kind')} {header.group('dir')}"]
    rest = flat[header.end() :].rstrip().rstrip(";")
    depth = 1
    position = 0
    while rest[position:].strip():
        parsed = _statement(rest, position)
        if parsed is None:
            return None
        statement, position = parsed
        if statement == "end":
            depth = max(1, depth - 1)
        out.append("    " * depth + statement)
        if statement.startswith("subgraph "):
            depth += 1
    return out if len(out) > 1 else None


def _statement(text: str, position: int) -> tuple[str, int] | None:
    """One mermaid statement starting at `position` and the position after it, or None."""
    subgraph = _SUBGRAPH.match(text, position)
    if subgraph:
        return f"subgraph {subgraph.group('title')}", subgraph.end()
    end = _END.match(text, position)
    if end:
        return "end", end.end()
    parts = _node_group(text, position)
    if parts is None:
        return None
    statement, position = parts
    while edge := _EDGE.match(text, position):
        target = _node_group(text, edge.end())
        if target is None:
            return None
        statement = f"{statement} {edge.group('edge')} {target[0]}"
        position = target[1]
    return statement, position


def _node_group(text: str, position: int) -> tuple[str, int] | None:
    """A node, or nodes joined with `&`, at `position`; None if there is no node there."""
    node = _NODE.match(text, position)
    if node is None:
        return None
    nodes = [node.group("node")]
    position = node.end()
    while (amp := _AMPERSAND.match(text, position)) and (more := _NODE.match(text, amp.end())):
        nodes.append(more.group("node"))
        position = more.end()
    return " & ".join(nodes), position
