"""Manual merges from questions/curation/merges.yaml: groups of questions that ask the same thing.

Format:
    merges:
      - into: <id that stays>
        merge: [<id>, ...]      # these ids disappear and become aliases of `into`
        why: "..."
    kept_apart:
      - {a: <id>, b: <id>, why: "..."}

The kept question gets the union of the sources (its own first), its own wording (unless an override gives a
`prompt`) and its own answer (a written answer if any, else its seed answer; a merged question's answer only
when it has none), and the merged ids as `aliases`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.bank.model import Question

MERGES_YAML = "curation/merges.yaml"


class MergeError(ValueError):
    """merges.yaml is malformed, names an unknown id, or is inconsistent (an id in two groups)."""


@dataclass(frozen=True, slots=True)
class ManualMerge:
    into: str
    merge: tuple[str, ...]
    why: str


@dataclass(frozen=True, slots=True)
class KeptApart:
    a: str
    b: str
    why: str


@dataclass(frozen=True, slots=True)
class Curation:
    merges: tuple[ManualMerge, ...] = ()
    kept_apart: tuple[KeptApart, ...] = ()

    def alias_map(self) -> dict[str, str]:
        """Merged-away id → the id it was merged into."""
        return {old: m.into for m in self.merges for old in m.merge}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def load_merges(path: Path) -> Curation:
    """Read merges.yaml (a missing file means no merges); raises MergeError on a malformed file."""
    if not path.exists():
        return Curation()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MergeError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not set(data) <= {"merges", "kept_apart"}:
        raise MergeError(f"{path}: expected a mapping with `merges:` and `kept_apart:` lists")
    merges: list[ManualMerge] = []
    for n, item in enumerate(data.get("merges") or [], 1):
        ok = isinstance(item, dict) and set(item) <= {"into", "merge", "why"} and isinstance(item.get("into"), str)
        group = item.get("merge") if isinstance(item, dict) else None
        if not ok or not isinstance(group, list) or not group or not all(isinstance(i, str) for i in group):
            raise MergeError(f"{path}: merges entry {n}: expected {{into: id, merge: [id, ...], why: text}}, "
                             f"got {item!r}")
        merges.append(ManualMerge(item["into"], tuple(group), _text(item.get("why"))))
    kept: list[KeptApart] = []
    for n, item in enumerate(data.get("kept_apart") or [], 1):
        if not (isinstance(item, dict) and isinstance(item.get("a"), str) and isinstance(item.get("b"), str)):
            raise MergeError(f"{path}: kept_apart entry {n}: expected {{a: id, b: id, why: text}}, got {item!r}")
        kept.append(KeptApart(item["a"], item["b"], _text(item.get("why"))))
    curation = Curation(tuple(merges), tuple(kept))
    _check_consistent(curation, path)
    return curation


def _check_consistent(curation: Curation, path: Path) -> None:
    where: dict[str, str] = {}
    for m in curation.merges:
        for qid in (m.into, *m.merge):
            if qid in where:
                raise MergeError(f"{path}: {qid} is in two merge groups ({where[qid]} and into {m.into})")
            where[qid] = f"into {m.into}"


def check_ids(curation: Curation, ids: Iterable[str], path: Path) -> list[str]:
    """Errors for ids in merges.yaml that name no question."""
    known = set(ids)
    errors = []
    for m in curation.merges:
        errors += [f"{path}: merge into {m.into}: no question with id {qid}" for qid in (m.into, *m.merge)
                   if qid not in known]
    for k in curation.kept_apart:
        errors += [f"{path}: kept_apart {k.a} / {k.b}: no question with id {qid}" for qid in (k.a, k.b)
                   if qid not in known]
    return errors


def merged_away_errors(keys: Iterable[str], aliases: Mapping[str, str], what: str) -> list[str]:
    """Errors for hand-kept entries (`what`: where they are) keyed by an id that a merge removes."""
    return [f"{what}: {qid} was merged into {aliases[qid]}; key the entry by {aliases[qid]}"
            for qid in sorted(keys) if qid in aliases]


def apply_merges(questions: list[Question], curation: Curation) -> list[Question]:
    """Fold each group into its `into` question: union of sources, merged ids as aliases; order kept."""
    by_id = {q.id: q for q in questions}
    gone = curation.alias_map()
    kept: dict[str, Question] = {}
    for m in curation.merges:
        q = by_id[m.into]
        sources = list(q.sources)
        for qid in m.merge:
            sources += [s for s in by_id[qid].sources if s not in sources]
        if not q.has_answer:
            donor = next((by_id[i] for i in m.merge if by_id[i].has_answer), None)
            if donor is not None:
                q = replace(q, answer=donor.answer, answer_origin=donor.answer_origin)
        if not q.hints:
            q = replace(q, hints=next((by_id[i].hints for i in m.merge if by_id[i].hints), ()))
        aliases = tuple(sorted({*q.aliases, *m.merge}))
        kept[m.into] = replace(q, sources=tuple(sources), aliases=aliases)
    return [kept.get(q.id, q) for q in questions if q.id not in gone]
