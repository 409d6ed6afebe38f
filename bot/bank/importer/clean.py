"""Text cleaning for imported entries: repair mojibake, normalise whitespace, drop scraped page noise."""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace

import ftfy

from bot.bank.importer.raw import RawEntry


def _cp1252_char(byte: int) -> str | None:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return None


# UTF-8 read as cp1252: a lead byte (Â..ô) followed by continuation bytes (0x80..0xBF) shown as cp1252.
_CONT = "".join(re.escape(c) for b in range(0x80, 0xC0) if (c := _cp1252_char(b)))
_MOJIBAKE_RUN_RE = re.compile(f"[\u00c2-\u00f4][{_CONT}]{{1,3}}")

_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_CHAT_FOLLOWUP_RE = re.compile(
    r"\s*Would you like me to [^?\n]*\?\s*Copy\s*Retry\s*[A-Z](?=[A-Z])(?P<ask>.+?)\s*Edit(?=[A-Z])"
)
_CHAT_TAIL_RE = re.compile(
    r"\n*(?:Would you like me to|Would you like to) [^\n?]*\?\s*(?:Copy\s*Retry\w*)?\s*$"
)
_NOISE_LINES = frozenset(
    {"skip to content", "⬡ hub", "copy", "copy code", "copyretry", "edit", "share", "retry", "back to top"}
)
_WRAPPING_BOLD_RE = re.compile(r"^\*\*(?P<inner>[^*].*?[^*])\*\*$")
_QUESTION_LABEL_RE = re.compile(r"^(?:\*\*)?(?:Q|Question)\s*\d*\s*[:.](?:\*\*)?\s+", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return run.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run


def repair(text: str) -> str:
    """Fix mojibake (`ðŸŸ¢` → 🟢, `Hâ‚€` → H₀) and HTML entities; curly quotes become straight."""
    fixed = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC")
    fixed = _MOJIBAKE_RUN_RE.sub(_repair_run, fixed)
    return ftfy.fix_text(fixed, normalization="NFC")


def tidy_line(text: str) -> str:
    """One-line text (prompts, hints): repaired, whitespace collapsed, wrapping bold and `Question:` dropped."""
    text = _SPACES_RE.sub(" ", _CONTROL_RE.sub("", repair(text)).replace("\n", " ")).strip()
    text = _QUESTION_LABEL_RE.sub("", text)
    bold = _WRAPPING_BOLD_RE.match(text)
    if bold:
        text = bold.group("inner").strip()
    return text


def drop_noise(text: str) -> str:
    """Remove scraped page furniture: chat-export buttons ("CopyRetry", "Edit"), offers to elaborate, UI lines."""
    text = _CHAT_FOLLOWUP_RE.sub(lambda m: f"\n\n**Follow-up:** {m.group('ask').strip()}\n\n", text)
    text = _CHAT_TAIL_RE.sub("", text)
    lines = [line for line in text.split("\n") if line.strip().lower() not in _NOISE_LINES]
    return "\n".join(lines)


def _collapse_blank_runs(text: str) -> str:
    out: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        if not line and not in_fence and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out)


def tidy_block(text: str | None) -> str | None:
    """Multi-line Markdown (answers): repaired, tabs expanded, lines right-stripped, dedented, noise dropped."""
    if text is None:
        return None
    text = repair(text).replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = _CONTROL_RE.sub("", text).replace("\u00a0", " ")
    text = textwrap.dedent("\n".join(line.rstrip() for line in text.split("\n")))
    text = "\n".join(line.rstrip() for line in drop_noise(text).split("\n"))
    text = _collapse_blank_runs(text.strip("\n")).strip()
    return text or None


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def clean_entry(entry: RawEntry) -> RawEntry:
    """A copy of `entry` with prompt, answer, hints and section cleaned."""
    return replace(
        entry,
        prompt=tidy_line(entry.prompt),
        answer=tidy_block(entry.answer),
        hints=_unique([tidy_line(h) for h in entry.hints]),
        section=tidy_line(entry.section),
        topic_hint=tidy_line(entry.topic_hint) if entry.topic_hint else None,
        level=entry.level.strip() if entry.level else None,
    )
