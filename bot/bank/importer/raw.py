"""What a seed parser hands to the import pipeline: entries as found, before cleaning and merging."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(slots=True)
class RawEntry:
    """One question as it stands in a seed document.

    `section` is the heading path the entry sits under (e.g. "PyTorch questions / Basic Level"); `level`
    is the document's own level word when it gives one ("Beginner", "Medium", ...), else None. `line` is
    the 1-based line of the question text in the seed file.
    """

    prompt: str
    source_file: str
    line: int
    section: str
    answer: str | None = None
    hints: list[str] = field(default_factory=list)
    level: str | None = None
    topic_hint: str | None = None


@dataclass(slots=True)
class ParseResult:
    """Entries of one seed file plus how many each section yielded (a section with 0 fails the import)."""

    entries: list[RawEntry]
    section_counts: dict[str, int]


class SeedParser(Protocol):
    """A module under bot/bank/importer/seeds/ exposes these two functions."""

    name: str

    def detect(self, text: str) -> bool: ...

    def parse(self, text: str, file_name: str) -> ParseResult: ...
