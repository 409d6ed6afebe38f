"""Find pairs of bank questions whose prompts ask (nearly) the same thing, for review before merging.

Content words are the importer's `content_terms` (question words and fillers dropped, plurals folded)
minus words every ML prompt shares ("learning", "model", "deep", "technique", ...). Two passes over
every pair of prompts:
- *close*: rapidfuzz `token_set_ratio` of the normalised prompts >= `threshold` (default 85) and the
  content-word sets overlap (Jaccard >= 0.25), so "What is deep learning?" does not pair with every
  "... in deep learning?" prompt just because its tokens are a subset;
- *reworded*: `token_set_ratio` >= `loose_threshold` (default 70) and strong content-word overlap: the
  Jaccard index >= 0.5, or at least two shared words covering >= 80% of the smaller set.
The scan only proposes; a reviewer decides (questions/curation/merges.yaml, kept_apart for pairs left apart).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, utils

from bot.bank.importer.dedupe import content_terms
from bot.bank.importer.ids import normalise_prompt
from bot.bank.model import Question

# fmt: off
DOMAIN_TERMS: frozenset[str] = frozenset(
    {
        "ai", "application", "approach", "common", "context", "data", "dataset", "deep", "discuss",
        "example", "have", "important", "importance", "learning", "like", "machine", "main", "method", "ml",
        "model", "network", "neural", "problem", "some", "technique", "train", "training", "type", "we",
    }
)
# fmt: on
DEFAULT_THRESHOLD = 85.0
DEFAULT_LOOSE_THRESHOLD = 70.0
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.8
MIN_CLOSE_JACCARD = 0.25


@dataclass(frozen=True, slots=True)
class SimilarPair:
    """Two questions that may ask the same thing, with the evidence."""

    a: str
    b: str
    prompt_a: str
    prompt_b: str
    score: float  # token_set_ratio of the normalised prompts, 0..100
    overlap: float  # Jaccard index of the content-word sets, 0..1
    kind: str  # "close" (score >= threshold) or "reworded" (lower score, strong content overlap)


def key_terms(prompt: str) -> frozenset[str]:
    """The content words of a prompt that are specific to it (shared ML vocabulary dropped)."""
    return frozenset(t for t in content_terms(prompt) if t not in DOMAIN_TERMS and len(t) > 1)


def _text(prompt: str) -> str:
    """Prompt text for the ratio: lower case, punctuation to spaces, spelling variants unified."""
    text = normalise_prompt(prompt).replace("tradeoff", "trade-off").replace("pretrain", "pre-train")
    return utils.default_process(text)


def _overlap(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    """(Jaccard index, containment of the smaller set in the larger) of two content-word sets."""
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / len(a | b), shared / min(len(a), len(b))


def similar_pairs(
    questions: Sequence[Question] | Iterable[Question],
    threshold: float = DEFAULT_THRESHOLD,
    loose_threshold: float = DEFAULT_LOOSE_THRESHOLD,
) -> list[SimilarPair]:
    """Every pair of questions that either pass finds, best score first (ties by ids)."""
    qs = list(questions)
    texts = [_text(q.prompt) for q in qs]
    terms = [key_terms(q.prompt) for q in qs]
    pairs: list[SimilarPair] = []
    for i in range(len(qs)):
        for j in range(i + 1, len(qs)):
            shared = terms[i] & terms[j]
            if not shared:
                continue
            score = fuzz.token_set_ratio(texts[i], texts[j])
            if score < min(threshold, loose_threshold):
                continue
            jaccard, containment = _overlap(terms[i], terms[j])
            if score >= threshold and jaccard >= MIN_CLOSE_JACCARD:
                kind = "close"
            elif score >= loose_threshold and (jaccard >= MIN_JACCARD or
                                              (containment >= MIN_CONTAINMENT and len(shared) >= 2)):
                kind = "reworded"
            else:
                continue
            a, b = sorted((qs[i], qs[j]), key=lambda q: q.id)
            pairs.append(SimilarPair(a.id, b.id, a.prompt, b.prompt, round(score, 1), round(jaccard, 2), kind))
    pairs.sort(key=lambda p: (-p.score, -p.overlap, p.a, p.b))
    return pairs


def format_pairs(pairs: Sequence[SimilarPair]) -> str:
    """One block per pair: score, overlap, kind, then both ids and prompts."""
    lines: list[str] = []
    for p in pairs:
        lines.append(f"{p.score:5.1f}  overlap {p.overlap:.2f}  {p.kind}")
        lines.append(f"   {p.a}: {p.prompt_a}")
        lines.append(f"   {p.b}: {p.prompt_b}")
    close = sum(1 for p in pairs if p.kind == "close")
    lines.append(f"{len(pairs)} pair(s): {close} close, {len(pairs) - close} reworded.")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Curation:
    """What questions/curation/merges.yaml decided: merged-away ids and pairs reviewed and kept apart."""

    merged_away: frozenset[str]
    kept_apart: frozenset[frozenset[str]]


def load_curation(path: Path) -> Curation:
    """Read merges.yaml (missing file = nothing reviewed yet)."""
    if not path.is_file():
        return Curation(frozenset(), frozenset())
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    merged = frozenset(str(i) for g in data.get("merges") or [] for i in g.get("merge") or [])
    kept = frozenset(frozenset((str(k["a"]), str(k["b"]))) for k in data.get("kept_apart") or [])
    return Curation(merged, kept)


def unreviewed(pairs: Sequence[SimilarPair], curation: Curation) -> list[SimilarPair]:
    """Pairs still needing a decision: neither id merged away and the pair not listed in kept_apart."""
    return [
        p for p in pairs
        if p.a not in curation.merged_away and p.b not in curation.merged_away
        and frozenset((p.a, p.b)) not in curation.kept_apart
    ]
