"""Stable question ids: a short slug of the normalised prompt plus 6 hex chars of its sha1.

The id depends on the prompt text only, so it survives topic/difficulty overrides and is the same on every
run over the same seeds. Two different prompts that normalise to the same text would share an id; such
collisions get `-2`, `-3`, ... in the order of their raw prompt text (then input order), so the outcome
does not depend on which seed file is read first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

_MARKUP_RE = re.compile(r"[*_`~]+")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_FILLER_START_RE = re.compile(r"^(can|could|would) you (please )?")
SLUG_WORDS = 6
SLUG_MAX_CHARS = 48


def normalise_prompt(prompt: str) -> str:
    """Lower-case, markup-free, whitespace-collapsed prompt: the text an id is derived from."""
    text = unicodedata.normalize("NFKC", prompt)
    text = _MARKUP_RE.sub("", text).casefold()
    return " ".join(text.split())


def slugify(text: str, words: int = SLUG_WORDS, max_chars: int = SLUG_MAX_CHARS) -> str:
    """ASCII slug of the first few words (`what-is-overfitting`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = _FILLER_START_RE.sub("", ascii_text.strip())
    parts = [p for p in _NON_ALNUM_RE.split(ascii_text) if p][:words]
    slug = ""
    for part in parts:
        candidate = f"{slug}-{part}" if slug else part
        if len(candidate) > max_chars:
            break
        slug = candidate
    return slug or "question"


def make_id(prompt: str) -> str:
    """`<slug>-<sha1[:6]>` of the normalised prompt, e.g. `what-is-overfitting-3fa2c1`."""
    normalised = normalise_prompt(prompt)
    digest = hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:6]
    return f"{slugify(normalised)}-{digest}"


def assign_ids(prompts: Sequence[str]) -> list[str]:
    """Ids for `prompts` (same order), unique: colliding ids get deterministic `-2`, `-3` suffixes."""
    base = [make_id(p) for p in prompts]
    groups: dict[str, list[int]] = {}
    for index, qid in enumerate(base):
        groups.setdefault(qid, []).append(index)
    ids = list(base)
    taken = set(base)
    for qid, indexes in sorted(groups.items()):
        if len(indexes) < 2:
            continue
        ordered = sorted(indexes, key=lambda i: (prompts[i], i))
        suffix = 1
        for index in ordered[1:]:
            suffix += 1
            while f"{qid}-{suffix}" in taken:
                suffix += 1
            ids[index] = f"{qid}-{suffix}"
            taken.add(ids[index])
    return ids
