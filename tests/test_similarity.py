"""The duplicate scan (bot/bank/similarity.py), `questions similar`, and the hand review in merges.yaml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from bot.bank.loader import load_bank
from bot.bank.model import Question
from bot.bank.similarity import Curation, load_curation, similar_pairs, unreviewed
from bot.cli import main
from bot.resources import questions_dir

CURATION = questions_dir() / "curation"


def q(qid: str, prompt: str) -> Question:
    return Question(id=qid, topic="ml-fundamentals", difficulty="easy", prompt=prompt)


def flagged(a: str, b: str, **kw: float) -> str | None:
    """The kind the scan gives the pair (a, b), or None when it does not flag them."""
    pairs = similar_pairs([q("a", a), q("b", b)], **kw)
    return pairs[0].kind if pairs else None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What is overfitting?", "What is overfitting in a neural network?"),
        ("How do you choose the value of 'k' in K-Means clustering?", "How would you choose the value of 'k' in K-Means?"),
        ("What is the \"kernel trick\" in SVMs?", "What is the \"kernel trick\" in SVMs, and why is it useful?"),
        ("Explain the bias-variance tradeoff.", "What is the Bias-Variance trade-off in machine learning?"),
    ],
)
def test_known_repeats_are_close_pairs(a: str, b: str) -> None:
    assert flagged(a, b) == "close"


def test_a_rewording_below_the_threshold_is_caught_by_the_loose_pass() -> None:
    a = "Your model inference is too slow for a production requirement. What are 3-5 ways you could speed it up?"
    b = "Your model is slow at inference time. How would you speed it up?"
    assert flagged(a, b) == "reworded"  # ratio about 83: below 85, but the content words agree
    assert flagged(a, b, loose_threshold=85) is None
    assert flagged("What is a feature? Why is feature engineering important?",
                   "What is the importance of feature engineering in machine learning?") == "reworded"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # token_set_ratio is 100 (one token set contains the other) but the specific words differ
        ("What is deep learning?", "What is the concept of adversarial training in deep learning?"),
        ("What is dropout?", "What is recall?"),
        ("What is a neural network?", "How does speech recognition work in NLP?"),
    ],
)
def test_generic_overlap_is_not_a_pair(a: str, b: str) -> None:
    assert flagged(a, b) is None


def test_pairs_are_sorted_by_score_and_report_ids() -> None:
    pairs = similar_pairs([
        q("x1", "What is dropout?"),
        q("x2", "What is dropout and how does it work as a regularizer?"),
        q("x3", "What is dropout?!"),
    ])
    assert (pairs[0].a, pairs[0].b) == ("x1", "x3")
    assert all(p.a < p.b for p in pairs)
    assert pairs == sorted(pairs, key=lambda p: -p.score)


def test_unreviewed_drops_merged_and_kept_apart_pairs() -> None:
    pairs = similar_pairs([
        q("a", "What is overfitting?"), q("b", "What is overfitting in a neural network?"),
        q("c", "What is a training set?"), q("d", "What is a training set, a validation set and a test set?"),
        q("e", "What is precision?"), q("f", "What is precision? What is recall?"),
    ])
    assert {(p.a, p.b) for p in pairs} >= {("a", "b"), ("c", "d"), ("e", "f")}
    left = unreviewed(pairs, Curation(merged_away=frozenset({"b"}), kept_apart=frozenset({frozenset({"c", "d"})})))
    assert {(p.a, p.b) for p in left} == {("e", "f")}


PACK = """questions:
  - id: pack-overfit-1
    topic: ml-fundamentals
    difficulty: easy
    prompt: What is overfitting?
  - id: pack-overfit-2
    topic: ml-fundamentals
    difficulty: easy
    prompt: What is overfitting in a neural network?
  - id: pack-sql
    topic: sql
    difficulty: easy
    prompt: What does a LEFT JOIN return?
"""


def test_cli_prints_pairs_with_ids_and_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK, encoding="utf-8")
    assert main(["questions", "similar", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "pack-overfit-1: What is overfitting?" in out
    assert "pack-overfit-2: What is overfitting in a neural network?" in out
    assert "pack-sql" not in out
    assert out.splitlines()[0].startswith("100.0")
    assert out.rstrip().endswith("1 pair(s): 1 close, 0 reworded.")
    assert main(["questions", "similar", "--threshold", "101", "--loose", "101", str(pack)]) == 0
    assert capsys.readouterr().out.strip() == "0 pair(s): 0 close, 0 reworded."


# -- the committed review ------------------------------------------------------------------------


def _merges() -> dict:
    return yaml.safe_load((CURATION / "merges.yaml").read_text(encoding="utf-8"))


def _known_ids() -> set[str]:
    """Ids in the shipped bank plus the aliases it records (after an import applies the merges)."""
    ids: set[str] = set()
    for path in questions_dir().glob("*.yaml"):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            ids.add(entry["id"])
            ids.update(entry.get("aliases") or [])
    return ids


def test_merges_file_is_consistent() -> None:
    data = _merges()
    known = _known_ids()
    seen: dict[str, str] = {}
    intos = {g["into"] for g in data["merges"]}
    for group in data["merges"]:
        assert group["merge"], group["into"]
        assert group["why"].strip(), group["into"]
        for qid in [group["into"], *group["merge"]]:
            assert qid in known, f"unknown id {qid}"
            assert qid not in seen, f"{qid} is in the groups of {seen[qid]} and {group['into']}"
            seen[qid] = group["into"]
        assert not intos & set(group["merge"]), f"{group['into']} merges an id that is itself an `into`"
    for pair in data["kept_apart"]:
        assert pair["why"].strip()
        for qid in (pair["a"], pair["b"]):
            assert qid in known and (qid not in seen or qid in intos), f"kept_apart names merged-away {qid}"


def test_shipped_bank_has_no_unreviewed_similar_pair() -> None:
    """After the merges (and prompt overrides), every pair the scan flags has been reviewed and kept apart."""
    curation = load_curation(CURATION / "merges.yaml")
    overrides = yaml.safe_load((CURATION / "overrides.yaml").read_text(encoding="utf-8")) or {}
    bank = load_bank([questions_dir()])
    effective = [
        dataclasses.replace(x, prompt=(overrides.get(x.id) or {}).get("prompt", x.prompt))
        for x in bank.questions if x.id not in curation.merged_away
    ]
    left = unreviewed(similar_pairs(effective), curation)
    assert not left, "\n".join(f"{p.score} {p.a} | {p.b}" for p in left)


def test_overrides_name_questions_that_survive_the_merges() -> None:
    """A level or wording fix on a merged-away id would be lost (or fail the import): none may exist."""
    curation = load_curation(CURATION / "merges.yaml")
    overrides = yaml.safe_load((CURATION / "overrides.yaml").read_text(encoding="utf-8"))
    known = _known_ids()
    for qid, fields in overrides.items():
        assert qid in known and qid not in curation.merged_away, qid
        assert set(fields) <= {"topic", "difficulty", "prompt"} and fields, qid
        assert fields.get("difficulty", "easy") in {"easy", "medium", "hard"}, qid
        prompt = fields.get("prompt")
        if prompt is not None:
            assert prompt.strip() == prompt and "\n" not in prompt and prompt[0].isupper(), qid
            assert prompt.endswith(("?", ".")), qid
