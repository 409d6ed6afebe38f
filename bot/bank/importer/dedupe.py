"""Merge near-duplicate questions across and within seed documents.

Two prompts are the same question when, after normalising (lower case, no markup, hyphens split,
`trade-off`/`tradeoff` unified, plurals folded) and dropping words that do not change what is asked
("what", "explain", "difference", "between", "used", ...):
- every content term of each prompt has a partner in the other (equal, or rapidfuzz ratio >= 90 for
  spelling variants such as normalisation/normalization) — both directions, so "What is batch
  normalization?" never swallows "Batch vs layer normalization?" and precision never meets recall;
- and rapidfuzz's token_sort_ratio of the two content strings is at least 85.
Groups are the connected components of that relation. A group keeps the entry with the best answer
(longer, with code, lists or tables scoring higher), else the longest prompt, else the first in seed
order; every source is kept and hints are unioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.bank.importer.ids import normalise_prompt
from bot.bank.importer.raw import RawEntry

# fmt: off
GENERIC_TERMS: frozenset[str] = frozenset(
    {
        "a", "about", "algorithm", "all", "also", "an", "and", "any", "are", "as", "at", "be", "between",
        "briefly", "by", "can", "compare", "concept", "concepts", "contrast", "could", "define",
        "definition", "describe", "detail", "detailed", "difference", "different", "do", "does", "exactly",
        "explain", "for", "from", "give", "how", "i", "if", "in", "into", "is", "it", "its", "mean",
        "meaning", "means", "more", "need", "of", "on", "one", "or", "other", "over", "please", "provide",
        "purpose", "role", "short", "simple", "such", "term", "terms", "than", "that", "the", "their",
        "them", "these", "they", "this", "those", "to", "understand", "use", "used", "using", "versus",
        "vs", "way", "what", "when", "where", "which", "why", "will", "with", "work", "works", "would",
        "you", "your",
    }
)
# fmt: on
PARTNER_RATIO = 90.0
CONTENT_RATIO = 85.0

_MARKUP_RE = re.compile(r"[*_`~\"'“”‘’()\[\]]")
_WORD_RE = re.compile(r"[a-z0-9]+")


def _fold(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_terms(prompt: str) -> frozenset[str]:
    """The words of a prompt that say what is asked (generic words dropped, plurals folded)."""
    text = normalise_prompt(prompt).replace("tradeoff", "trade-off").replace("pretrain", "pre-train")
    text = _MARKUP_RE.sub(" ", text).replace("-", " ")
    words = (w for w in _WORD_RE.findall(text) if w not in GENERIC_TERMS)
    return frozenset(f for f in map(_fold, words) if f not in GENERIC_TERMS)


def _has_partner(term: str, others: frozenset[str]) -> bool:
    if term in others:
        return True
    return len(term) > 4 and any(len(o) > 4 and fuzz.ratio(term, o) >= PARTNER_RATIO for o in others)


def terms_match(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both directions: every term of `a` has a partner in `b` and every term of `b` one in `a`."""
    if not a or not b:
        return False
    return all(_has_partner(t, b) for t in a - b) and all(_has_partner(t, a) for t in b - a)


def is_duplicate(prompt_a: str, prompt_b: str) -> bool:
    """True when two prompts ask the same question (see the module docstring)."""
    if normalise_prompt(prompt_a) == normalise_prompt(prompt_b):
        return True
    a, b = content_terms(prompt_a), content_terms(prompt_b)
    return _terms_duplicate(a, b)


def _terms_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    if not terms_match(a, b):
        return False
    return fuzz.token_sort_ratio(" ".join(sorted(a)), " ".join(sorted(b))) >= CONTENT_RATIO


def answer_score(answer: str | None) -> int:
    """How complete an answer looks: its length, plus a bonus for code, lists and tables."""
    if not answer or not answer.strip():
        return 0
    score = len(answer)
    if "```" in answer:
        score += 1500
    if re.search(r"^\s*([-*•]|\d+\.)\s", answer, flags=re.MULTILINE):
        score += 300
    if re.search(r"^\s*\|.*\|\s*$", answer, flags=re.MULTILINE):
        score += 300
    return score


@dataclass(slots=True)
class MergedEntry:
    """A kept question and every raw entry folded into it (the kept one included, in seed order)."""

    primary: RawEntry
    members: list[RawEntry] = field(default_factory=list)

    @property
    def merged(self) -> list[RawEntry]:
        """The members other than the kept entry."""
        return [m for m in self.members if m is not self.primary]

    @property
    def hints(self) -> list[str]:
        seen: set[str] = set()
        out: list[str] = []
        for member in [self.primary, *self.merged]:
            for hint in member.hints:
                if hint.casefold() not in seen:
                    seen.add(hint.casefold())
                    out.append(hint)
        return out

    @property
    def level(self) -> str | None:
        return self.primary.level or next((m.level for m in self.members if m.level), None)

    @property
    def topic_hint(self) -> str | None:
        return self.primary.topic_hint or next((m.topic_hint for m in self.members if m.topic_hint), None)

    @property
    def sources(self) -> list[tuple[str, int]]:
        return sorted({(m.source_file, m.line) for m in self.members})


def _order_key(entry: RawEntry) -> tuple[str, int]:
    return (entry.source_file, entry.line)


def _primary(members: list[RawEntry]) -> RawEntry:
    return min(members, key=lambda m: (-answer_score(m.answer), -len(m.prompt), _order_key(m)))


def dedupe(entries: list[RawEntry]) -> list[MergedEntry]:
    """Group near-duplicate entries; the result is in seed order of each group's first member."""
    ordered = sorted(entries, key=_order_key)
    terms = [content_terms(e.prompt) for e in ordered]
    norms = [normalise_prompt(e.prompt) for e in ordered]
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ordered)):
        for j in range(i + 1, len(ordered)):
            a, b = terms[i], terms[j]
            same_text = norms[i] == norms[j]
            if not same_text and (not a or not b or len(a & b) * 2 < max(len(a), len(b))):
                continue  # cheap pre-filter: less than half the terms shared
            if same_text or _terms_duplicate(a, b):
                parent[find(j)] = find(i)

    groups: dict[int, list[RawEntry]] = {}
    for index, entry in enumerate(ordered):
        groups.setdefault(find(index), []).append(entry)
    return [MergedEntry(primary=_primary(members), members=members) for members in groups.values()]
