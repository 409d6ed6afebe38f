"""The built-in answer grader: synonyms, formulas, negation, grades, limits, speed, and the eval slice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.bank.model import Question
from bot.practice.answer_grading import (
    MAX_ANSWER_CHARS,
    BuiltinGrader,
    EmptyAnswer,
    Feedback,
    Grader,
    grade_from_share,
)
from bot.practice.answer_grading.feedback import AnswerTooLong
from bot.practice.answer_grading.text import clause_tokens, sentences, tokens

G = BuiltinGrader()


def q(*key_points: str, answer: str = "ref") -> Question:
    return Question(id="t", topic="deep-learning", difficulty="easy", prompt="p?", answer=answer,
                    key_points=key_points)


def verdicts(fb: Feedback) -> list[str]:
    return [p.verdict for p in fb.points]


@pytest.mark.parametrize(("a", "b"), [
    ("L2 regularization", "weight decay"), ("weight decay", "ridge"), ("LR", "learning rate"),
    ("BN", "batch normalization"), ("batch norm", "BatchNorm"), ("1/(1-p)", "1 / (1 − p)"),
    ("SVMs", "support vector machine"), ("overfits", "overfitting"),
])
def test_synonyms_abbreviations_and_formulas_normalise_alike(a: str, b: str) -> None:
    assert tokens(a) == tokens(b)


@pytest.mark.parametrize("answer", [
    "Dropout does not scale the weights at test time. It zeroes units while training; L2 shrinks them.",
    "Weight decay (ridge) adds a squared penalty, but L1 — lasso — drives some weights to zero!\nLR = 1e-3.",
    "Use BN after the conv, while the ReLU follows: y = max(0, x). No, it isn't a regularizer, whereas dropout is.",
])
def test_an_answer_normalised_once_splits_into_the_same_clause_tokens(answer: str) -> None:
    """The grader normalises the whole answer once, then splits it: the same tokens as clause by clause."""
    assert clause_tokens(answer) == [toks for toks in (tokens(s) for s in sentences(answer)) if toks]


def test_synonym_covers_key_point() -> None:
    fb = G.grade_sync(q("L2 regularization shrinks the weights", "A smaller learning rate stabilises training"),
                      "Weight decay shrinks weights, and a smaller LR stabilizes the training.")
    assert verdicts(fb) == ["covered", "covered"]
    assert fb.count_line() == "Covered 2 of 2 key points" and fb.suggested_grade == "easy"


def test_formula_written_differently_still_matches() -> None:
    fb = G.grade_sync(q("Inverted dropout scales kept activations by 1/(1-p)"),
                      "With inverted dropout the kept activations are scaled by 1 / (1 − p).")
    assert verdicts(fb) == ["covered"]


def test_negation_does_not_cover() -> None:
    point = q("Batch norm scales the weights")
    assert verdicts(G.grade_sync(point, "Batch norm scales the weights.")) == ["covered"]
    fb = G.grade_sync(point, "Batch norm does not scale the weights.")
    assert verdicts(fb) == ["missed"] and "opposite" in fb.points[0].why
    assert verdicts(G.grade_sync(point, "BN doesn't scale the weights.")) == ["missed"]


def test_negated_key_point_is_covered_by_negated_answer() -> None:
    fb = G.grade_sync(q("A confidence interval is not a probability statement about the parameter"),
                      "The interval isn't a probability statement about this parameter.")
    assert verdicts(fb) == ["covered"]


def test_partly_and_missed_say_why() -> None:
    fb = G.grade_sync(q("Kernel SVMs scale roughly O(n^2) to O(n^3) and struggle beyond 100k samples",
                        "Logistic regression outputs calibrated probabilities"),
                      "Kernel SVMs are slow on big data.")
    assert fb.points[0].verdict in ("partly", "missed") and fb.points[1].verdict == "missed"
    assert fb.points[1].why == "none of its terms appear"
    assert fb.suggested_grade == "again"


def test_typo_matches_by_fuzzy() -> None:
    fb = G.grade_sync(q("Regularization penalises large coefficients"), "Regularisation penalizes larg coeficients")
    assert verdicts(fb) == ["covered"]


@pytest.mark.parametrize(("share", "grade"), [(1.0, "easy"), (0.8, "good"), (0.5, "hard"), (0.1, "again")])
def test_grade_from_share(share: float, grade: str) -> None:
    assert grade_from_share(share) == grade


def test_answer_limits_have_clear_errors() -> None:
    point = q("x is y")
    with pytest.raises(EmptyAnswer, match="empty"):
        G.grade_sync(point, "   \n ")
    with pytest.raises(AnswerTooLong) as exc:
        G.grade_sync(point, "a" * 10_000)
    assert exc.value.length == 10_000 and "limit is 4,000" in str(exc.value)
    G.grade_sync(point, "a" * MAX_ANSWER_CHARS)  # exactly at the limit is fine


async def test_async_grade_and_protocol() -> None:
    g: Grader = G
    fb = await g.grade(q("Dropout zeroes activations at random"), "dropout zeroes random activations")
    assert fb.covered == 1 and not fb.fell_back and fb.grader == "built-in"


def test_deterministic() -> None:
    point = q("Gradients accumulate unless zeroed", "model.eval() disables dropout")
    text = "Gradients accumulate in .grad unless you zero them; eval mode turns dropout off."
    assert G.grade_sync(point, text) == G.grade_sync(point, text)


def test_package_imports_no_chat_platform() -> None:
    pkg = Path(__file__).parents[1] / "bot" / "practice" / "answer_grading"
    for f in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith(("discord", "slack")) for n in names), f


def test_eval_slice_orders_strong_partial_wrong() -> None:
    from bench.answer_eval.run import evaluate

    r = evaluate(limit=13)
    assert r.questions == 13 and len(r.topics) == 13
    assert r.ordered_share >= 0.75, r.misordered
    assert r.grade_agreement >= 0.75, r.misgraded


def test_negation_is_scoped_to_the_words_it_governs() -> None:
    point = q("An autoencoder encodes x to a latent z through a bottleneck",
              "Validate on an out-of-time split, never a random split")
    fb = G.grade_sync(point, "An autoencoder encodes x into a latent z through a bottleneck without labels. "
                             "Validate on an out-of-time split.")
    assert verdicts(fb) == ["covered", "covered"]
    fb = G.grade_sync(point, "Validate on a random split.")
    assert fb.points[1].verdict == "missed"


def test_the_why_names_the_key_points_terms_as_written_not_their_stems() -> None:
    fb = G.grade_sync(q("Benefits: about half the activation memory on Tensor Core GPUs",
                        "L2 regularization shrinks the weights"),
                      "It saves activation memory. Weight decay is used as well.")
    first, second = fb.points
    assert "activation" in first.why and "memory" in first.why and "activ," not in first.why
    assert "l2 regularization" in second.why
