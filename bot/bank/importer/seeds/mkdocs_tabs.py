"""Seed parser for an mkdocs-material page of `!!! Question` admonitions with content tabs (seed 002).

Each item::

    !!! Question ""
        === "Question"
            #### What is X?

        === "Answer"
            Paragraphs, lists, tables, `$$ ... $$`, code fences, and nested admonitions:

            !!! note
                Body of the note.

The prompt is the `####` text of the "Question" tab (the admonition title if there is no such tab); the
answer is the "Answer" tab dedented to column 0, with every nested admonition turned into a blockquote
(`> **Note:** body`). An empty answer tab gives None. HTML comments (`<!-- ... -->`) are removed before
parsing: a question commented out in the page is not published there and is not imported. The page has no
headings, so all entries go to one section, `SECTION`.
"""

from __future__ import annotations

import re
import textwrap

from bot.bank.importer.raw import ParseResult, RawEntry

name = "mkdocs_tabs"

SECTION = "Questions"
"""The single section of this headingless page."""

_QUESTION_BLOCK = re.compile(r'^(?:!!!|\?\?\?\+?)\s+question\b(?:\s+"(?P<title>[^"]*)")?', re.IGNORECASE)
_TAB = re.compile(r'^(?P<indent>\s*)===[+!]?\s+"(?P<title>[^"]*)"\s*$')
_ADMONITION = re.compile(
    r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?\s*$'
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<marker>```|~~~)\s*(?P<info>.*)$")


def detect(text: str) -> bool:
    """True for an mkdocs page of `!!! Question` admonitions with "Question"/"Answer" tabs."""
    has_blocks = re.search(r"^!!!\s+question\b", text, re.MULTILINE | re.IGNORECASE) is not None
    has_tabs = re.search(r'^\s+===\s+"Answer"', text, re.MULTILINE) is not None
    return has_blocks and has_tabs


def parse(text: str, file_name: str) -> ParseResult:
    """Return one entry per `!!! Question` block, with the Answer tab as Markdown."""
    lines = strip_comments(text.lstrip("\ufeff")).splitlines()
    entries: list[RawEntry] = []
    index = 0
    while index < len(lines):
        block = _QUESTION_BLOCK.match(lines[index])
        if block is None:
            index += 1
            continue
        end = _block_end(lines, index + 1)
        entry = _entry(lines, index, end, block.group("title") or "", file_name)
        if entry is not None:
            entries.append(entry)
        index = end
    return ParseResult(entries=entries, section_counts={SECTION: len(entries)})


def strip_comments(text: str) -> str:
    """Blank out HTML comments, keeping the line count so line numbers stay right."""
    return _COMMENT.sub(lambda match: "\n" * match.group().count("\n"), text)


def _block_end(lines: list[str], start: int) -> int:
    """Index of the first non-blank column-0 line at or after `start` (the end of an admonition)."""
    index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][0].isspace()):
        index += 1
    return index


def _tabs(lines: list[str], start: int, end: int) -> dict[str, tuple[int, list[str]]]:
    """The content tabs of a block: title -> (index of the first content line, content lines)."""
    indents = [len(m.group("indent")) for i in range(start, end) if (m := _TAB.match(lines[i]))]
    if not indents:
        return {}
    tab_indent = min(indents)
    tabs: dict[str, tuple[int, list[str]]] = {}
    title: str | None = None
    for i in range(start, end):
        match = _TAB.match(lines[i])
        if match and len(match.group("indent")) == tab_indent:
            title = match.group("title").strip().lower()
            tabs[title] = (i + 1, [])
        elif title is not None:
            tabs[title][1].append(lines[i])
    return tabs


def _entry(lines: list[str], start: int, end: int, title: str, file_name: str) -> RawEntry | None:
    """Build the entry for the block `lines[start:end]`, or None if it has no question text."""
    tabs = _tabs(lines, start + 1, end)
    if "question" in tabs:
        first, body = tabs["question"]
    else:
        first, body = start + 1, lines[start + 1 : end]
    found = _prompt(body)
    if found is not None:
        offset, prompt = found
        line = first + offset + 1
    elif title.strip():
        prompt, line = " ".join(title.split()), start + 1
    else:
        return None
    answer_lines = tabs["answer"][1] if "answer" in tabs else []
    return RawEntry(
        prompt=prompt, source_file=file_name, line=line, section=SECTION, answer=answer_markdown(answer_lines)
    )


def _prompt(body: list[str]) -> tuple[int, str] | None:
    """(offset of the first line, question text) from a Question tab: its first paragraph, `#`s removed."""
    offset = next((i for i, line in enumerate(body) if line.strip()), None)
    if offset is None:
        return None
    parts: list[str] = []
    for line in body[offset:]:
        if not line.strip():
            break
        parts.append(re.sub(r"^#{1,6}\s*", "", line.strip()).replace("**", ""))
    prompt = " ".join(" ".join(parts).split())
    return (offset, prompt) if prompt else None


def answer_markdown(lines: list[str]) -> str | None:
    """Dedent an Answer tab, turn admonitions into blockquotes and tidy blank lines; None if empty."""
    dedented = textwrap.dedent("\n".join(line.rstrip() for line in lines)).splitlines()
    converted = _convert_admonitions(dedented)
    return _tidy(converted)


def _convert_admonitions(lines: list[str]) -> list[str]:
    """Replace each `!!! kind "title"` block (outside code fences) with a `> **Title:** ...` blockquote."""
    out: list[str] = []
    index = 0
    fence: str | None = None
    while index < len(lines):
        line = lines[index]
        marker = _FENCE.match(line)
        if marker:
            fence = None if fence and marker.group("marker") == fence else fence or marker.group("marker")
        admonition = _ADMONITION.match(line) if fence is None else None
        if admonition is None:
            out.append(line)
            index += 1
            continue
        indent = len(admonition.group("indent"))
        end = index + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
            end += 1
        label = admonition.group("title") or admonition.group("kind").replace("-", " ").capitalize()
        out.extend(_blockquote(label, lines[index + 1 : end], " " * indent))
        index = end
    return out


def _indent(line: str) -> int:
    """Number of leading spaces of `line`."""
    return len(line) - len(line.lstrip(" "))


def _blockquote(label: str, body: list[str], prefix: str) -> list[str]:
    """An admonition body as a blockquote whose first line starts with `**label:**`."""
    inner = _convert_admonitions(textwrap.dedent("\n".join(body)).splitlines())
    while inner and not inner[-1].strip():
        inner.pop()
    while inner and not inner[0].strip():
        inner.pop(0)
    heading = f"**{label.strip()}:**" if label.strip() else ""
    if not inner:
        return [f"{prefix}> {heading}".rstrip(), ""]
    first = f"{prefix}> {heading} {inner[0]}".replace(">  ", "> ", 1)
    rest = [f"{prefix}> {line}".rstrip() for line in inner[1:]]
    return [first.rstrip(), *rest, ""]


def _tidy(lines: list[str]) -> str | None:
    """Strip trailing spaces, normalise fence info strings, collapse blank runs outside code fences."""
    out: list[str] = []
    fence: str | None = None
    for raw in lines:
        line = raw.rstrip()
        marker = _FENCE.match(line)
        if marker:
            fence = None if fence and marker.group("marker") == fence else fence or marker.group("marker")
            line = f"{marker.group('indent')}{marker.group('marker')}{marker.group('info').strip()}"
        elif not line and fence is None and (not out or not out[-1]):
            continue
        out.append(line)
    text = "\n".join(out).strip("\n")
    return text or None
