"""Parser for seed 003: a book summary and an interview guide whose question lists sit under level headers.

Shape (see ../shared/seeds/README.md):
- prose first (book summary, interview-process overview): not questions;
- lists under level headers ``#### <emoji> Easy: ...`` / ``Medium`` / ``Hard`` where the emoji arrives as
  mojibake (``ðŸŸ¢``); one ``#### Easy:`` header has no emoji at all;
- optional sub-groups as plain lines (``Fundamentals``, ``Evaluation Metrics``, ...);
- items ``N. question``, ``N\\. question`` and one stray ``1L question``;
- hints as a trailing parenthetical after the question's last sentence, and ``_Follow-ups:_`` bullets.

Blocks (the section path starts with the block): the ML interview guide, the deep-learning interview guide
that follows it (introduced by "a comprehensive list of deep learning interview questions"), the
100-question ``ML questions`` list and the 100-question ``**Deep learning**`` list. The two deep-learning
blocks carry ``topic_hint="deep learning"``.
"""

from __future__ import annotations

import re

from bot.bank.importer.raw import ParseResult, RawEntry

name = "emoji_levels"

# `#### 🟢 Easy: ...` with the emoji as mojibake, as real emoji, or absent.
_LEVEL_RE = re.compile(r"^#{2,4}\s+(?:\S{1,12}\s+)?(Easy|Medium|Hard)\s*:", re.IGNORECASE)
_ITEM_RE = re.compile(r"^\s*(\d{1,3})(?:\\?\.|L)\s+(\S.*)$")
_FOLLOWUP_RE = re.compile(r"^\s*(?:\\\*|[*-])\s*_?Follow-ups?:_?\s*(.*)$", re.IGNORECASE)
_RULE_RE = re.compile(r"^\s*(?:\*\*\*|---|___)\s*$")
_SUBGROUP_RE = re.compile(r"^[A-Z][\w&/,'\- ]{1,40}$")
# A parenthetical after the last sentence of the question: "...? (Hint: ...)." / "... . (e.g., ...)".
_TRAILING_PAREN_RE = re.compile(r"^(?P<q>.*[?.!])\s*\((?P<h>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*\.?$")
_HINT_PREFIX_RE = re.compile(r"^(?:Hint|Follow-ups?)\s*:\s*", re.IGNORECASE)
_COMMENTARY_RE = re.compile(r"^This is a classic\b", re.IGNORECASE)
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>])")

_BLOCK_ML_GUIDE = "Interview guide: ML"
_BLOCK_DL_GUIDE = "Interview guide: deep learning"
_BLOCK_ML_100 = "ML questions"
_BLOCK_DL_100 = "Deep learning questions"
_DL_HINT = "deep learning"


def detect(text: str) -> bool:
    """True for a document with several `#### <emoji>? Easy|Medium|Hard:` level headers and numbered items."""
    levels = sum(1 for line in text.splitlines() if _LEVEL_RE.match(line))
    return levels >= 3 and "### Question" not in text and "!!! Question" not in text


def _unescape(text: str) -> str:
    return _MD_ESCAPE_RE.sub(r"\1", text)


def _end_sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def split_hint(text: str) -> tuple[str, list[str]]:
    """Move a trailing parenthetical (after the question's last sentence) out of the prompt into hints."""
    hints: list[str] = []
    match = _TRAILING_PAREN_RE.match(text.strip())
    if match:
        hint = _HINT_PREFIX_RE.sub("", match.group("h").strip()).strip()
        text = match.group("q").strip()
        if hint and not _COMMENTARY_RE.match(hint):
            hints.append(_end_sentence(hint))
    return text.strip(), hints


def _followup_hint(rest: str) -> str | None:
    rest = rest.strip()
    if rest.startswith("(") and rest.rstrip(".").endswith(")"):
        rest = rest.rstrip(".")[1:-1]
    rest = _unescape(rest).strip()
    return _end_sentence(rest) if rest else None


def parse(text: str, file_name: str) -> ParseResult:
    """Parse seed 003 into entries; sections are `<block> / <level>[ / <sub-group>]`."""
    entries: list[RawEntry] = []
    counts: dict[str, int] = {}
    block = _BLOCK_ML_GUIDE
    topic_hint: str | None = None
    level: str | None = None
    group: str | None = None

    def section() -> str:
        parts = [block, level or "", group or ""]
        return " / ".join(p for p in parts if p)

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        level_match = _LEVEL_RE.match(stripped)
        if level_match:
            level = level_match.group(1).capitalize()
            group = None
            counts.setdefault(section(), 0)
            continue
        if stripped == "ML questions":
            block, topic_hint, level, group = _BLOCK_ML_100, None, None, None
            continue
        if stripped.strip("*").strip().lower() == "deep learning" and stripped.startswith("**"):
            block, topic_hint, level, group = _BLOCK_DL_100, _DL_HINT, None, None
            continue
        if level is None:
            if "deep learning interview questions" in stripped.lower():
                block, topic_hint, group = _BLOCK_DL_GUIDE, _DL_HINT, None
            continue
        if _RULE_RE.match(stripped) or stripped.startswith("#"):
            # a horizontal rule or any other heading closes the current level's list
            level, group = None, None
            continue
        followup = _FOLLOWUP_RE.match(stripped)
        if followup:
            hint = _followup_hint(followup.group(1))
            if entries and hint:
                entries[-1].hints.append(hint)
            continue
        item = _ITEM_RE.match(line)
        if item:
            prompt, hints = split_hint(_unescape(item.group(2)))
            entries.append(
                RawEntry(
                    prompt=prompt,
                    source_file=file_name,
                    line=number,
                    section=section(),
                    hints=hints,
                    level=level,
                    topic_hint=topic_hint,
                )
            )
            counts[section()] = counts.get(section(), 0) + 1
            continue
        if _SUBGROUP_RE.match(stripped) and not stripped.endswith((".", "?", ":")):
            group = stripped
            continue
        if stripped.startswith(("My recommendation", "Would you like")):
            level, group = None, None
        # anything else inside a list is the level's intro prose: not a question
    # a level header whose list was only introduced by sub-groups would show up as an empty section
    counts = {k: v for k, v in counts.items() if v or not any(s.startswith(k + " / ") for s in counts)}
    return ParseResult(entries=entries, section_counts=counts)
