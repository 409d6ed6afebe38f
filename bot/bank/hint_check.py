"""Hints nudge, never tell: a hint must not restate a key point or the answer's opening sentence.

The same rule (and thresholds) as the content helpers' checker: a hint leaks when most of its content words
appear in one key point or in the answer's first sentence (>= 60% of the hint's words, with at least two), or
when it covers most of that target (>= 70% of the target's words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_STOPWORD_TEXT = (
    "a an the and or of to in on for with by is are be it its as at from that this these those what which how why "
    "when where who whom does do did can could should would will not no vs versus into than then there their they "
    "you your we our using use used about between over under each every some any more most less such only also "
    "one two per via if else both whether"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
HINT_SHARE = 0.6  # share of the hint's content words found in the target
TARGET_SHARE = 0.7  # share of the target's content words found in the hint
_WORD = re.compile(r"[a-z0-9]+(?:[./+-][a-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Lower-cased, crudely stemmed words that carry meaning (no stop words, at least 3 characters or a digit)."""
    words = _WORD.findall(text.lower())
    return {_stem(w) for w in words if w not in STOPWORDS and (len(w) > 2 or any(c.isdigit() for c in w))}


def first_sentence(answer: str) -> str:
    """The answer's opening sentence (within its first paragraph)."""
    text = answer.strip().split("\n\n", 1)[0]
    match = _SENTENCE_END.search(text)
    return text[: match.start()] if match else text


def hint_leak(hint: str, key_points: Sequence[str], answer: str | None) -> str | None:
    """Why `hint` gives the answer away, or None when it only nudges."""
    h = content_words(hint)
    if not h:
        return None
    targets = [("key point", kp) for kp in key_points]
    if answer:
        targets.append(("the answer's opening sentence", first_sentence(answer)))
    for label, text in targets:
        t = content_words(text)
        if not t:
            continue
        shared = h & t
        if (len(h) >= 2 and len(shared) / len(h) >= HINT_SHARE) or len(shared) / len(t) >= TARGET_SHARE:
            return f"restates {label}: {_clip(text)!r}"
    return None


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
