"""The hint leak check: a hint that restates a key point or the answer's opening sentence is caught; a nudge is not."""

from __future__ import annotations

from bot.bank.hint_check import content_words, first_sentence, hint_leak

ANSWER = (
    "Dropout is a regularization technique that prevents overfitting by randomly zeroing activations during "
    "training. At inference every unit is kept.\n\nMore detail follows."
)
KEY_POINTS = (
    "Dropout zeroes each activation with probability p during training",
    "Inverted dropout scales kept activations by 1/(1-p) during training, so inference needs no change",
    "Dropout acts like averaging an ensemble of thinned networks",
)


def test_a_giveaway_hint_restates_the_opening_sentence() -> None:
    why = hint_leak("A regularization technique to prevent overfitting.", KEY_POINTS, ANSWER)
    assert why is not None and why.startswith("restates the answer's opening sentence: 'Dropout is a regularization")


def test_a_hint_that_restates_a_key_point_is_caught() -> None:
    why = hint_leak("Kept activations are scaled by 1/(1-p) in training", KEY_POINTS, ANSWER)
    assert why is not None and "restates key point: 'Inverted dropout scales" in why


def test_a_nudge_passes() -> None:
    assert hint_leak("What happens to the activations at inference time?", KEY_POINTS, ANSWER) is None
    assert hint_leak("Think about ensembles.", KEY_POINTS, None) is None
    assert hint_leak("Why?", KEY_POINTS, ANSWER) is None  # no content words: nothing to leak


def test_content_words_and_first_sentence() -> None:
    assert content_words("What is the L1 vs L2 penalty?") == {"l1", "l2", "penalty"}
    assert content_words("Training models") == {"train", "model"}
    assert first_sentence(ANSWER) == (
        "Dropout is a regularization technique that prevents overfitting by randomly zeroing activations during "
        "training."
    )
    assert first_sentence("One line only") == "One line only"
